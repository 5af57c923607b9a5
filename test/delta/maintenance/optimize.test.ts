// OPTIMIZE bin-packing: the compacted files hold exactly the rows (DuckDB
// reads them), the commit is Delta's OPTIMIZE with dataChange=false, stats
// agree with DuckDB's own min/max, partitions filter, deletion vectors are
// purged, and concurrency follows Delta's rules.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { DeltaTable } from '../../../src/delta/table.ts';
import { loadSnapshot, readCommit } from '../../../src/delta/snapshot.ts';
import { LocalStorage } from '../../../src/delta/storage/local-storage.ts';
import { MemoryStorage } from '../../../src/delta/storage/memory-storage.ts';
import type { Storage } from '../../../src/delta/storage/storage.ts';
import { parseStats } from '../../../src/delta/stats.ts';
import { fromAddPath } from '../../../src/delta/partition-values.ts';
import { ConcurrentDeleteReadError } from '../../../src/delta/conflict-checker.ts';
import { optimize } from '../../../src/delta/maintenance/optimize.ts';
import { buildTable, duckRows, duckTableRows, expectedKeys, makeRows, toArrow, tempTableDir } from './helpers.ts';
import { FIXTURES, haveFixtures } from '../helpers.ts';

test('bin-pack copies row groups into one file with exactly the rows, as OPTIMIZE with dataChange=false', async () => {
  const dir = tempTableDir('binpack');
  const { rows } = await buildTable(dir, 12, 300);
  const before = await loadSnapshot(new LocalStorage(dir));
  const r = await optimize(dir, { targetFileSize: 64 << 20 });
  assert.is(r.version, before.version + 1);
  assert.is(r.metrics.numFilesRemoved, 12);
  assert.is(r.metrics.numFilesAdded, 1);
  assert.is(r.metrics.filesCopied, 1, 'same-schema files without DVs are copied, not re-encoded');
  const after = await loadSnapshot(new LocalStorage(dir));
  assert.is(after.files().length, 1);
  assert.equal(await duckTableRows(dir, after.files()), expectedKeys(rows));

  const actions = await readCommit(new LocalStorage(dir), r.version!);
  const info = actions.find((a) => 'commitInfo' in a)!.commitInfo;
  assert.is(info.operation, 'OPTIMIZE');
  assert.equal(info.operationParameters, { predicate: '[]', zOrderBy: '[]', auto: 'false' });
  assert.is(info.isolationLevel, 'SnapshotIsolation');
  const m = info.operationMetrics!;
  assert.is(m.numRemovedFiles, '12');
  assert.is(m.numAddedFiles, '1');
  assert.is(Number(m.numAddedBytes), after.files()[0].size);
  assert.is(Number(m.numRemovedBytes), before.files().reduce((s, f) => s + f.size, 0));
  assert.is(m.minFileSize, m.maxFileSize);
  const adds = actions.flatMap((a) => ('add' in a ? [a.add] : []));
  const removes = actions.flatMap((a) => ('remove' in a ? [a.remove] : []));
  assert.is(adds.length, 1);
  assert.is(removes.length, 12);
  assert.ok(adds.every((a) => a.dataChange === false) && removes.every((x) => x.dataChange === false));
  assert.equal(new Set(removes.map((x) => x.path)), new Set(before.files().map((f) => f.path)));

  // Merged stats must bound the data exactly as DuckDB sees it.
  const stats = parseStats(after.files()[0].stats)!;
  const file = join(dir, fromAddPath(after.files()[0].path));
  const [agg] = await duckRows(
    `SELECT count(*) AS n, min(id) AS min_id, max(id) AS max_id, min(customer) AS min_c, max(customer) AS max_c, count(*) - count(customer) AS null_c, min(name) AS min_name, max(name) AS max_name FROM read_parquet('${file}')`,
  );
  assert.is(stats.numRecords, Number(agg.n));
  assert.is(String(stats.minValues.id), String(agg.min_id));
  assert.is(String(stats.maxValues.id), String(agg.max_id));
  assert.is(String(stats.minValues.customer), String(agg.min_c));
  assert.is(String(stats.maxValues.customer), String(agg.max_c));
  assert.is(String(stats.nullCount.customer), String(agg.null_c));
  assert.is(stats.minValues.name, agg.min_name);
  assert.is(stats.maxValues.name, agg.max_name);

  // Already compact: nothing to do, nothing committed.
  const again = await optimize(dir, { targetFileSize: 64 << 20 });
  assert.is(again.version, null);
  assert.is((await loadSnapshot(new LocalStorage(dir))).version, after.version);
});

