// expectations: the operators of this module bound to one dataset, with a
// shared metrics stream — the RxJS counterpart of declaring DLT expectations
// on one table.
import type { RecordBatch } from 'apache-arrow';
import { Subject, type MonoTypeOperatorFunction, type Observable } from 'rxjs';
import { expect } from './expect.ts';
import { expectOrDrop } from './expectOrDrop.ts';
import { expectOrFail } from './expectOrFail.ts';
import { expectAll, expectAllOrDrop, expectAllOrFail, type ExpectAllOrDropOptions } from './expectAll.ts';
import { expectUnique, type ExpectUniqueOptions } from './expectUnique.ts';
import { expectRowCount, type ExpectRowCountOptions, type RowCountBounds } from './expectRowCount.ts';
import { quarantine, type QuarantineOptions } from './quarantine.ts';
import { ExpectationDefinitionError } from './errors.ts';
import type { ExpectationMetrics } from './metrics.ts';
import type { ExpectationRules } from './expectation.ts';

type Op = MonoTypeOperatorFunction<RecordBatch>;

/** The operators of one dataset; see {@link expectations}. */
export interface DatasetExpectations {
  readonly dataset: string;
  /** One value per micro-batch and chain of these operators (hot: subscribe before the data flows). */
  readonly metrics$: Observable<ExpectationMetrics>;
  expect(name: string, constraint: string): Op;
  expectOrDrop(name: string, constraint: string): Op;
  expectOrFail(name: string, constraint: string): Op;
  expectAll(rules: ExpectationRules): Op;
  expectAllOrDrop(rules: ExpectationRules, options?: Pick<ExpectAllOrDropOptions, 'quarantine' | 'clock'>): Op;
  expectAllOrFail(rules: ExpectationRules): Op;
  expectUnique(keys: string | readonly string[], options?: Omit<ExpectUniqueOptions, 'dataset' | 'metrics'>): Op;
  expectRowCount(bounds: RowCountBounds, options?: Omit<ExpectRowCountOptions, 'dataset' | 'metrics'>): Op;
  quarantine(options: Omit<QuarantineOptions, 'dataset' | 'metrics'>): Op;
  /** Completes `metrics$` (e.g. when the pipeline stops). */
  close(): void;
}

/**
 * Expectation operators bound to `dataset` and reporting to one metrics
 * stream. Declaring the same expectation name twice on the dataset throws
 * ExpectationDefinitionError (DLT: names are unique per dataset).
 * @example
 * ```ts
 * const orders = expectations('orders_silver');
 * orders.metrics$.subscribe((m) => eventLog.flowProgress(m));
 * raw$.pipe(
 *   orders.expect('valid_notif', 'notified IS NOT NULL'),
 *   orders.expectOrDrop('valid_id', 'id IS NOT NULL'),
 *   orders.expectUnique('id', { action: 'drop' }),
 * ).subscribe(sink);
 * ```
 */
export function expectations(dataset: string): DatasetExpectations {
  if (typeof dataset !== 'string' || dataset === '') throw new Error('expectations: give the dataset name');
  const metrics = new Subject<ExpectationMetrics>();
  const declared = new Set<string>();
  const declare = (...names: string[]) => {
    for (const name of names) {
      if (declared.has(name)) throw new ExpectationDefinitionError(name, dataset, 'is declared more than once; expectation names must be unique per dataset');
    }
    for (const name of names) declared.add(name);
  };
  const base = { dataset, metrics };
  return {
    dataset,
    metrics$: metrics.asObservable(),
    expect: (name, sql) => { const op = expect(name, sql, base); declare(name); return op; },
    expectOrDrop: (name, sql) => { const op = expectOrDrop(name, sql, base); declare(name); return op; },
    expectOrFail: (name, sql) => { const op = expectOrFail(name, sql, base); declare(name); return op; },
    expectAll: (rules) => { const op = expectAll(rules, base); declare(...Object.keys(rules)); return op; },
    expectAllOrDrop: (rules, options) => { const op = expectAllOrDrop(rules, { ...options, ...base }); declare(...Object.keys(rules)); return op; },
    expectAllOrFail: (rules) => { const op = expectAllOrFail(rules, base); declare(...Object.keys(rules)); return op; },
    expectUnique: (keys, options) => {
      const op = expectUnique(keys, { ...options, ...base });
      declare(options?.name ?? `unique_${(typeof keys === 'string' ? [keys] : keys).join('_')}`);
      return op;
    },
    expectRowCount: (bounds, options) => {
      const op = expectRowCount(bounds, { ...options, ...base });
      declare(options?.name ?? ['row_count', ...(bounds.min !== undefined ? ['min', String(bounds.min)] : []), ...(bounds.max !== undefined ? ['max', String(bounds.max)] : [])].join('_'));
      return op;
    },
    quarantine: (options) => { const op = quarantine({ ...options, ...base }); declare(...Object.keys(options.rules)); return op; },
    close: () => metrics.complete(),
  };
}
