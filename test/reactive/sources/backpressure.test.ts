// A lazy 10M-row generator feeding a slow async sink: with a shared
// Backpressure the generator never runs more than a bounded number of rows
// ahead of the sink and the heap stays flat; without it, it runs away.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lastValueFrom, tap } from 'rxjs';
import { backpressure } from '../../../src/reactive/sources/backpressure.ts';
import { fromRows } from '../../../src/reactive/sources/fromRows.ts';
import { microBatch } from '../../../src/reactive/operators/microBatch.ts';
import { float64, int64, schema, utf8 } from '../../../src/reactive/schema/index.ts';

const orders = schema({ id: int64(), amount: float64(), status: utf8() });
const statuses = ['new', 'paid', 'shipped'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A generator of `n` rows that records how many it has produced. */
function counted(n: number) {
  const state = { produced: 0 };
  function* gen() {
    for (let i = 0; i < n; i++) {
      state.produced++;
      yield { id: i, amount: i * 0.25, status: statuses[i % 3]! };
    }
  }
  return { state, rows: gen() };
}

const BATCH = 16_384;
const MAX_ROWS = 65_536;
const HWM = 2;
// Rows that may legitimately exist between generator and sink: the batches
// the sink holds (HWM × MAX_ROWS), microBatch's buffer (< MAX_ROWS) and the
// source batch being built (BATCH).
const BOUND = HWM * MAX_ROWS + MAX_ROWS + BATCH;

test('10M lazy rows into a 1 ms/batch sink: bounded lead and flat heap', async () => {
  const N = 10_000_000;
  const { state, rows } = counted(N);
  const bp = backpressure({ highWaterMark: HWM });
  let consumed = 0;
  let maxLead = 0;
  global.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  let maxHeap = heap0;
  await lastValueFrom(
    fromRows(rows, { schema: orders, batchSize: BATCH, backpressure: bp }).pipe(
      microBatch({ maxRows: MAX_ROWS }),
      bp.sink(async (batch) => {
        maxLead = Math.max(maxLead, state.produced - consumed);
        await sleep(1);
        consumed += batch.numRows;
        if (consumed % (MAX_ROWS * 16) === 0) maxHeap = Math.max(maxHeap, process.memoryUsage().heapUsed);
      }),
    ),
  );
  assert.is(consumed, N);
  assert.is(state.produced, N);
  assert.ok(maxLead <= BOUND, `lead ${maxLead} rows exceeds ${BOUND}`);
  const growthMB = (maxHeap - heap0) / 2 ** 20;
  // 10M row objects alone would be > 500 MB if the generator ran ahead.
  assert.ok(growthMB < 96, `heap grew ${growthMB.toFixed(1)} MB`);
});

test('without backpressure the same pipeline runs ahead (the bound is meaningful)', async () => {
  const N = 1_000_000;
  const { state, rows } = counted(N);
  let consumed = 0;
  let maxLead = 0;
  const bp = backpressure({ highWaterMark: HWM }); // used only by the sink
  await lastValueFrom(
    fromRows(rows, { schema: orders, batchSize: BATCH }).pipe(
      microBatch({ maxRows: MAX_ROWS }),
      bp.sink(async (batch) => {
        maxLead = Math.max(maxLead, state.produced - consumed);
        await sleep(1);
        consumed += batch.numRows;
      }),
    ),
  );
  assert.ok(maxLead > BOUND, `lead ${maxLead} rows`);
});

test('toAsyncIterable: a for-await consumer paces the source', async () => {
  const N = 1_000_000;
  const { state, rows } = counted(N);
  const bp = backpressure({ highWaterMark: HWM });
  let consumed = 0;
  let maxLead = 0;
  for await (const batch of bp.toAsyncIterable(fromRows(rows, { schema: orders, batchSize: BATCH, backpressure: bp }))) {
    maxLead = Math.max(maxLead, state.produced - consumed);
    await sleep(1);
    consumed += batch.numRows;
  }
  assert.is(consumed, N);
  // No microBatch here: HWM batches held by the loop plus the one being built.
  assert.ok(maxLead <= (HWM + 1) * BATCH, `lead ${maxLead}`);
});

test('toAsyncIterable: breaking out unsubscribes and returns the generator', async () => {
  let returned = false;
  function* gen() {
    try {
      for (let i = 0; ; i++) yield { id: i, amount: 0, status: 'x' };
    } finally {
      returned = true;
    }
  }
  const bp = backpressure();
  let seen = 0;
  for await (const batch of bp.toAsyncIterable(fromRows(gen(), { schema: orders, batchSize: 10, backpressure: bp }))) {
    seen += batch.numRows;
    if (seen >= 30) break;
  }
  await sleep(1);
  assert.is(seen, 30);
  assert.ok(returned);
  assert.is(bp.inFlight, 0);
});

test('sink: errors from fn propagate and the sink stays in order', async () => {
  const bp = backpressure();
  const order: number[] = [];
  const out = await lastValueFrom(
    fromRows(
      Array.from({ length: 50 }, (_, i) => ({ id: i, amount: 0, status: 's' })),
      { schema: orders, batchSize: 10, backpressure: bp },
    ).pipe(
      bp.sink(async (b, i) => {
        await sleep(5 - i);
        order.push(i);
        return b.numRows;
      }),
      tap(() => assert.ok(bp.inFlight <= HWM)),
    ),
  );
  assert.is(out, 10);
  assert.equal(order, [0, 1, 2, 3, 4]);
  const err = await lastValueFrom(
    fromRows([{ id: 1, amount: 0, status: 's' }], { schema: orders, backpressure: bp }).pipe(
      bp.sink(async () => {
        throw new Error('write failed');
      }),
    ),
  ).catch((e: Error) => e);
  assert.is((err as Error).message, 'write failed');
  assert.throws(() => backpressure({ highWaterMark: 0 }), /highWaterMark must be a positive integer/);
});

test.run();
