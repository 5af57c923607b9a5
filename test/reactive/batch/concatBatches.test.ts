// concatBatches against Arrow JS reading the same pieces as a chunked Table,
// and batchByteSize against sizes worked out from the Arrow layout.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { concatBatches } from '../../../src/reactive/batch/concatBatches.ts';
import { batchByteSize } from '../../../src/reactive/batch/byteSize.ts';
import { bool, decimal, float64, int64, list, map, schema, struct, timestamp, utf8, int32 } from '../../../src/reactive/schema/index.ts';
import { RowBatchBuilder } from '../../../src/reactive/sources/rowBatchBuilder.ts';
import { rowsJSON } from '../support/batches.ts';

const s = schema({
  id: int64(),
  x: float64().nullable(),
  flag: bool().nullable(),
  name: utf8().nullable(),
  ts: timestamp(),
  price: decimal(12, 3),
  tags: list(utf8().nullable()).nullable(),
  addr: struct({ city: utf8(), n: int32().nullable() }).nullable(),
  attrs: map(utf8(), float64()),
});

function rows(from: number, n: number) {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return {
      id: i,
      x: i % 3 === 0 ? null : i / 4,
      flag: i % 5 === 0 ? null : i % 2 === 0,
      name: i % 4 === 0 ? null : `n${i}é`,
      ts: 1_700_000_000_000 + i,
      price: `${i}.${i % 10}`,
      tags: i % 6 === 0 ? null : Array.from({ length: i % 3 }, (_, j) => (j === 1 ? null : `t${i}-${j}`)),
      addr: i % 7 === 0 ? null : { city: `c${i}`, n: i % 2 ? i : null },
      attrs: Object.fromEntries(Array.from({ length: i % 4 }, (_, j) => [`k${j}`, i + j])),
    };
  });
}

const build = (from: number, n: number) => new RowBatchBuilder(s).build(rows(from, n), n, (i) => `row ${i}`);

test('concatenating whole batches equals reading them as chunks', () => {
  const parts = [build(0, 13), build(13, 1), build(14, 30)];
  const one = concatBatches(parts);
  assert.is(one.numRows, 44);
  assert.is(rowsJSON([one]), rowsJSON(parts));
  assert.is(rowsJSON([one]), rowsJSON([build(0, 44)]));
});

test('slices at odd offsets (bit-level validity, offset lists) concatenate correctly', () => {
  const a = build(0, 40);
  const b = build(40, 40);
  const parts = [a.slice(3, 20), b.slice(5, 6), a.slice(29, 40), b.slice(0, 1)];
  const one = concatBatches(parts);
  assert.is(one.numRows, 17 + 1 + 11 + 1);
  assert.is(rowsJSON([one]), rowsJSON(parts));
  // Every column is one contiguous Data starting at 0.
  for (const f of one.schema.fields) assert.is(one.getChild(f.name)!.data.length, 1);
  assert.is(one.data.offset, 0);
});

test('a single unsliced batch is returned as is; mismatched schemas are rejected', () => {
  const a = build(0, 3);
  assert.is(concatBatches([a]), a);
  const other = arrow.tableFromArrays({ id: Int32Array.from([1]) }).batches[0]!;
  assert.throws(() => concatBatches([a, other]), /batch 1 has a different schema: 9 columns/);
  assert.throws(() => concatBatches([]), /no batches/);
});

test('batchByteSize counts the visible rows of each buffer', () => {
  const t = arrow.tableFromArrays({ a: Int32Array.from([1, 2, 3, 4]), f: Float64Array.from([1, 2, 3, 4]) }).batches[0]!;
  // 4 × 4 bytes + 4 × 8 bytes, no validity bitmaps (no nulls).
  assert.is(batchByteSize(t), 48);
  assert.is(batchByteSize(t.slice(1, 3)), 24);
  const strings = new RowBatchBuilder(schema({ s: utf8().nullable() })).build([{ s: 'ab' }, { s: null }, { s: 'cde' }], 3, String);
  // offsets (3 + 1) × 4 + 5 bytes of text + 1 byte of validity.
  assert.is(batchByteSize(strings), 16 + 5 + 1);
});

test.run();
