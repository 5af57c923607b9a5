// Arithmetic kernels. Operands arrive already cast to the computation type.
// Integer overflow wraps (Spark's non-ANSI mode); division or modulo by zero
// yields NULL. int64 runs on doubles while every value is exactly
// representable and falls back to BigInt otherwise.
import { type Col, MAX_EXACT, allScalar, asF64, asI64, combineValidity, loopLength, makeCol, normalizeInt64 } from './column.ts';
import { roundHalfUp } from './cast.ts';
import type { SqlType } from './sql-type.ts';

export type ArithOp = '+' | '-' | '*' | '/' | '%' | 'DIV' | '&' | '|' | '^';

/** `a op b` with result type `type` (a and b already have the computation type). */
export function arith(op: ArithOp, a: Col, b: Col, type: SqlType): Col {
  const n = loopLength(a.length, a, b);
  let valid = combineValidity(n, a, b);
  const scalar = allScalar(a, b);
  const markNull = (i: number): void => {
    valid ??= new Uint8Array(n).fill(1);
    valid[i] = 0;
  };
  const sa = a.scalar ? 0 : 1;
  const sb = b.scalar ? 0 : 1;
  switch (type.id) {
    case 'int8': case 'int16': case 'int32': {
      const x = a.values as Int32Array;
      const y = b.values as Int32Array;
      const out = new Int32Array(n);
      switch (op) {
        case '+': for (let i = 0; i < n; i++) out[i] = x[i * sa] + y[i * sb]; break;
        case '-': for (let i = 0; i < n; i++) out[i] = x[i * sa] - y[i * sb]; break;
        case '*': for (let i = 0; i < n; i++) out[i] = Math.imul(x[i * sa], y[i * sb]); break;
        case '%': for (let i = 0; i < n; i++) { const d = y[i * sb]; if (d === 0) markNull(i); else out[i] = x[i * sa] % d; } break;
        case '&': for (let i = 0; i < n; i++) out[i] = x[i * sa] & y[i * sb]; break;
        case '|': for (let i = 0; i < n; i++) out[i] = x[i * sa] | y[i * sb]; break;
        case '^': for (let i = 0; i < n; i++) out[i] = x[i * sa] ^ y[i * sb]; break;
        default: throw new Error(`internal: ${op} on ${type.id}`);
      }
      // Int32Array stores wrap to 32 bits; narrower types wrap once more.
      if (type.id === 'int8') for (let i = 0; i < n; i++) out[i] = (out[i] << 24) >> 24;
      if (type.id === 'int16') for (let i = 0; i < n; i++) out[i] = (out[i] << 16) >> 16;
      return makeCol(type, a.length, out, valid, scalar);
    }
    case 'int64': {
      const x = a.values;
      const y = b.values;
      if (x instanceof Float64Array && y instanceof Float64Array && op !== '&' && op !== '|' && op !== '^') {
        const out = new Float64Array(n);
        let exact = true;
        switch (op) {
          case '+': for (let i = 0; i < n; i++) out[i] = x[i * sa] + y[i * sb]; break;
          case '-': for (let i = 0; i < n; i++) out[i] = x[i * sa] - y[i * sb]; break;
          case '*': for (let i = 0; i < n; i++) out[i] = x[i * sa] * y[i * sb]; break;
          case '%': for (let i = 0; i < n; i++) { const d = y[i * sb]; if (d === 0) markNull(i); else out[i] = x[i * sa] % d; } break;
          case 'DIV': for (let i = 0; i < n; i++) { const d = y[i * sb]; if (d === 0) markNull(i); else out[i] = truncDiv(x[i * sa], d); } break;
          default: throw new Error(`internal: ${op} on bigint`);
        }
        for (let i = 0; i < n; i++) if (out[i] > MAX_EXACT || out[i] < -MAX_EXACT) { exact = false; break; }
        if (exact) return makeCol(type, a.length, out, valid, scalar);
      }
      return makeCol(type, a.length, bigArith(op, asI64(a), sa, asI64(b), sb, n, markNull), valid, scalar);
    }
    case 'float32': case 'float64': case 'decimal': {
      const x = asF64(a);
      const y = asF64(b);
      const out = new Float64Array(n);
      // Spark returns NULL for any division by zero, floating point included.
      switch (op) {
        case '+': for (let i = 0; i < n; i++) out[i] = x[i * sa] + y[i * sb]; break;
        case '-': for (let i = 0; i < n; i++) out[i] = x[i * sa] - y[i * sb]; break;
        case '*': for (let i = 0; i < n; i++) out[i] = x[i * sa] * y[i * sb]; break;
        case '/': for (let i = 0; i < n; i++) { const d = y[i * sb]; if (d === 0) markNull(i); else out[i] = x[i * sa] / d; } break;
        case '%': for (let i = 0; i < n; i++) { const d = y[i * sb]; if (d === 0) markNull(i); else out[i] = x[i * sa] % d; } break;
        default: throw new Error(`internal: ${op} on ${type.id}`);
      }
      if (type.id === 'float32') for (let i = 0; i < n; i++) out[i] = Math.fround(out[i]);
      if (type.id === 'decimal') {
        const limit = 10 ** (type.precision - type.scale);
        const m = 10 ** type.scale;
        // Round to the result scale (HALF_UP) as a decimal would; values here are doubles, so this is approximate past 15 digits.
        for (let i = 0; i < n; i++) {
          const v = out[i];
          const r = Math.abs(v) * m < 2 ** 52 ? (Math.sign(v) * Math.round(Math.abs(v) * m)) / m : roundHalfUp(v, type.scale);
          out[i] = r;
          if (!(Math.abs(r) < limit)) markNull(i);
        }
      }
      return makeCol(type, a.length, out, valid, scalar);
    }
  }
  throw new Error(`internal: arithmetic on ${type.id}`);
}

