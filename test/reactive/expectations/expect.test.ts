// expect / expectOrDrop / expectOrFail: marble tests of emitted rows, errors,
// early unsubscribe, NULL outcomes and schema changes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { catchError, from, map, of, Subject, type Observable } from 'rxjs';
import { expect, expectOrDrop, expectOrFail, ExpectationDefinitionError, ExpectationViolationError, type ExpectationMetrics } from '../../../src/reactive/expectations/index.ts';
import { idsOf, makeBatch, newScheduler, orders } from './helpers.ts';

const toIds = map(idsOf);
const errorText = catchError((e: Error) => of(`${e.name}: ${e.message.split('\n')[0]}`));
const collect = (): [Subject<ExpectationMetrics>, ExpectationMetrics[]] => {
  const s = new Subject<ExpectationMetrics>();
  const seen: ExpectationMetrics[] = [];
  s.subscribe((m) => seen.push(m));
  return [s, seen];
};
const counts = (m: ExpectationMetrics) => m.data_quality.expectations.map((e) => [e.name, e.passed_records, e.failed_records]);

const a = orders([[1, 10], [2, -5], [3, null]]);
const b = orders([[4, 1], [null, 2]]);

test('expect keeps every row, in the same batch object, and counts violations', () => {
  const [metrics, seen] = collect();
  newScheduler().run(({ cold, expectObservable }) => {
    const src = cold('a-b-|', { a, b });
    const out = src.pipe(expect('positive', 'amount > 0', { dataset: 'orders', metrics }));
    expectObservable(out).toBe('a-b-|', { a, b });
  });
  // amount > 0: a → 10 passes, -5 fails, NULL fails; b → both pass.
  assert.equal(seen.map(counts), [[['positive', 1, 2]], [['positive', 2, 0]]]);
  assert.equal(seen.map((m) => [m.dataset, m.batch_id, m.data_quality.dropped_records, m.metrics.num_output_rows]), [['orders', 0, 0, 3], ['orders', 1, 0, 2]]);
});

test('expectOrDrop removes rows that are FALSE or NULL', () => {
  const [metrics, seen] = collect();
  newScheduler().run(({ cold, expectObservable }) => {
    const src = cold('a-b-|', { a, b });
    expectObservable(src.pipe(expectOrDrop('positive', 'amount > 0', { metrics }), toIds)).toBe('x-y-|', { x: [1], y: [4, null] });
  });
  assert.equal(seen.map((m) => m.data_quality.dropped_records), [2, 0]);
  assert.equal(seen.map((m) => m.dataset), ['unnamed', 'unnamed']);
});

test('NULL outcome is a violation for every action (spec §2.2), and IS NULL / coalesce rules pass NULLs explicitly', () => {
  const rows = orders([[1, null], [null, null]]);
  const kept = (op: (s: Observable<arrow.RecordBatch>) => Observable<arrow.RecordBatch>) => {
    const out: (number | null)[][] = [];
    from([rows]).pipe(op).subscribe({ next: (x) => out.push(idsOf(x)), error: () => out.push(['error' as never]) });
    return out;
  };
  assert.equal(kept(expectOrDrop('r', 'amount > 0')), [[]], 'NULL > 0 is NULL: dropped');
  assert.equal(kept(expectOrDrop('r', 'NOT (amount > 0)')), [[]], 'NOT NULL is NULL: dropped too');
  assert.equal(kept(expectOrDrop('r', 'amount IS NULL')), [[1, null]]);
  assert.equal(kept(expectOrDrop('r', 'coalesce(amount > 0, true)')), [[1, null]]);
  assert.equal(kept(expectOrDrop('r', 'NULL')), [[]], 'a constant NULL constraint fails every row');
  assert.equal(kept(expectOrFail('r', 'id > 0')), [['error' as never]], 'NULL id fails expectOrFail');
  const [metrics, seen] = collect();
  from([rows]).pipe(expect('r', 'id = 1', { metrics })).subscribe();
  assert.equal(counts(seen[0]!), [['r', 1, 1]], 'warn counts the NULL outcome as failed');
});

