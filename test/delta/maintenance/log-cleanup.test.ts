// Log cleanup: expired commits and checkpoints go only below a checkpoint
// that keeps every remaining version reconstructable; time travel to the
// retained versions still works, older ones fail cleanly.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { DeltaTable } from '../../../src/delta/table.ts';
import { loadSnapshot } from '../../../src/delta/snapshot.ts';
import { MemoryStorage } from '../../../src/delta/storage/memory-storage.ts';
import { commitPath, classicCheckpointPath } from '../../../src/delta/log-path.ts';
import { VersionNotFoundError } from '../../../src/delta/errors.ts';
import { manualClock } from '../../../src/delta/maintenance/clock.ts';
import { checkpoint, cleanupExpiredLogs, planLogCleanup } from '../../../src/delta/maintenance/log-cleanup.ts';

const DAY = 86_400_000;

/** A memory table with versions 0..25 (checkpoints after 10 and 20); versions ≤ `oldUpTo` stamped 40 days ago. */
async function setup(oldUpTo: number) {
  const now = Date.now();
  const clock = manualClock(now);
  const storage = new MemoryStorage('memory://logs', () => clock.now());
  const t = await DeltaTable.create(storage, { schema: new arrow.Schema([new arrow.Field('v', new arrow.Int32(), false)]) });
  for (let v = 1; v <= 25; v++) await t.append(arrow.tableFromArrays({ v: Int32Array.from([v]) }));
  for (const f of await storage.list('_delta_log/')) {
    const m = /(\d{20})\./.exec(f.path);
    if (m && Number(m[1]) <= oldUpTo) storage.setModificationTime(f.path, now - 40 * DAY);
  }
  return { storage, clock };
}

test('cuts below the newest checkpoint whose predecessors all expired', async () => {
  const { storage, clock } = await setup(15);
  const r = await cleanupExpiredLogs(storage, { clock });
  assert.is(r.cutoffCheckpoint, 10);
  assert.equal(r.deleted, Array.from({ length: 10 }, (_, v) => commitPath(v)));
  for (const p of r.deleted) assert.is(await storage.head(p), null);
  assert.ok(await storage.head(classicCheckpointPath(10)));
  // Every retained version is reconstructable and reads its rows; older ones fail clearly.
  for (const v of [10, 11, 19, 25]) assert.is((await DeltaTable.open(storage, { version: v })).files().length, v);
  try {
    await loadSnapshot(storage, { version: 9 });
    assert.unreachable();
  } catch (err) {
    assert.instance(err, VersionNotFoundError);
  }
});

test('everything before checkpoint 20 expired: versions and checkpoints below it go', async () => {
  const { storage, clock } = await setup(22);
  const r = await cleanupExpiredLogs(storage, { clock });
  assert.is(r.cutoffCheckpoint, 20);
  assert.ok(r.deleted.includes(classicCheckpointPath(10)));
  assert.ok(r.deleted.includes(commitPath(19)));
  assert.not.ok(r.deleted.includes(commitPath(20)));
  assert.is((await DeltaTable.open(storage)).files().length, 25);
});

test('nothing expired, or cleanup disabled: nothing deleted', async () => {
  const { storage, clock } = await setup(-1);
  assert.equal((await cleanupExpiredLogs(storage, { clock })).deleted, []);
  const s2 = await setup(25);
  const dry = await cleanupExpiredLogs(s2.storage, { clock: s2.clock, dryRun: true });
  assert.is(dry.cutoffCheckpoint, 20);
  assert.ok(await s2.storage.head(commitPath(0)), 'dry run deletes nothing');
});

test('planLogCleanup: incomplete multi-part checkpoints never anchor the cut', () => {
  const f = (path: string, t: number) => ({ path: `_delta_log/${path}`, size: 1, modificationTime: t });
  const v = (n: number) => String(n).padStart(20, '0');
  const files = [
    ...Array.from({ length: 8 }, (_, i) => f(`${v(i)}.json`, 0)),
    f(`${v(3)}.checkpoint.0000000001.0000000002.parquet`, 0),
    f(`${v(5)}.checkpoint.0000000001.0000000002.parquet`, 0),
    f(`${v(5)}.checkpoint.0000000002.0000000002.parquet`, 0),
    f(`${v(6)}.crc`, 0),
  ];
  const p = planLogCleanup(files, 10, 7);
  assert.is(p.cutoff, 5);
  assert.equal(p.files.map((x) => x.path), [
    ...[0, 1, 2].map((i) => `_delta_log/${v(i)}.json`),
    `_delta_log/${v(3)}.checkpoint.0000000001.0000000002.parquet`,
    `_delta_log/${v(3)}.json`,
    `_delta_log/${v(4)}.json`,
  ]);
});

test('checkpoint() writes a checkpoint of the latest version that readers use', async () => {
  const storage = new MemoryStorage();
  const t = await DeltaTable.create(storage, { schema: new arrow.Schema([new arrow.Field('v', new arrow.Int32(), false)]) });
  for (let v = 1; v <= 3; v++) await t.append(arrow.tableFromArrays({ v: Int32Array.from([v]) }));
  const info = await checkpoint(storage);
  assert.is(info.version, 3);
  const snap = await loadSnapshot(storage);
  assert.is(snap.logSegment.checkpoint?.version, 3);
  assert.is(snap.files().length, 3);
});

test.run();