test('re-encoding path (copyRowGroups: false) gives the same rows; target size splits bins', async () => {
  const dir = tempTableDir('reencode');
  const { rows } = await buildTable(dir, 6, 400);
  const sizes = (await loadSnapshot(new LocalStorage(dir))).files().map((f) => f.size);
  // Room for about two files per bin.
  const target = Math.max(...sizes) * 2 + 1;
  const r = await optimize(dir, { targetFileSize: target, copyRowGroups: false });
  assert.is(r.metrics.numFilesRemoved, 6);
  assert.is(r.metrics.numFilesAdded, 3);
  assert.is(r.metrics.filesReencoded, 3);
  const after = await loadSnapshot(new LocalStorage(dir));
  assert.equal(await duckTableRows(dir, after.files()), expectedKeys(rows));
  for (const f of after.files()) assert.ok(parseStats(f.stats)!.numRecords > 0);
});

test('partitioned table: where selects partitions; others keep their files', async () => {
  const dir = tempTableDir('parts');
  const { rows } = await buildTable(dir, 5, 200, { partitionBy: ['country'], countries: ['US', 'FR', 'DE'] });
  const before = await loadSnapshot(new LocalStorage(dir));
  const r = await optimize(dir, { where: "country = 'US' OR country = 'DE'" });
  assert.is(r.metrics.partitionsOptimized, 2);
  assert.is(r.metrics.numFilesRemoved, 10);
  const after = await loadSnapshot(new LocalStorage(dir));
  const fr = (s: typeof before) => s.files().filter((f) => f.partitionValues.country === 'FR').map((f) => f.path).sort();
  assert.equal(fr(after), fr(before));
  assert.is(after.files().filter((f) => f.partitionValues.country === 'US').length, 1);
  assert.ok(after.files().filter((f) => f.partitionValues.country === 'US')[0].path.startsWith('country=US/'));
  assert.equal(await duckTableRows(dir, after.files()), expectedKeys(rows));
  const info = (await readCommit(new LocalStorage(dir), r.version!)).find((a) => 'commitInfo' in a)!.commitInfo;
  assert.is(info.operationParameters!.predicate, JSON.stringify(["country = 'US' OR country = 'DE'"]));

  // A function predicate, and a SQL predicate on a data column is refused.
  const f = await optimize(dir, { where: (v) => v.country === 'FR' });
  assert.is(f.metrics.partitionsOptimized, 1);
  try {
    await optimize(dir, { where: 'amount > 3' });
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, /partition columns only \(country\)/);
  }
});

/** A storage that runs `hook` once, just before the first data file OPTIMIZE writes. */
class HookStorage extends MemoryStorage {
  hook: (() => Promise<void>) | null = null;
  override async write(path: string, data: Uint8Array): Promise<void> {
    if (this.hook && !path.startsWith('_delta_log/')) {
      const h = this.hook;
      this.hook = null;
      await h();
    }
    return super.write(path, data);
  }
}

test('a concurrent delete of a file being compacted makes OPTIMIZE fail cleanly; the table is untouched', async () => {
  const storage = new HookStorage();
  const { rows } = await buildTable(storage, 4, 50);
  storage.hook = async () => {
    const t = await DeltaTable.open(storage);
    await t.overwrite(toArrow(makeRows(10, 1_000_000, 99)));
  };
  const dataFilesBefore = new Set((await storage.list('')).map((f) => f.path));
  try {
    await optimize(storage);
    assert.unreachable('OPTIMIZE should have failed');
  } catch (err) {
    assert.instance(err, ConcurrentDeleteReadError);
    assert.match((err as Error).message, /OPTIMIZE of Delta table .* failed and changed nothing/);
  }
  const snap = await loadSnapshot(storage);
  assert.is(snap.version, 5, 'only the concurrent overwrite committed');
  assert.is(snap.commitInfo?.operation, 'WRITE');
  // No file written by the failed OPTIMIZE is left behind.
  const now = (await storage.list('')).map((f) => f.path).filter((p) => !p.startsWith('_delta_log/'));
  const added = snap.files().map((f) => f.path);
  for (const p of now) assert.ok(dataFilesBefore.has(p) || added.includes(p), `unexpected leftover ${p}`);
  assert.is((await (await DeltaTable.open(storage)).toArrow()).numRows, 10);
  assert.ok(rows.length > 0);
});

