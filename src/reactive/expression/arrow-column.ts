// Conversion between Arrow Data and the engine's internal columns.
import * as arrow from 'apache-arrow';
import { type Col, type Utf8, MAX_EXACT, asStrings, encodeUtf8, int64Storage, isUtf8, makeCol } from './column.ts';
import { type SqlType, toArrowType } from './sql-type.ts';

/** Validity bytes from an Arrow bitmap (bit `offset + i`), or null when there are no nulls. */
export function bitmapToBytes(bitmap: Uint8Array | null | undefined, offset: number, length: number, nullCount: number): Uint8Array | null {
  if (!bitmap || bitmap.length === 0 || nullCount === 0) return null;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const b = offset + i;
    out[i] = (bitmap[b >> 3] >> (b & 7)) & 1;
  }
  return out;
}

/** Packs validity bytes (or scalar validity) into an Arrow bitmap; returns [bitmap, nullCount]. */
export function bytesToBitmap(valid: Uint8Array, length: number): [Uint8Array, number] {
  const bitmap = new Uint8Array(((length + 63) & ~63) >> 3);
  let nulls = 0;
  for (let i = 0; i < length; i++) {
    if (valid[i]) bitmap[i >> 3] |= 1 << (i & 7);
    else nulls++;
  }
  return [bitmap, nulls];
}

/** Builds a column for Arrow `data` of engine type `type`. */
export function fromArrowData(data: arrow.Data, type: SqlType): Col {
  const n = data.length;
  const valid = data.typeId === arrow.Type.Null ? new Uint8Array(n) : bitmapToBytes(data.nullBitmap, data.offset, n, data.nullCount);
  const t = arrow.Type;
  const values = data.values as unknown;
  switch (data.typeId) {
    case t.Null:
      return makeCol(type, n, null, valid);
    case t.Bool: {
      const bits = values as Uint8Array;
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const b = data.offset + i;
        out[i] = (bits[b >> 3] >> (b & 7)) & 1;
      }
      return makeCol(type, n, out, valid);
    }
    case t.Int: {
      const v = values as Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | BigInt64Array | BigUint64Array;
      if (v instanceof Int32Array) return makeCol(type, n, v.subarray(0, n), valid);
      if (v instanceof BigInt64Array) return makeCol(type, n, int64Storage(v.subarray(0, n)), valid);
      if (v instanceof BigUint64Array) return makeCol(type, n, int64Storage(new BigInt64Array(v.buffer, v.byteOffset, n)), valid);
      if (v instanceof Uint32Array) return makeCol(type, n, Float64Array.from(v.subarray(0, n)), valid);
      return makeCol(type, n, Int32Array.from(v.subarray(0, n)), valid);
    }
    case t.Float: {
      const v = values as Uint16Array | Float32Array | Float64Array;
      if (v instanceof Float64Array) return makeCol(type, n, v.subarray(0, n), valid);
      if (v instanceof Float32Array) return makeCol(type, n, Float64Array.from(v.subarray(0, n)), valid);
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = float16ToNumber(v[i]);
      return makeCol(type, n, out, valid);
    }
    case t.Decimal:
      return makeCol(type, n, decimalToF64(values as Uint32Array, (data.type as arrow.Decimal).scale, (data.type as arrow.Decimal).bitWidth, n), valid);
    case t.Utf8: {
      const offsets = (data.valueOffsets as Int32Array).subarray(0, n + 1);
      return makeCol(type, n, { offsets, bytes: values as Uint8Array }, valid);
    }
    case t.LargeUtf8: {
      const big = data.valueOffsets as unknown as BigInt64Array;
      const offsets = new Int32Array(n + 1);
      for (let i = 0; i <= n; i++) offsets[i] = Number(big[i]);
      return makeCol(type, n, { offsets, bytes: values as Uint8Array }, valid);
    }
    case t.Date: {
      if (values instanceof Int32Array) return makeCol(type, n, values.subarray(0, n), valid);
      const ms = values as BigInt64Array;
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = Math.floor(Number(ms[i]) / 86_400_000);
      return makeCol(type, n, out, valid);
    }
    case t.Timestamp:
      return makeCol(type, n, timestampToMicros((values as BigInt64Array).subarray(0, n), (data.type as arrow.Timestamp).unit), valid);
    case t.Dictionary: {
      const dictVector = data.dictionary as arrow.Vector;
      const dictData = dictVector.data.length === 1 ? dictVector.data[0] : concatData(dictVector);
      const dict = fromArrowData(dictData, type);
      const indices = data.values as ArrayLike<number | bigint>;
      return gatherDictionary(dict, indices, n, valid);
    }
    case t.Struct: case t.List: case t.LargeList: case t.Map:
      return makeCol(type, n, data, valid);
  }
  throw new Error(`Arrow type ${String(data.type)} is not supported in expressions`);
}

function concatData(v: arrow.Vector): arrow.Data {
  return arrow.makeVector(v.toArray() as never).data[0] ?? v.data[0];
}

