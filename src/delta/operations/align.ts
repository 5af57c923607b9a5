// Shapes input data to a table's schema before it is written: columns in
// table order, missing nullable columns filled with nulls, lossless widenings
// applied (int8→…→int64, float→double, ms/s timestamps→µs, large→regular
// strings), and anything else refused with an error naming the column.
// With mergeSchema, new top-level columns extend the schema instead.

import * as arrow from 'apache-arrow';
import { fromArrowField, toArrowField } from '../schema.ts';
import type { StructField, StructType } from '../schema.ts';

/** Input accepted by the write operations. */
export type WriteInput = arrow.Table | arrow.RecordBatch | readonly arrow.RecordBatch[];

/** The input as one Arrow table. */
export function toTable(data: WriteInput): arrow.Table {
  if (data instanceof arrow.Table) return data;
  if (data instanceof arrow.RecordBatch) return new arrow.Table(data);
  if (Array.isArray(data)) {
    if (data.length === 0) throw new Error('No data to write: an empty list of record batches has no schema');
    return new arrow.Table(data as arrow.RecordBatch[]);
  }
  throw new Error(`Cannot write ${Object.prototype.toString.call(data)}: expected an Arrow Table or RecordBatch[]`);
}

export interface AlignResult {
  /** The data in the table's (possibly merged) schema. */
  data: arrow.Table;
  /** Fields added by mergeSchema, when there are any. */
  addedFields: StructField[];
}

/**
 * Aligns `data` to `schema` (the table's Arrow schema). `table` names the
 * table in errors.
 *
 * @example
 * const { data } = alignToSchema(input, snapshot.arrowSchema, { table: '/t' });
 */
export function alignToSchema(
  input: arrow.Table,
  schema: arrow.Schema,
  options: { table: string; mergeSchema?: boolean },
): AlignResult {
  const byName = new Map(input.schema.fields.map((f, i) => [f.name, i] as const));
  const lower = new Map(schema.fields.map((f) => [f.name.toLowerCase(), f.name] as const));
  const extra = input.schema.fields.filter((f) => !schema.fields.some((t) => t.name === f.name));
  for (const f of extra) {
    const other = lower.get(f.name.toLowerCase());
    if (other !== undefined) {
      throw new Error(`Column '${f.name}' of the data matches table column '${other}' of Delta table ${options.table} only by case; Delta column names are case-insensitive, rename it`);
    }
  }
  if (extra.length > 0 && !options.mergeSchema) {
    throw new Error(
      `Data has column(s) ${extra.map((f) => `'${f.name}'`).join(', ')} that Delta table ${options.table} does not have ` +
        `(table columns: ${schema.fields.map((f) => f.name).join(', ')}). Pass mergeSchema: true to add them.`,
    );
  }
  const addedFields: StructField[] = [];
  const fields: arrow.Field[] = [...schema.fields];
  for (const f of extra) {
    const type = f.type.typeId === arrow.Type.Dictionary ? (f.type as arrow.Dictionary).dictionary : f.type;
    const delta = fromArrowField(new arrow.Field(f.name, type, true, f.metadata)); // throws for types Delta cannot hold
    addedFields.push(delta);
    // Stored in the table's normalized form (µs timestamps, Utf8 strings).
    fields.push(toArrowField(delta));
  }
  for (const target of schema.fields) {
    if (!byName.has(target.name) && !target.nullable) {
      throw new Error(`Data is missing column '${target.name}' of Delta table ${options.table}, which is NOT NULL`);
    }
  }
  const out = new arrow.Schema(fields, schema.metadata);
  // Batch by batch, so every column of an output batch is one contiguous Data.
  const batches = input.batches.map((batch) => {
    const children = fields.map((target) => {
      const idx = byName.get(target.name);
      if (idx === undefined) return nullVector(target.type, batch.numRows).data[0];
      const vec = batch.getChildAt(idx) as arrow.Vector;
      return convertVector(vec, input.schema.fields[idx].type, target.type, target.name, options.table).data[0];
    });
    const struct = arrow.makeData({ type: new arrow.Struct(fields), length: batch.numRows, nullCount: 0, children });
    return new arrow.RecordBatch(out, struct);
  });
  return { data: new arrow.Table(out, batches), addedFields };
}

