// CAST between types with Spark's non-ANSI semantics: an impossible
// conversion yields NULL instead of failing (e.g. CAST('abc' AS INT)).
import { type Col, MAX_EXACT, asF64, makeCol } from './column.ts';
import { formatDate, formatTimestamp, parseDate, parseTimestamp, MICROS_PER_DAY } from './datetime.ts';
import { mapRows, type Value } from './rows.ts';
import { type SqlType, isNumeric, isIntegral, sameType, typeName } from './sql-type.ts';

const INT_RANGE: Record<string, [number, number]> = {
  int8: [-128, 127], int16: [-32768, 32767], int32: [-2147483648, 2147483647],
};

/** Whether CAST(from AS to) is allowed (Spark's Cast.canCast, for the types this engine has). */
export function canCast(from: SqlType, to: SqlType): boolean {
  if (sameType(from, to) || from.id === 'null') return true;
  if (to.id === 'string') return from.id !== 'struct' && from.id !== 'list' && from.id !== 'map' && from.id !== 'interval';
  if (from.id === 'string') return to.id !== 'interval' && to.id !== 'struct' && to.id !== 'list' && to.id !== 'map';
  const scalarish = (t: SqlType): boolean => isNumeric(t) || t.id === 'boolean';
  if (scalarish(from) && scalarish(to)) return true;
  if (from.id === 'date') return to.id === 'timestamp';
  if (from.id === 'timestamp') return to.id === 'date' || to.id === 'timestamp' || scalarish(to);
  if (to.id === 'timestamp') return scalarish(from);
  return false;
}

/** Java's Double.toString, which Spark uses when casting a double to string. */
export function doubleToString(x: number, float32 = false): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(x);
  // Shortest round-trip digits; for floats, the shortest that round-trips in single precision.
  let digits = float32 ? shortestFloat32(x) : String(x);
  if (abs >= 1e-3 && abs < 1e7) {
    if (/e/.test(digits)) digits = x.toFixed(20).replace(/0+$/, '');
    return digits.includes('.') ? digits : `${digits}.0`;
  }
  const [mant, exp] = x.toExponential(float32 ? shortestFloat32(x).replace(/^-/, '').replace('.', '').replace(/e.*$/, '').replace(/^0+/, '').length - 1 : undefined).split('e');
  const m = mant.includes('.') ? mant : `${mant}.0`;
  return `${m}E${exp.replace('+', '')}`;
}

function shortestFloat32(x: number): string {
  for (let p = 1; p <= 9; p++) {
    const s = x.toPrecision(p);
    if (Math.fround(Number(s)) === x) return String(Number(s));
  }
  return String(x);
}

/** Decimal text of a value at `scale` digits, HALF_UP, as Spark prints decimals. */
export function decimalToString(x: number, scale: number): string {
  return roundHalfUp(x, scale).toFixed(scale);
}

/** Rounds half away from zero at `digits` decimal places, on the value's shortest decimal text (as Spark rounds doubles via BigDecimal). */
export function roundHalfUp(x: number, digits: number): number {
  if (!Number.isFinite(x)) return x;
  if (digits > 15) return x;
  const s = Math.abs(x).toString();
  // Work on the decimal text so 2.675 rounds to 2.68 like Spark, not 2.67 as binary arithmetic would.
  const m = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(s);
  if (!m) return x;
  let intPart = m[1];
  let frac = m[2] ?? '';
  const exp = Number(m[3] ?? 0);
  if (exp > 0) { frac = frac.padEnd(exp, '0'); intPart += frac.slice(0, exp); frac = frac.slice(exp); }
  else if (exp < 0) { const all = intPart.padStart(-exp + 1, '0'); intPart = all.slice(0, all.length + exp); frac = all.slice(all.length + exp) + frac; }
  const all = intPart + frac;
  const point = intPart.length + digits; // digits kept: all[0 .. point)
  if (point < 0) return 0 * Math.sign(x);
  if (point >= all.length) return x;
  let kept = BigInt(all.slice(0, point) || '0');
  if (all.charCodeAt(point) >= 53) kept += 1n; // '5'
  const r = Number(`${kept}e${-digits}`);
  return x < 0 ? -r : r;
}

const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[dDfF]?$/;

/** Spark's string → double: trimmed decimal/scientific text, NaN, Infinity; anything else is NULL. */
export function parseDouble(s: string): number | null {
  const t = s.trim();
  if (NUMBER_TEXT.test(t)) return Number(t.replace(/[dDfF]$/, ''));
  const l = t.toLowerCase();
  if (l === 'nan') return NaN;
  if (l === 'infinity' || l === '+infinity' || l === 'inf' || l === '+inf') return Infinity;
  if (l === '-infinity' || l === '-inf') return -Infinity;
  return null;
}

