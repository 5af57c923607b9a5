// Builds the Arrow table Tributary writes from the same spec the oracle writes
// from (Delta types, normalised values), so one set of rows is the ground truth
// for all three engines. Builds buffers directly: Arrow JS's builders take
// timestamps as milliseconds and would drop the microseconds under test.
import * as arrow from 'apache-arrow';
import type { DeltaField, DeltaType, Json, Row } from './oracle.ts';

const US_PER_DAY = 86_400_000_000n;
const MS_PER_DAY = 86_400_000;

/** The Arrow type Tributary should use for a Delta type. */
export function arrowTypeOf(t: DeltaType): arrow.DataType {
  if (typeof t !== 'string') {
    if (t.type === 'struct') return new arrow.Struct(t.fields.map(arrowFieldOf));
    if (t.type === 'array') return new arrow.List(new arrow.Field('element', arrowTypeOf(t.elementType), t.containsNull));
    const entries = new arrow.Struct([
      new arrow.Field('key', arrowTypeOf(t.keyType), false),
      new arrow.Field('value', arrowTypeOf(t.valueType), t.valueContainsNull),
    ]);
    return new arrow.Map_(new arrow.Field('entries', entries, false), false);
  }
  const decimal = /^decimal\((\d+),\s*(\d+)\)$/.exec(t);
  if (decimal) return new arrow.Decimal(Number(decimal[2]), Number(decimal[1]), 128);
  switch (t) {
    case 'byte': return new arrow.Int8();
    case 'short': return new arrow.Int16();
    case 'integer': return new arrow.Int32();
    case 'long': return new arrow.Int64();
    case 'float': return new arrow.Float32();
    case 'double': return new arrow.Float64();
    case 'boolean': return new arrow.Bool();
    case 'string': return new arrow.Utf8();
    case 'binary': return new arrow.Binary();
    case 'date': return new arrow.DateDay();
    case 'timestamp': return new arrow.TimestampMicrosecond('UTC');
    case 'timestamp_ntz': return new arrow.TimestampMicrosecond();
  }
  throw new Error(`arrowTypeOf: unsupported Delta type ${t}`);
}

export function arrowFieldOf(f: DeltaField): arrow.Field {
  return new arrow.Field(f.name, arrowTypeOf(f.type), f.nullable);
}

export function arrowSchemaOf(fields: DeltaField[]): arrow.Schema {
  return new arrow.Schema(fields.map(arrowFieldOf));
}

/** ISO text as the oracle prints it (optional fraction, optional Z) → microseconds since the epoch. */
export function parseMicros(text: string): bigint {
  const m = /^(-?\d{4,6})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?Z?$/.exec(text);
  if (!m) throw new Error(`not an ISO timestamp: ${text}`);
  const days = BigInt(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / MS_PER_DAY);
  const secs = BigInt(Number(m[4]) * 3600 + Number(m[5]) * 60 + Number(m[6]));
  return days * US_PER_DAY + secs * 1_000_000n + BigInt((m[7] ?? '').padEnd(6, '0'));
}

function parseUnscaled(text: string, scale: number): bigint {
  const m = /^(-?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!m) throw new Error(`not a decimal: ${text}`);
  const frac = (m[3] ?? '').padEnd(scale, '0');
  if (frac.length > scale) throw new Error(`decimal ${text} has more than ${scale} fraction digits`);
  const v = BigInt((m[2] || '0') + frac);
  return m[1] ? -v : v;
}

function validity(values: Json[]): { nullBitmap: Uint8Array; nullCount: number } {
  const nullBitmap = new Uint8Array((values.length + 7) >> 3);
  let nullCount = 0;
  values.forEach((v, i) => (v === null ? nullCount++ : (nullBitmap[i >> 3] |= 1 << (i & 7))));
  return { nullBitmap, nullCount };
}

function floatOf(v: Json): number {
  return v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : Number(v);
}

function offsetsOf(lists: Json[]): Int32Array {
  const offsets = new Int32Array(lists.length + 1);
  lists.forEach((l, i) => (offsets[i + 1] = offsets[i] + (Array.isArray(l) ? l.length : 0)));
  return offsets;
}

function bytesData(type: arrow.DataType, values: Json[], encode: (v: Json) => Uint8Array): arrow.Data {
  const parts = values.map((v) => (v === null ? new Uint8Array(0) : encode(v)));
  const valueOffsets = new Int32Array(values.length + 1);
  parts.forEach((p, i) => (valueOffsets[i + 1] = valueOffsets[i] + p.length));
  const data = new Uint8Array(valueOffsets[values.length]);
  parts.forEach((p, i) => data.set(p, valueOffsets[i]));
  return arrow.makeData({ type, length: values.length, ...validity(values), valueOffsets, data } as never);
}