function truncDiv(x: number, d: number): number {
  let q = Math.trunc(x / d);
  // Correct a quotient rounded across an integer boundary by the division.
  const r = x - q * d;
  if (Math.abs(r) >= Math.abs(d)) q += Math.sign(r) * Math.sign(d);
  else if (r !== 0 && Math.sign(r) !== Math.sign(x)) q -= Math.sign(r) * Math.sign(d);
  return q;
}

function bigArith(op: ArithOp, x: BigInt64Array, sa: number, y: BigInt64Array, sb: number, n: number, markNull: (i: number) => void): Float64Array | BigInt64Array {
  const out = new BigInt64Array(n);
  for (let i = 0; i < n; i++) {
    const p = x[i * sa];
    const q = y[i * sb];
    let r: bigint;
    switch (op) {
      case '+': r = p + q; break;
      case '-': r = p - q; break;
      case '*': r = p * q; break;
      case '%': if (q === 0n) { markNull(i); continue; } r = p % q; break;
      case 'DIV': if (q === 0n) { markNull(i); continue; } r = p / q; break;
      case '&': r = p & q; break;
      case '|': r = p | q; break;
      case '^': r = p ^ q; break;
      default: throw new Error(`internal: ${op} on bigint`);
    }
    out[i] = BigInt.asIntN(64, r);
  }
  return normalizeInt64(out);
}

/** Unary minus (integers wrap: -(-2^31) stays -2^31 for int). */
export function negate(a: Col): Col {
  const v = a.values;
  if (v instanceof Int32Array) {
    const out = new Int32Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = -v[i] | 0;
    if (a.type.id === 'int8') for (let i = 0; i < v.length; i++) out[i] = (out[i] << 24) >> 24;
    if (a.type.id === 'int16') for (let i = 0; i < v.length; i++) out[i] = (out[i] << 16) >> 16;
    return { ...a, values: out };
  }
  if (v instanceof BigInt64Array) {
    const out = new BigInt64Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = BigInt.asIntN(64, -v[i]);
    return { ...a, values: normalizeInt64(out) };
  }
  const f = v as Float64Array;
  const out = new Float64Array(f.length);
  for (let i = 0; i < f.length; i++) out[i] = -f[i];
  return { ...a, values: out };
}

/** Bitwise NOT of an integral column. */
export function bitNot(a: Col): Col {
  const v = a.values;
  if (v instanceof Int32Array) {
    const out = new Int32Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = ~v[i];
    return { ...a, values: out };
  }
  const big = asI64(a);
  const out = new BigInt64Array(big.length);
  for (let i = 0; i < big.length; i++) out[i] = ~big[i];
  return { ...a, values: normalizeInt64(out) };
}
