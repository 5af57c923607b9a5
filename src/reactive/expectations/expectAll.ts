// expectAll / expectAllOrDrop / expectAllOrFail: DLT's `expect_all*`
// dictionaries — several named constraints with one action, reported per
// expectation like individual operators.
import type { RecordBatch } from 'apache-arrow';
import type { MonoTypeOperatorFunction } from 'rxjs';
import { checkOperator } from './checkOperator.ts';
import { datasetOf, sqlCheck, sqlRules, type ExpectationOptions, type ExpectationRules } from './expectation.ts';
import { quarantineCheck, type QuarantineTarget } from './quarantine.ts';

/** Options of {@link expectAllOrDrop}. */
export interface ExpectAllOrDropOptions extends ExpectationOptions {
  /** Also write the dropped rows to this quarantine target (see `quarantine`). */
  quarantine?: QuarantineTarget;
  /** Clock for `_quarantined_at` (tests). */
  clock?: () => Date;
}

/**
 * Counts, per expectation, the rows violating each constraint of `rules`
 * (`{ name: sql }`) and keeps every row.
 * @example
 * ```ts
 * rows$.pipe(expectAll({ valid_id: 'id IS NOT NULL', recent: "ts > '2020-01-01'" }, { dataset: 'events', metrics }));
 * ```
 */
export function expectAll(rules: ExpectationRules, options?: ExpectationOptions): MonoTypeOperatorFunction<RecordBatch> {
  const dataset = datasetOf(options);
  return checkOperator(sqlCheck(sqlRules(rules, dataset), 'warn', dataset), options);
}

/**
 * Drops the rows violating **any** constraint of `rules`; a row failing
 * several counts once in `dropped_records` and in `failed_records` of each
 * rule it broke. With `quarantine`, dropped rows are written there first
 * (as {@link quarantine} does).
 * @example
 * ```ts
 * rows$.pipe(expectAllOrDrop({ valid_id: 'id IS NOT NULL', positive: 'amount > 0' }, { dataset: 'orders', quarantine: '/data/orders_q' }));
 * ```
 */
export function expectAllOrDrop(rules: ExpectationRules, options?: ExpectAllOrDropOptions): MonoTypeOperatorFunction<RecordBatch> {
  const dataset = datasetOf(options);
  if (options?.quarantine !== undefined) return checkOperator(quarantineCheck(rules, options.quarantine, dataset, options.clock), options);
  return checkOperator(sqlCheck(sqlRules(rules, dataset), 'drop', dataset), options);
}

/**
 * Errors the stream with ExpectationViolationError at the first row violating
 * any constraint of `rules`; the error lists every rule of `rules` that row broke.
 * @example
 * ```ts
 * rows$.pipe(expectAllOrFail({ valid_id: 'id IS NOT NULL', positive: 'amount > 0' }, { dataset: 'orders' }));
 * ```
 */
export function expectAllOrFail(rules: ExpectationRules, options?: ExpectationOptions): MonoTypeOperatorFunction<RecordBatch> {
  const dataset = datasetOf(options);
  return checkOperator(sqlCheck(sqlRules(rules, dataset), 'fail', dataset), options);
}
