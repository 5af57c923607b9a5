// VACUUM: which files go (unreferenced and older than the retention), which
// stay (active files, young tombstones, young orphans, the log and hidden
// entries, deletion vectors in use), retention enforcement naming the table
// property, dry runs, and the VACUUM START / END commits.
import { test } from 'uvu';
import * as arrow from 'apache-arrow';
import * as assert from 'uvu/assert';
import { cpSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DeltaTable } from '../../../src/delta/table.ts';
import { loadSnapshot } from '../../../src/delta/snapshot.ts';
import { MemoryStorage } from '../../../src/delta/storage/memory-storage.ts';
import { deletionVectorPath } from '../../../src/delta/deletion-vector.ts';
import { fromAddPath } from '../../../src/delta/partition-values.ts';
import { manualClock } from '../../../src/delta/maintenance/clock.ts';
import { referencedFiles, vacuum } from '../../../src/delta/maintenance/vacuum.ts';
import type { Snapshot } from '../../../src/delta/snapshot.ts';
import { optimize } from '../../../src/delta/maintenance/optimize.ts';
import { buildTable, duckTableRows, expectedKeys, makeRows, toArrow, tempTableDir } from './helpers.ts';
import { FIXTURES, haveFixtures, rejects } from '../helpers.ts';

const DAY = 86_400_000;
// Remove tombstones carry the wall-clock time of the overwrite, so the test clock starts there.
const T0 = Date.now();

/** A memory table whose objects are stamped by `clock`: 3 appends, then an overwrite, plus stray files. */
async function setup() {
  const clock = manualClock(T0);
  const storage = new MemoryStorage('memory://vacuum', () => clock.now());
  await buildTable(storage, 3, 20);
  const old = (await loadSnapshot(storage)).files().map((f) => fromAddPath(f.path));
  clock.advance(DAY);
  await (await DeltaTable.open(storage)).overwrite(toArrow(makeRows(5, 9000, 5)));
  const enc = new TextEncoder();
  await storage.write('orphan-failed-write.parquet', enc.encode('x'));
  await storage.write('_change_data/cdc-00000.parquet', enc.encode('x'));
  await storage.write('_hidden/keep.parquet', enc.encode('x'));
  await storage.write('.hidden.parquet', enc.encode('x'));
  return { clock, storage, old };
}

test('default retention: a day-old overwrite leaves everything in place', async () => {
  const { clock, storage } = await setup();
  const r = await vacuum(storage, { clock });
  assert.equal(r.filesDeleted, []);
  assert.is(r.retentionMs, 7 * DAY);
});

test('after the retention period: removed files, stale change data and orphans go; the rest stays', async () => {
  const { clock, storage, old } = await setup();
  clock.advance(8 * DAY);
  const before = await loadSnapshot(storage);
  const r = await vacuum(storage, { clock });
  assert.equal(r.filesDeleted, [...old, '_change_data/cdc-00000.parquet', 'orphan-failed-write.parquet'].sort());
  assert.is(r.numDeletedFiles, 5);
  for (const p of r.filesDeleted) assert.is(await storage.head(p), null, `${p} deleted`);
  for (const p of ['_hidden/keep.parquet', '.hidden.parquet']) assert.ok(await storage.head(p), `${p} kept`);
  for (const f of before.files()) assert.ok(await storage.head(fromAddPath(f.path)), 'active file kept');
  // The log is intact and the table reads the same.
  assert.is((await (await DeltaTable.open(storage)).toArrow()).numRows, 5);
  const hist = await (await DeltaTable.open(storage)).history(2);
  assert.equal(hist.map((h) => h.operation), ['VACUUM END', 'VACUUM START']);
  assert.is(hist[1].operationMetrics!.numFilesToDelete, '5');
  assert.is(hist[1].operationParameters!.retentionCheckEnabled, 'true');
  assert.is(hist[1].operationParameters!.defaultRetentionMillis, String(7 * DAY));
  assert.is(hist[0].operationMetrics!.numDeletedFiles, '5');
  assert.is(hist[0].operationParameters!.status, 'COMPLETED');
  assert.is(r.endVersion, r.startVersion! + 1);
});

