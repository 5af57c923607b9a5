// expect: DLT's `@dp.expect` / `CONSTRAINT name EXPECT (expr)` — warn only.
import type { RecordBatch } from 'apache-arrow';
import type { MonoTypeOperatorFunction } from 'rxjs';
import { checkOperator } from './checkOperator.ts';
import { datasetOf, SqlRule, sqlCheck, type ExpectationOptions } from './expectation.ts';

/**
 * Counts the rows of each batch that violate `constraint` (a Spark SQL
 * boolean expression; FALSE and NULL both violate) and passes every row on
 * unchanged. The constraint is parsed now and compiled against the first
 * batch's schema (again whenever the schema changes); a bad constraint throws
 * ExpectationDefinitionError naming the expectation, here or on the first batch.
 *
 * Expectation operators piped back to back evaluate the same input rows, as
 * all expectations of a DLT dataset do: see {@link expectOrDrop}.
 * @example
 * ```ts
 * const metrics = new Subject<ExpectationMetrics>();
 * rows$.pipe(expect('valid_email', "email LIKE '%@%'", { dataset: 'users', metrics }));
 * // metrics: { dataset: 'users', batch_id: 0, data_quality: { dropped_records: 0,
 * //   expectations: [{ name: 'valid_email', dataset: 'users', passed_records: 98, failed_records: 2 }] }, ... }
 * ```
 */
export function expect(name: string, constraint: string, options?: ExpectationOptions): MonoTypeOperatorFunction<RecordBatch> {
  const dataset = datasetOf(options);
  return checkOperator(sqlCheck([new SqlRule(name, constraint, dataset)], 'warn', dataset), options);
}
