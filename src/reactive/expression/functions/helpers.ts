// Shared plumbing for function implementations: arity checks and row-wise
// functions with implicit argument casts.
import type { Binder } from '../binder.ts';
import { type Bound, node, constantValue } from '../bound.ts';
import type { Col } from '../column.ts';
import { mapRows, type Value } from '../rows.ts';
import type { SqlType } from '../sql-type.ts';

/** (binder, bound arguments, position of the call, name as written) → bound call. */
export type FunctionImpl = (b: Binder, args: Bound[], pos: number, name: string) => Bound;

/** Throws unless `min ≤ args ≤ max`. */
export function arity(b: Binder, args: Bound[], pos: number, name: string, min: number, max = min): void {
  if (args.length >= min && args.length <= max) return;
  const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
  b.fail(`Function ${name}() takes ${want} argument${max === 1 && min === 1 ? '' : 's'} but got ${args.length}`, pos);
}

/**
 * A function computed row by row over JS values: arguments are cast to `argTypes`,
 * NULL in → NULL out (unless `nullSafe`), result of type `result`.
 */
export function rowFunction(
  result: SqlType,
  argTypes: SqlType[],
  fn: (...values: Value[]) => Value | null,
  options: { min?: number; nullSafe?: boolean } = {},
): FunctionImpl {
  return (b, args, pos, name) => {
    arity(b, args, pos, name, options.min ?? argTypes.length, argTypes.length);
    const cast = args.map((a, k) => b.coerce(a, argTypes[k], `${name}()`));
    return node(result, pos, cast, (ctx) => mapRows(result, ctx.n, cast.map((c) => c.eval(ctx)), fn, options.nullSafe));
  };
}

/** A function with a column kernel: arguments cast to `argTypes`, `kernel` maps the columns. */
export function colFunction(result: SqlType, argTypes: SqlType[], kernel: (cols: Col[], n: number) => Col): FunctionImpl {
  return (b, args, pos, name) => {
    arity(b, args, pos, name, argTypes.length);
    const cast = args.map((a, k) => b.coerce(a, argTypes[k], `${name}()`));
    return node(result, pos, cast, (ctx) => kernel(cast.map((c) => c.eval(ctx)), ctx.n));
  };
}

/** Value of an argument that must be a literal (e.g. a date format), or a clear error. */
export function literalArg(b: Binder, arg: Bound, name: string, what: string): Value | null {
  if (!arg.constant) b.fail(`The ${what} of ${name}() must be a literal`, arg.pos);
  return constantValue(arg);
}
