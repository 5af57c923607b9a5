// A typed schema: field types by name, from which TypeScript derives the row
// type and the runtime derives the Arrow schema, the Delta schema and the
// column builders.
import * as arrow from 'apache-arrow';
import type { ColumnBuilder } from './columnBuilder.ts';
import { fromArrowSchema, serializeSchema, type StructType } from '../../delta/schema.ts';
import { FieldType } from './field.ts';
import type { Fields, RowInput } from './row.ts';
import { toArrowFields } from './struct.ts';

/** Options of `schema()`. */
export interface SchemaOptions {
  /** Named in error messages, e.g. the table name. */
  name?: string;
}

/** A typed schema; see `schema()`. */
export class Schema<F extends Fields = Fields> {
  /** Compile-time only: the input row type (use `RowOf<typeof s>`). */
  declare readonly __row: RowInput<F>;
  /** Column names in order. */
  readonly names: readonly string[];
  readonly name: string | undefined;
  private arrowSchema: arrow.Schema | undefined;

  constructor(
    readonly fields: F,
    options: SchemaOptions = {},
  ) {
    this.names = Object.keys(fields);
    this.name = options.name;
    if (this.names.length === 0) throw new TypeError(`schema${this.name ? ` ${this.name}` : ''}: needs at least one field`);
    for (const n of this.names) {
      if (n === '') throw new TypeError(`schema${this.name ? ` ${this.name}` : ''}: field names must be non-empty`);
      if (!(fields[n] instanceof FieldType)) throw new TypeError(`schema${this.name ? ` ${this.name}` : ''}: field "${n}" is not a field type (use int32(), utf8(), …)`);
    }
  }

  /** The Arrow schema (cached; batches built from this schema share it). */
  toArrow(): arrow.Schema {
    return (this.arrowSchema ??= new arrow.Schema(toArrowFields(this.fields)));
  }

  /**
   * The Delta schema as an object, converted from the Arrow schema by the Delta
   * module (so both paths agree; an Arrow type Delta cannot store, such as
   * nanosecond timestamps, throws naming the field).
   */
  toDelta(): StructType {
    return fromArrowSchema(this.toArrow());
  }

  /**
   * The Delta schema JSON, as stored in `metaData.schemaString`.
   * @example `schema({ id: int64() }).toDeltaJSON()` → `{"type":"struct","fields":[{"name":"id","type":"long","nullable":false,"metadata":{}}]}`
   */
  toDeltaJSON(): string {
    return serializeSchema(this.toDelta());
  }

  /** One fresh column builder per field, in column order. */
  createBuilders(): ColumnBuilder[] {
    return this.names.map((n) => this.fields[n]!.createBuilder());
  }
}

/** The input row type of a schema: `RowOf<typeof orders>`. */
export type RowOf<S> = S extends Schema<infer F> ? RowInput<F> : never;

/**
 * Declares a typed schema.
 * @example
 * ```ts
 * const orders = schema({ id: int64(), amount: float64(), status: utf8(), note: utf8().nullable() }, { name: 'orders' });
 * type Order = RowOf<typeof orders>; // { id: number | bigint; amount: number; status: string; note?: string | null }
 * orders.toArrow();      // arrow.Schema
 * orders.toDeltaJSON();  // '{"type":"struct","fields":[…]}'
 * ```
 */
export function schema<const F extends Fields>(fields: F, options?: SchemaOptions): Schema<F> {
  return new Schema(fields, options);
}
