// The bounded Z-order rewrite against an in-memory reference: for the native
// spill and for the JS path (one input file per window), with and without
// deletion vectors, every output file holds exactly the rows — in exactly the
// order — that clustering all live rows at once and cutting the order into
// files gives. Spill files never outlive the rewrite, failed or not.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import type { Add } from '../../../src/delta/actions.ts';
import { loadSnapshot, type Snapshot } from '../../../src/delta/snapshot.ts';
import { LocalStorage } from '../../../src/delta/storage/local-storage.ts';
import { MemoryStorage } from '../../../src/delta/storage/memory-storage.ts';
import type { Storage } from '../../../src/delta/storage/storage.ts';
import { writeDeletionVectors } from '../../../src/delta/deletion-vector-writer.ts';
import { groupByPartition, type Bin } from '../../../src/delta/maintenance/bin-pack.ts';
import { dataSchemaOf } from '../../../src/delta/maintenance/native-read.ts';
import { readLiveRows } from '../../../src/delta/maintenance/read-live.ts';
import { cellCountNear, clusterCells } from '../../../src/delta/maintenance/zorder.ts';
import { destinations, fileRanges, rewriteZOrdered, windows } from '../../../src/delta/maintenance/zorder-rewrite.ts';
import { optimize } from '../../../src/delta/maintenance/optimize.ts';
import { SPILL_PARENT } from '../../../src/delta/maintenance/spill.ts';
import { buildTable, duckRows, duckTableRows, expectedKeys, tempTableDir } from './helpers.ts';
import { Transaction } from '../../../src/delta/transaction.ts';

const COLUMNS = ['customer', 'name'];

/** Rows of a batch as comparable strings, in order. */
function keys(batch: arrow.RecordBatch | arrow.Table): string[] {
  const out: string[] = [];
  for (let i = 0; i < batch.numRows; i++) {
    out.push(JSON.stringify(batch.schema.fields.map((f) => batch.getChild(f.name)!.get(i)), (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)));
  }
  return out;
}

/** The one bin of an unpartitioned table, optionally with deletion vectors on some files. */
async function binOf(storage: Storage, snapshot: Snapshot, deleted: Map<number, Uint32Array> = new Map()): Promise<Bin> {
  const files: Add[] = snapshot.files().map((f) => ({ ...f }));
  const which = [...deleted.keys()];
  if (which.length > 0) {
    const { descriptors } = await writeDeletionVectors(storage, which.map((i) => deleted.get(i)!));
    which.forEach((i, j) => (files[i].deletionVector = descriptors[j]));
  }
  const [p] = groupByPartition(files);
  return { partitionValues: p.partitionValues, files: p.files, bytes: p.files.reduce((s, f) => s + f.size, 0) };
}

/** What every output file must hold: all live rows clustered at once, cut into files. */
async function reference(storage: Storage, snapshot: Snapshot, bin: Bin, target: number, columns = COLUMNS): Promise<string[][]> {
  const schema = dataSchemaOf(snapshot);
  const batches: arrow.RecordBatch[] = [];
  for (const f of bin.files) batches.push(...(await readLiveRows(storage, snapshot, f, schema)));
  const all = new arrow.Table(schema, batches);
  const fileCount = cellCountNear(bin.bytes / target);
  const { order, cells } = await clusterCells(all, columns, fileCount);
  const rows = keys(all);
  return fileRanges(cells, Math.ceil(all.numRows / fileCount)).map(([s, e]) => [...order.subarray(s, e)].map((i) => rows[i]));
}

async function rewrite(
  storage: Storage,
  snapshot: Snapshot,
  bin: Bin,
  target: number,
  native: boolean,
  fail?: number,
  columns = COLUMNS,
  ranNatively = native,
): Promise<string[][]> {
  const files: string[][] = [];
  let calls = 0;
  const r = await rewriteZOrdered(
    {
      storage,
      snapshot,
      target,
      columns,
      curve: 'morton',
      native,
      windowBytes: 1, // the JS path: one input file per window
      write: async (t) => {
        if (calls++ === fail) throw new Error('disk full (test)');
        files.push(keys(t));
        return [];
      },
    },
    bin,
  );
  assert.is(r.native, ranNatively, ranNatively ? 'the native spill ran' : 'the JS path ran');
  assert.is(r.rows, files.reduce((n, f) => n + f.length, 0));
  return files;
}

