// File layout: row groups, page splitting, dictionary fallback, footer
// metadata, field ids and determinism across thread counts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Dictionary, Field, Int16, Int32, Int64, RecordBatch, Schema, Table, Utf8, Vector, vectorFromArray, makeData, makeVector, Struct } from 'apache-arrow';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeParquet, writeParquetFile } from '../../src/parquet/index.ts';
import { canon, pageHeaders, queryDuckDB, readFooter, readHyparquet } from './helpers.ts';

function batch(from: number, to: number): RecordBatch {
  const ids = Array.from({ length: to - from }, (_, i) => BigInt(from + i));
  const names = Array.from({ length: to - from }, (_, i) => ((from + i) % 11 === 0 ? null : `name-${(from + i) % 50}`));
  const schema = new Schema([new Field('id', new Int64(), false), new Field('name', new Utf8(), true)]);
  const children = [vectorFromArray(ids, new Int64()).data[0]!, vectorFromArray(names, new Utf8()).data[0]!];
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: to - from, nullCount: 0, children }));
}

test('row groups split at rowGroupSize across unaligned record batches', async () => {
  const batches = [batch(0, 700), batch(700, 710), batch(710, 2500), batch(2500, 2500), batch(2500, 3001)];
  const { bytes, stats } = await writeParquet(batches, { rowGroupSize: 1000 });
  const meta = readFooter(bytes);
  assert.equal(
    meta.row_groups.map((g) => Number(g.num_rows)),
    [1000, 1000, 1000, 1],
  );
  assert.is(Number(meta.num_rows), 3001);
  assert.is(stats.numRows, 3001);
  const rows = await readHyparquet(bytes);
  assert.equal(
    rows.map((r) => r.id),
    Array.from({ length: 3001 }, (_, i) => BigInt(i)),
  );
  assert.equal(
    rows.map((r) => r.name ?? null),
    Array.from({ length: 3001 }, (_, i) => (i % 11 === 0 ? null : `name-${i % 50}`)),
  );
  const duck = await queryDuckDB(bytes, 'select count(*)::integer as n, sum(id)::bigint as s, count(name)::integer as c from $file');
  assert.equal(duck[0], { n: 3001, s: String((3000 * 3001) / 2), c: 3001 - Math.ceil(3001 / 11) });
  assert.is(stats.columns[0]!.max, 3000n);
  assert.is(stats.columns[1]!.nullCount, Math.ceil(3001 / 11));
});

test('data pages split at dataPageSize; every page is readable', async () => {
  const t = new Table({ id: vectorFromArray(Array.from({ length: 20000 }, (_, i) => BigInt(i * 7)), new Int64()) });
  const { bytes } = await writeParquet(t, { dataPageSize: 4096, dictionary: false, compression: 'uncompressed' });
  const headers = await pageHeaders(bytes, 0, 0);
  // 20000 int64 values = 160000 bytes → about 40 pages of 4 KiB.
  assert.ok(headers.length >= 35 && headers.length <= 45, `page count ${headers.length}`);
  assert.ok(headers.every((h) => h.type === 'DATA_PAGE' && h.data_page_header!.encoding === 'PLAIN'));
  assert.is(
    headers.reduce((n, h) => n + h.data_page_header!.num_values, 0),
    20000,
  );
  const rows = await readHyparquet(bytes);
  assert.equal(
    rows.map((r) => r.id),
    Array.from({ length: 20000 }, (_, i) => BigInt(i * 7)),
  );
});

test('the dictionary falls back to PLAIN when it outgrows its limit', async () => {
  // 3000 rows from 20 values, then 3000 distinct values: the dictionary overflows mid-chunk.
  const values = Array.from({ length: 6000 }, (_, i) => (i < 3000 ? `low-${i % 20}` : `distinct-value-${i}`));
  const t = new Table({ s: vectorFromArray(values, new Utf8()) });
  const { bytes, stats } = await writeParquet(t, { dataPageSize: 1024, dictionaryPageSizeLimit: 2048, compression: 'snappy' });
  const headers = await pageHeaders(bytes, 0, 0);
  assert.is(headers[0]!.type, 'DICTIONARY_PAGE');
  const encodings = headers.slice(1).map((h) => h.data_page_header!.encoding);
  assert.ok(encodings.includes('RLE_DICTIONARY'), 'some pages use the dictionary');
  assert.ok(encodings.includes('PLAIN'), 'later pages are PLAIN');
  assert.is(encodings.indexOf('PLAIN'), encodings.lastIndexOf('RLE_DICTIONARY') + 1, 'PLAIN only after the dictionary pages');
  const meta = await queryDuckDB(bytes, 'select encodings from parquet_metadata($path)');
  assert.match(String(meta[0]!.encodings), /RLE_DICTIONARY/);
  assert.match(String(meta[0]!.encodings), /PLAIN/);
  assert.equal((await readHyparquet(bytes)).map((r) => r.s), values);
  const duck = await queryDuckDB(bytes, 'select s from $file');
  assert.equal(duck.map((r) => r.s), values);
  const sorted = [...values].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  assert.is(stats.columns[0]!.min, sorted[0]);
  assert.is(stats.columns[0]!.max, sorted[sorted.length - 1]);
});

