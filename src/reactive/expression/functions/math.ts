// Math functions with Spark's result types: ln/sqrt/pow… give double,
// floor/ceil give bigint, abs keeps the input type, round is HALF_UP.
import { type Col, asF64, makeCol, MAX_EXACT, normalizeInt64 } from '../column.ts';
import { type SqlType, T, isIntegral, isNumeric, typeName } from '../sql-type.ts';
import { type FunctionImpl, arity, rowFunction } from './helpers.ts';
import { node, constantValue, type Bound } from '../bound.ts';
import { roundHalfUp } from '../cast.ts';
import { arith, negate } from '../arithmetic.ts';
import { choose } from '../select.ts';
import { compareCols } from '../compare.ts';
import type { Binder } from '../binder.ts';

const D = T.float64;

/** Casts strings (and NULL) to double, as Spark's implicit cast for math functions; other numerics keep their type. */
function numericArg(b: Binder, a: Bound, name: string): Bound {
  if (a.type.id === 'string' || a.type.id === 'null') return b.coerce(a, D, `${name}()`);
  if (!isNumeric(a.type)) b.fail(`Function ${name}() needs a number but got ${typeName(a.type)}`, a.pos);
  return a;
}

/** double → double with NULL for inputs outside the domain (`valid` false). */
const unaryDouble = (f: (x: number) => number, valid: (x: number) => boolean = () => true): FunctionImpl =>
  rowFunction(D, [D], (x) => (valid(x as number) ? f(x as number) : null));

const abs: FunctionImpl = (b, args, pos, name) => {
  arity(b, args, pos, name, 1);
  const x = numericArg(b, args[0], name);
  return node(x.type, pos, [x], (ctx) => {
    const c = x.eval(ctx);
    const v = c.values;
    if (v instanceof BigInt64Array) {
      const out = new BigInt64Array(v.length);
      for (let i = 0; i < v.length; i++) out[i] = BigInt.asIntN(64, v[i] < 0n ? -v[i] : v[i]);
      return { ...c, values: normalizeInt64(out) };
    }
    if (v instanceof Int32Array) {
      const neg = negate(c).values as Int32Array;
      const out = new Int32Array(v.length);
      for (let i = 0; i < v.length; i++) out[i] = v[i] < 0 ? neg[i] : v[i];
      return { ...c, values: out };
    }
    return { ...c, values: Float64Array.from(v as Float64Array, Math.abs) };
  });
};

const round: FunctionImpl = (b, args, pos, name) => {
  arity(b, args, pos, name, 1, 2);
  const x = numericArg(b, args[0], name);
  const dArg = args[1] ? b.coerce(args[1], T.int32, `${name}()`) : null;
  if (dArg && !dArg.constant) b.fail(`The scale of ${name}() must be a literal`, dArg.pos);
  const d = dArg ? Number(constantValue(dArg) ?? 0) : 0;
  let type: SqlType = x.type;
  if (x.type.id === 'decimal') {
    const scale = Math.max(0, Math.min(d, x.type.scale));
    type = { id: 'decimal', precision: Math.min(38, x.type.precision - x.type.scale + scale + 1), scale };
  }
  const t = type;
  return node(t, pos, [x], (ctx) => {
    const c = x.eval(ctx);
    if (isIntegral(t) && d >= 0) return c;
    const f = asF64(c);
    const out = new Float64Array(f.length);
    for (let i = 0; i < f.length; i++) out[i] = roundHalfUp(f[i], d);
    if (isIntegral(t)) {
      const ints = t.id === 'int64' ? out : Int32Array.from(out);
      return makeCol(t, c.length, ints, c.valid, c.scalar);
    }
    return makeCol(t, c.length, out, c.valid, c.scalar);
  });
};

const floorCeil = (f: (x: number) => number): FunctionImpl => (b, args, pos, name) => {
  arity(b, args, pos, name, 1);
  const x = numericArg(b, args[0], name);
  if (x.type.id === 'decimal') {
    const t: SqlType = { id: 'decimal', precision: Math.min(38, x.type.precision - x.type.scale + 1), scale: 0 };
    return node(t, pos, [x], (ctx) => { const c = x.eval(ctx); return makeCol(t, c.length, Float64Array.from(asF64(c), f), c.valid, c.scalar); });
  }
  const arg = isIntegral(x.type) ? b.coerce(x, T.int64, `${name}()`) : b.coerce(x, D, `${name}()`);
  if (isIntegral(x.type)) return arg;
  // double → bigint saturates like Java's (long) cast.
  return node(T.int64, pos, [arg], (ctx) => {
    const c = arg.eval(ctx);
    const v = c.values as Float64Array;
    const out = new Float64Array(v.length);
    let wide = false;
    for (let i = 0; i < v.length; i++) { const r = f(v[i]); out[i] = Number.isNaN(r) ? 0 : r; if (Math.abs(out[i]) > MAX_EXACT) wide = true; }
    if (!wide) return makeCol(T.int64, c.length, out, c.valid, c.scalar);
    const big = new BigInt64Array(v.length);
    for (let i = 0; i < v.length; i++) big[i] = out[i] >= 9223372036854775807 ? 9223372036854775807n : out[i] <= -9223372036854775808 ? -9223372036854775808n : BigInt(out[i]);
    return makeCol(T.int64, c.length, normalizeInt64(big), c.valid, c.scalar);
  });
};

