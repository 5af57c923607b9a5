import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { firstValueFrom, lastValueFrom, of, toArray } from 'rxjs';
import { fromBatches } from '../../../src/reactive/sources/fromBatches.ts';
import { backpressure } from '../../../src/reactive/sources/backpressure.ts';
import { int32, schema } from '../../../src/reactive/schema/index.ts';
import { idBatch, ids, rangeBatch } from '../support/batches.ts';

test('a Table emits its batches in order; a single batch emits itself', async () => {
  const table = new arrow.Table([rangeBatch(0, 3), rangeBatch(3, 2)]);
  const out = await lastValueFrom(fromBatches(table).pipe(toArray()));
  assert.equal(out.map(ids), [[0, 1, 2], [3, 4]]);
  const one = idBatch([9]);
  const again = await lastValueFrom(fromBatches(one).pipe(toArray()));
  assert.is(again[0], one);
});

test('iterables, async iterables and Observables of batches and tables', async () => {
  const items = [idBatch([1]), new arrow.Table([idBatch([2]), idBatch([3])]), idBatch([4])];
  const expected = [[1], [2], [3], [4]];
  assert.equal((await lastValueFrom(fromBatches(items).pipe(toArray()))).map(ids), expected);
  async function* gen() {
    for (const x of items) yield x;
  }
  assert.equal((await lastValueFrom(fromBatches(gen()).pipe(toArray()))).map(ids), expected);
  assert.equal((await lastValueFrom(fromBatches(of(...items)).pipe(toArray()))).map(ids), expected);
});

test('schema option rejects a mismatching batch, naming the item and column', async () => {
  const other = arrow.tableFromArrays({ id: Float64Array.from([1]) }).batches[0]!;
  const s = schema({ id: int32() });
  const err = await lastValueFrom(fromBatches([idBatch([1]), other], { schema: s })).catch((e: Error) => e);
  assert.is((err as Error).message, 'fromBatches: item 1 does not match the schema: column "id": Int32 vs Float64');
  const bad = await lastValueFrom(fromBatches([idBatch([1]), { not: 'a batch' }] as never)).catch((e: Error) => e);
  assert.match((bad as Error).message, /fromBatches: item 1 is not a RecordBatch or Table/);
});

test('early exit returns the generator; backpressure paces table batches', async () => {
  let returned = false;
  let pulled = 0;
  function* gen() {
    try {
      for (let i = 0; ; i++) {
        pulled++;
        yield idBatch([i]);
      }
    } finally {
      returned = true;
    }
  }
  const first = await firstValueFrom(fromBatches(gen()));
  assert.equal(ids(first), [0]);
  assert.is(pulled, 1);
  assert.ok(returned);

  const table = new arrow.Table(Array.from({ length: 20 }, (_, i) => idBatch([i])));
  const bp = backpressure({ highWaterMark: 1 });
  let maxHeld = 0;
  const out = await lastValueFrom(
    fromBatches(table, { backpressure: bp }).pipe(
      bp.sink(async (b) => {
        maxHeld = Math.max(maxHeld, bp.inFlight);
        await new Promise((r) => setTimeout(r, 1));
        return ids(b)[0];
      }),
      toArray(),
    ),
  );
  assert.equal(out, Array.from({ length: 20 }, (_, i) => i));
  assert.is(maxHeld, 1);
});

test.run();
