// What a withColumns column function may return, and its conversion to one
// Arrow Data of the batch's length. Arrow Vectors keep their type; typed
// arrays map to the Arrow type of the same name (zero-copy); plain arrays get
// a type from their values, fixed for the rest of the stream so every batch
// has the same schema.
import * as arrow from 'apache-arrow';
import { concatData } from '../batch/concatBatches.ts';
import { describeValue } from '../schema/valueError.ts';

/** A plain-array cell: null/undefined are SQL NULL. */
export type ColumnCell = number | bigint | string | boolean | Date | Uint8Array | null | undefined;

/**
 * The result of a column function: one value per row of the batch.
 * - an Arrow `Vector` of any type (choose the type yourself);
 * - `Float64Array`, `Float32Array`, `Int32Array`, `Int16Array`, `Int8Array`,
 *   `BigInt64Array`: that Arrow type, no nulls, used without copying;
 * - a plain array: numbers → Float64, bigints → Int64, strings → Utf8,
 *   booleans → Bool, Dates → Timestamp(µs, UTC), Uint8Arrays → Binary.
 */
export type ColumnValue =
  | arrow.Vector
  | Float64Array
  | Float32Array
  | Int32Array
  | Int16Array
  | Int8Array
  | BigInt64Array
  | readonly ColumnCell[];

type Kind = 'number' | 'bigint' | 'string' | 'boolean' | 'Date' | 'Uint8Array';

const KIND_TYPE: Record<Kind, () => arrow.DataType> = {
  number: () => new arrow.Float64(),
  bigint: () => new arrow.Int64(),
  string: () => new arrow.Utf8(),
  boolean: () => new arrow.Bool(),
  Date: () => new arrow.TimestampMicrosecond('UTC'),
  Uint8Array: () => new arrow.Binary(),
};

function kindOf(v: unknown): Kind | undefined {
  switch (typeof v) {
    case 'number': return 'number';
    case 'bigint': return 'bigint';
    case 'string': return 'string';
    case 'boolean': return 'boolean';
  }
  if (v instanceof Date) return 'Date';
  if (v instanceof Uint8Array) return 'Uint8Array';
  return undefined;
}

function kindOfType(t: arrow.DataType): Kind | undefined {
  for (const k of Object.keys(KIND_TYPE) as Kind[]) if (String(KIND_TYPE[k]()) === String(t)) return k;
  return undefined;
}

/** Remembers the type a column's plain arrays were given, across batches. */
export interface InferredTypes {
  get(column: string): arrow.DataType | undefined;
  set(column: string, type: arrow.DataType): void;
}

/**
 * Converts a column function's result for a batch of `length` rows.
 * @throws Error naming the column (and row and value) on a wrong length, an
 * unsupported array, mixed or unsupported values, or an all-null first array.
 */
export function toColumnData(value: unknown, column: string, length: number, inferred: InferredTypes): arrow.Data {
  if (value instanceof arrow.Vector) {
    checkLength(value.length, column, length);
    return value.data.length === 1 ? value.data[0]! : concatData(value.type, [...value.data]);
  }
  if (ArrayBuffer.isView(value)) {
    const type = typedArrayType(value, column);
    const typed = value as Float64Array | Float32Array | Int32Array | Int16Array | Int8Array | BigInt64Array;
    checkLength(typed.length, column, length);
    return arrow.makeData({ type, length, nullCount: 0, data: typed } as never);
  }
  if (!Array.isArray(value)) {
    throw new Error(`Column '${column}': the function returned ${describeValue(value)}; return an Arrow Vector, a typed array or an array with one value per row`);
  }
  checkLength(value.length, column, length);
  let type = inferred.get(column);
  if (type === undefined) {
    const first = (value as unknown[]).find((v) => v != null);
    if (first === undefined) {
      throw new Error(`Column '${column}': cannot infer a type from an array of only nulls; return an Arrow Vector of the intended type (e.g. vectorFromArray(values, new Float64()))`);
    }
    const kind = kindOf(first);
    if (kind === undefined) throw new Error(`Column '${column}': unsupported value ${describeValue(first)}; use numbers, bigints, strings, booleans, Dates or Uint8Arrays, or return an Arrow Vector`);
    type = KIND_TYPE[kind]();
    inferred.set(column, type);
  }
  const kind = kindOfType(type)!;
  return fromCells(value as readonly unknown[], kind, type, column);
}

function checkLength(got: number, column: string, length: number): void {
  if (got !== length) throw new Error(`Column '${column}': the function returned ${got} values for a batch of ${length} rows`);
}

function typedArrayType(v: ArrayBufferView, column: string): arrow.DataType {
  if (v instanceof Float64Array) return new arrow.Float64();
  if (v instanceof Float32Array) return new arrow.Float32();
  if (v instanceof Int32Array) return new arrow.Int32();
  if (v instanceof Int16Array) return new arrow.Int16();
  if (v instanceof Int8Array) return new arrow.Int8();
  if (v instanceof BigInt64Array) return new arrow.Int64();
  // Delta has no unsigned types, and a Uint8Array is more likely a mistaken mask than a column.
  throw new Error(`Column '${column}': a ${v.constructor.name} has no Delta type; return Int32Array, Int64 (BigInt64Array), Float64Array… or an Arrow Vector`);
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function fromCells(cells: readonly unknown[], kind: Kind, type: arrow.DataType, column: string): arrow.Data {
  const n = cells.length;
  const bad = (i: number): never => {
    throw new Error(`Column '${column}': row ${i} is ${describeValue(cells[i])}, but the column holds ${kind} values (${String(type)})`);
  };
  for (let i = 0; i < n; i++) {
    const v = cells[i];
    if (v != null && kindOf(v) !== kind) bad(i);
  }
  const valid = new Uint8Array(((n + 63) & ~63) >> 3);
  let nullCount = 0;
  for (let i = 0; i < n; i++) {
    if (cells[i] == null) nullCount++;
    else valid[i >> 3]! |= 1 << (i & 7);
  }
  const nullBitmap = nullCount > 0 ? valid : undefined;
  switch (kind) {
    case 'number':
      return arrow.makeData({ type: type as arrow.Float64, length: n, nullCount, nullBitmap, data: Float64Array.from(cells, (v) => (v == null ? 0 : (v as number))) });
    case 'bigint': {
      const out = new BigInt64Array(n);
      for (let i = 0; i < n; i++) {
        const v = cells[i] as bigint | null | undefined;
        if (v == null) continue;
        if (v < INT64_MIN || v > INT64_MAX) bad(i);
        out[i] = v;
      }
      return arrow.makeData({ type: type as arrow.Int64, length: n, nullCount, nullBitmap, data: out });
    }
    case 'Date': {
      const out = new BigInt64Array(n);
      for (let i = 0; i < n; i++) {
        const v = cells[i] as Date | null | undefined;
        if (v == null) continue;
        const ms = v.getTime();
        if (Number.isNaN(ms)) bad(i);
        out[i] = BigInt(ms) * 1000n;
      }
      return arrow.makeData({ type: type as arrow.TimestampMicrosecond, length: n, nullCount, nullBitmap, data: out });
    }
    default:
      // Strings, booleans, binaries: Arrow's builders handle offsets and bit packing; null/undefined become NULL.
      return arrow.vectorFromArray(cells as never[], type).data[0]!;
  }
}
