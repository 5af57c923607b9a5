// Join keys as JavaScript values that a Map can hash: equal SQL values of one
// type give identical keys. Integers, dates, timestamps (µs) and decimals
// (unscaled) become numbers when exactly representable, else bigints; strings
// stay strings; binary becomes a hex string. Several key columns combine
// into one string with type tags, so `('a', 1)` and `('a1', null)` differ.

import * as arrow from 'apache-arrow';
import { gatherData } from '../../reactive/expression/filter-batch.ts';

/** A hashable key value; null for SQL NULL (never equal to anything). */
export type KeyValue = number | bigint | string | boolean;

/** Reads the key value of row `i` of a column (null for NULL). */
export type KeyReader = (i: number) => KeyValue | null;

const DECODER = new TextDecoder();

/** `data` with offset 0, which the buffer readers assume. */
export function contiguous(data: arrow.Data): arrow.Data {
  if (data.offset === 0) return data;
  const idx = new Int32Array(data.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  return gatherData(data, idx);
}

/** A reader of one column's key values; `data` is one contiguous Arrow Data. */
export function keyReader(data: arrow.Data): KeyReader {
  const t = data.type;
  // nullCount is a getter that may count the bitmap: read it once.
  const noNulls = data.nullCount === 0;
  const valid = (i: number) => noNulls || data.getValid(i);
  switch (t.typeId) {
    case arrow.Type.Int: {
      if ((t as arrow.Int).bitWidth < 64) {
        const v = data.values as unknown as ArrayLike<number>;
        return (i) => (valid(i) ? v[i] : null);
      }
      return int64Reader(data.values as unknown as BigInt64Array, valid);
    }
    case arrow.Type.Timestamp: {
      const v = data.values as unknown as BigInt64Array;
      const unit = (t as arrow.Timestamp).unit;
      const toMicros = (x: bigint) =>
        unit === arrow.TimeUnit.SECOND ? x * 1_000_000n : unit === arrow.TimeUnit.MILLISECOND ? x * 1000n : unit === arrow.TimeUnit.NANOSECOND ? x / 1000n : x;
      if (unit === arrow.TimeUnit.MICROSECOND) return int64Reader(v, valid);
      return (i) => (valid(i) ? small(toMicros(v[i])) : null);
    }
    case arrow.Type.Date: {
      if ((t as arrow.Date_).unit === arrow.DateUnit.DAY) {
        const v = data.values as unknown as Int32Array;
        return (i) => (valid(i) ? v[i] : null);
      }
      const v = data.values as unknown as BigInt64Array;
      return (i) => (valid(i) ? Math.floor(Number(v[i]) / 86_400_000) : null);
    }
    case arrow.Type.Float: {
      const v = data.values as unknown as Float32Array | Float64Array;
      // -0 and 0 are one Map key already (SameValueZero), and so is NaN with NaN, as Spark's join has it.
      return (i) => (valid(i) ? v[i] : null);
    }
    case arrow.Type.Bool:
      return (i) => (valid(i) ? (((data.values as Uint8Array)[(i + data.offset) >> 3] >> ((i + data.offset) & 7)) & 1) === 1 : null);
    case arrow.Type.Utf8: {
      const offsets = data.valueOffsets as Int32Array;
      const bytes = data.values as Uint8Array;
      return (i) => (valid(i) ? decodeUtf8(bytes, offsets[i], offsets[i + 1]) : null);
    }
    case arrow.Type.Binary: {
      const offsets = data.valueOffsets as Int32Array;
      const bytes = data.values as Uint8Array;
      return (i) => (valid(i) ? Buffer.from(bytes.buffer, bytes.byteOffset + offsets[i], offsets[i + 1] - offsets[i]).toString('hex') : null);
    }
    case arrow.Type.Decimal: {
      const words = data.values as unknown as Uint32Array;
      const stride = (t as arrow.Decimal).bitWidth / 32;
      const bits = BigInt(stride * 32);
      return (i) => {
        if (!valid(i)) return null;
        let v = 0n;
        for (let w = stride - 1; w >= 0; w--) v = (v << 32n) | BigInt(words[i * stride + w]);
        return small(v >= 1n << (bits - 1n) ? v - (1n << bits) : v);
      };
    }
    default: {
      // Dictionary-encoded and other columns: through Arrow's getters (slower, same semantics for equality).
      const vec = arrow.makeVector(data);
      return (i) => {
        const v = vec.get(i) as unknown;
        if (v === null || v === undefined) return null;
        if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
        if (typeof v === 'bigint') return small(v);
        if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
        return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
      };
    }
  }
}

/** Stands for a NULL key when keys compare null-safely (`<=>`): equal to itself, unequal to every value. */
export const NULL_KEY: KeyValue = Symbol('NULL key') as unknown as KeyValue;

/**
 * One hashable key of several columns; null when any part is NULL (SQL `=`
 * never matches NULL), or with `nullSafe` never null: NULL parts are tagged
 * and a single NULL column gives {@link NULL_KEY}.
 */
export function compositeReader(readers: readonly KeyReader[], nullSafe = false): KeyReader {
  if (readers.length === 1) {
    const r = readers[0];
    return nullSafe ? (i) => r(i) ?? NULL_KEY : r;
  }
  return (i) => {
    let out = '';
    for (const r of readers) {
      const v = r(i);
      if (v === null) {
        if (!nullSafe) return null;
        out += 'n;';
        continue;
      }
      // Tagged and length-prefixed, so no two different tuples share a string.
      const s = String(v);
      out += `${typeof v === 'string' ? 's' : 'v'}${s.length}:${s}`;
    }
    return out;
  };
}

/**
 * Reads int64 values without allocating a bigint per row: the two 32-bit
 * halves give the number directly when it is a safe integer (what `small`
 * would return); other values go through bigint.
 */
function int64Reader(v: BigInt64Array, valid: (i: number) => boolean): KeyReader {
  const halves = new Int32Array(v.buffer, v.byteOffset, v.length * 2);
  return (i) => {
    if (!valid(i)) return null;
    const hi = halves[2 * i + 1];
    const lo = halves[2 * i];
    // Values that fit in 32 bits stay small integers (no heap number, the fastest Map keys).
    if (hi === lo >> 31) return lo;
    // |hi| < 2^21 keeps the value within ±(2^53 - 1) (little-endian, as Arrow's buffers on every Node platform).
    if (hi > -0x200000 && hi < 0x200000) return hi * 4294967296 + (lo >>> 0);
    return small(v[i]);
  };
}

/** A bigint as a number when that is exact (so it hashes like a 32-bit int of the same value). */
function small(v: bigint): number | bigint {
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n <= 24) {
    // Short ASCII strings are most keys; building them directly avoids TextDecoder's call overhead.
    let s = '';
    for (let j = start; j < end; j++) {
      const c = bytes[j];
      if (c >= 128) return DECODER.decode(bytes.subarray(start, end));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return DECODER.decode(bytes.subarray(start, end));
}

/**
 * Whether rows `a` and `b` of one column hold the same value (NULL equals
 * NULL), compared on the column's buffers for plain layouts — integers,
 * dates, timestamps (exactly, in their unit) and decimals by their bits,
 * strings and binary by their bytes — so no value is materialised per row;
 * other types with {@link keyReader}'s equality. `data` is one contiguous
 * Arrow Data.
 */
export function sameValues(data: arrow.Data): (a: number, b: number) => boolean {
  const t = data.type;
  const noNulls = data.nullCount === 0;
  const nulls = (a: number, b: number): number => {
    if (noNulls) return 0;
    const va = data.getValid(a);
    const vb = data.getValid(b);
    return va && vb ? 0 : va === vb ? 1 : -1; // 1: both NULL, -1: one NULL
  };
  let lanes: Int32Array | null = null;
  let width = 0;
  if (t.typeId === arrow.Type.Int || t.typeId === arrow.Type.Timestamp || t.typeId === arrow.Type.Decimal || (t.typeId === arrow.Type.Date && (t as arrow.Date_).unit === arrow.DateUnit.DAY)) {
    // Equal values of one column have equal bits (same unit, same scale), and the bits are all a key reader reads.
    const v = data.values as ArrayBufferView;
    const bytes = t.typeId === arrow.Type.Int ? (t as arrow.Int).bitWidth / 8 : t.typeId === arrow.Type.Decimal ? (t as arrow.Decimal).bitWidth / 8 : t.typeId === arrow.Type.Date ? 4 : 8;
    if (bytes >= 4) {
      width = bytes / 4;
      lanes = new Int32Array(v.buffer, v.byteOffset, data.length * width);
    }
  }
  if (lanes) {
    const l = lanes;
    const w = width;
    return (a, b) => {
      const n = nulls(a, b);
      if (n !== 0) return n > 0;
      for (let j = 0; j < w; j++) if (l[a * w + j] !== l[b * w + j]) return false;
      return true;
    };
  }
  if (t.typeId === arrow.Type.Utf8 || t.typeId === arrow.Type.Binary) {
    const offsets = data.valueOffsets as Int32Array;
    const bytes = data.values as Uint8Array;
    return (a, b) => {
      const n = nulls(a, b);
      if (n !== 0) return n > 0;
      const sa = offsets[a];
      const sb = offsets[b];
      const len = offsets[a + 1] - sa;
      if (offsets[b + 1] - sb !== len) return false;
      for (let j = 0; j < len; j++) if (bytes[sa + j] !== bytes[sb + j]) return false;
      return true;
    };
  }
  // Floats (NaN equals NaN, -0 equals 0), booleans, narrow integers and other types: by their key values.
  const read = keyReader(data);
  return (a, b) => {
    const x = read(a);
    const y = read(b);
    return x === y || (typeof x === 'number' && typeof y === 'number' && Number.isNaN(x) && Number.isNaN(y));
  };
}
