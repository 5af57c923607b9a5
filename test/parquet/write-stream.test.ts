// Streaming writes: writeParquetFile / writeParquetToFd put column chunks in
// the file as they are encoded (PLAIN chunks page by page) instead of building
// the file in memory. The streamed file must be byte-for-byte the in-memory
// one, read back exactly by independent readers, be written strictly in order
// (a FIFO gets the same bytes), and a failure must leave nothing behind.
// Delta data files on a LocalStorage take the same path.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Field,
  Float64,
  Int32,
  Int64,
  List,
  RecordBatch,
  Table,
  Utf8,
  makeData,
  makeVector,
  vectorFromArray,
  type Vector,
} from 'apache-arrow';
import { writeParquet, writeParquetFile, writeParquetToFd, type ParquetWriteOptions } from '../../src/parquet/index.ts';
import { LocalStorage } from '../../src/delta/storage/local-storage.ts';
import { MemoryStorage } from '../../src/delta/storage/memory-storage.ts';
import { fromArrowSchema } from '../../src/delta/schema.ts';
import { writeDataFiles } from '../../src/delta/operations/write-files.ts';
import { canon, decimalVector, pageHeaders, prng, queryDuckDB, readFooter, readHyparquet } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'tributary-write-stream-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const STATUSES = ['new', 'paid', 'shipped', 'returned'];

interface Row {
  id: bigint;
  amount: number;
  status: string;
  customer: number;
  note: string | null;
  tags: number[] | null;
}

function rowsFrom(start: number, n: number, seed: number): Row[] {
  const rand = prng(seed);
  return Array.from({ length: n }, (_, i) => ({
    id: BigInt(start + i),
    amount: Math.round(rand() * 1e6) / 100,
    status: STATUSES[Math.floor(rand() * STATUSES.length)]!,
    // Few values in the first half of each 4000-row group, then all distinct: each chunk starts
    // dictionary-encoded and falls back to PLAIN once the dictionary outgrows its limit.
    customer: (start + i) % 4000 < 2000 ? Math.floor(rand() * 20) : 100_000 + start + i,
    note: rand() < 0.3 ? null : `note ${Math.floor(rand() * 1e9).toString(36)}`,
    tags: rand() < 0.2 ? null : Array.from({ length: Math.floor(rand() * 4) }, () => Math.floor(rand() * 100)),
  }));
}

function listVector(values: (number[] | null)[]): Vector {
  const offsets = new Int32Array(values.length + 1);
  const flat: number[] = [];
  const valid = new Uint8Array((values.length + 7) >> 3);
  values.forEach((v, i) => {
    if (v !== null) {
      valid[i >> 3]! |= 1 << (i & 7);
      flat.push(...v);
    }
    offsets[i + 1] = flat.length;
  });
  const type = new List(new Field('item', new Int32(), true));
  const child = vectorFromArray(flat, new Int32()).data[0]!;
  return makeVector(makeData({ type, length: values.length, nullCount: values.filter((v) => v === null).length, nullBitmap: valid, valueOffsets: offsets, child }));
}

function batchOf(rows: Row[]): RecordBatch {
  const t = new Table({
    id: vectorFromArray(rows.map((r) => r.id), new Int64()),
    amount: vectorFromArray(rows.map((r) => r.amount), new Float64()),
    status: vectorFromArray(rows.map((r) => r.status), new Utf8()),
    customer: vectorFromArray(rows.map((r) => r.customer), new Int32()),
    note: vectorFromArray(rows.map((r) => r.note), new Utf8()),
    tags: listVector(rows.map((r) => r.tags)),
  });
  return t.batches[0]!;
}

// Three batches of uneven size, so row groups straddle batches.
const rows = [...rowsFrom(0, 7000, 1), ...rowsFrom(7000, 2500, 2), ...rowsFrom(9500, 5500, 3)];
const batches = [batchOf(rows.slice(0, 7000)), batchOf(rows.slice(7000, 9500)), batchOf(rows.slice(9500))];
// Small row groups and pages: many chunks, many pages each, chunks of every kind.
const layout: ParquetWriteOptions = { rowGroupSize: 4000, dataPageSize: 1024, dictionaryPageSizeLimit: 4096 };

const expected = rows.map((r) => canon({ ...r, tags: r.tags }));

