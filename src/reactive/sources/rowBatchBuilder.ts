// Turns chunks of plain-object rows into RecordBatches, column by column: each
// column's builder runs one tight loop over the chunk, so property reads stay
// monomorphic and no per-row objects are created.
import * as arrow from 'apache-arrow';
import type { ColumnBuilder, RowLike } from '../schema/columnBuilder.ts';
import type { Schema } from '../schema/schema.ts';
import { isRecord } from '../schema/struct.ts';
import { contextualize, describeValue, ValueError } from '../schema/valueError.ts';

/** Names a row in error messages, e.g. `row 12` or `line 7`. */
export type Locate = (indexInChunk: number) => string;

/** Builds RecordBatches of one schema from row chunks or from values column by column. */
export class RowBatchBuilder {
  /** One builder per schema column, in order (text sources append to these directly). */
  readonly columns: ColumnBuilder[];
  private readonly arrowSchema: arrow.Schema;
  private readonly structType: arrow.Struct;

  constructor(readonly schema: Schema) {
    this.columns = schema.createBuilders();
    this.arrowSchema = schema.toArrow();
    this.structType = new arrow.Struct(this.arrowSchema.fields);
  }

  /**
   * Builds one batch from `rows[0..count)`. Throws an Error naming the schema,
   * column, row (via `locate`) and value of the first bad value found.
   */
  build(rows: ArrayLike<unknown>, count: number, locate: Locate): arrow.RecordBatch {
    for (let i = 0; i < count; i++) {
      if (!isRecord(rows[i])) {
        const where = this.schema.name ? `${this.schema.name}: ` : '';
        throw new Error(`${where}${locate(i)}: expected a row object, got ${describeValue(rows[i])}`);
      }
    }
    const names = this.schema.names;
    for (let c = 0; c < names.length; c++) {
      try {
        this.columns[c]!.appendColumn(rows as ArrayLike<RowLike>, count, names[c]!);
      } catch (e) {
        this.discard();
        throw contextualize(e, names[c]!, e instanceof ValueError && e.index >= 0 ? locate(e.index) : 'a row', this.schema.name);
      }
    }
    return this.finish(count);
  }

  /** Assembles the batch from the columns (each must hold `count` values) and resets them. */
  finish(count: number): arrow.RecordBatch {
    const children = this.columns.map((b) => b.finish());
    const data = arrow.makeData({ type: this.structType, length: count, nullCount: 0, children });
    return new arrow.RecordBatch(this.arrowSchema, data);
  }

  /** Drops partially built columns after an error so the builder can be reused. */
  discard(): void {
    for (const b of this.columns) b.finish();
  }
}
