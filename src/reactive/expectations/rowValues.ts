// One row of a record batch as plain JSON-friendly values, for error messages
// (the `outputRecord` of an EXPECTATION_VIOLATION) and for key text. Arrow
// JS getters lose precision on some types (timestamps come back as float
// milliseconds, decimals as unscaled words), so those are read from buffers.
import * as arrow from 'apache-arrow';

/** A JSON value: what {@link rowValues} produces for each column. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** `YYYY-MM-DD` of a day count since the epoch. */
function isoDate(days: number): string {
  return new Date(days * 86_400_000).toISOString().slice(0, 10);
}

/** ISO-8601 text of a timestamp in microseconds; `Z` only when the column has a zone (always normalised to UTC). */
function isoMicros(micros: bigint, zoned: boolean): string {
  const ms = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
  const sub = Number(micros - ms * 1000n);
  const text = new Date(Number(ms)).toISOString().slice(0, 23);
  return `${text}${pad(sub, 3)}${zoned ? 'Z' : ''}`;
}

const MICROS_PER: Record<number, bigint> = {
  [arrow.TimeUnit.SECOND]: 1_000_000n,
  [arrow.TimeUnit.MILLISECOND]: 1000n,
  [arrow.TimeUnit.MICROSECOND]: 1n,
};

/** Text of an unscaled two's-complement decimal held in little-endian 32-bit words. */
function decimalText(words: Uint32Array, start: number, count: number, scale: number): string {
  let big = 0n;
  for (let k = count - 1; k >= 0; k--) big = (big << 32n) | BigInt(words[start + k]);
  big = BigInt.asIntN(count * 32, big);
  const negative = big < 0n;
  const digits = (negative ? -big : big).toString().padStart(scale + 1, '0');
  const text = scale > 0 ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return negative ? `-${text}` : text;
}

/** A generic Arrow JS value (nested rows, list elements) as JSON. */
function plain(v: unknown): JsonValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number | bigint>, plain);
  if (v instanceof Date) return v.toISOString();
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return plain((v as { toJSON(): unknown }).toJSON());
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), plain(x)]));
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return String(v);
}

/** Value of row `i` of column data `d` as JSON. */
function cellValue(d: arrow.Data, vector: arrow.Vector, i: number): JsonValue {
  if (!vector.isValid(i)) return null;
  const row = d.offset + i;
  const type = d.type as arrow.DataType;
  switch (d.typeId) {
    case arrow.Type.Date: {
      const date = type as arrow.Date_;
      if (date.unit === arrow.DateUnit.DAY) return isoDate((d.values as Int32Array)[row]);
      return isoDate(Math.floor(Number((d.values as unknown as BigInt64Array)[row]) / 86_400_000));
    }
    case arrow.Type.Timestamp: {
      const ts = type as arrow.Timestamp;
      const raw = (d.values as unknown as BigInt64Array)[row];
      const per = MICROS_PER[ts.unit];
      const micros = per === undefined ? raw / 1000n : raw * per; // nanoseconds are truncated to µs
      return isoMicros(micros, ts.timezone !== null && ts.timezone !== undefined);
    }
    case arrow.Type.Decimal: {
      const dec = type as arrow.Decimal;
      const count = dec.bitWidth / 32;
      return decimalText(d.values as Uint32Array, row * count, count, dec.scale);
    }
    case arrow.Type.Binary: case arrow.Type.LargeBinary: case arrow.Type.FixedSizeBinary:
      return Buffer.from(vector.get(i) as Uint8Array).toString('hex');
  }
  return plain(vector.get(i));
}

/**
 * Row `i` of `batch` as `{ column: value }` with JSON-friendly values:
 * 64-bit integers as numbers when exact (else decimal text), dates as
 * `YYYY-MM-DD`, timestamps as ISO-8601 with microseconds, decimals as exact
 * text, binary as hex.
 * @example
 * rowValues(batch, 0); // { id: 7, amount: '12.50', ts: '2026-11-25T10:00:00.000000Z' }
 */
export function rowValues(batch: arrow.RecordBatch, i: number): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  batch.schema.fields.forEach((f, j) => {
    const vector = batch.getChildAt(j)!;
    out[f.name] = cellValue(batch.data.children[j]!, vector, i);
  });
  return out;
}
