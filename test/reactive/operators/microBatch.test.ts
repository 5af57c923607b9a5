import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { catchError, from, map, of, type SchedulerLike, type Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { microBatch } from '../../../src/reactive/operators/microBatch.ts';
import { idBatch, ids, rangeBatch } from '../support/batches.ts';

const newScheduler = () => new TestScheduler((actual, expected) => assert.equal(actual, expected));
const toIds = map(ids);

test('coalesces small batches into maxRows', () => {
  newScheduler().run(({ cold, expectObservable }) => {
    const src = cold('a-b-c-|', { a: idBatch([1, 2]), b: idBatch([3, 4]), c: idBatch([5, 6]) });
    expectObservable(src.pipe(microBatch({ maxRows: 3 }), toIds)).toBe('--x-y-|', { x: [1, 2, 3], y: [4, 5, 6] });
  });
});

test('splits a large batch, zero-copy, and flushes the rest on complete', () => {
  newScheduler().run(({ cold, expectObservable }) => {
    const src = cold('a 9ms |', { a: rangeBatch(0, 7) });
    expectObservable(src.pipe(microBatch({ maxRows: 3 }), toIds)).toBe('(xy) 6ms (z|)', { x: [0, 1, 2], y: [3, 4, 5], z: [6] });
  });
  const big = rangeBatch(0, 7);
  const out: arrow.RecordBatch[] = [];
  from([big]).pipe(microBatch({ maxRows: 3 })).subscribe((b) => out.push(b));
  const buffer = (b: arrow.RecordBatch) => b.getChild('id')!.data[0]!.values.buffer;
  assert.equal(out.map((b) => b.numRows), [3, 3, 1]);
  assert.ok(out.every((b) => buffer(b) === buffer(big)), 'slices share the input buffer');
});

test('pieces of several batches are copied into one contiguous batch', () => {
  const out: arrow.RecordBatch[] = [];
  from([idBatch([1, 2]), idBatch([3]), idBatch([4, 5, 6])]).pipe(microBatch({ maxRows: 5 })).subscribe((b) => out.push(b));
  assert.equal(out.map(ids), [[1, 2, 3, 4, 5], [6]]);
  assert.is(out[0]!.getChild('id')!.data.length, 1, 'one chunk');
});

test('flushes maxDelayMs after the first buffered row', () => {
  newScheduler().run(({ cold, expectObservable }) => {
    const src = cold('a 3ms b 10ms c 20ms |', { a: idBatch([1]), b: idBatch([2]), c: idBatch([3]) });
    // a at 0 and b at 4 flush together at 5; c at 15 flushes alone at 20.
    expectObservable(src.pipe(microBatch({ maxRows: 100, maxDelayMs: 5 }), toIds)).toBe('5ms x 14ms y 15ms |', { x: [1, 2], y: [3] });
  });
});

test('a size flush restarts the delay window', () => {
  newScheduler().run(({ cold, expectObservable }) => {
    const src = cold('a 1ms b 9ms |', { a: idBatch([1, 2]), b: idBatch([3, 4, 5]) });
    // At 2, b fills [1,2,3]; [4,5] starts a new window that ends at 2 + 4.
    expectObservable(src.pipe(microBatch({ maxRows: 3, maxDelayMs: 4 }), toIds)).toBe('--x 3ms y 5ms |', { x: [1, 2, 3], y: [4, 5] });
  });
});

test('errors propagate and drop buffered rows', () => {
  newScheduler().run(({ cold, expectObservable }) => {
    const src = cold('a-#', { a: idBatch([1]) }, new Error('boom'));
    const out = src.pipe(microBatch({ maxRows: 10, maxDelayMs: 100 }), toIds, catchError((e: Error) => of(e.message)));
    expectObservable(out).toBe('--(m|)', { m: 'boom' });
  });
});

test('unsubscribing early clears the pending timer', () => {
  const ts = newScheduler();
  const scheduled: Subscription[] = [];
  const tracking: SchedulerLike = {
    now: () => ts.now(),
    schedule: (work, delay, state) => {
      const s = ts.schedule(work as never, delay, state);
      scheduled.push(s);
      return s;
    },
  };
  ts.run(({ cold, expectObservable }) => {
    const src = cold('a 20ms b|', { a: idBatch([1]), b: idBatch([2]) });
    expectObservable(src.pipe(microBatch({ maxRows: 10, maxDelayMs: 10, scheduler: tracking }), toIds), '^ 3ms !').toBe('');
  });
  assert.is(scheduled.length, 1);
  assert.ok(scheduled[0]!.closed, 'the delay timer was cancelled');
});

test('maxBytes bounds the Arrow buffer bytes per batch', () => {
  // An int32 column without nulls is 4 bytes per row: 12 bytes hold 3 rows.
  newScheduler().run(({ cold, expectObservable }) => {
    const src = cold('a-b|', { a: rangeBatch(0, 5), b: rangeBatch(5, 2) });
    expectObservable(src.pipe(microBatch({ maxBytes: 12 }), toIds)).toBe('x-y(z|)', { x: [0, 1, 2], y: [3, 4, 5], z: [6] });
  });
});

test('empty batches are dropped and mixed schemas are an error', () => {
  newScheduler().run(({ cold, expectObservable }) => {
    const other = arrow.tableFromArrays({ name: ['x'] }).batches[0]!;
    const src = cold('a-e-b', { a: idBatch([1]), e: idBatch([]), b: other });
    const out = src.pipe(microBatch({ maxRows: 10 }), toIds, catchError((e: Error) => of(e.message)));
    expectObservable(out).toBe('----(m|)', { m: 'microBatch: a batch with a different schema arrived: column 0 is "id" vs "name"' });
  });
});

test('options are validated', () => {
  assert.throws(() => microBatch({}), /give maxRows, maxBytes or maxDelayMs/);
  assert.throws(() => microBatch({ maxRows: 0 }), /maxRows must be positive/);
  assert.throws(() => microBatch({ maxRows: 1.5 }), /maxRows must be an integer/);
  assert.throws(() => microBatch({ maxRows: 1, maxDelayMs: -1 }), /maxDelayMs/);
});

test("output 'table': the same micro-batches as Tables of the uncopied pieces", () => {
  const a = rangeBatch(0, 5);
  const b = rangeBatch(5, 4);
  const c = rangeBatch(9, 8);
  const tables: arrow.Table[] = [];
  from([a, b, c]).pipe(microBatch({ maxRows: 7, output: 'table' })).subscribe((t) => tables.push(t));
  const batches: arrow.RecordBatch[] = [];
  from([a, b, c]).pipe(microBatch({ maxRows: 7 })).subscribe((t) => batches.push(t));
  assert.ok(tables.every((t) => t instanceof arrow.Table));
  assert.equal(
    tables.map((t) => t.batches.flatMap(ids)),
    batches.map(ids),
  );
  assert.equal(tables.map((t) => t.numRows), [7, 7, 3]);
  const buffer = (x: arrow.RecordBatch) => x.getChild('id')!.data[0]!.values.buffer;
  const sources = new Set([a, b, c].map(buffer));
  assert.ok(tables.every((t) => t.batches.every((x) => sources.has(buffer(x)))), 'chunks share the input buffers');
  assert.throws(() => microBatch({ maxRows: 1, output: 'rows' as never }), /output must be 'batch' or 'table'/);
});

test.run();
