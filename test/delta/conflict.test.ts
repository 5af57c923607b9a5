// Racing writers on real tables: blind appends from two handles and from two
// processes all commit; overwrite/replaceWhere/metadata races fail with the
// error Delta's rules name, and a lost race leaves the table as it was.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DeltaTable } from '../../src/delta/table.ts';
import { loadSnapshot } from '../../src/delta/snapshot.ts';
import { LocalStorage } from '../../src/delta/storage/local-storage.ts';
import { MemoryStorage } from '../../src/delta/storage/memory-storage.ts';
import { writeTable, removeOf } from '../../src/delta/operations/write.ts';
import { Transaction } from '../../src/delta/transaction.ts';
import {
  ConcurrentAppendError,
  ConcurrentDeleteDeleteError,
  ConcurrentDeleteReadError,
  ConflictError,
  MetadataChangedError,
} from '../../src/delta/conflict-checker.ts';
import { expectedRows, tableRowsViaDuckDB, tempTableDir } from './write-helpers.ts';

const schema = new arrow.Schema([new arrow.Field('id', new arrow.Int64()), new arrow.Field('writer', new arrow.Int32())]);
const batch = (writer: number, ids: number[]) =>
  arrow.tableFromArrays({ id: BigInt64Array.from(ids.map(BigInt)), writer: Int32Array.from(ids.map(() => writer)) });
const rowsOf = (writer: number, ids: number[]) => ids.map((id) => ({ id, writer }));

test('two handles appending at once both commit, at consecutive versions', async () => {
  const dir = tempTableDir();
  await DeltaTable.create(dir, { schema });
  const a = await DeltaTable.open(dir);
  const b = await DeltaTable.open(dir);
  const [ra, rb] = await Promise.all([a.append(batch(1, [1, 2, 3])), b.append(batch(2, [4, 5]))]);
  assert.equal([ra.version, rb.version].sort(), [1, 2]);
  const snap = await loadSnapshot(new LocalStorage(dir));
  assert.is(snap.version, 2);
  assert.equal(await tableRowsViaDuckDB(dir, snap, ['id', 'writer']), expectedRows([...rowsOf(1, [1, 2, 3]), ...rowsOf(2, [4, 5])], ['id', 'writer']));
  // The loser retried after checking the winner: its commit records the version it read.
  const h = await a.history();
  assert.equal(h.map((e) => e.readVersion), [0, 0, undefined]);
});

test('two processes racing 8 appends each: 16 commits, no lost rows', async () => {
  const dir = tempTableDir();
  await DeltaTable.create(dir, { schema, properties: { 'delta.checkpointInterval': '100' } });
  const script = fileURLToPath(new URL('./race-writer.ts', import.meta.url));
  const run = (writer: number) =>
    new Promise<number[]>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', script, dir, String(writer), '8'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as number[]) : reject(new Error(`writer ${writer} failed: ${err}`))));
    });
  const [v1, v2] = await Promise.all([run(1), run(2)]);
  assert.equal([...v1, ...v2].sort((x, y) => x - y), Array.from({ length: 16 }, (_, i) => i + 1));
  const snap = await loadSnapshot(new LocalStorage(dir));
  assert.is(snap.version, 16);
  const ids = (w: number) => Array.from({ length: 8 }, (_, i) => w * 1000 + i);
  assert.equal(await tableRowsViaDuckDB(dir, snap, ['id', 'writer']), expectedRows([...rowsOf(1, ids(1)), ...rowsOf(2, ids(2))], ['id', 'writer']));
});

test('overwrite racing a blind append: commits after it under WriteSerializable, conflicts under Serializable', async () => {
  for (const isolation of ['WriteSerializable', 'Serializable'] as const) {
    const storage = new MemoryStorage();
    const t = await DeltaTable.create(storage, { schema, properties: isolation === 'Serializable' ? { 'delta.isolationLevel': 'Serializable' } : {} });
    await t.append(batch(0, [1]));
    const stale = await loadSnapshot(storage); // the overwrite's read version
    await (await DeltaTable.open(storage)).append(batch(1, [2])); // the concurrent blind append wins the next version
    const r = await writeTable(storage, stale, batch(2, [3]), { mode: 'overwrite' });
    if (isolation === 'WriteSerializable') {
      // As in Delta: the append is ordered after the overwrite, so its row survives.
      assert.is(r.status, 'committed');
      const rows = (await (await DeltaTable.open(storage)).toArrow()).toArray().map((x) => Number(x.id)).sort();
      assert.equal(rows, [2, 3]);
    } else {
      assert.is(r.status, 'conflict');
      assert.instance((r as { error: Error }).error, ConcurrentAppendError);
    }
  }
});