/** Spark's string → integral: trimmed integer text, a fractional part is dropped; out of range or invalid is NULL. */
export function parseIntegral(s: string, to: SqlType): number | bigint | null {
  const t = s.trim();
  const m = /^([+-]?\d+)(?:\.\d*)?$/.exec(t) ?? /^([+-]?)\.\d+$/.exec(t);
  if (!m) return null;
  const digits = m[1] === '' || m[1] === '+' || m[1] === '-' ? '0' : m[1];
  const v = BigInt(digits);
  if (to.id === 'int64') {
    if (v < -(2n ** 63n) || v >= 2n ** 63n) return null;
    return v >= -MAX_EXACT && v <= MAX_EXACT ? Number(v) : v;
  }
  const [lo, hi] = INT_RANGE[to.id];
  return v < BigInt(lo) || v > BigInt(hi) ? null : Number(v);
}

const TRUE_TEXT = new Set(['t', 'true', 'y', 'yes', '1']);
const FALSE_TEXT = new Set(['f', 'false', 'n', 'no', '0']);

/** Bits of the integral types held in an Int32Array. */
const INT_WIDTH: Partial<Record<SqlType['id'], number>> = { int8: 8, int16: 16, int32: 32 };

/** Wraps an integer into the range of a narrower integral type (Java's narrowing conversion). */
function wrapInt(v: number, to: SqlType): number {
  switch (to.id) {
    case 'int8': return (v << 24) >> 24;
    case 'int16': return (v << 16) >> 16;
    default: return v | 0;
  }
}

/** Java's (int)/(long) conversion of a double: truncate toward zero, NaN → 0, saturate at the bounds. */
function doubleToIntegral(x: number, to: SqlType): number | bigint {
  if (Number.isNaN(x)) return 0;
  const t = Math.trunc(x);
  if (to.id === 'int64') {
    if (t >= 9223372036854775807) return 9223372036854775807n;
    if (t <= -9223372036854775808) return -9223372036854775808n;
    return Math.abs(t) <= MAX_EXACT ? t : BigInt(t);
  }
  // Spark narrows double → int via (int), and → tinyint/smallint via (int) then wrapping.
  const asInt = t >= 2147483647 ? 2147483647 : t <= -2147483648 ? -2147483648 : t;
  return wrapInt(asInt, to);
}

/** Casts a column to `to`. `sql`/`pos` only label errors. */
export function castCol(c: Col, to: SqlType): Col {
  const from = c.type;
  if (sameType(from, to)) return c;
  const n = c.length;
  if (from.id === 'null') return { ...c, type: to, values: to.id === 'string' ? [''] : to.id === 'boolean' ? new Uint8Array(1) : (to.id === 'int8' || to.id === 'int16' || to.id === 'int32' || to.id === 'date') ? new Int32Array(1) : new Float64Array(1), valid: new Uint8Array(1), scalar: true };
  if (from.id === 'timestamp' && to.id === 'timestamp') return { ...c, type: to };
  // Fast paths for numeric widening, which are the common implicit casts.
  if (isNumeric(from) && isNumeric(to) || (from.id === 'boolean' && isNumeric(to))) {
    const v = c.values;
    if (to.id === 'float64' || to.id === 'float32' || to.id === 'decimal') {
      let f = asF64(c);
      if (to.id === 'float32') f = Float64Array.from(f, Math.fround);
      if (to.id === 'decimal') return castToDecimal({ ...c, values: f, type: { id: 'float64' } }, to);
      return makeCol(to, n, f === v ? f : f, c.valid, c.scalar);
    }
    if (isIntegral(from) && to.id === 'int64') {
      return makeCol(to, n, v instanceof Int32Array ? Float64Array.from(v) : v, c.valid, c.scalar);
    }
    if (from.id === 'boolean') return makeCol(to, n, to.id === 'int64' ? Float64Array.from(v as Uint8Array) : Int32Array.from(v as Uint8Array), c.valid, c.scalar);
    if (isIntegral(from) && isIntegral(to)) {
      if (v instanceof BigInt64Array) {
        const out = new Int32Array(v.length);
        for (let i = 0; i < v.length; i++) out[i] = wrapInt(Number(BigInt.asIntN(32, v[i])), to);
        return makeCol(to, n, out, c.valid, c.scalar);
      }
      const src = v as Int32Array | Float64Array;
      // Widening among int8/int16/int32 keeps every value: the stored Int32Array is already the result.
      if (src instanceof Int32Array && INT_WIDTH[from.id]! <= INT_WIDTH[to.id]!) return makeCol(to, n, src, c.valid, c.scalar);
      const out = new Int32Array(src.length);
      // Wrap like Java's (int) on a long: take the low 32 bits exactly.
      if (src instanceof Float64Array) for (let i = 0; i < src.length; i++) out[i] = wrapInt(Number(BigInt.asIntN(32, BigInt(src[i]))), to);
      else for (let i = 0; i < src.length; i++) out[i] = wrapInt(src[i], to);
      return makeCol(to, n, out, c.valid, c.scalar);
    }
  }
  if (to.id === 'decimal') {
    if (from.id === 'string') return castToDecimal(castCol(c, { id: 'float64' }), to);
    if (from.id === 'timestamp') return castToDecimal(castCol(c, { id: 'float64' }), to);
  }
  const fn = valueCaster(from, to);
  return mapRows(to, n, [c], (x) => fn(x));
}

