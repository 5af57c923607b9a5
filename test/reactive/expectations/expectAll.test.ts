// expectAll* and chains of expectation operators: every expectation of a
// dataset counts the same input rows, dropped rows count once, one metrics
// value per batch; the expectations() factory and sumMetrics.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { catchError, from, map, of, Subject, toArray } from 'rxjs';
import {
  expect, expectAll, expectAllOrDrop, expectAllOrFail, expectOrDrop, expectOrFail, expectations, sumMetrics,
  ExpectationDefinitionError, type ExpectationMetrics,
} from '../../../src/reactive/expectations/index.ts';
import { idsOf, newScheduler, orders } from './helpers.ts';

const toIds = map(idsOf);
const collect = (): [Subject<ExpectationMetrics>, ExpectationMetrics[]] => {
  const s = new Subject<ExpectationMetrics>();
  const seen: ExpectationMetrics[] = [];
  s.subscribe((m) => seen.push(m));
  return [s, seen];
};
const counts = (m: ExpectationMetrics) => m.data_quality.expectations.map((e) => [e.name, e.passed_records, e.failed_records]);

// id:     1    2     3     NULL  5     6
// amount: 10   -1    NULL  4     0     7
const batch = orders([[1, 10], [2, -1], [3, null], [null, 4], [5, 0], [6, 7]]);
// Outcomes by hand: positive (amount > 0): T F N T F T → 3 pass / 3 fail
//                   has_id (id IS NOT NULL): T T T F T T → 5 / 1
//                   small (id < 5):          T T T N F F → 3 / 3

test('expectAll counts each rule separately and keeps all rows', () => {
  const [metrics, seen] = collect();
  const out: (number | null)[][] = [];
  from([batch]).pipe(expectAll({ positive: 'amount > 0', has_id: 'id IS NOT NULL', small: 'id < 5' }, { dataset: 'o', metrics }), toIds).subscribe((x) => out.push(x));
  assert.equal(out, [[1, 2, 3, null, 5, 6]]);
  assert.equal(counts(seen[0]!), [['positive', 3, 3], ['has_id', 5, 1], ['small', 3, 3]]);
  assert.is(seen[0]!.data_quality.dropped_records, 0);
});

test('expectAllOrDrop drops rows failing any rule, counting each dropped row once', () => {
  const [metrics, seen] = collect();
  newScheduler().run(({ cold, expectObservable }) => {
    const src = cold('-a-|', { a: batch });
    expectObservable(src.pipe(expectAllOrDrop({ positive: 'amount > 0', has_id: 'id IS NOT NULL', small: 'id < 5' }, { metrics }), toIds)).toBe('-x-|', { x: [1] });
  });
  assert.equal(counts(seen[0]!), [['positive', 3, 3], ['has_id', 5, 1], ['small', 3, 3]]);
  // Rows 2..6 fail something: 5 dropped although the rules count 7 failures.
  assert.is(seen[0]!.data_quality.dropped_records, 5);
  assert.is(seen[0]!.metrics.num_output_rows, 1);
});

test('expectAllOrFail names every rule the first offending row broke', () => {
  newScheduler().run(({ cold, expectObservable }) => {
    const src = cold('-a-|', { a: orders([[1, 1], [null, -1], [2, -2]]) });
    const out = src.pipe(expectAllOrFail({ positive: 'amount > 0', has_id: 'id IS NOT NULL', small: 'id < 5' }, { dataset: 'o' }), catchError((e) => of(e)));
    expectObservable(out.pipe(map((e: { expectationsViolated?: string[]; outputRecord?: unknown }) => [e.expectationsViolated, e.outputRecord]))).toBe('-(x|)', {
      x: [['positive', 'has_id', 'small'], { id: null, amount: -1 }],
    });
  });
});

test('a chain evaluates every expectation on the same input rows and reports once per batch, in the batch frame', () => {
  const [metrics, seen] = collect();
  const frames: number[] = [];
  const ts = newScheduler();
  metrics.subscribe(() => frames.push(ts.now()));
  ts.run(({ cold, expectObservable }) => {
    const src = cold('--a--a--|', { a: batch });
    const out = src.pipe(
      expect('has_id', 'id IS NOT NULL', { dataset: 'o', metrics }),
      expectOrDrop('positive', 'amount > 0', { dataset: 'o', metrics }),
      expectOrDrop('small', 'id < 5', { dataset: 'o', metrics }),
      expectOrFail('not_huge', 'amount < 1000 OR amount IS NULL', { dataset: 'o', metrics }),
      toIds,
    );
    expectObservable(out).toBe('--x--x--|', { x: [1] });
  });
  // `small` sees the rows `positive` dropped (spec §2.3): same counts as in expectAll.
  assert.equal(seen.map(counts), [0, 1].map(() => [['has_id', 5, 1], ['positive', 3, 3], ['small', 3, 3], ['not_huge', 6, 0]]));
  // positive drops rows 2,3,5 (ids 2, 3, 5); small then drops NULL-id and 6 (5 already gone): 5 rows once each.
  assert.equal(seen.map((m) => [m.batch_id, m.data_quality.dropped_records, m.metrics.num_input_rows, m.metrics.num_output_rows]), [[0, 5, 6, 1], [1, 5, 6, 1]]);
  assert.equal(frames, [2, 5], 'metrics are published synchronously with each batch');
});