test('lite mode deletes expired tombstones from the log alone: no orphans, no change data, no listing', async () => {
  const { clock, storage, old } = await setup();
  clock.advance(8 * DAY);
  let listed = 0;
  const list = storage.list.bind(storage);
  storage.list = (prefix) => (listed++, list(prefix));
  const dry = await vacuum(storage, { clock, mode: 'lite', dryRun: true });
  assert.equal(dry.filesDeleted, [...old].sort());
  const r = await vacuum(storage, { clock, mode: 'lite' });
  assert.equal(r.filesDeleted, [...old].sort());
  assert.is(listed, 0, 'the table is never listed');
  assert.ok(r.bytesDeleted > 0, 'sizes come from the tombstones');
  for (const p of old) assert.is(await storage.head(p), null, `${p} deleted`);
  for (const p of ['orphan-failed-write.parquet', '_change_data/cdc-00000.parquet']) assert.ok(await storage.head(p), `${p} waits for a full run`);
  assert.is((await (await DeltaTable.open(storage)).toArrow()).numRows, 5);
  const [end, start] = await (await DeltaTable.open(storage)).history(2);
  assert.is(start.operationParameters!.vacuumType, 'LITE');
  assert.is(end.operationMetrics!.numDeletedFiles, String(old.length));
  // A full run afterwards finds what lite left.
  assert.equal((await vacuum(storage, { clock })).filesDeleted, ['_change_data/cdc-00000.parquet', 'orphan-failed-write.parquet']);
  await rejects(() => vacuum(storage, { clock, mode: 'fast' as 'lite' }), /mode must be 'full' or 'lite', got fast/);
});

test('a shorter retention is refused unless forced; young files survive a forced zero retention only if referenced', async () => {
  const { clock, storage, old } = await setup();
  try {
    await vacuum(storage, { clock, retentionHours: 1 });
    assert.unreachable();
  } catch (err) {
    const m = (err as Error).message;
    assert.match(m, /delta\.deletedFileRetentionDuration/);
    assert.match(m, /1 hours/);
    assert.match(m, /168 hours/);
    assert.match(m, /enforceRetention: false/);
  }
  const v = (await loadSnapshot(storage)).version;
  assert.is(v, 4, 'a refused VACUUM commits nothing');
  clock.advance(1);
  const dry = await vacuum(storage, { clock, retentionHours: 0, enforceRetention: false, dryRun: true });
  assert.equal(dry.filesDeleted, [...old, '_change_data/cdc-00000.parquet', 'orphan-failed-write.parquet'].sort());
  assert.ok(await storage.head(old[0]), 'dry run deletes nothing');
  assert.is((await loadSnapshot(storage)).version, v, 'dry run commits nothing');
});

test('a table property shortens the retention; tombstones younger than it protect their files', async () => {
  const clock = manualClock(T0);
  const storage = new MemoryStorage('memory://prop', () => clock.now());
  await buildTable(storage, 2, 10, { properties: { 'delta.deletedFileRetentionDuration': 'interval 2 hours' } });
  const first = (await loadSnapshot(storage)).files().map((f) => fromAddPath(f.path));
  await (await DeltaTable.open(storage)).overwrite(toArrow(makeRows(3, 100, 9)));
  clock.advance(3600e3);
  assert.equal((await vacuum(storage, { clock })).filesDeleted, [], 'tombstones are 1 hour old');
  clock.advance(2 * 3600e3);
  assert.equal((await vacuum(storage, { clock })).filesDeleted, first.sort());
  try {
    await vacuum(storage, { clock, retentionHours: 1 });
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, /interval 2 hours = 2 hours/);
  }
});

test('local table: deletion-vector files in use are kept; after OPTIMIZE purges them they are vacuumed', async () => {
  if (!haveFixtures('VACUUM of a DV table')) return;
  const src = join(FIXTURES, 'delta-golden/dv-partitioned-with-checkpoint');
  if (!existsSync(src)) return console.log('SKIP: fixture dv-partitioned-with-checkpoint is absent');
  const dir = tempTableDir('vac-dv');
  cpSync(src, dir, { recursive: true });
  const t = await DeltaTable.open(dir);
  const dvs = [...new Set(t.files().flatMap((f) => (f.deletionVector && f.deletionVector.storageType === 'u' ? [deletionVectorPath(f.deletionVector)] : [])))];
  assert.ok(dvs.length > 0);
  const dry = await vacuum(dir, { retentionHours: 0, enforceRetention: false, dryRun: true, clock: manualClock(Date.now() + 60_000) });
  for (const dv of dvs) assert.not.ok(dry.filesDeleted.includes(dv), `${dv} is in use`);
  const rows = (await t.toArrow()).numRows;
  await optimize(dir);
  // A lite run finds the stale deletion vectors through the tombstones of the files OPTIMIZE replaced.
  const lite = await vacuum(dir, { retentionHours: 0, enforceRetention: false, mode: 'lite', clock: manualClock(Date.now() + 60_000) });
  for (const dv of dvs) assert.ok(lite.filesDeleted.includes(dv), `${dv} is stale after OPTIMIZE`);
  for (const dv of dvs) assert.not.ok(existsSync(join(dir, dv)), `${dv} deleted`);
  await vacuum(dir, { retentionHours: 0, enforceRetention: false, clock: manualClock(Date.now() + 60_000) });
  const after = await DeltaTable.open(dir);
  assert.is((await after.toArrow()).numRows, rows);
  // Exactly the active files remain as Parquet data files (checked on disk).
  const onDisk: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name.startsWith('_') || e.name.startsWith('.')) continue;
      if (e.isDirectory()) walk(join(d, e.name), `${rel}${e.name}/`);
      else onDisk.push(`${rel}${e.name}`);
    }
  };
  walk(dir, '');
  assert.equal(onDisk.sort(), after.files().map((f) => fromAddPath(f.path)).sort());
});