function gatherDictionary(dict: Col, indices: ArrayLike<number | bigint>, n: number, valid: Uint8Array | null): Col {
  const index = (i: number): number => Number(indices[i]);
  const dv = dict.values;
  // Combine the index validity with the dictionary entry's validity.
  let outValid = valid;
  if (dict.valid) {
    outValid = valid ? valid.slice() : new Uint8Array(n).fill(1);
    for (let i = 0; i < n; i++) if (outValid[i] && !dict.valid[index(i)]) outValid[i] = 0;
  }
  if (isUtf8(dv) || Array.isArray(dv)) {
    // Decode each dictionary entry once; rows share the JS strings.
    const strings = asStrings(dict);
    const out = new Array<string>(n);
    for (let i = 0; i < n; i++) out[i] = (outValid === null || outValid[i]) ? strings[index(i)] : '';
    return makeCol(dict.type, n, out, outValid);
  }
  if (dv instanceof Float64Array || dv instanceof Int32Array || dv instanceof Uint8Array || dv instanceof BigInt64Array) {
    const src = dv as unknown as { [i: number]: number | bigint };
    const out = new (dv.constructor as new (n: number) => Float64Array | Int32Array | Uint8Array | BigInt64Array)(n);
    const dst = out as unknown as { [i: number]: number | bigint };
    for (let i = 0; i < n; i++) dst[i] = src[(outValid === null || outValid[i]) ? index(i) : 0];
    return makeCol(dict.type, n, out, outValid);
  }
  throw new Error(`dictionary-encoded ${dict.type.id} columns are not supported in expressions`);
}

function timestampToMicros(v: BigInt64Array, unit: arrow.TimeUnit): Float64Array | BigInt64Array {
  const n = v.length;
  if (unit === arrow.TimeUnit.MICROSECOND) return int64Storage(v);
  if (unit === arrow.TimeUnit.NANOSECOND) {
    const out = new BigInt64Array(n);
    // Floor division keeps pre-epoch instants in the right microsecond.
    for (let i = 0; i < n; i++) { const x = v[i]; const q = x / 1000n; out[i] = x < 0n && q * 1000n !== x ? q - 1n : q; }
    return int64Storage(out);
  }
  const scale = unit === arrow.TimeUnit.MILLISECOND ? 1000 : 1_000_000;
  const base = int64Storage(v);
  if (base instanceof Float64Array) {
    let exact = true;
    for (let i = 0; i < n; i++) { base[i] === 0 || (base[i] *= scale); if (Math.abs(base[i]) > MAX_EXACT) exact = false; }
    if (exact) return base;
  }
  const out = new BigInt64Array(n);
  const s = BigInt(scale);
  for (let i = 0; i < n; i++) out[i] = BigInt.asIntN(64, v[i] * s);
  return out;
}

