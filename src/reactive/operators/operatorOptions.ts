// Options shared by the expression operators (where / select / withColumns / dropColumns).
import type { Schema } from '../schema/schema.ts';

/** Options of the expression operators. */
export interface OperatorOptions {
  /** Dataset (table) the stream feeds; named in error messages. */
  dataset?: string;
}

/** Options of operators that take column functions. */
export interface TypedOperatorOptions<S extends Schema = Schema> extends OperatorOptions {
  /**
   * The typed schema of the incoming batches. It types the `columns` argument
   * of column functions, and each new batch schema is checked against it
   * (every declared column present with the same Arrow type).
   */
  schema?: S;
}