const log: FunctionImpl = (b, args, pos, name) => {
  arity(b, args, pos, name, 1, 2);
  if (args.length === 1) return MATH_FUNCTIONS.ln(b, args, pos, name);
  return rowFunction(D, [D, D], (base, x) => ((base as number) <= 0 || (x as number) <= 0 ? null : Math.log(x as number) / Math.log(base as number)))(b, args, pos, name);
};

/** greatest/least: NULLs are skipped; NULL only when every argument is NULL. NaN is the largest value. */
const extreme = (greatest: boolean): FunctionImpl => (b, args, pos, name) => {
  arity(b, args, pos, name, 2, Infinity);
  const type = b.commonOf(args, `${name}()`);
  const cast = args.map((a) => b.coerce(a, type, `${name}()`));
  return node(type, pos, cast, (ctx) => {
    const cols = cast.map((c) => c.eval(ctx));
    const scalar = cols.every((c) => c.scalar);
    const n = scalar ? 1 : ctx.n;
    const pick = new Int32Array(n).fill(-1);
    let best: Col | null = null;
    for (let k = 0; k < cols.length; k++) {
      const c = cols[k];
      // Compare the candidate against the current best per row; take it where better or where best is NULL.
      const better = best ? compareCols(greatest ? '>' : '<', c, best) : null;
      const bv = better?.values as Uint8Array | undefined;
      for (let i = 0; i < n; i++) {
        const present = c.valid === null || c.valid[c.scalar ? 0 : i] === 1;
        if (!present) continue;
        if (pick[i] < 0 || (bv && bv[better!.scalar ? 0 : i] === 1)) pick[i] = k;
      }
      best = choose(type, ctx.n, cols, pick, scalar);
    }
    return best!;
  });
};

const modFn = (positive: boolean): FunctionImpl => (b, args, pos, name) => {
  arity(b, args, pos, name, 2);
  const m = b.binary('%', args[0], args[1], pos);
  if (!positive) return m;
  // pmod: a result with the divisor's sign flipped is shifted into [0, |b|).
  const divisor = b.coerce(args[1], m.type, `${name}()`);
  return node(m.type, pos, [m, divisor], (ctx) => {
    const r = m.eval(ctx);
    const d = divisor.eval(ctx);
    const sum = arith('+', r, d, m.type);
    const fixed = arith('%', sum, d, m.type);
    const neg = compareCols('<', r, { ...r, values: r.values instanceof Int32Array ? new Int32Array(1) : new Float64Array(1), valid: null, scalar: true });
    const pick = new Int32Array(neg.scalar ? 1 : ctx.n);
    const nv = neg.values as Uint8Array;
    for (let i = 0; i < pick.length; i++) pick[i] = nv[i] === 1 ? 1 : 0;
    return choose(m.type, ctx.n, [r, fixed], pick, neg.scalar && d.scalar);
  });
};

export const MATH_FUNCTIONS: Record<string, FunctionImpl> = {
  abs, round, floor: floorCeil(Math.floor), ceil: floorCeil(Math.ceil), ceiling: floorCeil(Math.ceil),
  sqrt: unaryDouble(Math.sqrt),
  cbrt: unaryDouble(Math.cbrt),
  exp: unaryDouble(Math.exp),
  ln: unaryDouble(Math.log, (x) => x > 0),
  log10: unaryDouble(Math.log10, (x) => x > 0),
  log2: unaryDouble(Math.log2, (x) => x > 0),
  log,
  pow: rowFunction(D, [D, D], (x, y) => Math.pow(x as number, y as number)),
  power: rowFunction(D, [D, D], (x, y) => Math.pow(x as number, y as number)),
  sign: unaryDouble((x) => (Number.isNaN(x) ? NaN : x > 0 ? 1 : x < 0 ? -1 : 0)),
  signum: unaryDouble((x) => (Number.isNaN(x) ? NaN : x > 0 ? 1 : x < 0 ? -1 : 0)),
  greatest: extreme(true), least: extreme(false),
  mod: modFn(false), pmod: modFn(true),
  negative: (b, args, pos, name) => { arity(b, args, pos, name, 1); const x = numericArg(b, args[0], name); return node(x.type, pos, [x], (ctx) => negate(x.eval(ctx))); },
  positive: (b, args, pos, name) => { arity(b, args, pos, name, 1); return numericArg(b, args[0], name); },
  pi: (b, args, pos, name) => { arity(b, args, pos, name, 0); return b.literal({ type: 'double', value: Math.PI }, pos); },
  e: (b, args, pos, name) => { arity(b, args, pos, name, 0); return b.literal({ type: 'double', value: Math.E }, pos); },
  isnan: rowFunction(T.boolean, [D], (x) => (x === null ? false : Number.isNaN(x)), { nullSafe: true }),
  nanvl: rowFunction(D, [D, D], (x, y) => (Number.isNaN(x as number) ? y : x)),
};
