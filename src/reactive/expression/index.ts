// Public API of the expression engine: Spark SQL expression strings parsed
// once, type-checked against an Arrow schema and evaluated vectorised over
// Arrow record batches with SQL three-valued logic.
//
// Deviations from Spark (documented in README.md next to this file): decimal
// arithmetic runs in double precision; timestamps without an explicit zone
// are read as UTC; integer overflow wraps (Spark's non-ANSI behaviour).
import type * as arrow from 'apache-arrow';
import type { Expr } from './ast.ts';

export type { Expr, BinaryOp, LiteralValue, TypeName } from './ast.ts';
export { ExpressionError, ExpressionSyntaxError, ExpressionTypeError, ExpressionEvaluationError } from './errors.ts';
export { parseExpression } from './parser.ts';
export { compileExpression, compilePredicate } from './compile.ts';
export { filterBatch } from './filter-batch.ts';

/** Options for compiling; all optional. */
export interface CompileOptions {
  /** Table name used in error messages (e.g. "Column 'x' not found in table orders [...]"). */
  table?: string;
}

/** Per-call evaluation options. */
export interface EvaluateOptions {
  /** Value of current_timestamp()/current_date(), fixed for the whole call (default: the time of the call). */
  now?: Date;
}

/** An expression bound to a schema, ready to evaluate over batches of that schema. */
export interface CompiledExpression {
  /** The expression text (as given, or re-rendered when compiled from a tree). */
  readonly sql: string;
  /** The parsed tree. */
  readonly expr: Expr;
  /** Arrow type of the result. */
  readonly type: arrow.DataType;
  /** Top-level columns it reads, as named in the schema. */
  readonly columns: string[];
  /** Evaluates over every row of `batch`; SQL three-valued logic (null in, null out). */
  evaluate(batch: arrow.RecordBatch, options?: EvaluateOptions): arrow.Vector;
}

/** Counts from {@link CompiledPredicate.mask}. */
export interface PredicateMask {
  /** 1 where the predicate is TRUE; 0 where it is FALSE or NULL. */
  mask: Uint8Array;
  trueCount: number;
  falseCount: number;
  nullCount: number;
}

/** A boolean expression (filter, CHECK constraint, expectation). */
export interface CompiledPredicate extends CompiledExpression {
  /** Row mask: 1 where the predicate is TRUE (false and NULL → 0), plus counts. */
  mask(batch: arrow.RecordBatch, options?: EvaluateOptions): PredicateMask;
}