test('overwrite vs concurrent overwrite of the same partition → ConcurrentAppendError; the loser leaves nothing behind', async () => {
  const storage = new MemoryStorage();
  const t = await DeltaTable.create(storage, {
    schema: new arrow.Schema([...schema.fields, new arrow.Field('p', new arrow.Utf8())]),
    partitionBy: ['p'],
  });
  const withP = (w: number, ids: number[], p: string) => batch(w, ids).assign(arrow.tableFromArrays({ p: ids.map(() => p) }));
  await t.append(withP(0, [1, 2], 'a'));
  await t.append(withP(0, [3], 'b'));
  const stale = await loadSnapshot(storage);
  await (await DeltaTable.open(storage)).overwrite(withP(1, [10], 'a'), { replaceWhere: "p = 'a'" });
  const before = await loadSnapshot(storage);
  const objects = (await storage.list('')).map((f) => f.path);
  const r = await writeTable(storage, stale, withP(2, [20], 'a'), { mode: 'overwrite', replaceWhere: "p = 'a'" });
  assert.is(r.status, 'conflict');
  const err = (r as { error: ConflictError }).error;
  assert.instance(err, ConcurrentAppendError);
  assert.match(err.message, /partition \[p=a\]/);
  assert.match(err.message, new RegExp(`version ${before.version}, operation WRITE`));
  // Unchanged table; the loser's data files were deleted again.
  const after = await loadSnapshot(storage);
  assert.is(after.version, before.version);
  assert.equal(after.files().map((f) => f.path), before.files().map((f) => f.path));
  assert.equal((await storage.list('')).map((f) => f.path), objects);
  // A replaceWhere on the other partition does not conflict.
  const r2 = await writeTable(storage, stale, withP(3, [30], 'b'), { mode: 'overwrite', replaceWhere: "p = 'b'" });
  assert.is(r2.status, 'committed');
  // Through the public API the conflict is thrown.
  const x = await DeltaTable.open(storage);
  const y = await DeltaTable.open(storage);
  const results = await Promise.allSettled([x.overwrite(withP(4, [40], 'a')), y.overwrite(withP(5, [50], 'a'))]);
  const rejected = results.filter((s) => s.status === 'rejected') as PromiseRejectedResult[];
  assert.is(rejected.length, 1);
  assert.instance(rejected[0].reason, ConflictError);
});

test('delete/read and delete/delete conflicts', async () => {
  const storage = new MemoryStorage();
  const t = await DeltaTable.create(storage, { schema });
  await t.append(batch(0, [1]));
  const snap = await loadSnapshot(storage);
  const [file] = snap.files();
  const removing = (read: boolean) => {
    const txn = new Transaction(storage, snap, { operation: 'DELETE' });
    if (read) txn.markFilesRead([file]);
    txn.removeFile(removeOf(file, Date.now()));
    return txn;
  };
  const winner = await removing(false).commit();
  assert.is(winner.status, 'committed');
  const dd = await removing(false).commit();
  assert.is(dd.status, 'conflict');
  assert.instance((dd as { error: Error }).error, ConcurrentDeleteDeleteError);
  const dr = await removing(true).commit();
  assert.instance((dr as { error: Error }).error, ConcurrentDeleteReadError);
  assert.is((await loadSnapshot(storage)).version, 2);
});

test('a concurrent schema change fails a blind append with MetadataChangedError', async () => {
  const storage = new MemoryStorage();
  await DeltaTable.create(storage, { schema });
  const stale = await loadSnapshot(storage);
  await (await DeltaTable.open(storage)).append(
    arrow.tableFromArrays({ id: BigInt64Array.from([1n]), writer: Int32Array.from([1]), note: ['x'] }),
    { mergeSchema: true },
  );
  const r = await writeTable(storage, stale, batch(2, [2]), { mode: 'append' });
  assert.is(r.status, 'conflict');
  assert.instance((r as { error: Error }).error, MetadataChangedError);
  assert.match((r as { error: Error }).error.message, /metadata of Delta table .* was changed by a concurrent commit \(version 1, operation WRITE\)/);
});

test.run();
