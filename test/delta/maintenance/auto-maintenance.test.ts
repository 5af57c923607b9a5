// Automatic maintenance: table properties make the scheduler compact (and,
// when managed, Z-order and vacuum) in the background; the toDelta sink
// triggers it after commits without waiting for it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { from, lastValueFrom, toArray } from 'rxjs';
import { DeltaTable } from '../../../src/delta/table.ts';
import { loadSnapshot } from '../../../src/delta/snapshot.ts';
import { LocalStorage } from '../../../src/delta/storage/local-storage.ts';
import { MemoryStorage } from '../../../src/delta/storage/memory-storage.ts';
import { MANAGED_RUN_PATH, MaintenanceScheduler, autoMaintain } from '../../../src/delta/maintenance/auto-maintenance.ts';
import { manualClock } from '../../../src/delta/maintenance/clock.ts';
import { toDelta } from '../../../src/reactive/sinks/toDelta.ts';
import { buildTable, duckTableRows, expectedKeys, makeRows, toArrow, tempTableDir, type Row } from './helpers.ts';

test('autoCompact: once enough small files accumulate, a background run bin-packs them (auto=true)', async () => {
  const storage = new MemoryStorage();
  const { table } = await buildTable(storage, 1, 10, {
    properties: { 'delta.autoOptimize.autoCompact': 'true', 'delta.autoOptimize.autoCompact.minNumFiles': '4' },
  });
  const errors: Error[] = [];
  const m = new MaintenanceScheduler(storage, { onError: (e) => errors.push(e) });
  for (let i = 1; i < 6; i++) {
    await table.append(toArrow(makeRows(10, i * 10, i + 1)));
    m.notifyCommit();
  }
  await m.idle();
  assert.equal(errors, []);
  const hist = await table.history();
  const opt = hist.filter((h) => h.operation === 'OPTIMIZE');
  assert.ok(opt.length >= 1, 'an OPTIMIZE ran');
  assert.is(opt[0].operationParameters!.auto, 'true');
  const t = await DeltaTable.open(storage);
  assert.ok(t.files().length < 4);
  assert.is((await t.toArrow()).numRows, 60);
});

test('managed maintenance Z-orders by pipelines.autoOptimize.zOrderCols and vacuums, once per interval', async () => {
  const clock = manualClock(Date.now());
  const storage = new MemoryStorage('memory://managed', () => clock.now());
  await buildTable(storage, 3, 50, {
    properties: { 'pipelines.autoOptimize.managed': 'true', 'pipelines.autoOptimize.zOrderCols': 'customer, amount', 'delta.deletedFileRetentionDuration': 'interval 1 hours' },
  });
  const m = new MaintenanceScheduler(storage, { clock });
  const r1 = await m.runOnce();
  assert.is(r1.optimize?.metrics.numFilesRemoved, 3);
  const z = (await (await DeltaTable.open(storage)).history()).find((h) => h.operation === 'OPTIMIZE')!;
  assert.is(z.operationParameters!.zOrderBy, '["customer","amount"]');
  assert.is((await (await DeltaTable.open(storage)).toArrow()).numRows, 150, 'Z-order into one file keeps every row');
  assert.is(r1.vacuum?.numDeletedFiles, 0, 'tombstones are younger than the retention');
  assert.equal(await m.runOnce(), {}, 'within the interval nothing runs again');
  // A restarted process (a new scheduler) reads when the last run was: nothing runs within the interval either.
  assert.equal(await new MaintenanceScheduler(storage, { clock }).runOnce(), {}, 'the last run is recorded beside the table');
  clock.advance(25 * 3600e3);
  const r2 = await new MaintenanceScheduler(storage, { clock }).runOnce();
  assert.is(r2.vacuum?.numDeletedFiles, 3, 'the files OPTIMIZE replaced are vacuumed a day later');
  assert.equal(await m.runOnce(), {}, 'the first scheduler sees the run another one recorded');
  // The sidecar is no table data: Delta readers never list it, VACUUM never deletes it.
  assert.ok(await storage.read(MANAGED_RUN_PATH));
  assert.ok(!(await DeltaTable.open(storage)).files().some((f) => f.path.startsWith('_tributary')));
});

test('toDelta triggers compaction after commits; the data stays exactly the rows written', async () => {
  const dir = tempTableDir('sink-auto');
  const written: Row[] = [];
  const batches = Array.from({ length: 8 }, (_, i) => {
    const rows = makeRows(25, i * 25, 100 + i);
    written.push(...rows);
    return toArrow(rows).batches[0];
  });
  const commits = await lastValueFrom(
    from(batches).pipe(
      toDelta(dir, {
        appId: 'auto-test',
        properties: { 'delta.autoOptimize.autoCompact': 'auto', 'delta.autoOptimize.autoCompact.minNumFiles': '3' },
      }),
      toArray(),
    ),
  );
  assert.is(commits.length, 8);
  const scheduler = autoMaintain(dir);
  await scheduler.idle();
  assert.is(scheduler.lastError, null);
  const storage = new LocalStorage(dir);
  const hist = await (await DeltaTable.open(storage)).history();
  assert.ok(hist.some((h) => h.operation === 'OPTIMIZE' && h.operationParameters!.auto === 'true'), 'background OPTIMIZE committed');
  const snap = await loadSnapshot(storage);
  assert.ok(snap.files().length < 8);
  assert.equal(await duckTableRows(dir, snap.files()), expectedKeys(written));
  // The sink's own progress survived compaction.
  assert.is(snap.txnVersion('auto-test'), 7);
});

test.run();
