// compileExpression / compilePredicate: parse, bind against a schema, and
// wrap the bound tree in an object that evaluates record batches.
import * as arrow from 'apache-arrow';
import type { Expr } from './ast.ts';
import type { CompileOptions, CompiledExpression, CompiledPredicate, EvaluateOptions, PredicateMask } from './index.ts';
import { Binder, type ColumnRef } from './binder.ts';
import type { Bound, EvalContext } from './bound.ts';
import type { Col } from './column.ts';
import { toArrowVector } from './arrow-column.ts';
import { ExpressionError, ExpressionTypeError } from './errors.ts';
import { parseExpression } from './parser.ts';
import { formatExpression } from './format.ts';
import { fromArrowType, sameType, toArrowType, typeName } from './sql-type.ts';

interface Compiled {
  sql: string;
  expr: Expr;
  bound: Bound;
  refs: ColumnRef[];
  schema: arrow.Schema;
}

function compile(input: string | Expr, schema: arrow.Schema, options: CompileOptions = {}): Compiled {
  const sql = typeof input === 'string' ? input : formatExpression(input);
  const expr = typeof input === 'string' ? parseExpression(input) : input;
  const binder = new Binder(sql, schema, options.table);
  const bound = binder.bind(expr);
  return { sql, expr, bound, refs: [...binder.columns.values()], schema };
}

/** Maps compiled column names to indices of a batch's schema, checking names and types once per schema. */
function columnResolver(c: Compiled): (batch: arrow.RecordBatch) => (name: string, pos: number) => number {
  const bySchema = new WeakMap<arrow.Schema, Map<string, number>>();
  return (batch) => {
    let map = bySchema.get(batch.schema);
    if (!map) {
      map = new Map();
      const fields = batch.schema.fields;
      for (const ref of c.refs) {
        let index = fields[ref.index]?.name === ref.name ? ref.index : fields.findIndex((f) => f.name === ref.name);
        if (index < 0) index = fields.findIndex((f) => f.name.toLowerCase() === ref.name.toLowerCase());
        if (index < 0) throw new ExpressionError(`Column '${ref.name}' used by expression \`${c.sql}\` is missing from the batch [${fields.map((f) => f.name).join(', ')}]`, c.sql, -1);
        const actual = fromArrowType(fields[index].type, `'${ref.name}'`);
        if (!sameType(actual, ref.type) && !(actual.id === 'timestamp' && ref.type.id === 'timestamp')) {
          throw new ExpressionError(`Column '${ref.name}' is ${typeName(actual)} in the batch but was ${typeName(ref.type)} when \`${c.sql}\` was compiled`, c.sql, -1);
        }
        map.set(ref.name, index);
      }
      bySchema.set(batch.schema, map);
    }
    const m = map;
    return (name) => m.get(name)!;
  };
}

function evaluator(c: Compiled): (batch: arrow.RecordBatch, options?: EvaluateOptions) => Col {
  const resolve = columnResolver(c);
  return (batch, options = {}) => {
    const nowMs = (options.now ?? new Date()).getTime();
    const ctx: EvalContext = { batch, n: batch.numRows, nowMicros: nowMs * 1000, cache: new Map(), columnIndex: resolve(batch) };
    return c.bound.eval(ctx);
  };
}

/**
 * Compiles a Spark SQL expression against `schema`: resolves columns (case-insensitively),
 * type-checks, and returns an object evaluating it over batches of that schema.
 * @throws ExpressionSyntaxError / ExpressionTypeError naming the problem and its position.
 * @example
 * const e = compileExpression('amount * 2 + 1', table.schema);
 * const doubled = e.evaluate(table.batches[0]); // arrow.Vector
 */
export function compileExpression(sql: string | Expr, schema: arrow.Schema, options?: CompileOptions): CompiledExpression {
  const c = compile(sql, schema, options);
  const run = evaluator(c);
  const type = c.bound.type;
  const arrowType = type.id === 'interval' ? null : toArrowType(type);
  if (!arrowType) throw new ExpressionTypeError('An INTERVAL cannot be the result of an expression', c.sql, c.expr.pos);
  return {
    sql: c.sql,
    expr: c.expr,
    type: arrowType,
    columns: c.refs.map((r) => r.name),
    evaluate: (batch, options) => toArrowVector(run(batch, options), batch.numRows),
  };
}

/**
 * Compiles a boolean expression (filter, CHECK constraint, expectation).
 * @throws ExpressionTypeError when the expression is not boolean.
 * @example
 * const p = compilePredicate("amount > 100 AND status IN ('a', 'b')", schema);
 * const { mask, trueCount } = p.mask(batch);
 * const kept = filterBatch(batch, mask);
 */
export function compilePredicate(sql: string | Expr, schema: arrow.Schema, options?: CompileOptions): CompiledPredicate {
  const c = compile(sql, schema, options);
  const t = c.bound.type;
  if (t.id !== 'boolean' && t.id !== 'null') {
    throw new ExpressionTypeError(`A predicate must be boolean, but \`${c.sql}\` is ${typeName(t)}`, c.sql, c.expr.pos);
  }
  const run = evaluator(c);
  return {
    sql: c.sql,
    expr: c.expr,
    type: new arrow.Bool(),
    columns: c.refs.map((r) => r.name),
    evaluate: (batch, options) => toArrowVector({ ...run(batch, options), type: { id: 'boolean' } }, batch.numRows),
    mask: (batch, options) => maskOf(run(batch, options), batch.numRows),
  };
}

function maskOf(col: Col, n: number): PredicateMask {
  if (col.type.id === 'null') return { mask: new Uint8Array(n), trueCount: 0, falseCount: 0, nullCount: n };
  const mask = new Uint8Array(col.scalar ? n : 0);
  const v = col.values as Uint8Array;
  const valid = col.valid;
  if (col.scalar) {
    const isNull = valid !== null && valid[0] === 0;
    if (isNull) return { mask, trueCount: 0, falseCount: 0, nullCount: n };
    if (v[0]) mask.fill(1);
    return { mask, trueCount: v[0] ? n : 0, falseCount: v[0] ? 0 : n, nullCount: 0 };
  }
  let trueCount = 0;
  let nullCount = 0;
  // The result array was allocated by this evaluation and is not shared, so it becomes the mask in place.
  const out = v.length === n ? v : new Uint8Array(n);
  if (valid === null) {
    for (let i = 0; i < n; i++) trueCount += v[i];
    if (out !== v) out.set(v.subarray(0, n));
  } else {
    for (let i = 0; i < n; i++) { const ok = valid[i]; const x = v[i] & ok; out[i] = x; trueCount += x; nullCount += 1 - ok; }
  }
  return { mask: out, trueCount, falseCount: n - trueCount - nullCount, nullCount };
}
