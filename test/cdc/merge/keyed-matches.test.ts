import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { native } from '../../../src/native/addon.ts';

type Result = { positions: Int32Array; physical: Uint32Array; action: Int32Array; sourceRow: Int32Array } | { duplicate: number[] } | { notFirst: number };
const core = native as unknown as {
  keyedMatches(rows: Int32Array, first: Int32Array, deleted: Uint32Array, indexFirst: Int32Array, next: Int32Array, joinable: Uint8Array, masks: (Uint8Array | null)[], singleDelete: boolean, matched: Uint8Array): Result;
};

// Source rows 0..3: keys a, b, a, c (so 0 → 2 chain), row 3 not joinable.
const indexFirst = Int32Array.of(0, 1, 0, 3);
const next = Int32Array.of(2, -1, -1, -1);
const joinable = Uint8Array.of(1, 1, 1, 0);

test('keyedMatches pairs live keyed rows with their source rows and first holding clause', () => {
  const matched = new Uint8Array(4);
  // File rows 1 (key b), 4 (key c), 6 (key b); row 2 is deleted, so row 4 is live position 3 and row 6 position 5.
  const r = core.keyedMatches(Int32Array.of(1, 4, 6), Int32Array.of(1, 3, 1), Uint32Array.of(2), indexFirst, next, joinable, [Uint8Array.of(0, 0, 0, 0), null], false, matched);
  assert.ok('positions' in r);
  if (!('positions' in r)) return;
  assert.equal(Array.from(r.positions), [1, 5]);
  assert.equal(Array.from(r.physical), [1, 6]);
  assert.equal(Array.from(r.action), [1, 1]);
  assert.equal(Array.from(r.sourceRow), [1, 1]);
  assert.equal(Array.from(matched), [0, 1, 0, 0], 'row 3 is not joinable');
});

test('keyedMatches reports two source rows acting on one target row, unless the only clause deletes', () => {
  const rows = Int32Array.of(0);
  const first = Int32Array.of(0);
  const none = new Uint32Array(0);
  const dup = core.keyedMatches(rows, first, none, indexFirst, next, joinable, [null], false, new Uint8Array(4));
  assert.equal((dup as { duplicate: number[] }).duplicate, [0, 0, 2]);
  const del = core.keyedMatches(rows, first, none, indexFirst, next, joinable, [null], true, new Uint8Array(4));
  assert.equal(Array.from((del as { sourceRow: Int32Array }).sourceRow), [0]);
  const notFirst = core.keyedMatches(rows, Int32Array.of(2), none, indexFirst, next, joinable, [null], false, new Uint8Array(4));
  assert.equal(notFirst, { notFirst: 0 });
});

test('keyedMatches rejects indexes outside its buffers', () => {
  const m = () => new Uint8Array(4);
  assert.throws(() => core.keyedMatches(Int32Array.of(0), Int32Array.of(9), new Uint32Array(0), indexFirst, next, joinable, [null], false, m()), /out of range/);
  assert.throws(() => core.keyedMatches(Int32Array.of(3, 1), Int32Array.of(0, 0), new Uint32Array(0), indexFirst, next, joinable, [null], false, m()), /ascending/);
  assert.throws(() => core.keyedMatches(Int32Array.of(0), Int32Array.of(0), new Uint32Array(0), indexFirst, Int32Array.of(7, -1, -1, -1), joinable, [null], false, m()), /later source rows/);
  assert.throws(() => core.keyedMatches(Int32Array.of(0), Int32Array.of(0), new Uint32Array(0), indexFirst, next, joinable, [new Uint8Array(2)], false, m()), /differs in length/);
  assert.throws(() => core.keyedMatches(Int32Array.of(0), Int32Array.of(0), new Uint32Array(0), indexFirst, next, joinable, [null], false, new Uint8Array(2)), /differ in length/);
});

test.run();
