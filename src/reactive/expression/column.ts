// The engine's internal column: one typed array per expression node plus a
// byte-per-row validity array. Kernels loop over these directly; Arrow vectors
// are only built for the final result.
//
// Storage by type:
//   boolean                         Uint8Array (0/1)
//   int8/int16/int32, date (days)   Int32Array
//   float32/float64, decimal        Float64Array (decimal as its double value)
//   int64, timestamp (µs)           Float64Array while every value is within ±2^53 (exact),
//                                   otherwise BigInt64Array (exact, slower)
//   string                          Utf8 (offsets + bytes) or string[]
//   struct/list/map                 the Arrow Data itself
import type * as arrow from 'apache-arrow';
import type { SqlType } from './sql-type.ts';

/** UTF-8 strings in Arrow layout: value i is bytes[offsets[i]..offsets[i+1]). */
export interface Utf8 {
  readonly offsets: Int32Array;
  readonly bytes: Uint8Array;
}

export type Values = Uint8Array | Int32Array | Float64Array | BigInt64Array | Utf8 | string[] | arrow.Data | null;

export interface Col {
  readonly type: SqlType;
  /** Row count of the batch this column belongs to. */
  readonly length: number;
  /** True when values/valid hold a single entry standing for every row (literals, constant subexpressions). */
  readonly scalar: boolean;
  readonly values: Values;
  /** 1 = value present, 0 = NULL; null when every row is present. */
  readonly valid: Uint8Array | null;
}

export const MAX_EXACT = 9007199254740991;

export function makeCol(type: SqlType, length: number, values: Values, valid: Uint8Array | null, scalar = false): Col {
  return { type, length, values, valid, scalar };
}

/** A column where every row is NULL. */
export function nullCol(type: SqlType, length: number): Col {
  return { type, length, scalar: true, values: emptyValues(type), valid: new Uint8Array(1) };
}

function emptyValues(type: SqlType): Values {
  switch (type.id) {
    case 'boolean': return new Uint8Array(1);
    case 'int8': case 'int16': case 'int32': case 'date': return new Int32Array(1);
    case 'string': return [''];
    case 'null': return null;
    default: return new Float64Array(1);
  }
}

/** Rows to loop over for kernels combining these columns: 1 when all are scalar. */
export function loopLength(length: number, ...cols: Col[]): number {
  return cols.every((c) => c.scalar) ? 1 : length;
}

export const allScalar = (...cols: Col[]): boolean => cols.every((c) => c.scalar);

/** Validity of the combination of several columns (NULL if any input is NULL), sized for `n` rows. */
export function combineValidity(n: number, ...cols: Col[]): Uint8Array | null {
  let out: Uint8Array | null = null;
  for (const c of cols) {
    const v = c.valid;
    if (!v) continue;
    if (c.scalar) {
      if (v[0]) continue;
      return new Uint8Array(n);
    }
    if (!out) out = v.slice(0, n);
    else for (let i = 0; i < n; i++) out[i] &= v[i];
  }
  return out;
}

/** Whether row i is non-null. */
export function isValid(c: Col, i: number): boolean {
  return c.valid === null || c.valid[c.scalar ? 0 : i] === 1;
}

/** Validity expanded to one byte per row (1 = present). */
export function validityBytes(c: Col, n: number): Uint8Array {
  if (!c.valid) return new Uint8Array(n).fill(1);
  if (c.scalar) return new Uint8Array(n).fill(c.valid[0]);
  return c.valid;
}

/** True when the column has at least one NULL among its first n rows. */
export function hasNulls(c: Col): boolean {
  if (!c.valid) return false;
  return c.valid.indexOf(0) >= 0;
}

/** Numeric values as doubles (int64 beyond 2^53 rounds; callers needing exactness check storage first). */
export function asF64(c: Col): Float64Array {
  const v = c.values;
  if (v instanceof Float64Array) return v;
  if (v instanceof Int32Array) return Float64Array.from(v);
  if (v instanceof BigInt64Array) {
    const out = new Float64Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = Number(v[i]);
    return out;
  }
  if (v instanceof Uint8Array) return Float64Array.from(v);
  throw new Error(`internal: ${c.type.id} column has no numeric storage`);
}

