// expectRowCount: a batch-level expectation DLT lacks (spec §10 #6) — each
// micro-batch must hold between `min` and `max` rows.
import type { RecordBatch } from 'apache-arrow';
import type { MonoTypeOperatorFunction } from 'rxjs';
import { checkOperator } from './checkOperator.ts';
import { checkName, datasetOf, type ExpectationAction, type ExpectationOptions } from './expectation.ts';
import { ExpectationDefinitionError } from './errors.ts';

/** Bounds of {@link expectRowCount}, inclusive; give at least one. */
export interface RowCountBounds {
  min?: number;
  max?: number;
}

/** Options of {@link expectRowCount}. */
export interface ExpectRowCountOptions extends ExpectationOptions {
  /** What to do with a batch out of bounds. Default `'warn'`. */
  action?: ExpectationAction;
  /** Expectation name. Default `row_count` plus the bounds, e.g. `row_count_min_1_max_1000`. */
  name?: string;
}

/**
 * Checks the row count of each micro-batch (the rows the chain's expectations
 * evaluate). The outcome is per batch but reported in rows, so it fits the
 * event log's shape: an out-of-bounds batch counts all its rows as
 * `failed_records` (warn), drops all of them (drop), or errors the stream
 * with ExpectationViolationError whose `detail` gives the count and bounds
 * and whose `outputRecord` is null (fail).
 * @example
 * ```ts
 * rows$.pipe(expectRowCount({ min: 1, max: 100_000 }, { action: 'fail', dataset: 'orders' }));
 * ```
 */
export function expectRowCount(bounds: RowCountBounds, options: ExpectRowCountOptions = {}): MonoTypeOperatorFunction<RecordBatch> {
  const dataset = datasetOf(options);
  const { min, max } = bounds ?? {};
  const label = ['row_count', ...(min !== undefined ? ['min', String(min)] : []), ...(max !== undefined ? ['max', String(max)] : [])].join('_');
  const name = checkName(options.name ?? label, dataset);
  const bad = (v: number | undefined) => v !== undefined && !(Number.isInteger(v) && v >= 0);
  if ((min === undefined && max === undefined) || bad(min) || bad(max) || (min !== undefined && max !== undefined && min > max)) {
    throw new ExpectationDefinitionError(name, dataset, `expectRowCount needs integer bounds 0 ≤ min ≤ max (got min ${min}, max ${max})`);
  }
  const within = (n: number) => (min === undefined || n >= min) && (max === undefined || n <= max);
  const expected = min !== undefined && max !== undefined ? `between ${min} and ${max}` : min !== undefined ? `at least ${min}` : `at most ${max}`;
  return checkOperator(
    {
      names: [name],
      action: options.action ?? 'warn',
      dataset,
      evaluate: (input) => [new Uint8Array(input.numRows).fill(within(input.numRows) ? 1 : 0)],
      batchLevel: (input) => (within(input.numRows) ? undefined : `The batch has ${input.numRows} row(s); expected ${expected}`),
    },
    options,
  );
}
