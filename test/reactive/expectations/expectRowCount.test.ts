// expectRowCount: per-batch bounds with warn / drop / fail.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { catchError, from, map, of, Subject } from 'rxjs';
import { expectRowCount, ExpectationDefinitionError, ExpectationViolationError, type ExpectationMetrics } from '../../../src/reactive/expectations/index.ts';
import { idsOf, newScheduler, orders } from './helpers.ts';

const one = orders([[1, 1]]);
const three = orders([[1, 1], [2, 2], [3, 3]]);
const five = orders([[1, 1], [2, 2], [3, 3], [4, 4], [5, 5]]);

test('warn counts every row of an out-of-bounds batch as failed', () => {
  const metrics = new Subject<ExpectationMetrics>();
  const seen: unknown[] = [];
  metrics.subscribe((m) => seen.push(m.data_quality.expectations.map((e) => [e.name, e.passed_records, e.failed_records])));
  newScheduler().run(({ cold, expectObservable }) => {
    expectObservable(cold('a-b-c|', { a: one, b: three, c: five }).pipe(expectRowCount({ min: 2, max: 4 }, { metrics }), map((b) => b.numRows))).toBe('a-b-c|', { a: 1, b: 3, c: 5 });
  });
  assert.equal(seen, [[['row_count_min_2_max_4', 0, 1]], [['row_count_min_2_max_4', 3, 0]], [['row_count_min_2_max_4', 0, 5]]]);
});

test('drop removes whole batches out of bounds (emitted with 0 rows)', () => {
  newScheduler().run(({ cold, expectObservable }) => {
    expectObservable(cold('a-b-c|', { a: one, b: three, c: five }).pipe(expectRowCount({ max: 3 }, { action: 'drop' }), map(idsOf))).toBe('a-b-c|', { a: [1], b: [1, 2, 3], c: [] });
  });
});

test('fail errors with the count and bounds and no output record', () => {
  newScheduler().run(({ cold, expectObservable }) => {
    const out = cold('a-b|', { a: three, b: one }).pipe(expectRowCount({ min: 2 }, { action: 'fail', dataset: 'orders', name: 'enough_rows' }), map((b) => b.numRows), catchError((e: ExpectationViolationError) => of(e.message)));
    expectObservable(out).toBe('a-(e|)', {
      a: 3,
      e: "Flow 'orders' failed to meet the expectation. Violated expectations: 'enough_rows'. Input data: 'null'. Output record: 'null'. Missing input data: true. The batch has 1 row(s); expected at least 2",
    });
  });
  let error: ExpectationViolationError | undefined;
  from([five]).pipe(expectRowCount({ max: 4 }, { action: 'fail' })).subscribe({ error: (e: ExpectationViolationError) => (error = e) });
  assert.is(error!.rowIndex, -1);
  assert.is(error!.detail, 'The batch has 5 row(s); expected at most 4');
});

test('invalid bounds are refused at construction', () => {
  assert.throws(() => expectRowCount({}), (e: Error) => e instanceof ExpectationDefinitionError);
  assert.throws(() => expectRowCount({ min: 5, max: 2 }), /0 ≤ min ≤ max/);
  assert.throws(() => expectRowCount({ min: 1.5 }), /integer bounds/);
});

test.run();