test('a dictionary that does not pay off is dropped before any page is written', async () => {
  // 5000 distinct values: judged when the only page is written. 60000: judged from the first 8192 values.
  for (const n of [5000, 60000]) {
    const values = Array.from({ length: n }, (_, i) => BigInt(i) * 1000003n);
    const t = new Table({ v: vectorFromArray(values, new Int64()) });
    const { bytes } = await writeParquet(t, { dictionaryPageSizeLimit: 64 * 1024 });
    const headers = await pageHeaders(bytes, 0, 0);
    assert.ok(headers.every((h) => h.type === 'DATA_PAGE' && h.data_page_header!.encoding === 'PLAIN'), `${n} values`);
    assert.equal((await readHyparquet(bytes)).map((r) => r.v), values);
  }
  // Repeating values keep their dictionary.
  const repeating = Array.from({ length: 60000 }, (_, i) => BigInt(i % 3000));
  const { bytes } = await writeParquet(new Table({ v: vectorFromArray(repeating, new Int64()) }), { dictionaryPageSizeLimit: 64 * 1024 });
  assert.is((await pageHeaders(bytes, 0, 0))[0]!.type, 'DICTIONARY_PAGE');
  assert.equal((await readHyparquet(bytes)).map((r) => r.v), repeating);
});

test('Arrow dictionary columns: each batch may bring its own dictionary', async () => {
  const type = new Dictionary(new Utf8(), new Int16());
  const first = ['x', 'y', null, 'x', 'ü'];
  const second = ['ü', 'zz', 'x', null, 'zz', 'zz'];
  const schema = new Schema([new Field('d', type, true)]);
  const toBatch = (values: (string | null)[]) => new Table(schema, { d: vectorFromArray(values, type) } as never).batches[0]!;
  const { bytes, stats } = await writeParquet([toBatch(first), toBatch(second)]);
  const headers = await pageHeaders(bytes, 0, 0);
  assert.is(headers[0]!.type, 'DICTIONARY_PAGE');
  assert.is(headers[0]!.dictionary_page_header!.num_values, 4, 'one Parquet entry per distinct value');
  const all = [...first, ...second];
  assert.equal((await readHyparquet(bytes)).map((r) => r.d ?? null), all);
  assert.equal((await queryDuckDB(bytes, 'select d from $file')).map((r) => r.d), all);
  assert.equal(stats.columns[0], { path: ['d'], nullCount: 2, min: 'x', max: 'ü' });
});

test('an Arrow dictionary spread over several (sliced) chunks is joined', async () => {
  const d1 = vectorFromArray(['a', 'b'], new Utf8()).data[0]!;
  const d2 = vectorFromArray(['zz', 'c', 'dd'], new Utf8()).data[0]!.slice(1, 2);
  const type = new Dictionary(new Utf8(), new Int32());
  const data = makeData({ type, length: 4, data: new Int32Array([2, 0, 1, 2]), dictionary: new Vector([d1, d2]) } as never);
  const { bytes, stats } = await writeParquet(new Table({ d: makeVector(data) }));
  assert.equal((await readHyparquet(bytes)).map((r) => r.d), ['c', 'a', 'b', 'c']);
  assert.equal(stats.columns[0], { path: ['d'], nullCount: 0, min: 'a', max: 'c' });
});

test('footer: created_by, key/value metadata and field ids', async () => {
  const schema = new Schema([
    new Field('a', new Int32(), true),
    new Field('s', new Struct([new Field('b', new Utf8(), true)]), true),
  ]);
  const t = new Table(schema, {
    a: vectorFromArray([1, 2], new Int32()),
    s: vectorFromArray([{ b: 'x' }, null], schema.fields[1]!.type),
  } as never);
  const { bytes } = await writeParquet(t, {
    keyValueMetadata: { 'tributary.test': 'ünïcode ✓', empty: '' },
    fieldIds: { a: 1, s: 2, 's.b': 3 },
  });
  const meta = readFooter(bytes);
  assert.is(meta.created_by, 'tributary version 0.1.0 (build native)');
  assert.equal(meta.key_value_metadata, [
    { key: 'tributary.test', value: 'ünïcode ✓' },
    { key: 'empty', value: '' },
  ]);
  assert.equal(
    meta.schema.map((e) => [e.name, e.field_id]),
    [
      ['schema', undefined],
      ['a', 1],
      ['s', 2],
      ['b', 3],
    ],
  );
  const kv = await queryDuckDB(bytes, `select decode(key) as k, decode(value) as v from parquet_kv_metadata($path) order by k`);
  assert.equal(kv, [
    { k: 'empty', v: '' },
    { k: 'tributary.test', v: 'ünïcode ✓' },
  ]);
});

test('writeParquetFile writes the same bytes and leaves no temporary file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-parquet-file-'));
  try {
    const path = join(dir, 'out.parquet');
    const result = await writeParquetFile(path, batch(0, 100));
    const inMemory = await writeParquet(batch(0, 100));
    assert.ok(readFileSync(path).equals(Buffer.from(inMemory.bytes)));
    assert.is(result.size, inMemory.bytes.length);
    assert.equal(readdirSync(dir), ['out.parquet']);
    let failed = false;
    await writeParquetFile(join(dir, 'missing', 'x.parquet'), batch(0, 10)).catch(() => (failed = true));
    assert.ok(failed, 'a write into a missing directory rejects');
    assert.equal(readdirSync(dir), ['out.parquet']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('output is identical for 1 and 4 threads', async () => {
  const batches = [batch(0, 5000), batch(5000, 9000)];
  const one = await writeParquet(batches, { threads: 1, rowGroupSize: 1500 });
  const four = await writeParquet(batches, { threads: 4, rowGroupSize: 1500 });
  assert.ok(Buffer.from(one.bytes).equals(Buffer.from(four.bytes)));
  assert.equal(canon(one.stats), canon(four.stats));
});

test.run();