function noSpillLeft(dir: string): void {
  assert.not.ok(existsSync(join(dir, ...SPILL_PARENT.split('/'))), `no ${SPILL_PARENT} left in ${dir}: ${existsSync(dir) ? readdirSync(dir).join(', ') : ''}`);
  assert.not.ok(existsSync(join(dir, '_tributary')), 'no empty _tributary left');
}

test('native spill and JS windows give the rows and the per-file order of clustering everything at once', async () => {
  const dir = tempTableDir('zbounded');
  await buildTable(dir, 7, 900);
  const storage = new LocalStorage(dir);
  const snapshot = await loadSnapshot(storage);
  const bin = await binOf(storage, snapshot);
  const target = Math.ceil(bin.bytes / 5);
  const want = await reference(storage, snapshot, bin, target);
  assert.ok(want.length >= 4, `${want.length} output files`);
  assert.equal(await rewrite(storage, snapshot, bin, target, true), want);
  assert.equal(await rewrite(storage, snapshot, bin, target, false), want);
  noSpillLeft(dir);
});

test('deletion vectors are applied in both passes: deleted rows are gone, the rest ordered as the reference', async () => {
  const dir = tempTableDir('zbounded-dv');
  await buildTable(dir, 6, 800);
  const storage = new LocalStorage(dir);
  const snapshot = await loadSnapshot(storage);
  const deleted = new Map([
    [1, Uint32Array.from({ length: 200 }, (_, i) => i * 4)],
    [4, Uint32Array.of(0, 1, 2, 799)],
  ]);
  const bin = await binOf(storage, snapshot, deleted);
  const target = Math.ceil(bin.bytes / 4);
  const want = await reference(storage, snapshot, bin, target);
  assert.is(want.flat().length, 6 * 800 - 204);
  assert.equal(await rewrite(storage, snapshot, bin, target, true), want);
  assert.equal(await rewrite(storage, snapshot, bin, target, false), want);
  noSpillLeft(dir);
});

test('a file the native decoder cannot read (DELTA_BINARY_PACKED, written by DuckDB) sends pass 2 to the JS path, same result', async () => {
  const dir = tempTableDir('zbounded-v2');
  await buildTable(dir, 3, 700);
  const storage = new LocalStorage(dir);
  const name = 'part-duckdb-v2.parquet';
  await duckRows(
    `COPY (SELECT (100000 + i)::BIGINT AS id, (i * 7919 % 100000)::INTEGER AS customer, (i * 1.5)::DOUBLE AS amount, ` +
      `'n-' || (i * 31 % 5000) || '-é' AS "name", make_timestamptz(1700000000000000 + i * 1000003) AS ts, i % 2 = 0 AS flag, ` +
      `CASE WHEN i % 3 = 0 THEN 'FR' ELSE 'US' END AS country FROM range(0, 2500) t(i)) TO '${join(dir, name)}' (FORMAT parquet, PARQUET_VERSION V2)`,
  );
  const size = statSync(join(dir, name)).size;
  const txn = new Transaction(storage, await loadSnapshot(storage), { operation: 'WRITE' });
  txn.addFile({ path: name, partitionValues: {}, size, modificationTime: Date.now(), dataChange: true });
  assert.is((await txn.commit()).status, 'committed');
  const snapshot = await loadSnapshot(storage);
  const bin = await binOf(storage, snapshot);
  const target = Math.ceil(bin.bytes / 3);
  // Z-order columns the native decoder reads in every file (dictionary, PLAIN): pass 1 runs natively, pass 2 cannot.
  const columns = ['country', 'flag'];
  const want = await reference(storage, snapshot, bin, target, columns);
  assert.is(want.flat().length, 3 * 700 + 2500);
  assert.equal(await rewrite(storage, snapshot, bin, target, true, undefined, columns, false), want);
  noSpillLeft(dir);
});