test('streamed files are the in-memory bytes and read back exactly (codecs × threads)', async () => {
  for (const compression of ['uncompressed', 'snappy', 'zstd'] as const) {
    for (const threads of [1, 3]) {
      const options: ParquetWriteOptions = { ...layout, compression, threads };
      const path = join(dir, `rows-${compression}-${threads}.parquet`);
      const streamed = await writeParquetFile(path, batches, options);
      const memory = await writeParquet(batches, options);
      const bytes = readFileSync(path);
      const label = `${compression}, ${threads} threads`;
      assert.ok(bytes.equals(Buffer.from(memory.bytes)), `${label}: streamed file differs from the in-memory one`);
      assert.is(streamed.size, bytes.length, label);
      assert.equal(canon(streamed.stats), canon(memory.stats), label);
      const back = (await readHyparquet(bytes)).map((r) => canon({ ...r, id: r.id, tags: r.tags ?? null }));
      assert.equal(back, expected, `${label}: hyparquet reads other rows`);
    }
  }
});

test('the file holds every kind of chunk: streamed PLAIN, dictionary, and dictionary falling back to PLAIN', async () => {
  const bytes = readFileSync(join(dir, 'rows-snappy-1.parquet'));
  const meta = readFooter(bytes);
  assert.is(meta.row_groups.length, 4);
  const encodings = (name: string) => meta.row_groups[0]!.columns.find((c) => c.meta_data!.path_in_schema[0] === name)!.meta_data!.encodings;
  const chunkOf = (name: string) => meta.row_groups[0]!.columns.find((c) => c.meta_data!.path_in_schema[0] === name)!.meta_data!;
  // (RLE is for the definition levels: Arrow JS makes the fields nullable.)
  assert.equal(encodings('id'), ['PLAIN', 'RLE'], 'id is PLAIN from its first page (streamed)');
  assert.ok(chunkOf('id').dictionary_page_offset === undefined);
  const idPages = await pageHeaders(bytes, 0, 0);
  assert.ok(idPages.length >= 5 && idPages.every((p) => p.type === 'DATA_PAGE'), 'id spans several data pages');
  assert.ok(encodings('status').includes('RLE_DICTIONARY'));
  assert.ok(encodings('customer').includes('RLE_DICTIONARY') && encodings('customer').includes('PLAIN'));
  // DuckDB as a second reader, on aggregates computed from the source rows.
  const sum = (f: (r: Row) => number) => rows.reduce((s, r) => s + f(r), 0);
  const got = await queryDuckDB(
    bytes,
    `select count(*)::int as n, sum(id)::bigint::varchar as ids, sum(customer)::bigint::varchar as customers,
      count(note)::int as notes, sum(len(tags))::bigint::varchar as tags from $file`,
  );
  assert.equal(got, [
    {
      n: rows.length,
      ids: String(rows.reduce((s, r) => s + r.id, 0n)),
      customers: String(sum((r) => r.customer)),
      notes: rows.filter((r) => r.note !== null).length,
      tags: String(sum((r) => r.tags?.length ?? 0)),
    },
  ]);
});

test('a FIFO receives the same file: the writer never seeks', async () => {
  const fifo = join(dir, 'pipe');
  const out = join(dir, 'from-pipe.parquet');
  execFileSync('mkfifo', [fifo]);
  const reader = spawn('sh', ['-c', 'cat "$1" > "$2"', 'sh', fifo, out], { stdio: 'ignore' });
  const done = new Promise<number | null>((resolve) => reader.on('exit', resolve));
  const handle = await open(fifo, 'w');
  let result;
  try {
    result = await writeParquetToFd(handle.fd, batches, { ...layout, threads: 3 });
  } finally {
    await handle.close();
  }
  assert.is(await done, 0);
  const memory = await writeParquet(batches, { ...layout, threads: 3 });
  assert.ok(readFileSync(out).equals(Buffer.from(memory.bytes)));
  assert.is(result.size, memory.bytes.length);
});

