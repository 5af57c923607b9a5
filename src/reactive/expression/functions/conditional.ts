// Conditional and null-handling functions: coalesce/nvl/ifnull, nvl2, if/iff,
// nullif, isnull/isnotnull.
import { T } from '../sql-type.ts';
import { type FunctionImpl, arity } from './helpers.ts';
import { node, memo } from '../bound.ts';
import { choose } from '../select.ts';
import { isNull } from '../logic.ts';

const coalesce: FunctionImpl = (b, args, pos, name) => {
  arity(b, args, pos, name, 1, Infinity);
  const type = b.commonOf(args, `${name}()`);
  const cast = args.map((a) => b.coerce(a, type, `${name}()`));
  return node(type, pos, cast, (ctx) => {
    const cols = cast.map((c) => c.eval(ctx));
    const scalar = cols.every((c) => c.scalar);
    const n = scalar ? 1 : ctx.n;
    const pick = new Int32Array(n).fill(-1);
    // Walk arguments in order; each row takes the first non-NULL one.
    for (let k = 0; k < cols.length; k++) {
      const c = cols[k];
      const s = c.scalar ? 0 : 1;
      for (let i = 0; i < n; i++) if (pick[i] < 0 && (c.valid === null || c.valid[i * s] === 1)) pick[i] = k;
    }
    return choose(type, ctx.n, cols, pick, scalar);
  });
};

const ifFn: FunctionImpl = (b, args, pos, name) => {
  arity(b, args, pos, name, 3);
  const cond = b.coerce(args[0], T.boolean, `${name}()`);
  const type = b.commonOf([args[1], args[2]], `${name}()`);
  const yes = b.coerce(args[1], type, `${name}()`);
  const no = b.coerce(args[2], type, `${name}()`);
  return node(type, pos, [cond, yes, no], (ctx) => {
    const c = cond.eval(ctx);
    const y = yes.eval(ctx);
    const o = no.eval(ctx);
    const scalar = c.scalar && y.scalar && o.scalar;
    const n = scalar ? 1 : ctx.n;
    const cv = c.values as Uint8Array;
    const s = c.scalar ? 0 : 1;
    const pick = new Int32Array(n);
    // A NULL condition takes the ELSE value, as in CASE WHEN.
    for (let i = 0; i < n; i++) pick[i] = cv[i * s] === 1 && (c.valid === null || c.valid[i * s] === 1) ? 0 : 1;
    return choose(type, ctx.n, [y, o], pick, scalar);
  });
};

const nullif: FunctionImpl = (b, args, pos, name) => {
  arity(b, args, pos, name, 2);
  const first = memo(args[0]);
  const eq = b.comparison('=', first, args[1], pos);
  return node(first.type, pos, [first, eq], (ctx) => {
    const x = first.eval(ctx);
    const e = eq.eval(ctx);
    const scalar = x.scalar && e.scalar;
    const n = scalar ? 1 : ctx.n;
    const ev = e.values as Uint8Array;
    const s = e.scalar ? 0 : 1;
    const pick = new Int32Array(n);
    for (let i = 0; i < n; i++) pick[i] = ev[i * s] === 1 && (e.valid === null || e.valid[i * s] === 1) ? -1 : 0;
    return choose(first.type, ctx.n, [x], pick, scalar);
  });
};

const nvl2: FunctionImpl = (b, args, pos, name) => {
  arity(b, args, pos, name, 3);
  const test = node(T.boolean, pos, [args[0]], (ctx) => isNull(args[0].eval(ctx), true));
  return ifFn(b, [test, args[1], args[2]], pos, name);
};

export const CONDITIONAL_FUNCTIONS: Record<string, FunctionImpl> = {
  coalesce, nvl: coalesce, ifnull: coalesce,
  nvl2,
  if: ifFn, iff: ifFn,
  nullif,
  isnull: (b, args, pos, name) => { arity(b, args, pos, name, 1); return node(T.boolean, pos, args, (ctx) => isNull(args[0].eval(ctx), false)); },
  isnotnull: (b, args, pos, name) => { arity(b, args, pos, name, 1); return node(T.boolean, pos, args, (ctx) => isNull(args[0].eval(ctx), true)); },
};
