// Arrow tables (what Tributary's reader returns) in the oracle's normalised
// JSON form, so a test compares Tributary's rows with deltalake's and Spark's
// as plain data. Reads raw buffers where Arrow JS's own getters lose precision
// (timestamps come back as float milliseconds) or give opaque objects (decimals).
import * as arrow from 'apache-arrow';
import type { DeltaField, DeltaType, Json, Row } from './oracle.ts';
import { sortRows } from './oracle.ts';

const MS_PER_DAY = 86_400_000;

function pad(n: number | bigint, width: number): string {
  return String(n).padStart(width, '0');
}

function isoDate(days: number): string {
  const d = new Date(days * MS_PER_DAY);
  const y = d.getUTCFullYear();
  return `${y < 0 ? '-' + pad(-y, 6) : pad(y, 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
}

/** Microseconds since the epoch → YYYY-MM-DDTHH:MM:SS.ffffff (no zone). */
export function isoMicros(us: bigint): string {
  const days = us >= 0n ? us / 86_400_000_000n : -((-us + 86_400_000_000n - 1n) / 86_400_000_000n);
  let rest = us - days * 86_400_000_000n;
  const micros = rest % 1_000_000n;
  rest /= 1_000_000n;
  const h = rest / 3600n;
  const m = (rest % 3600n) / 60n;
  const s = rest % 60n;
  return `${isoDate(Number(days))}T${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}.${pad(micros, 6)}`;
}

/** A two's complement little-endian integer of 32-bit words. */
function wordsToBigInt(words: Uint32Array): bigint {
  let v = 0n;
  for (let i = words.length - 1; i >= 0; i--) v = (v << 32n) | BigInt(words[i]);
  const bits = BigInt(words.length * 32);
  return v >= 1n << (bits - 1n) ? v - (1n << bits) : v;
}

/** An unscaled decimal integer as a plain string with `scale` fraction digits. */
export function decimalString(unscaled: bigint, scale: number): string {
  const neg = unscaled < 0n;
  const digits = (neg ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text = scale > 0 ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return neg ? '-' + text : text;
}

function floatJson(f: number): Json {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return 'Infinity';
  if (f === -Infinity) return '-Infinity';
  return f;
}

const toMicros: Record<arrow.TimeUnit, bigint> = {
  [arrow.TimeUnit.SECOND]: 1_000_000n,
  [arrow.TimeUnit.MILLISECOND]: 1_000n,
  [arrow.TimeUnit.MICROSECOND]: 1n,
  [arrow.TimeUnit.NANOSECOND]: 0n, // divided below
};

const leafVectors = new WeakMap<arrow.Data, arrow.Vector>();
function leafGet(data: arrow.Data, i: number): unknown {
  let v = leafVectors.get(data);
  if (!v) leafVectors.set(data, (v = new arrow.Vector([data])));
  return v.get(i);
}

/** The normalised JSON value at index `i` of one Arrow data chunk. */
export function normaliseValue(data: arrow.Data, i: number): Json {
  if (!data.getValid(i)) return null;
  const type = data.type as arrow.DataType;
  if (arrow.DataType.isStruct(type)) {
    const out: Row = {};
    type.children.forEach((f, k) => (out[f.name] = normaliseValue(data.children[k], i)));
    return out;
  }
  if (arrow.DataType.isList(type)) {
    const offsets = data.valueOffsets as Int32Array;
    const out: Json[] = [];
    for (let j = offsets[i]; j < offsets[i + 1]; j++) out.push(normaliseValue(data.children[0], j));
    return out;
  }
  if (arrow.DataType.isMap(type)) {
    const offsets = data.valueOffsets as Int32Array;
    const entries = data.children[0];
    const pairs: Array<[Json, Json]> = [];
    for (let j = offsets[i]; j < offsets[i + 1]; j++) {
      pairs.push([normaliseValue(entries.children[0], j), normaliseValue(entries.children[1], j)]);
    }
    return pairs.sort((a, b) => (JSON.stringify(a[0]) < JSON.stringify(b[0]) ? -1 : 1));
  }
  if (arrow.DataType.isTimestamp(type)) {
    const raw = BigInt((data.values as BigInt64Array)[i]);
    const us = type.unit === arrow.TimeUnit.NANOSECOND ? raw / 1000n : raw * toMicros[type.unit];
    return isoMicros(us) + (type.timezone ? 'Z' : '');
  }
  if (arrow.DataType.isDate(type)) {
    const values = data.values as Int32Array | BigInt64Array;
    const days = type.unit === arrow.DateUnit.DAY ? Number(values[i]) : Number(BigInt(values[i]) / BigInt(MS_PER_DAY));
    return isoDate(days);
  }
  if (arrow.DataType.isDecimal(type)) {
    const stride = type.bitWidth / 32;
    const words = (data.values as Uint32Array).subarray(i * stride, (i + 1) * stride);
    return decimalString(wordsToBigInt(words), type.scale);
  }
  if (arrow.DataType.isInt(type)) {
    const v = (data.values as ArrayLike<number | bigint>)[i];
    return type.bitWidth === 64 ? String(v) : Number(v);
  }
  if (arrow.DataType.isFloat(type)) return floatJson(Number((data.values as ArrayLike<number>)[i]));
  if (arrow.DataType.isBool(type)) return Boolean(leafGet(data, i));
  if (arrow.DataType.isUtf8(type) || arrow.DataType.isLargeUtf8(type)) return String(leafGet(data, i));
  if (arrow.DataType.isBinary(type) || arrow.DataType.isLargeBinary(type) || arrow.DataType.isFixedSizeBinary(type)) {
    return Buffer.from(leafGet(data, i) as Uint8Array).toString('hex');
  }
  if (arrow.DataType.isDictionary(type)) {
    let index = Number((data.values as ArrayLike<number | bigint>)[i]);
    for (const chunk of data.dictionary!.data) {
      if (index < chunk.length) return normaliseValue(chunk, index);
      index -= chunk.length;
    }
    throw new Error(`normalise: dictionary index ${i} out of range`);
  }
  throw new Error(`normalise: unsupported Arrow type ${type}`);
}

/** The Delta schema type for an Arrow type, as Delta's JSON spells it (the inverse of Tributary's mapping). */
export function deltaTypeOf(type: arrow.DataType): DeltaType {
  if (arrow.DataType.isStruct(type)) return { type: 'struct', fields: type.children.map(deltaFieldOf) };
  if (arrow.DataType.isList(type)) {
    return { type: 'array', elementType: deltaTypeOf(type.children[0].type), containsNull: type.children[0].nullable };
  }
  if (arrow.DataType.isMap(type)) {
    const [k, v] = type.children[0].type.children;
    return { type: 'map', keyType: deltaTypeOf(k.type), valueType: deltaTypeOf(v.type), valueContainsNull: v.nullable };
  }
  if (arrow.DataType.isTimestamp(type)) return type.timezone ? 'timestamp' : 'timestamp_ntz';
  if (arrow.DataType.isDate(type)) return 'date';
  if (arrow.DataType.isDecimal(type)) return `decimal(${type.precision},${type.scale})`;
  if (arrow.DataType.isInt(type)) return ({ 8: 'byte', 16: 'short', 32: 'integer', 64: 'long' } as const)[type.bitWidth];
  if (arrow.DataType.isFloat(type)) return type.precision === arrow.Precision.SINGLE ? 'float' : 'double';
  if (arrow.DataType.isBool(type)) return 'boolean';
  if (arrow.DataType.isUtf8(type) || arrow.DataType.isLargeUtf8(type)) return 'string';
  if (arrow.DataType.isBinary(type) || arrow.DataType.isLargeBinary(type)) return 'binary';
  if (arrow.DataType.isDictionary(type)) return deltaTypeOf(type.dictionary);
  throw new Error(`deltaTypeOf: unsupported Arrow type ${type}`);
}

function deltaFieldOf(f: arrow.Field): DeltaField {
  return { name: f.name, type: deltaTypeOf(f.type), nullable: f.nullable };
}

/** Every row of an Arrow table in normalised form, sorted like the oracle's output. */
export function normaliseTable(table: arrow.Table): { schema: { type: 'struct'; fields: DeltaField[] }; rows: Row[] } {
  const fields = table.schema.fields;
  const rows: Row[] = [];
  for (const batch of table.batches) {
    for (let i = 0; i < batch.numRows; i++) {
      const row: Row = {};
      fields.forEach((f, k) => (row[f.name] = normaliseValue(batch.data.children[k], i)));
      rows.push(row);
    }
  }
  return { schema: { type: 'struct', fields: fields.map(deltaFieldOf) }, rows: sortRows(rows) };
}