/** One Arrow data chunk of `type` from normalised values (null = null). */
export function buildData(type: arrow.DataType, values: Json[]): arrow.Data {
  const length = values.length;
  const valid = validity(values);
  const fixed = <T extends arrow.DataType>(t: T, data: ArrayLike<unknown>) =>
    arrow.makeData({ type: t, length, ...valid, data } as never);
  const nn = <T>(f: (v: Json) => T, zero: T) => values.map((v) => (v === null ? zero : f(v)));

  if (arrow.DataType.isStruct(type)) {
    const children = type.children.map((f) => buildData(f.type, values.map((v) => (v === null ? null : ((v as Row)[f.name] ?? null)))));
    return arrow.makeData({ type, length, ...valid, children });
  }
  if (arrow.DataType.isList(type)) {
    const child = buildData(type.children[0].type, values.flatMap((v) => (Array.isArray(v) ? v : [])));
    return arrow.makeData({ type, length, ...valid, valueOffsets: offsetsOf(values), child });
  }
  if (arrow.DataType.isMap(type)) {
    const pairs = values.flatMap((v) => (Array.isArray(v) ? (v as Json[][]) : []));
    const entriesType = type.children[0].type as arrow.Struct;
    const child = arrow.makeData({
      type: entriesType,
      length: pairs.length,
      nullCount: 0,
      children: [buildData(entriesType.children[0].type, pairs.map((p) => p[0])), buildData(entriesType.children[1].type, pairs.map((p) => p[1]))],
    });
    return arrow.makeData({ type, length, ...valid, valueOffsets: offsetsOf(values), child });
  }
  if (arrow.DataType.isTimestamp(type)) return fixed(type, BigInt64Array.from(nn((v) => parseMicros(String(v)), 0n)));
  if (arrow.DataType.isDate(type)) return fixed(type, Int32Array.from(nn((v) => Date.parse(`${v}T00:00:00Z`) / MS_PER_DAY, 0)));
  if (arrow.DataType.isDecimal(type)) {
    const words = new Uint32Array(length * 4);
    values.forEach((v, i) => {
      if (v === null) return;
      let u = BigInt.asUintN(128, parseUnscaled(String(v), type.scale));
      for (let w = 0; w < 4; w++, u >>= 32n) words[i * 4 + w] = Number(u & 0xffffffffn);
    });
    return fixed(type, words);
  }
  if (arrow.DataType.isInt(type)) {
    if (type.bitWidth === 64) return fixed(type, BigInt64Array.from(nn((v) => BigInt(String(v)), 0n)));
    const Ctor = { 8: Int8Array, 16: Int16Array, 32: Int32Array }[type.bitWidth as 8 | 16 | 32];
    return fixed(type, Ctor.from(nn((v) => Number(v), 0)));
  }
  if (arrow.DataType.isFloat(type)) {
    const Ctor = type.precision === arrow.Precision.SINGLE ? Float32Array : Float64Array;
    return fixed(type, Ctor.from(nn(floatOf, 0)));
  }
  if (arrow.DataType.isBool(type)) {
    const bits = new Uint8Array((length + 7) >> 3);
    values.forEach((v, i) => v === true && (bits[i >> 3] |= 1 << (i & 7)));
    return fixed(type, bits);
  }
  if (arrow.DataType.isUtf8(type)) return bytesData(type, values, (v) => new TextEncoder().encode(String(v)));
  if (arrow.DataType.isBinary(type)) return bytesData(type, values, (v) => Buffer.from(String(v), 'hex'));
  throw new Error(`buildData: unsupported Arrow type ${type}`);
}

/**
 * The Arrow table for a spec's rows.
 *
 * @example
 * specToArrow([{ name: 'id', type: 'long', nullable: false }], [{ id: '1' }]);
 */
export function specToArrow(fields: DeltaField[], rows: Row[]): arrow.Table {
  const schema = arrowSchemaOf(fields);
  const children = schema.fields.map((f) => buildData(f.type, rows.map((r) => r[f.name] ?? null)));
  const data = arrow.makeData({ type: new arrow.Struct(schema.fields), length: rows.length, nullCount: 0, children });
  return new arrow.Table([new arrow.RecordBatch(schema, data)]);
}