function float16ToNumber(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function decimalToF64(words: Uint32Array, scale: number, bitWidth: number, n: number): Float64Array {
  const stride = bitWidth / 32;
  const out = new Float64Array(n);
  const div = 10 ** scale;
  for (let i = 0; i < n; i++) {
    const base = i * stride;
    const w0 = words[base];
    const w1 = words[base + 1];
    let small = true;
    const sign = words[base + stride - 1] >>> 31;
    for (let k = 2; k < stride; k++) if (words[base + k] !== (sign ? 0xffffffff : 0)) { small = false; break; }
    if (small && (sign ? w1 >= 0xffe00000 : w1 < 0x200000)) {
      const hi = sign ? w1 - 4294967296 : w1;
      out[i] = (hi * 4294967296 + w0) / div;
    } else {
      let v = 0n;
      for (let k = stride - 1; k >= 0; k--) v = (v << 32n) | BigInt(words[base + k]);
      v = BigInt.asIntN(bitWidth, v);
      out[i] = Number(v) / div;
    }
  }
  return out;
}

/** Expands a scalar to `n` rows; full columns pass through. */
function expand<A extends { length: number; [i: number]: unknown }>(v: A, scalar: boolean, n: number, make: (n: number) => A): A {
  if (!scalar) return v;
  const out = make(n);
  const x = v[0];
  for (let i = 0; i < n; i++) out[i] = x;
  return out;
}

/** Builds the Arrow vector for a column (expanding scalars to `n` rows). */
export function toArrowVector(col: Col, n: number): arrow.Vector {
  const type = col.type;
  const arrowType = toArrowType(type);
  let valid: Uint8Array | null = col.valid;
  if (valid && col.scalar) valid = valid[0] ? null : new Uint8Array(n);
  const [nullBitmap, nullCount] = valid ? bytesToBitmap(valid, n) : [undefined, 0];
  const v = col.values;
  switch (type.id) {
    case 'null':
      return arrow.makeVector(arrow.makeData({ type: new arrow.Null(), length: n }));
    case 'boolean': {
      const bytes = expand(v as Uint8Array, col.scalar, n, (k) => new Uint8Array(k));
      const [bits] = bytesToBitmap(bytes, n);
      return arrow.makeVector(arrow.makeData({ type: arrowType as arrow.Bool, length: n, nullCount, nullBitmap, data: bits }));
    }
    case 'int8': case 'int16': case 'int32': case 'date': {
      const src = expand(v as Int32Array, col.scalar, n, (k) => new Int32Array(k));
      const data = type.id === 'int8' ? Int8Array.from(src) : type.id === 'int16' ? Int16Array.from(src) : src;
      return arrow.makeVector(arrow.makeData({ type: arrowType as arrow.Int32, length: n, nullCount, nullBitmap, data: data as Int32Array }));
    }
    case 'int64': case 'timestamp': {
      const src = v as Float64Array | BigInt64Array;
      const data = new BigInt64Array(n);
      if (src instanceof BigInt64Array) {
        if (col.scalar) data.fill(src[0]); else data.set(src.subarray(0, n));
      } else {
        // Write the two 32-bit halves directly: exact for |v| ≤ 2^53 and much faster than BigInt(v).
        const halves = new Int32Array(data.buffer);
        for (let i = 0; i < n; i++) {
          const x = src[col.scalar ? 0 : i];
          const hi = Math.floor(x / 4294967296);
          halves[2 * i + 1] = hi;
          halves[2 * i] = (x - hi * 4294967296) | 0;
        }
      }
      return arrow.makeVector(arrow.makeData({ type: arrowType as arrow.Int64, length: n, nullCount, nullBitmap, data }));
    }
    case 'float32': case 'float64': {
      const src = expand(v as Float64Array, col.scalar, n, (k) => new Float64Array(k));
      const data = type.id === 'float32' ? Float32Array.from(src) : src;
      return arrow.makeVector(arrow.makeData({ type: arrowType as arrow.Float64, length: n, nullCount, nullBitmap, data: data as Float64Array }));
    }
    case 'decimal': {
      const src = v as Float64Array;
      const words = new Uint32Array(n * 4);
      const mul = 10 ** type.scale;
      for (let i = 0; i < n; i++) {
        const x = src[col.scalar ? 0 : i];
        if (!Number.isFinite(x)) continue;
        let big = decimalUnscaled(x, type.scale, mul);
        big = BigInt.asUintN(128, big);
        for (let k = 0; k < 4; k++) { words[i * 4 + k] = Number(big & 0xffffffffn); big >>= 32n; }
      }
      return arrow.makeVector(arrow.makeData({ type: arrowType as arrow.Decimal, length: n, nullCount, nullBitmap, data: words }));
    }
    case 'string': {
      let u: Utf8;
      if (col.scalar) u = encodeUtf8(new Array<string>(n).fill(asStrings(col)[0]));
      else u = Array.isArray(v) ? encodeUtf8(v) : normalizeUtf8(v as Utf8, n);
      return arrow.makeVector(arrow.makeData({ type: arrowType as arrow.Utf8, length: n, nullCount, nullBitmap, valueOffsets: u.offsets, data: u.bytes }));
    }
    case 'struct': case 'list': case 'map': {
      const data = v as arrow.Data;
      if (!valid) return arrow.makeVector(data);
      // Re-apply validity at the data's bit offset so children stay aligned.
      const bits = new Uint8Array(((data.offset + n + 63) & ~63) >> 3);
      let nulls = 0;
      for (let i = 0; i < n; i++) { if (valid[i]) { const b = data.offset + i; bits[b >> 3] |= 1 << (b & 7); } else nulls++; }
      const buffers = [data.valueOffsets, data.values, bits, data.typeIds] as unknown as arrow.Data['buffers'];
      return arrow.makeVector(data.clone(data.type, data.offset, n, nulls, buffers, data.children));
    }
  }
  throw new Error(`A ${type.id} value cannot be produced as an Arrow column`);
}

/** Unscaled integer of a decimal value, rounding HALF_UP at `scale` digits via its shortest decimal text. */
export function decimalUnscaled(x: number, scale: number, mul = 10 ** scale): bigint {
  const scaled = x * mul;
  if (Math.abs(scaled) < 2 ** 52) return BigInt(Math.sign(scaled) * Math.round(Math.abs(scaled)));
  const [int, frac = ''] = Math.abs(x).toFixed(Math.min(100, scale)).split('.');
  const v = BigInt(int + frac.padEnd(scale, '0').slice(0, scale));
  return x < 0 ? -v : v;
}

/** Rebases offsets to start at 0 when the column is a slice of a larger buffer. */
function normalizeUtf8(u: Utf8, n: number): Utf8 {
  const start = u.offsets[0];
  if (start === 0) return { offsets: u.offsets.subarray(0, n + 1), bytes: u.bytes };
  const offsets = new Int32Array(n + 1);
  for (let i = 0; i <= n; i++) offsets[i] = u.offsets[i] - start;
  return { offsets, bytes: u.bytes.subarray(start, u.offsets[n]) };
}