test('a fail-expectation later in a chain also checks rows dropped earlier', () => {
  const out: string[] = [];
  from([batch]).pipe(expectOrDrop('has_id', 'id IS NOT NULL'), expectOrFail('id_set', 'id IS NOT NULL')).subscribe({ next: () => out.push('next'), error: (e: Error) => out.push(e.name) });
  assert.equal(out, ['ExpectationViolationError']);
});

test('operators separated by a map, or of another dataset, report separately; a re-emitted batch is a new micro-batch', () => {
  const [metrics, seen] = collect();
  from([batch, batch]).pipe(
    expectOrDrop('positive', 'amount > 0', { dataset: 'o', metrics }),
    map((x) => x.slice(0)),
    expectOrDrop('small', 'id < 5', { dataset: 'o', metrics }),
    expect('has_id', 'id IS NOT NULL', { dataset: 'other', metrics }),
  ).subscribe();
  // The second operator only sees the 3 survivors of the first (amounts 10, 4, 7 → ids 1, NULL, 6).
  // Each flow reports when its head's emission returns, so downstream flows report first.
  assert.equal(seen.map((m) => [m.dataset, m.batch_id, counts(m)]), [
    ['other', 0, [['has_id', 1, 0]]],
    ['o', 0, [['small', 1, 2]]],
    ['o', 0, [['positive', 3, 3]]],
    ['other', 1, [['has_id', 1, 0]]],
    ['o', 1, [['small', 1, 2]]],
    ['o', 1, [['positive', 3, 3]]],
  ]);
});

test('expectation names must be unique per dataset', () => {
  let error: Error | undefined;
  from([batch]).pipe(expect('positive', 'amount > 0', { dataset: 'o' }), expectOrDrop('positive', 'amount > 1', { dataset: 'o' })).subscribe({ error: (e: Error) => (error = e) });
  assert.instance(error, ExpectationDefinitionError);
  assert.match(error!.message, "Expectation 'positive' on dataset 'o': is declared more than once");
  const o = expectations('o');
  o.expect('positive', 'amount > 0');
  assert.throws(() => o.expectAll({ small: 'id < 5', positive: 'amount > 1' }), /'positive' on dataset 'o': is declared more than once/);
  expectations('other').expect('positive', 'amount > 0');
  assert.throws(() => expectAll({}), /at least one expectation/);
});

test('expectations() binds the dataset and shares one metrics stream; sumMetrics totals across batches', async () => {
  const o = expectations('orders_silver');
  const totals = o.metrics$.pipe(sumMetrics(), toArray());
  const done = new Promise<unknown>((resolve) => totals.subscribe(resolve));
  const out = await new Promise<(number | null)[][]>((resolve) =>
    from([batch, orders([[7, 1], [8, -1]])]).pipe(o.expect('has_id', 'id IS NOT NULL'), o.expectOrDrop('positive', 'amount > 0'), toIds, toArray()).subscribe(resolve));
  o.close();
  const all = (await done) as { batches: number; dropped_records: number; num_input_rows: number; num_output_rows: number; expectations: unknown[] }[];
  assert.equal(out, [[1, null, 6], [7]]);
  const last = all[all.length - 1]!;
  assert.equal(last, {
    batches: 2, num_input_rows: 8, num_output_rows: 4, dropped_records: 4,
    expectations: [
      { name: 'has_id', dataset: 'orders_silver', passed_records: 7, failed_records: 1 },
      { name: 'positive', dataset: 'orders_silver', passed_records: 4, failed_records: 4 },
    ],
  });
});

test('a batch whose rows are all dropped goes on with 0 rows', () => {
  const out: number[] = [];
  from([orders([[1, -1]])]).pipe(expectOrDrop('positive', 'amount > 0')).subscribe((x) => out.push(x.numRows));
  assert.equal(out, [0]);
});

test.run();
