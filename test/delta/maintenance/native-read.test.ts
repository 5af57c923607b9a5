// Decoding columns of Parquet files natively: from the file's bytes or from
// a descriptor (only the wanted chunks read), all rows or only some, page by
// page. Checked against the whole file's bytes decoded, and hyparquet.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetReadObjects } from 'hyparquet';
import { decodeRows, planColumns, withFile } from '../../../src/delta/maintenance/native-read.ts';
import { readFooter } from '../../../src/delta/maintenance/rowgroup-copy.ts';
import { LocalStorage } from '../../../src/delta/storage/local-storage.ts';
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
async function stored(dictionary: boolean): Promise<{ storage: LocalStorage; bytes: Uint8Array }> {
  const storage = new LocalStorage(mkdtempSync(join(tmpdir(), 'native-read-')));
  const { bytes } = await writeParquet(table, { dictionary, dataPageSize: 16 * 1024, rowGroupSize: 7_000 });
  await storage.write('t.parquet', bytes);
  return { storage, bytes };
}

const rows = (b: arrow.RecordBatch) => [...new arrow.Table(b.schema, [b])].map((x) => JSON.stringify(x.toJSON(), (_k, v) => (typeof v === 'bigint' ? String(v) : v)));

for (const dictionary of [false, true]) {
  test(`columns decode alike from a descriptor and from bytes, and as hyparquet reads them (dictionary ${dictionary})`, async () => {
    const { storage, bytes } = await stored(dictionary);
    const some = new arrow.Schema([schema.fields[4], schema.fields[1], schema.fields[2]]);
    const plan = planColumns(readFooter(bytes, 't').meta, some)!;
    assert.ok(plan);
    const viaFd = await withFile(storage, 't.parquet', 't', undefined, (file) => {
      assert.type(file, 'number');
      return decodeRows(file, some, plan);
    });
    const viaBytes = await decodeRows(bytes, some, plan);
    assert.equal(rows(viaFd), rows(viaBytes));
    const hyp = await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer, columns: ['b', 'v', 's'] });
    assert.equal(
      [...new arrow.Table(some, [viaFd])].map((r) => [r.b, r.v, r.s]),
      hyp.map((r) => [r.b ?? null, r.v ?? null, r.s ?? null]),
    );
  });

  test(`decoding only some rows gives those rows (dictionary ${dictionary})`, async () => {
    const { storage, bytes } = await stored(dictionary);
    const plan = planColumns(readFooter(bytes, 't').meta, schema)!;
    const all = await decodeRows(bytes, schema, plan);
    const picked = Int32Array.from({ length: n }, (_, i) => i).filter(() => r() < 0.05);
    const want = [0, ...picked, n - 1].filter((x, i, a) => i === 0 || x !== a[i - 1]);
    const at = Int32Array.from(want);
    const some = await withFile(storage, 't.parquet', 't', undefined, (file) => decodeRows(file, schema, plan, at));
    assert.equal(rows(some), rows(takeRows(all, at)));
    assert.is((await decodeRows(bytes, schema, plan, new Int32Array(0))).numRows, 0);
    await rejects(() => decodeRows(bytes, schema, plan, Int32Array.from([5, 3])), /ascending/);
    await rejects(() => decodeRows(bytes, schema, plan, Int32Array.from([n])), /past the end/);
  });
}

test.run();
