import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { canGather, gatherRows, locateRows, maskRows, takeFlat } from '../../../src/delta/maintenance/gather.ts';
import { keepRows } from '../../../src/delta/operations/take.ts';
import { filterBatch } from '../../../src/reactive/expression/filter-batch.ts';
import { native } from '../../../src/native/addon.ts';

// Three batches with every gatherable type, nulls in some batches only.
function batchOf(start: number, rows: number, nulls: boolean): arrow.RecordBatch {
  const ids = Array.from({ length: rows }, (_, i) => start + i);
  const maybe = <T>(v: T, i: number): T | null => (nulls && i % 3 === 1 ? null : v);
  return new arrow.RecordBatch({
    i64: arrow.vectorFromArray(ids.map((v, i) => maybe(BigInt(v) * 1_000_000_007n, i)), new arrow.Int64()).data[0],
    i32: arrow.vectorFromArray(ids.map((v) => v * 7 - 50), new arrow.Int32()).data[0],
    i16: arrow.vectorFromArray(ids.map((v, i) => maybe(v - 20, i)), new arrow.Int16()).data[0],
    i8: arrow.vectorFromArray(ids.map((v) => (v % 200) - 100), new arrow.Int8()).data[0],
    f64: arrow.vectorFromArray(ids.map((v, i) => maybe(v / 3, i)), new arrow.Float64()).data[0],
    b: arrow.vectorFromArray(ids.map((v, i) => maybe(v % 3 === 0, i)), new arrow.Bool()).data[0],
    s: arrow.vectorFromArray(ids.map((v, i) => maybe(`row-${v}-${'x'.repeat(v % 40)}`, i)), new arrow.Utf8()).data[0],
  });
}

/** `got` holds rows `rows` of `whole`, column by column, with their null counts. */
function assertRowsOf(got: arrow.Table, whole: arrow.Table, rows: Uint32Array): void {
  for (const f of whole.schema.fields) {
    const want = Array.from(rows, (r) => whole.getChild(f.name)!.get(r));
    assert.equal(Array.from(got.getChild(f.name)!), want, f.name);
    assert.is(got.getChild(f.name)!.nullCount, want.filter((v) => v === null).length, `${f.name} null count`);
  }
}

test('gatherRows returns the requested rows, in order, for every flat type', () => {
  const batches = [batchOf(0, 37, false), batchOf(37, 50, true), batchOf(87, 13, true)];
  assert.ok(canGather(batches));
  const whole = new arrow.Table(batches);
  // A shuffled subset with the last and first rows.
  const rows = Uint32Array.from([99, 0, 45, 38, 12, 86, 87, 50, 51, 52, 3, 70]);
  const got = new arrow.Table([gatherRows(batches, locateRows(batches), rows)]);
  assert.is(got.numRows, rows.length);
  assertRowsOf(got, whole, rows);
});

test('native gather rejects rows and plans outside the inputs', () => {
  const core = native as unknown as {
    gatherPlan(b: Uint32Array, r: Uint32Array, rows: Uint32Array): unknown;
    gatherFixed(v: ArrayBufferView[], w: number, b: Uint32Array, r: Uint32Array, d: Uint32Array, out: Uint8Array): void;
  };
  const one = Uint32Array.of(0);
  assert.throws(() => core.gatherPlan(one, one, Uint32Array.of(1)), /out of range/);
  assert.throws(() => core.gatherFixed([new Int32Array(1)], 4, one, Uint32Array.of(1), one, new Uint8Array(4)), /out of range/);
  assert.throws(() => core.gatherFixed([new Int32Array(1)], 4, Uint32Array.of(1), one, one, new Uint8Array(4)), /out of range/);
});

test('takeFlat takes rows of one batch in list order, repeats included, for every flat type', () => {
  const batch = batchOf(5, 50, true);
  const whole = new arrow.Table([batch]);
  const rows = Uint32Array.from([49, 0, 1, 1, 17, 30, 2, 49]);
  const got = new arrow.Table([takeFlat(batch, rows)]);
  assert.is(got.numRows, rows.length);
  assertRowsOf(got, whole, rows);
});

test('keepRows keeps what filterBatch keeps, natively for large flat batches', () => {
  const batch = batchOf(0, 10_000, true);
  const mask = new Uint8Array(batch.numRows);
  for (let i = 0; i < mask.length; i++) mask[i] = i % 7 === 3 || (i > 4000 && i < 4100) ? 0 : 1;
  const want = new arrow.Table([filterBatch(batch, mask)]);
  const got = new arrow.Table([keepRows(batch, mask)]);
  assert.is(got.numRows, want.numRows);
  for (const f of want.schema.fields) assert.equal(Array.from(got.getChild(f.name)!), Array.from(want.getChild(f.name)!), f.name);
  assert.is(keepRows(batch, new Uint8Array(batch.numRows).fill(1)), batch, 'every row kept: the batch itself');
  assert.equal(Array.from(maskRows(Uint8Array.of(1, 0, 1, 1, 0), 4)), [0, 2, 3]);
});

test('native takes reject rows outside their source', () => {
  const core = native as unknown as {
    takeFixed(v: ArrayBufferView, w: number, rows: Uint32Array, out: Uint8Array): void;
    takeBits(map: Uint8Array, rows: Uint32Array, out: Uint8Array): number;
    takeBytes(o: Int32Array, v: Uint8Array, rows: Uint32Array): unknown;
    maskRows(mask: Uint8Array, length: number): Uint32Array;
  };
  assert.throws(() => core.takeFixed(new Uint8Array(8), 4, Uint32Array.of(2), new Uint8Array(4)), /out of range/);
  assert.throws(() => core.takeFixed(new Uint8Array(8), 4, Uint32Array.of(0, 1), new Uint8Array(4)), /too small/);
  assert.throws(() => core.takeBits(new Uint8Array(1), Uint32Array.of(8), new Uint8Array(1)), /out of range/);
  assert.throws(() => core.takeBytes(Int32Array.of(0, 2), new Uint8Array(2), Uint32Array.of(1)), /out of range/);
  assert.throws(() => core.takeBytes(Int32Array.of(0, 9), new Uint8Array(2), Uint32Array.of(0)), /out of range/);
  assert.throws(() => core.maskRows(new Uint8Array(2), 3), /exceeds/);
});

test.run();