test('expectOrFail passes clean batches and errors at the first violating batch, without emitting it', () => {
  const [metrics, seen] = collect();
  newScheduler().run(({ cold, expectObservable }) => {
    const src = cold('b-a-b-|', { a, b });
    const out = src.pipe(expectOrFail('known_id', 'id IS NOT NULL OR amount = 2', { dataset: 'orders', metrics }), toIds, errorText);
    // b: id NULL but amount = 2 → ok; a: amount -5 has an id → ok; then b again → ok.
    expectObservable(out).toBe('x-y-x-|', { x: [4, null], y: [1, 2, 3] });
  });
  assert.is(seen.length, 3);
  const [metrics2, seen2] = collect();
  newScheduler().run(({ cold, expectObservable }) => {
    const src = cold('b-a-b-|', { a, b });
    const out = src.pipe(expectOrFail('positive', 'amount > 0', { dataset: 'orders', metrics: metrics2 }), toIds, errorText);
    expectObservable(out).toBe('x-(e|)', {
      x: [4, null],
      e: `ExpectationViolationError: Flow 'orders' failed to meet the expectation. Violated expectations: 'positive'. Input data: '{"id":2,"amount":-5}'. Output record: '{"id":2,"amount":-5}'. Missing input data: false`,
    });
  });
  assert.is(seen2.length, 1, 'no metrics for the failed batch (spec §2.3)');
});

test('source errors propagate; early unsubscribe stops evaluation', () => {
  newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const src = cold('a-#', { a }, new Error('boom'));
    expectObservable(src.pipe(expectOrDrop('p', 'amount > 0'), toIds, errorText)).toBe('x-(e|)', { x: [1], e: 'Error: boom' });
  });
  let evaluated = 0;
  newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const src = cold('a-b-a-b-|', { a, b });
    const counted = src.pipe(map((x) => { evaluated++; return x; }));
    expectObservable(counted.pipe(expectOrDrop('p', 'amount > 0'), toIds), '^--!').toBe('x-y', { x: [1], y: [4, null] });
    expectSubscriptions(src.subscriptions).toBe('^--!');
  });
  assert.is(evaluated, 2);
});

test('constraints compile against the first schema and again when the schema changes', () => {
  const wide = makeBatch({ id: [new arrow.Int64(), [1n, 2n]], amount: [new arrow.Utf8(), ['5', '-1']], extra: [new arrow.Bool(), [true, false]] });
  const out: (number | null)[][] = [];
  from([a, wide, b]).pipe(expectOrDrop('positive', 'amount > 0'), toIds).subscribe((x) => out.push(x));
  // The string column compares to 0 after Spark's implicit cast.
  assert.equal(out, [[1], [1], [4, null]]);
});

test('bad constraint SQL: syntax errors at construction, unknown columns on the first batch, naming the expectation and a caret', () => {
  assert.throws(() => expect('valid_amount', 'amount >> 0', { dataset: 'orders' }), (e: Error) =>
    e instanceof ExpectationDefinitionError && e.message.startsWith("Expectation 'valid_amount' on dataset 'orders': invalid constraint `amount >> 0`: Syntax error") && /\n {2}amount >> 0\n {2}\s*\^/.test(e.message));
  let error: Error | undefined;
  from([a]).pipe(expectOrDrop('valid_amount', 'amout > 0', { dataset: 'orders' })).subscribe({ error: (e: Error) => (error = e) });
  assert.instance(error, ExpectationDefinitionError);
  assert.match(error!.message, "Expectation 'valid_amount' on dataset 'orders'");
  assert.match(error!.message, "Column 'amout' not found");
  assert.match(error!.message, '\n  amout > 0\n  ^');
  let typeError: Error | undefined;
  from([a]).pipe(expect('not_boolean', 'amount + 1')).subscribe({ error: (e: Error) => (typeError = e) });
  assert.match(typeError!.message, /not_boolean.*must be boolean/s);
  assert.throws(() => expect('', 'true'), /non-empty name/);
});

test('a violation error carries the DLT payload', () => {
  let error: ExpectationViolationError | undefined;
  from([a]).pipe(expectOrFail('positive', 'amount > 0', { dataset: 'orders' })).subscribe({ error: (e: ExpectationViolationError) => (error = e) });
  assert.instance(error, ExpectationViolationError);
  assert.equal(error!.toJSON(), {
    errorClass: 'EXPECTATION_VIOLATION.VERBOSITY_ALL',
    sqlState: '22000',
    flowName: 'orders',
    expectationsViolated: ['positive'],
    inputData: { id: 2, amount: -5 },
    outputRecord: { id: 2, amount: -5 },
    missingInputData: false,
  });
  assert.is(error!.rowIndex, 1);
  assert.is(error!.batchId, 0);
});

test.run();
