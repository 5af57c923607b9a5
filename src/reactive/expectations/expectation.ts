// What an expectation is: a named SQL constraint, the action taken on rows
// that violate it, and how one row's outcome is decided. Every operator of
// this module is built from a `Check` (one or more expectations evaluated
// together) run by `checkOperator`.
//
// Outcome rule (DLT semantics, spec §2.2): a row passes only when the
// constraint evaluates to TRUE; FALSE and NULL are both violations. DLT's
// runtime documents every action as applying to "records where the invariant
// does not evaluate to true", which is also how Delta CHECK constraints treat NULL.
import type { RecordBatch, Schema } from 'apache-arrow';
import { compilePredicate, ExpressionError, parseExpression, type CompiledPredicate } from '../expression/index.ts';
import { schemaMismatch } from '../batch/schemaMismatch.ts';
import { ExpectationDefinitionError } from './errors.ts';
import type { MetricsObserver } from './metrics.ts';

/**
 * What happens to a violating row: `warn` keeps it (only counted), `drop`
 * removes it from the stream, `fail` errors the stream with
 * ExpectationViolationError.
 */
export type ExpectationAction = 'warn' | 'drop' | 'fail';

/** Dataset name used when an operator is given none. */
export const UNNAMED_DATASET = 'unnamed';

/** Options shared by every expectation operator. */
export interface ExpectationOptions {
  /** The dataset (flow) the expectation belongs to: named in errors and metrics. Default `'unnamed'`. */
  dataset?: string;
  /** Receives one {@link ExpectationMetrics} per micro-batch (e.g. an RxJS Subject). */
  metrics?: MetricsObserver;
}

/** Rules given as `{ name: sqlConstraint }`, as in DLT's `expect_all`. */
export type ExpectationRules = Readonly<Record<string, string>>;

/**
 * A set of expectations one operator evaluates together over a batch.
 * `evaluate` returns one pass mask per name (1 = the row passed).
 */
export interface Check {
  readonly names: readonly string[];
  readonly action: ExpectationAction;
  readonly dataset: string;
  evaluate(input: RecordBatch): Uint8Array[] | Promise<Uint8Array[]>;
  /** For batch-level checks: why `input` violates the check (for the fail error), or undefined when it passes. */
  readonly batchLevel?: (input: RecordBatch) => string | undefined;
  /** Sees the rows this operator passes downstream (`keep` null = all rows of `input`). */
  accept?(input: RecordBatch, keep: Uint8Array | null): void;
  /**
   * Receives the rows this operator removes (mask `removed` over `input`)
   * before the batch goes downstream; a returned promise delays the batch
   * until it settles, and a rejection errors the stream.
   */
  divert?(input: RecordBatch, removed: Uint8Array, masks: Uint8Array[]): void | Promise<unknown>;
}

/** The dataset name of some options. */
export function datasetOf(options: ExpectationOptions | undefined): string {
  return options?.dataset ?? UNNAMED_DATASET;
}

/** Checks an expectation name: a non-empty string. */
export function checkName(name: string, dataset: string): string {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new ExpectationDefinitionError(String(name), dataset, 'an expectation needs a non-empty name');
  }
  return name;
}

/**
 * One named SQL constraint, parsed at construction (syntax errors surface
 * when the operator is built) and compiled against each new batch schema
 * (unknown columns and type errors surface on the first batch).
 * @example
 * const rule = new SqlRule('valid_id', 'id IS NOT NULL AND id > 0', 'orders');
 * const passed = rule.passMask(batch); // 1 where TRUE; 0 where FALSE or NULL
 */
export class SqlRule {
  private compiled: CompiledPredicate | null = null;
  private schema: Schema | null = null;

  constructor(
    readonly name: string,
    readonly sql: string,
    readonly dataset: string,
  ) {
    checkName(name, dataset);
    if (typeof sql !== 'string') throw new ExpectationDefinitionError(name, dataset, `the constraint must be a SQL string, got ${typeof sql}`);
    try {
      parseExpression(sql);
    } catch (err) {
      throw this.wrap(err, 'invalid constraint');
    }
  }

  private wrap(err: unknown, what: string): Error {
    if (err instanceof ExpressionError) return new ExpectationDefinitionError(this.name, this.dataset, `${what} \`${this.sql}\`: ${err.message}`, { cause: err });
    return err as Error;
  }

  /** The predicate for `schema`, compiled once per schema shape. */
  predicate(schema: Schema): CompiledPredicate {
    if (this.compiled === null || (this.schema !== schema && schemaMismatch(this.schema!, schema) !== undefined)) {
      try {
        this.compiled = compilePredicate(this.sql, schema, { table: this.dataset });
      } catch (err) {
        throw this.wrap(err, 'invalid constraint');
      }
    }
    this.schema = schema;
    return this.compiled;
  }

  /** 1 where the constraint is TRUE; 0 where it is FALSE or NULL. */
  passMask(batch: RecordBatch): Uint8Array {
    const predicate = this.predicate(batch.schema);
    try {
      return predicate.mask(batch).mask;
    } catch (err) {
      throw this.wrap(err, 'cannot evaluate constraint');
    }
  }
}

/** Rules from a `{ name: sql }` record, checked. */
export function sqlRules(rules: ExpectationRules, dataset: string): SqlRule[] {
  if (rules === null || typeof rules !== 'object') throw new ExpectationDefinitionError('(rules)', dataset, 'rules must be an object of name → SQL constraint');
  const entries = Object.entries(rules);
  if (entries.length === 0) throw new ExpectationDefinitionError('(rules)', dataset, 'give at least one expectation');
  return entries.map(([name, sql]) => new SqlRule(name, sql, dataset));
}

/** A check made of SQL rules sharing one action. */
export function sqlCheck(rules: SqlRule[], action: ExpectationAction, dataset: string): Check {
  return {
    names: rules.map((r) => r.name),
    action,
    dataset,
    evaluate: (input) => rules.map((r) => r.passMask(input)),
  };
}

/** Number of 1s in the first `n` entries of a mask. */
export function countOnes(mask: Uint8Array, n: number): number {
  let c = 0;
  for (let i = 0; i < n; i++) c += mask[i];
  return c;
}