/** Appends mergeSchema's new fields to a Delta schema. */
export function mergeFields(schema: StructType, added: readonly StructField[]): StructType {
  return { type: 'struct', fields: [...schema.fields, ...added] };
}

function nullVector(type: arrow.DataType, length: number): arrow.Vector {
  const builder = arrow.makeBuilder({ type, nullValues: [null, undefined] });
  for (let i = 0; i < length; i++) builder.append(null);
  return arrow.makeVector(builder.finish().flush());
}

function describeType(t: arrow.DataType): string {
  return String(t);
}

/** Converts a column to the table's type, or throws naming the column. */
function convertVector(vec: arrow.Vector, from: arrow.DataType, to: arrow.DataType, column: string, table: string): arrow.Vector {
  if (sameType(from, to)) {
    // Same logical type: re-tag the data with the table's field types (nullable flags, child names).
    return arrow.makeVector(vec.data.map((d) => retag(d, to)));
  }
  const mismatch = () =>
    new Error(`Column '${column}' has type ${describeType(from)} but Delta table ${table} stores it as ${describeType(to)}; cast the data first`);
  if (from.typeId === arrow.Type.Dictionary) {
    const valueType = (from as arrow.Dictionary).dictionary;
    if (!sameType(valueType, to)) throw mismatch();
    return mapValues(vec, to, (x) => x);
  }
  const F = from.typeId;
  const T = to.typeId;
  if (F === arrow.Type.Int && T === arrow.Type.Int) {
    const f = from as arrow.Int;
    const t = to as arrow.Int;
    if (!f.isSigned || !t.isSigned || f.bitWidth > t.bitWidth) throw mismatch();
    return mapValues(vec, to, t.bitWidth === 64 ? (x) => BigInt(x as number | bigint) : (x) => Number(x));
  }
  if (F === arrow.Type.Float && T === arrow.Type.Float) {
    if ((from as arrow.Float).precision > (to as arrow.Float).precision) throw mismatch();
    return mapValues(vec, to, (x) => Number(x));
  }
  if (F === arrow.Type.Int && T === arrow.Type.Float && (to as arrow.Float).precision === 2 && (from as arrow.Int).bitWidth <= 32) {
    return mapValues(vec, to, (x) => Number(x));
  }
  if ((F === arrow.Type.LargeUtf8 || F === arrow.Type.Utf8View) && T === arrow.Type.Utf8) return mapValues(vec, to, (x) => x);
  if ((F === arrow.Type.LargeBinary || F === arrow.Type.BinaryView) && T === arrow.Type.Binary) return mapValues(vec, to, (x) => x);
  if (F === arrow.Type.Date && T === arrow.Type.Date) return mapValues(vec, to, (x) => x);
  if (F === arrow.Type.Timestamp && T === arrow.Type.Timestamp) {
    const f = from as arrow.Timestamp;
    const t = to as arrow.Timestamp;
    if (Boolean(f.timezone) !== Boolean(t.timezone)) {
      throw new Error(
        `Column '${column}' is a timestamp ${f.timezone ? 'with' : 'without'} time zone but Delta table ${table} stores ${t.timezone ? 'timestamp (UTC instants)' : 'timestamp_ntz (no time zone)'}`,
      );
    }
    if (f.unit === arrow.TimeUnit.NANOSECOND) throw mismatch();
    const factor = f.unit === arrow.TimeUnit.SECOND ? 1_000_000n : f.unit === arrow.TimeUnit.MILLISECOND ? 1000n : 1n;
    return convertTimestamps(vec, t, factor);
  }
  throw mismatch();
}