/** Integral values as exact 64-bit integers. */
export function asI64(c: Col): BigInt64Array {
  const v = c.values;
  if (v instanceof BigInt64Array) return v;
  const out = new BigInt64Array(c.scalar ? 1 : c.length);
  if (v instanceof Float64Array || v instanceof Int32Array) {
    for (let i = 0; i < out.length; i++) out[i] = BigInt(Number.isFinite(v[i]) ? Math.trunc(v[i]) : 0);
    return out;
  }
  throw new Error(`internal: ${c.type.id} column has no integral storage`);
}

/** Int64/timestamp storage: keep doubles when every value is exact, else BigInt64Array. */
export function int64Storage(v: BigInt64Array): Float64Array | BigInt64Array {
  // Reading the two 32-bit halves is much faster than Number(bigint) per value.
  const halves = new Int32Array(v.buffer, v.byteOffset, v.length * 2);
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const hi = halves[2 * i + 1];
    if (hi >= 0x200000 || hi < -0x200000) return v;
    out[i] = hi * 4294967296 + (halves[2 * i] >>> 0);
  }
  return out;
}

/** Narrows BigInt64Array results back to doubles when every value is exact. */
export function normalizeInt64(v: Float64Array | BigInt64Array): Float64Array | BigInt64Array {
  return v instanceof BigInt64Array ? int64Storage(v) : v;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Decodes UTF-8 bytes[start, end) to a string; short ASCII strings avoid TextDecoder's call overhead. */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  if (end - start < 24) {
    let s = '';
    for (let i = start; i < end; i++) {
      const b = bytes[i];
      if (b >= 0x80) return decoder.decode(bytes.subarray(start, end));
      s += String.fromCharCode(b);
    }
    return s;
  }
  return decoder.decode(bytes.subarray(start, end));
}

/** String values as JS strings (decoding UTF-8 storage). Null rows hold ''. */
export function asStrings(c: Col): string[] {
  const v = c.values;
  if (Array.isArray(v)) return v;
  const u = v as Utf8;
  const n = u.offsets.length - 1;
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = decodeUtf8(u.bytes, u.offsets[i], u.offsets[i + 1]);
  return out;
}

/** String values in UTF-8 layout (encoding JS strings). */
export function asUtf8(c: Col): Utf8 {
  const v = c.values;
  if (!Array.isArray(v)) return v as Utf8;
  return encodeUtf8(v);
}

export function encodeUtf8(strings: string[]): Utf8 {
  const offsets = new Int32Array(strings.length + 1);
  let total = 0;
  for (let i = 0; i < strings.length; i++) total += strings[i].length * 3;
  let bytes = new Uint8Array(total);
  let pos = 0;
  for (let i = 0; i < strings.length; i++) {
    const s = strings[i];
    let ascii = true;
    for (let k = 0; k < s.length; k++) {
      const ch = s.charCodeAt(k);
      if (ch >= 0x80) { ascii = false; break; }
      bytes[pos + k] = ch;
    }
    if (ascii) pos += s.length;
    else pos += encoder.encodeInto(s, bytes.subarray(pos)).written;
    offsets[i + 1] = pos;
  }
  if (pos < bytes.length) bytes = bytes.slice(0, pos);
  return { offsets, bytes };
}

export function isUtf8(v: Values): v is Utf8 {
  return v !== null && !Array.isArray(v) && typeof v === 'object' && 'offsets' in v && 'bytes' in v && !('type' in v);
}

/** Compares strings by Unicode code point (Spark's binary UTF-8 order), unlike JS's UTF-16 `<`. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (U+D800–DFFF) encode code points above U+FFFF, so they sort after U+E000–FFFF.
    if (x >= 0xd800) x = x <= 0xdfff ? x + 0x2000 : x - 0x800;
    if (y >= 0xd800) y = y <= 0xdfff ? y + 0x2000 : y - 0x800;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/** Byte-wise comparison of a[as, ae) and b[bs, be). */
export function compareBytes(a: Uint8Array, as: number, ae: number, b: Uint8Array, bs: number, be: number): number {
  const la = ae - as;
  const lb = be - bs;
  const n = la < lb ? la : lb;
  for (let k = 0; k < n; k++) {
    const d = a[as + k] - b[bs + k];
    if (d !== 0) return d;
  }
  return la - lb;
}
