// A bound (type-checked) expression node: its result type and a closure that
// evaluates it over one batch. Built by the binder from the syntax tree.
import type * as arrow from 'apache-arrow';
import type { Col } from './column.ts';
import { reader, type Value } from './rows.ts';
import type { SqlType } from './sql-type.ts';

export interface EvalContext {
  readonly batch: arrow.RecordBatch;
  /** Row count of the batch. */
  readonly n: number;
  /** current_timestamp() in µs, fixed for the whole evaluation. */
  readonly nowMicros: number;
  /** Columns already materialised in this evaluation (shared subexpressions, column reads). */
  readonly cache: Map<object, Col>;
  /** Index of a top-level column in this batch, by its compiled name. */
  columnIndex(name: string, pos: number): number;
}

export interface Bound {
  readonly type: SqlType;
  /** Source position for error messages. */
  readonly pos: number;
  /** True when the value does not depend on the batch (literals and functions of literals). */
  readonly constant: boolean;
  eval(ctx: EvalContext): Col;
}

/** Wraps a node so repeated uses within one evaluation compute it once (BETWEEN, simple CASE, NULLIF). */
export function memo(b: Bound): Bound {
  const key = {};
  return {
    type: b.type,
    pos: b.pos,
    constant: b.constant,
    eval(ctx) {
      let c = ctx.cache.get(key);
      if (!c) { c = b.eval(ctx); ctx.cache.set(key, c); }
      return c;
    },
  };
}

/** Builds a bound node; constant when all inputs are. */
export function node(type: SqlType, pos: number, inputs: Bound[], evaluate: (ctx: EvalContext) => Col): Bound {
  return { type, pos, constant: inputs.every((b) => b.constant), eval: evaluate };
}

/** Evaluates a constant node once to its JS value. */
export function constantValue(b: Bound): Value | null {
  const ctx: EvalContext = { batch: null as unknown as arrow.RecordBatch, n: 1, nowMicros: 0, cache: new Map(), columnIndex: () => -1 };
  return reader(b.eval(ctx))(0);
}