test('a concurrent blind append never conflicts with OPTIMIZE', async () => {
  const storage = new HookStorage();
  const { rows } = await buildTable(storage, 4, 50);
  const extra = makeRows(7, 5_000_000, 42);
  storage.hook = async () => {
    await (await DeltaTable.open(storage)).append(toArrow(extra));
  };
  const r = await optimize(storage);
  assert.is(r.version, 6);
  const t = await DeltaTable.open(storage);
  assert.is(t.files().length, 2, 'the compacted file and the concurrently appended one');
  const ids = (await t.toArrow()).getChild('id')!.toArray() as BigInt64Array;
  assert.equal([...ids].sort((a, b) => (a < b ? -1 : 1)), [...rows, ...extra].map((x) => x.id).sort((a, b) => (a < b ? -1 : 1)));
});

test('deletion vectors are applied during the rewrite and the table reads the same (Spark fixture)', async () => {
  if (!haveFixtures('OPTIMIZE of a DV table')) return;
  const src = join(FIXTURES, 'delta-golden/dv-partitioned-with-checkpoint');
  if (!existsSync(src)) return console.log('SKIP: fixture dv-partitioned-with-checkpoint is absent');
  const dir = tempTableDir('dv');
  cpSync(src, dir, { recursive: true });
  const before = await DeltaTable.open(dir);
  const dvFiles = before.files().filter((f) => f.deletionVector).length;
  assert.ok(dvFiles > 0);
  const sortedIds = async (t: DeltaTable) => {
    const data = await t.toArrow();
    return data.toArray().map((r) => JSON.stringify(r.toJSON(), (_k, v) => (typeof v === 'bigint' ? String(v) : v))).sort();
  };
  const want = await sortedIds(before);
  const r = await optimize(dir);
  assert.is(r.metrics.numDeletionVectorsRemoved, dvFiles);
  const after = await DeltaTable.open(dir);
  assert.ok(after.files().every((f) => !f.deletionVector), 'no file carries a deletion vector any more');
  assert.equal(await sortedIds(after), want);
  // The new files physically hold only live rows: DuckDB (which knows nothing of DVs) counts them.
  let n = 0;
  for (const f of after.files()) n += Number((await duckRows(`SELECT count(*) AS n FROM read_parquet('${join(dir, fromAddPath(f.path))}')`))[0].n);
  assert.is(n, want.length);
});

test('a checkpoint follows an OPTIMIZE commit exactly when its version is due one', async () => {
  const dir = tempTableDir('optimize-checkpoint');
  // Versions 0..4: OPTIMIZE commits version 5, a multiple of the interval.
  await buildTable(dir, 4, 50, { properties: { 'delta.checkpointInterval': '5' } });
  const r = await optimize(dir, { targetFileSize: 64 << 20 });
  assert.is(r.version, 5);
  assert.ok(r.checkpoint, 'checkpoint written');
  assert.ok(existsSync(join(dir, '_delta_log', '00000000000000000005.checkpoint.parquet')));
  assert.is((await loadSnapshot(new LocalStorage(dir))).files().length, 1);
  // Version 6 is not due: nothing is written.
  const t = await DeltaTable.open(dir);
  await t.append(toArrow(makeRows(10, 9000, 9)));
  await t.append(toArrow(makeRows(10, 9100, 10)));
  const again = await optimize(t, { targetFileSize: 64 << 20 });
  assert.is(again.version, 8);
  assert.is(again.checkpoint, undefined);
  assert.not.ok(existsSync(join(dir, '_delta_log', '00000000000000000008.checkpoint.parquet')));
  assert.is(t.version(), 8, 'the handle moved to the OPTIMIZE version');
});

test('bad options are refused with clear errors before anything is written', async () => {
  const storage: Storage = new MemoryStorage();
  await buildTable(storage, 2, 10, { partitionBy: ['country'] });
  const msg = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (err) {
      return (err as Error).message;
    }
    return 'no error';
  };
  assert.match(await msg(optimize(storage, { zOrder: ['country'] })), /partition column 'country'/);
  assert.match(await msg(optimize(storage, { zOrder: ['nope'] })), /Z-order column 'nope' does not exist/);
  assert.match(await msg(optimize(storage, { targetFileSize: -1 })), /target file size must be a positive/);
  const pinned = await DeltaTable.open(storage, { version: 0 });
  assert.match(await msg(optimize(pinned)), /opened at version 0 for time travel/);
  assert.is((await loadSnapshot(storage)).version, 2);
});

test.run();