test('a failing write stops the rewrite and removes the spill files (native and JS paths, local and memory storage)', async () => {
  const dir = tempTableDir('zbounded-fail');
  await buildTable(dir, 4, 700);
  const storage = new LocalStorage(dir);
  const snapshot = await loadSnapshot(storage);
  const bin = await binOf(storage, snapshot);
  const target = Math.ceil(bin.bytes / 4);
  for (const native of [true, false]) {
    await rewrite(storage, snapshot, bin, target, native, 1).then(
      () => assert.unreachable('the write failure must surface'),
      (err: Error) => assert.match(err.message, /disk full \(test\)/),
    );
    noSpillLeft(dir);
  }
  // A memory table spills under the OS temp directory, and cleans up there too.
  const memory = new MemoryStorage('memory://zbounded');
  await buildTable(memory, 3, 500);
  const msnap = await loadSnapshot(memory);
  const mbin = await binOf(memory, msnap);
  const { tmpdir } = await import('node:os');
  const before = readdirSync(tmpdir()).filter((n) => n.startsWith('tributary-optimize-'));
  await rewrite(memory, msnap, mbin, Math.ceil(mbin.bytes / 3), true, 0).then(
    () => assert.unreachable('the write failure must surface'),
    (err: Error) => assert.match(err.message, /disk full \(test\)/),
  );
  assert.equal(readdirSync(tmpdir()).filter((n) => n.startsWith('tributary-optimize-')), before);
  assert.equal(await rewrite(memory, msnap, mbin, Math.ceil(mbin.bytes / 3), true), await reference(memory, msnap, mbin, Math.ceil(mbin.bytes / 3)));
});

test('OPTIMIZE ZORDER BY on a local table leaves no scratch files and keeps every row', async () => {
  const dir = tempTableDir('zbounded-e2e');
  const { rows } = await buildTable(dir, 5, 600);
  const storage = new LocalStorage(dir);
  const total = (await loadSnapshot(storage)).files().reduce((s, f) => s + f.size, 0);
  const r = await optimize(dir, { zOrder: COLUMNS, targetFileSize: Math.ceil(total / 3) });
  assert.ok(r.metrics.numFilesAdded >= 2);
  noSpillLeft(dir);
  assert.equal(await duckTableRows(dir, (await loadSnapshot(storage)).files()), expectedKeys(rows));
  assert.ok(readdirSync(dir).every((n) => !n.startsWith('.tributary-')), 'no temporary data files left');
});

test('a partitioned table is Z-ordered partition by partition, concurrently, each with its own scratch area', async () => {
  const dir = tempTableDir('zbounded-parts');
  const { rows } = await buildTable(dir, 6, 800, { partitionBy: ['country'], countries: ['US', 'FR', 'DE'] });
  const storage = new LocalStorage(dir);
  const before = await loadSnapshot(storage);
  const total = before.files().reduce((s, f) => s + f.size, 0);
  const r = await optimize(dir, { zOrder: COLUMNS, targetFileSize: Math.ceil(total / 9), maxConcurrentTasks: 3 });
  assert.is(r.metrics.partitionsOptimized, 3);
  const after = await loadSnapshot(storage);
  assert.ok(after.files().every((f) => ['US', 'FR', 'DE'].includes(f.partitionValues.country!)));
  assert.equal(await duckTableRows(dir, after.files()), expectedKeys(rows));
  noSpillLeft(dir);
});

test('destinations and windows: arrival indexes follow input order within each output file', () => {
  // Rows 0..5; clustered order [4, 0, 5, 2, 1, 3] cut into files [0, 3) and [3, 6).
  const order = Uint32Array.of(4, 0, 5, 2, 1, 3);
  const { fileOf, arrival } = destinations(order, [[0, 3], [3, 6]], 6);
  assert.equal([...fileOf], [0, 1, 1, 1, 0, 0]);
  // File 0 receives rows 0, 4, 5 in input order: 4 → arrival 1, 0 → 0, 5 → 2. File 1 receives 1, 2, 3.
  assert.equal([...arrival], [1, 0, 2, 1, 0, 2]);
  const f = (size: number) => ({ size }) as Add;
  assert.equal(windows([f(5), f(5), f(20), f(1)], 10).map((w) => w.map((x) => x.size)), [[5, 5], [20], [1]]);
});

test.run();
