// Typed, vectorised access to a batch's columns for the function variants of
// where / withColumns: `ColumnsOf<typeof orders>` maps each field of a typed
// schema to the Arrow Vector its column arrives as, so `c.amount` is checked
// by TypeScript and `c.amonut` is a compile error.
import type * as arrow from 'apache-arrow';
import type { FieldType } from '../schema/field.ts';
import type { Schema } from '../schema/schema.ts';

type Exactly<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/**
 * The Arrow type a field type's column holds, derived from the field's input
 * type (the only type-level trace a `FieldType` keeps). `int8()`…`float64()`
 * all accept `number`, so their columns are typed as the union of those Arrow
 * types: `get(i)` is a `number`, `toArray()` one of their typed arrays.
 */
export type ArrowTypeOf<F> = F extends FieldType<infer In, boolean> ? ArrowTypeOfInput<In> : arrow.DataType;

type ArrowTypeOfInput<In> =
  Exactly<In, boolean> extends true ? arrow.Bool
  : Exactly<In, string> extends true ? arrow.Utf8
  : Exactly<In, number> extends true ? arrow.Int8 | arrow.Int16 | arrow.Int32 | arrow.Float32 | arrow.Float64
  : Exactly<In, number | bigint> extends true ? arrow.Int64
  : Exactly<In, Uint8Array> extends true ? arrow.Binary
  : Exactly<In, Date | number | string> extends true ? arrow.DateDay
  : Exactly<In, Date | number | bigint | string> extends true ? arrow.Timestamp
  : Exactly<In, string | number | bigint> extends true ? arrow.Decimal
  : [In] extends [ReadonlyArray<unknown>] ? arrow.List
  : [Extract<In, ReadonlyMap<unknown, unknown>>] extends [never] ? ([In] extends [object] ? arrow.Struct : arrow.DataType)
  : arrow.Map_;

/**
 * The columns of a batch of schema `S`, by name, as Arrow Vectors of the
 * matching type. Without a concrete schema type it is a record of untyped
 * Vectors.
 * @example
 * ```ts
 * const orders = schema({ id: int64(), amount: float64(), note: utf8().nullable() });
 * type C = ColumnsOf<typeof orders>;
 * // { readonly id: Vector<Int64>; readonly amount: Vector<Int8 | … | Float64>; readonly note: Vector<Utf8> }
 * ```
 */
export type ColumnsOf<S> = S extends Schema<infer F> ? { readonly [K in keyof F]: arrow.Vector<ArrowTypeOf<F[K]>> } : Readonly<Record<string, arrow.Vector>>;

/** Names that are probed on arbitrary objects (promises, JSON, inspection) and must not throw. */
const PROBED = new Set(['then', 'toJSON', 'constructor', 'inspect', 'asymmetricMatch', '$$typeof']);

/**
 * The columns of `batch` as an object of Vectors (zero-copy views). Reading a
 * column the batch does not have throws an Error naming it and listing the
 * batch's columns, instead of handing `undefined` to user code.
 */
export function columnsOf(batch: arrow.RecordBatch): Readonly<Record<string, arrow.Vector>> {
  const fields = batch.schema.fields;
  const target: Record<string, arrow.Vector> = {};
  fields.forEach((f, i) => {
    target[f.name] = batch.getChildAt(i)!;
  });
  return new Proxy(target, {
    get(t, key, receiver) {
      if (typeof key === 'symbol' || Object.prototype.hasOwnProperty.call(t, key) || PROBED.has(key) || key in Object.prototype) {
        return Reflect.get(t, key, receiver) as unknown;
      }
      throw new Error(`Column '${key}' not found in the batch [${fields.map((f) => f.name).join(', ')}]`);
    },
  });
}

/**
 * Checks that a batch schema carries every column of a declared typed schema,
 * with the same Arrow type; returns a description of the first difference.
 */
export function declaredMismatch(declared: Schema, actual: arrow.Schema): string | undefined {
  const expected = declared.toArrow();
  for (const f of expected.fields) {
    const got = actual.fields.find((g) => g.name === f.name);
    if (!got) return `column '${f.name}' of the declared schema${declared.name ? ` ${declared.name}` : ''} is missing from the batch [${actual.fields.map((g) => g.name).join(', ')}]`;
    if (String(got.type) !== String(f.type)) return `column '${f.name}' is ${String(got.type)} in the batch but ${String(f.type)} in the declared schema${declared.name ? ` ${declared.name}` : ''}`;
  }
  return undefined;
}
