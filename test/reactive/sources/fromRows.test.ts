import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { catchError, firstValueFrom, lastValueFrom, map, Observable, of, take, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { fromRows } from '../../../src/reactive/sources/fromRows.ts';
import { float64, int64, schema, utf8 } from '../../../src/reactive/schema/index.ts';
import { ids, rowsJSON } from '../support/batches.ts';

const orders = schema({ id: int64(), amount: float64(), status: utf8().nullable() }, { name: 'orders' });
const row = (i: number) => ({ id: i, amount: i / 2, status: i % 3 ? `s${i}` : null });

test('an array becomes batches of batchSize with the same values as Arrow JS builds', async () => {
  const rows = Array.from({ length: 10 }, (_, i) => row(i));
  const batches = await lastValueFrom(fromRows(rows, { schema: orders, batchSize: 4 }).pipe(toArray()));
  assert.equal(batches.map((b) => b.numRows), [4, 4, 2]);
  const expected = new arrow.Table({
    id: arrow.vectorFromArray(rows.map((r) => BigInt(r.id)), new arrow.Int64()),
    amount: arrow.vectorFromArray(rows.map((r) => r.amount), new arrow.Float64()),
    status: arrow.vectorFromArray(rows.map((r) => r.status), new arrow.Utf8()),
  });
  assert.is(rowsJSON(batches), rowsJSON(expected));
});

test('synchronous iterables emit synchronously', () => {
  let n = 0;
  fromRows([row(1), row(2)], { schema: orders }).subscribe((b) => (n += b.numRows));
  assert.is(n, 2);
});

test('bad values name the global row index across batches', async () => {
  const rows = Array.from({ length: 10 }, (_, i) => (i === 7 ? { ...row(i), amount: '3.5' } : row(i)));
  const seen: number[] = [];
  const err = await lastValueFrom(fromRows(rows as never[], { schema: orders, batchSize: 3 }).pipe(map((b) => seen.push(b.numRows)))).catch((e: Error) => e);
  assert.instance(err, Error);
  assert.is((err as Error).message, 'orders: column "amount", row 7: expected float64 (a number), got "3.5" (string)');
  assert.equal(seen, [3, 3], 'the batches before the bad one were emitted');
});

test('leaving early returns the generator and reads no further', async () => {
  let pulled = 0;
  let returned = false;
  function* gen() {
    try {
      for (let i = 0; ; i++) {
        pulled++;
        yield row(i);
      }
    } finally {
      returned = true;
    }
  }
  const first = await firstValueFrom(fromRows(gen(), { schema: orders, batchSize: 5 }));
  assert.is(first.numRows, 5);
  assert.is(pulled, 5);
  assert.ok(returned, 'return() was called');
});

test('async iterables: values, early exit and source errors', async () => {
  let returned = false;
  async function* gen(n: number, failAt = -1) {
    try {
      for (let i = 0; i < n; i++) {
        if (i === failAt) throw new Error('source failed');
        await Promise.resolve();
        yield row(i);
      }
    } finally {
      returned = true;
    }
  }
  const all = await lastValueFrom(fromRows(gen(7), { schema: orders, batchSize: 3 }).pipe(toArray()));
  assert.equal(all.map((b) => b.numRows), [3, 3, 1]);
  assert.equal(all.flatMap((b) => Array.from(b.getChild('id')!.toArray() as BigInt64Array, Number)), [0, 1, 2, 3, 4, 5, 6]);
  returned = false;
  await firstValueFrom(fromRows(gen(1_000_000), { schema: orders, batchSize: 3 }).pipe(take(1)));
  await new Promise((r) => setTimeout(r, 5));
  assert.ok(returned, 'return() was called on the async generator');
  const err = await lastValueFrom(fromRows(gen(10, 4), { schema: orders, batchSize: 3 })).catch((e: Error) => e);
  assert.is((err as Error).message, 'source failed');
});

test('a bad value also returns the iterator', async () => {
  let returned = false;
  function* gen() {
    try {
      yield row(0);
      yield { id: 'x' };
      yield row(2);
    } finally {
      returned = true;
    }
  }
  const err = await lastValueFrom(fromRows(gen() as Iterable<never>, { schema: orders })).catch((e: Error) => e);
  assert.match((err as Error).message, /column "id", row 1/);
  assert.ok(returned);
});

test('Observable rows: batchSize and maxDelayMs flushes (marbles)', () => {
  new TestScheduler((a, e) => assert.equal(a, e)).run(({ cold, expectObservable }) => {
    const src = cold('abc-d 10ms e|', { a: row(1), b: row(2), c: row(3), d: row(4), e: row(5) });
    const out = fromRows(src, { schema: orders, batchSize: 3, maxDelayMs: 5 }).pipe(map((b) => Array.from(b.getChild('id')!.toArray() as BigInt64Array, Number)));
    // [1,2,3] fills at 2; d at 4 waits 5 ms → 9; e at 15 flushes on complete at 16.
    expectObservable(out).toBe('--x------y------(z|)', { x: [1, 2, 3], y: [4], z: [5] });
  });
});

test('a bad value in a time-flushed partial batch errors the stream (marbles)', () => {
  new TestScheduler((a, e) => assert.equal(a, e)).run(({ cold, expectObservable }) => {
    const src = cold('ab---', { a: row(1), b: { ...row(2), id: 'two' } as never });
    const out = fromRows(src, { schema: orders, batchSize: 10, maxDelayMs: 3 }).pipe(catchError((e: Error) => of(e.message)));
    expectObservable(out).toBe('---(m|)', { m: 'orders: column "id", row 1: expected int64 (a safe-integer number or a bigint), got "two" (string)' });
  });
});

test('Observable rows: unsubscribing tears down the source', () => {
  let unsubscribed = false;
  const src = new Observable<ReturnType<typeof row>>((s) => {
    s.next(row(1));
    return () => (unsubscribed = true);
  });
  const sub = fromRows(src, { schema: orders, maxDelayMs: 1000 }).subscribe();
  sub.unsubscribe();
  assert.ok(unsubscribed);
});

test('options are validated', () => {
  assert.throws(() => fromRows([], { schema: orders, batchSize: 0 }), /batchSize must be a positive integer/);
});

void ids;
test.run();
