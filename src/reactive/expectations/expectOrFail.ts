// expectOrFail: DLT's `@dp.expect_or_fail` / `ON VIOLATION FAIL UPDATE`.
import type { RecordBatch } from 'apache-arrow';
import type { MonoTypeOperatorFunction } from 'rxjs';
import { checkOperator } from './checkOperator.ts';
import { datasetOf, SqlRule, sqlCheck, type ExpectationOptions } from './expectation.ts';

/**
 * Errors the stream with ExpectationViolationError at the first row of a
 * batch on which `constraint` is not TRUE (FALSE or NULL). The error names
 * the dataset (`flowName`), the violated expectation and the offending row's
 * values; the failing batch is not emitted and no metrics are reported for it
 * (spec §2.3). Rows dropped by an earlier drop-expectation of the same chain
 * are still checked, since DLT evaluates all expectations on the same rows.
 * @example
 * ```ts
 * rows$.pipe(expectOrFail('valid_id', 'id IS NOT NULL', { dataset: 'orders' })).subscribe({
 *   error: (e: ExpectationViolationError) => console.log(e.expectationsViolated, e.outputRecord),
 * });
 * ```
 */
export function expectOrFail(name: string, constraint: string, options?: ExpectationOptions): MonoTypeOperatorFunction<RecordBatch> {
  const dataset = datasetOf(options);
  return checkOperator(sqlCheck([new SqlRule(name, constraint, dataset)], 'fail', dataset), options);
}