test('a failing descriptor rejects with the OS error and the target', async () => {
  if (!existsSync('/dev/full')) {
    console.log('  (skipped: no /dev/full)');
    return;
  }
  const handle = await open('/dev/full', 'w');
  try {
    let error: unknown;
    await writeParquetToFd(handle.fd, batches, layout, '/dev/full').catch((e: unknown) => (error = e));
    assert.instance(error, Error);
    assert.match((error as Error).message, /writing the Parquet file failed: No space left on device \(writing \/dev\/full\)/);
  } finally {
    await handle.close();
  }
  let bad: unknown;
  await writeParquetToFd(-1, batches).catch((e: unknown) => (bad = e));
  assert.match((bad as Error).message, /expected an open file descriptor, got -1/);
});

test('a failure after row groups were written leaves the old file and no temporary file', async () => {
  const sub = mkdtempSync(join(dir, 'fail-'));
  const path = join(sub, 'out.parquet');
  writeFileSync(path, 'previous contents');
  // The overflowing decimal is in the last row group: earlier ones are already in the temporary file.
  const n = 9000;
  const t = new Table({
    id: vectorFromArray(Array.from({ length: n }, (_, i) => BigInt(i)), new Int64()),
    d: decimalVector(Array.from({ length: n }, (_, i) => (i === n - 1 ? 10n ** 30n : BigInt(i))), 9, 2),
  });
  let error: unknown;
  await writeParquetFile(path, t, { rowGroupSize: 1000, threads: 2 }).catch((e: unknown) => (error = e));
  assert.match((error as Error).message, /column 'd': decimal at element \d+ does not fit its precision/);
  assert.match((error as Error).message, /out\.parquet/);
  assert.equal(readdirSync(sub), ['out.parquet']);
  assert.is(readFileSync(path, 'utf8'), 'previous contents');
  // Bad input is rejected before any file is created.
  await writeParquetFile(join(sub, 'never.parquet'), [] as never).catch(() => undefined);
  assert.equal(readdirSync(sub), ['out.parquet']);
});

test('Delta data files on a LocalStorage are streamed and equal those written through memory', async () => {
  const table = new Table(batches);
  const options = { schema: fromArrowSchema(table.schema), partitionColumns: [], configuration: {}, table: 'stream-test', targetFileSize: 400_000 };
  const root = mkdtempSync(join(dir, 'delta-'));
  const local = new LocalStorage(root);
  const memory = new MemoryStorage();
  const groups = [{ values: {}, data: table }];
  const onDisk = await writeDataFiles(local, groups, options);
  const inMemory = await writeDataFiles(memory, groups, options);
  assert.ok(onDisk.length > 1, 'the target size splits the data into several files');
  assert.is(onDisk.length, inMemory.length);
  let total = 0;
  for (const [i, add] of onDisk.entries()) {
    const other = inMemory[i]!;
    assert.is(add.size, other.size);
    assert.equal(JSON.parse(add.stats!), JSON.parse(other.stats!));
    const disk = readFileSync(join(root, decodeURIComponent(add.path)));
    assert.is(disk.length, add.size);
    const mem = await memory.read(decodeURIComponent(other.path));
    // Names differ (uuids); contents must not.
    assert.ok(disk.equals(Buffer.from(mem!)), `file ${i} differs`);
    total += JSON.parse(add.stats!).numRecords as number;
  }
  assert.is(total, rows.length);
  // Only the data files: no temporary files left (hidden ones included).
  assert.equal(readdirSync(root).sort(), onDisk.map((a) => decodeURIComponent(a.path)).sort());
});

test('LocalStorage.writeFile: a producer that fails leaves nothing at the path', async () => {
  const root = mkdtempSync(join(dir, 'local-'));
  const storage = new LocalStorage(root);
  await storage.write('a/x.parquet', new Uint8Array([1, 2, 3]));
  let error: unknown;
  await storage
    .writeFile('a/x.parquet', async (fd) => {
      await writeParquetToFd(fd, batches, layout);
      throw new Error('producer gave up');
    })
    .catch((e: unknown) => (error = e));
  assert.match((error as Error).message, /producer gave up/);
  assert.equal(readdirSync(join(root, 'a')), ['x.parquet']);
  assert.equal([...(await storage.read('a/x.parquet'))!], [1, 2, 3]);
  const { size } = await storage.writeFile('a/y.parquet', (fd) => writeParquetToFd(fd, batches, layout));
  assert.is((await storage.head('a/y.parquet'))?.size, size);
});

test.run();