function retag(d: arrow.Data, type: arrow.DataType): arrow.Data {
  if (d.type === type) return d;
  return d.clone(type as never) as arrow.Data;
}

/** Rebuilds a primitive column value by value through a builder of the target type. */
function mapValues(vec: arrow.Vector, to: arrow.DataType, f: (x: unknown) => unknown): arrow.Vector {
  const builder = arrow.makeBuilder({ type: to, nullValues: [null, undefined] });
  for (let i = 0; i < vec.length; i++) {
    const x = vec.get(i);
    builder.append(x === null || x === undefined ? null : f(x));
  }
  return arrow.makeVector(builder.finish().flush());
}

/** Scales timestamp values (int64 storage) to microseconds without going through JS numbers. */
function convertTimestamps(vec: arrow.Vector, to: arrow.Timestamp, factor: bigint): arrow.Vector {
  const chunks = vec.data.map((d) => {
    const src = d.values as unknown as BigInt64Array | Int32Array;
    const n = d.length;
    const out = new BigInt64Array(n);
    const big = src instanceof BigInt64Array ? src : new BigInt64Array(src.buffer, src.byteOffset, src.length >> 1);
    // Value buffers are already sliced to the Data's rows; only the bitmap keeps `offset`.
    for (let i = 0; i < n; i++) out[i] = big[i] * factor;
    return arrow.makeData({
      type: to,
      length: n,
      nullCount: d.nullCount,
      nullBitmap: d.nullCount > 0 ? sliceBitmap(d.nullBitmap, d.offset, n) : undefined,
      data: out,
    } as never) as arrow.Data;
  });
  return arrow.makeVector(chunks);
}

function sliceBitmap(bitmap: Uint8Array | undefined, offset: number, length: number): Uint8Array | undefined {
  if (!bitmap) return undefined;
  if (offset % 8 === 0) return bitmap.subarray(offset / 8, offset / 8 + Math.ceil(length / 8));
  const out = new Uint8Array(Math.ceil(length / 8));
  for (let i = 0; i < length; i++) {
    const bit = (bitmap[(offset + i) >> 3] >> ((offset + i) & 7)) & 1;
    if (bit) out[i >> 3] |= 1 << (i & 7);
  }
  return out;
}

/** Structural type equality ignoring field names of list/map children and nullability. */
export function sameType(a: arrow.DataType, b: arrow.DataType): boolean {
  if (a.typeId !== b.typeId) return false;
  switch (a.typeId) {
    case arrow.Type.Int:
      return (a as arrow.Int).bitWidth === (b as arrow.Int).bitWidth && (a as arrow.Int).isSigned === (b as arrow.Int).isSigned;
    case arrow.Type.Float:
      return (a as arrow.Float).precision === (b as arrow.Float).precision;
    case arrow.Type.Decimal:
      return (a as arrow.Decimal).scale === (b as arrow.Decimal).scale && (a as arrow.Decimal).precision === (b as arrow.Decimal).precision;
    case arrow.Type.Date:
      return (a as arrow.Date_).unit === (b as arrow.Date_).unit;
    case arrow.Type.Timestamp:
      return (a as arrow.Timestamp).unit === (b as arrow.Timestamp).unit && Boolean((a as arrow.Timestamp).timezone) === Boolean((b as arrow.Timestamp).timezone);
    case arrow.Type.Struct: {
      const ac = (a as arrow.Struct).children;
      const bc = (b as arrow.Struct).children;
      return ac.length === bc.length && ac.every((f, i) => f.name === bc[i].name && sameType(f.type, bc[i].type));
    }
    case arrow.Type.List:
    case arrow.Type.Map: {
      const ac = a.children as arrow.Field[];
      const bc = b.children as arrow.Field[];
      return ac.length === bc.length && ac.every((f, i) => sameType(f.type, bc[i].type));
    }
    default:
      return true;
  }
}