test('local table read by DuckDB after VACUUM with zero retention', async () => {
  const dir = tempTableDir('vac-local');
  await buildTable(dir, 3, 50);
  const fresh = makeRows(30, 10_000, 77);
  await (await DeltaTable.open(dir)).overwrite(toArrow(fresh));
  const r = await vacuum(dir, { retentionHours: 0, enforceRetention: false, clock: manualClock(Date.now() + 60_000) });
  assert.is(r.numDeletedFiles, 3);
  const snap = await loadSnapshot(new (await import('../../../src/delta/storage/local-storage.ts')).LocalStorage(dir));
  assert.equal(await duckTableRows(dir, snap.files()), expectedKeys(fresh));
});

test('a partition column starting with _: its directories are listed, and vacuumed like any other', async () => {
  const schema = new arrow.Schema([new arrow.Field('id', new arrow.Int64(), false), new arrow.Field('_bucket', new arrow.Utf8(), false)]);
  const rows = (ids: number[]) =>
    new arrow.Table({ id: arrow.vectorFromArray(ids.map(BigInt), new arrow.Int64()), _bucket: arrow.vectorFromArray(ids.map((i) => `b${i % 3}`), new arrow.Utf8()) });
  for (const location of [tempTableDir('vacuum-hidden-partition'), new MemoryStorage('memory://hidden-partition')]) {
    const t = await DeltaTable.create(location, { schema, partitionBy: ['_bucket'] });
    await t.append(rows([1, 2, 3, 4, 5, 6]));
    const old = t.files().map((f) => fromAddPath(f.path));
    assert.ok(old.every((p) => p.startsWith('_bucket=')), 'data files live in _bucket=… directories');
    await t.overwrite(rows([7, 8]));
    const live = t.files().map((f) => fromAddPath(f.path));
    const r = await vacuum(t, { retentionHours: 0, enforceRetention: false });
    assert.equal(r.filesDeleted, [...old].sort(), `${String(location)}: the overwritten files go`);
    for (const p of live) assert.ok(await t.storage.head(p), `${p} kept`);
    assert.is((await t.toArrow()).numRows, 2);
  }
});

test('referenced paths are decoded exactly once, relative or absolute', () => {
  const add = (path: string) => ({ path, partitionValues: {}, size: 1, modificationTime: 0, dataChange: true });
  // Only files() and tombstones() are read.
  const local = {
    files: () => [add('p=100%2525/a.parquet'), add('file:///t/p=100%2525/b.parquet'), add('file:///elsewhere/c.parquet'), add('/t/d%20e.parquet')],
    tombstones: () => [],
  } as unknown as Snapshot;
  assert.equal([...referencedFiles(local, '/t', 0)].sort(), ['d e.parquet', 'p=100%25/a.parquet', 'p=100%25/b.parquet']);
  const s3 = { files: () => [add('s3://bucket/pre/x%20y.parquet'), add('s3://other/pre/z.parquet')], tombstones: () => [] } as unknown as Snapshot;
  assert.equal([...referencedFiles(s3, 's3://bucket/pre', 0)], ['x y.parquet']);
  const broken = { files: () => [add('file://[bad/x.parquet')], tombstones: () => [] } as unknown as Snapshot;
  assert.throws(() => referencedFiles(broken, '/t', 0), 'an unparseable path stops VACUUM instead of dropping the file from the keep set');
});

test.run();
