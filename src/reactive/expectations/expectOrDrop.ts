// expectOrDrop: DLT's `@dp.expect_or_drop` / `ON VIOLATION DROP ROW`.
import type { RecordBatch } from 'apache-arrow';
import type { MonoTypeOperatorFunction } from 'rxjs';
import { checkOperator } from './checkOperator.ts';
import { datasetOf, SqlRule, sqlCheck, type ExpectationOptions } from './expectation.ts';

/**
 * Removes the rows of each batch on which `constraint` is not TRUE (FALSE or
 * NULL) and counts them in `failed_records` and `dropped_records`.
 *
 * Chains: operators piped directly after one another (same `dataset`) form
 * one flow, as the expectations of a DLT dataset do (spec §2.3): each
 * evaluates the rows that entered the first operator, so a row dropped by an
 * earlier expectation still counts as passed or failed for the later ones; a
 * row failing several drop-expectations counts once in `dropped_records`;
 * and one metrics value per batch covers the whole chain. An operator that
 * re-batches or maps in between (microBatch, map) starts a new flow.
 * A batch whose rows are all dropped is still emitted, with 0 rows, so the
 * operators after it see the micro-batch.
 * @example
 * ```ts
 * rows$.pipe(
 *   expectOrDrop('valid_id', 'id IS NOT NULL', { dataset: 'orders' }),
 *   expectOrDrop('positive_amount', 'amount > 0', { dataset: 'orders', metrics }),
 * );
 * ```
 */
export function expectOrDrop(name: string, constraint: string, options?: ExpectationOptions): MonoTypeOperatorFunction<RecordBatch> {
  const dataset = datasetOf(options);
  return checkOperator(sqlCheck([new SqlRule(name, constraint, dataset)], 'drop', dataset), options);
}