function castToDecimal(c: Col, to: { id: 'decimal'; precision: number; scale: number }): Col {
  const f = c.values as Float64Array;
  const out = new Float64Array(f.length);
  const limit = 10 ** (to.precision - to.scale);
  let valid = c.valid ? c.valid.slice() : null;
  for (let i = 0; i < f.length; i++) {
    const r = roundHalfUp(f[i], to.scale);
    // A value that does not fit the precision (or NaN/Infinity) becomes NULL, as in non-ANSI Spark.
    if (!(Math.abs(r) < limit)) { valid ??= new Uint8Array(f.length).fill(1); valid[i] = 0; continue; }
    out[i] = r;
  }
  return makeCol(to, c.length, out, valid, c.scalar);
}

/** Row-level conversion function for CAST(from AS to). */
function valueCaster(from: SqlType, to: SqlType): (x: Value) => Value | null {
  switch (to.id) {
    case 'string': return toStringCaster(from);
    case 'boolean':
      if (from.id === 'string') return (x) => { const l = (x as string).trim().toLowerCase(); return TRUE_TEXT.has(l) ? true : FALSE_TEXT.has(l) ? false : null; };
      if (from.id === 'timestamp') return (x) => Number(x) !== 0;
      return (x) => (typeof x === 'bigint' ? x !== 0n : (x as number) !== 0);
    case 'int8': case 'int16': case 'int32': case 'int64':
      if (from.id === 'string') return (x) => parseIntegral(x as string, to);
      if (from.id === 'timestamp') return (x) => { const s = floorDiv(x as number | bigint, 1_000_000); return to.id === 'int64' ? s : wrapInt(Number(BigInt.asIntN(32, BigInt(s))), to); };
      return (x) => doubleToIntegral(typeof x === 'bigint' ? Number(x) : Number(x), to);
    case 'float32': case 'float64': {
      const r = to.id === 'float32' ? Math.fround : (v: number): number => v;
      if (from.id === 'string') return (x) => { const d = parseDouble(x as string); return d === null ? null : r(d); };
      if (from.id === 'timestamp') return (x) => r(Number(x) / 1e6);
      return (x) => r(Number(x));
    }
    case 'date':
      if (from.id === 'string') return (x) => parseDate(x as string);
      if (from.id === 'timestamp') return (x) => Number(floorDiv(x as number | bigint, MICROS_PER_DAY));
      break;
    case 'timestamp':
      if (from.id === 'string') return (x) => parseTimestamp(x as string);
      if (from.id === 'date') return (x) => BigInt(x as number) * 86_400_000_000n;
      if (from.id === 'timestamp') return (x) => x;
      // Numbers are seconds since the epoch.
      return (x) => { const s = Number(x); return Number.isFinite(s) ? BigInt(Math.round(s * 1e6)) : null; };
  }
  throw new Error(`internal: no cast from ${typeName(from)} to ${typeName(to)}`);
}

function toStringCaster(from: SqlType): (x: Value) => Value | null {
  switch (from.id) {
    case 'boolean': return (x) => (x ? 'true' : 'false');
    case 'float64': return (x) => doubleToString(x as number);
    case 'float32': return (x) => doubleToString(x as number, true);
    case 'decimal': { const s = from.scale; return (x) => decimalToString(x as number, s); }
    case 'date': return (x) => formatDate(x as number);
    case 'timestamp': return (x) => formatTimestamp(x as number | bigint);
    default: return (x) => String(x);
  }
}

/** Floor division for int64-as-number-or-bigint values. */
export function floorDiv(x: number | bigint, d: number): number | bigint {
  if (typeof x === 'bigint') {
    const b = BigInt(d);
    const q = x / b;
    const r = q * b !== x && x < 0n ? q - 1n : q;
    return r >= -BigInt(MAX_EXACT) && r <= BigInt(MAX_EXACT) ? Number(r) : r;
  }
  return Math.floor(x / d);
}

