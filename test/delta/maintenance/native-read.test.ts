// Reading columns of Parquet files without reading the files: ranged reads of
// the footer and of the wanted chunks, and decoding only some rows page by
// page. Checked against a whole-file read and decode of the same files.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { readRanges } from '../../../src/delta/maintenance/column-ranges.ts';
import { decodeFileColumns, readParquetColumns } from '../../../src/delta/maintenance/native-read.ts';
import { MemoryStorage } from '../../../src/delta/storage/memory-storage.ts';
import type { Storage } from '../../../src/delta/storage/storage.ts';
import { takeRows } from '../../../src/delta/operations/take.ts';
import { writeParquet } from '../../../src/parquet/write.ts';
import { prng } from '../../support/prng.ts';
import { rejects } from '../helpers.ts';

const r = prng(5);
const n = 30_000;
const schema = new arrow.Schema([
  new arrow.Field('id', new arrow.Int64(), false),
  new arrow.Field('v', new arrow.Int32(), true),
  new arrow.Field('s', new arrow.Utf8(), true),
  new arrow.Field('f', new arrow.Float64(), true),
  new arrow.Field('b', new arrow.Bool(), true),
  new arrow.Field('d', new arrow.DateDay(), true),
  new arrow.Field('ts', new arrow.TimestampMicrosecond('UTC'), true),
]);
const maybe = <T>(v: T) => (r() < 0.1 ? null : v);
const table = new arrow.Table(schema, [
  new arrow.RecordBatch(schema, arrow.makeData({
    type: new arrow.Struct(schema.fields),
    length: n,
    nullCount: 0,
    children: [
      arrow.vectorFromArray(Array.from({ length: n }, (_, i) => BigInt(i * 7)), new arrow.Int64()).data[0],
      arrow.vectorFromArray(Array.from({ length: n }, () => maybe(Math.floor(r() * 50))), new arrow.Int32()).data[0],
      arrow.vectorFromArray(Array.from({ length: n }, (_, i) => maybe(i % 3 === 0 ? `k${i}` : ['a', 'bb', 'ccc'][i % 3])), new arrow.Utf8()).data[0],
      arrow.vectorFromArray(Array.from({ length: n }, () => maybe(r() * 1000)), new arrow.Float64()).data[0],
      arrow.vectorFromArray(Array.from({ length: n }, () => maybe(r() < 0.5)), new arrow.Bool()).data[0],
      arrow.vectorFromArray(Array.from({ length: n }, (_, i) => maybe(new Date(Date.UTC(2024, 0, 1 + (i % 90))))), new arrow.DateDay()).data[0],
      arrow.vectorFromArray(Array.from({ length: n }, (_, i) => maybe(Date.UTC(2024, 0, 1) + i * 1000)), new arrow.TimestampMicrosecond('UTC')).data[0],
    ],
  })),
]);

/** The file written with small pages and row groups (so reads span many of both), plain or dictionary-encoded. */
async function stored(dictionary: boolean): Promise<{ storage: Storage; size: number }> {
  const storage = new MemoryStorage();
  const { bytes } = await writeParquet(table, { dictionary, dataPageSize: 16 * 1024, rowGroupSize: 7_000 });
  await storage.write('t.parquet', bytes);
  return { storage, size: bytes.length };
}

const rows = (b: arrow.RecordBatch) => [...new arrow.Table(b.schema, [b])].map((x) => JSON.stringify(x.toJSON(), (_k, v) => (typeof v === 'bigint' ? String(v) : v)));

for (const dictionary of [false, true]) {
  test(`a few columns read by range decode as the whole file does (dictionary ${dictionary})`, async () => {
    const { storage, size } = await stored(dictionary);
    const some = new arrow.Schema([schema.fields[4], schema.fields[1]]);
    const ranged = await readParquetColumns(storage, 't.parquet', size, some, 't');
    const whole = await readParquetColumns(storage, 't.parquet', undefined, some, 't');
    assert.ok(ranged && whole);
    assert.ok(ranged.bytes.length < size, `read ${ranged.bytes.length} of ${size} bytes`);
    assert.is(ranged.numRows, n);
    assert.equal(rows(await decodeFileColumns(ranged, some)), rows(await decodeFileColumns(whole, some)));
  });

  test(`decoding only some rows gives those rows (dictionary ${dictionary})`, async () => {
    const { storage, size } = await stored(dictionary);
    const file = (await readParquetColumns(storage, 't.parquet', size, schema, 't'))!;
    const all = await decodeFileColumns(file, schema);
    const picked = Int32Array.from({ length: n }, (_, i) => i).filter(() => r() < 0.05);
    const want = [0, ...picked, n - 1].filter((x, i, a) => i === 0 || x !== a[i - 1]);
    const at = Int32Array.from(want);
    assert.equal(rows(await decodeFileColumns(file, schema, at)), rows(takeRows(all, at)));
    assert.is((await decodeFileColumns(file, schema, new Int32Array(0))).numRows, 0);
    await rejects(() => decodeFileColumns(file, schema, Int32Array.from([5, 3])), /ascending/);
    await rejects(() => decodeFileColumns(file, schema, Int32Array.from([n])), /past the end/);
  });
}

test('readRanges merges nearby ranges and maps file offsets into its buffer', async () => {
  const storage = new MemoryStorage();
  const bytes = Uint8Array.from({ length: 300_000 }, (_, i) => i % 251);
  await storage.write('f', bytes);
  const ranges: [number, number][] = [[10, 20], [100, 200], [250_000, 250_100], [15, 30]];
  const got = await readRanges(storage, 'f', ranges);
  for (const [s, e] of ranges) for (let o = s; o < e; o++) assert.is(got.bytes[got.at(o)], bytes[o]);
  assert.ok(got.bytes.length < 1000, `${got.bytes.length} bytes read`);
});

test.run();
