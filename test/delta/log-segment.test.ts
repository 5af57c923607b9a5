import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { buildLogSegment, listCommits } from '../../src/delta/log-segment.ts';
import { commitPath, parseLogPath, multiPartCheckpointPaths, LAST_CHECKPOINT_PATH } from '../../src/delta/log-path.ts';
import { loadSnapshot } from '../../src/delta/snapshot.ts';
import { CorruptLogError, TableNotFoundError, TimestampOutOfRangeError, VersionNotFoundError } from '../../src/delta/errors.ts';
import { LocalStorage, MemoryStorage } from '../../src/delta/storage/index.ts';
import { FIXTURES, enc, haveFixtures, rejects } from './helpers.ts';
import { add, commit, jsonCheckpoint, metadata, protocol } from './log-fixtures.ts';

test('log file names parse', () => {
  assert.equal(parseLogPath('_delta_log/00000000000000000007.json'), { kind: 'commit', version: 7, path: '_delta_log/00000000000000000007.json' });
  assert.equal(parseLogPath('00000000000000000010.checkpoint.0000000002.0000000003.parquet'), {
    kind: 'checkpoint', version: 10, path: '00000000000000000010.checkpoint.0000000002.0000000003.parquet', format: 'multipart', part: 2, parts: 3,
  });
  assert.is(parseLogPath('_delta_log/00000000000000000002.checkpoint.6374b053-df23-479b-b2cf-c9c550132b49.json')?.kind, 'checkpoint');
  assert.is(parseLogPath('_delta_log/00000000000000000002.crc')?.kind, 'checksum');
  assert.is(parseLogPath('_delta_log/00000000000000000001.00000000000000000004.compacted.json')?.kind, 'compaction');
  assert.is(parseLogPath('_delta_log/_last_checkpoint'), null);
  assert.is(parseLogPath('_delta_log/_staged_commits/00000000000000000003.3a0d65cd-4f1a-4b79-a6e9-5b3c4c1d2e3f.json'), null);
  assert.is(parseLogPath('_delta_log/7.json'), null);
  assert.is(commitPath(3), '_delta_log/00000000000000000003.json');
  assert.equal(multiPartCheckpointPaths(5, 2), [
    '_delta_log/00000000000000000005.checkpoint.0000000001.0000000002.parquet',
    '_delta_log/00000000000000000005.checkpoint.0000000002.0000000002.parquet',
  ]);
});

test('empty location is TableNotFoundError', async () => {
  await rejects(() => buildLogSegment(new MemoryStorage()), /No Delta table/);
  const err = await rejects(() => loadSnapshot(new MemoryStorage()));
  assert.instance(err, TableNotFoundError);
});

test('commits only: latest and by version; future version is an error', async () => {
  const s = new MemoryStorage();
  await commit(s, 0, [protocol(), metadata(), add('a')]);
  await commit(s, 1, [add('b')]);
  await commit(s, 2, [add('c')]);
  const seg = await buildLogSegment(s);
  assert.is(seg.version, 2);
  assert.equal(seg.commits.map((c) => c.version), [0, 1, 2]);
  assert.is((await buildLogSegment(s, { version: 1 })).commits.length, 2);
  assert.instance(await rejects(() => buildLogSegment(s, { version: 3 }), /latest version is 2/), VersionNotFoundError);
});

test('a gap between commits is a clear error', async () => {
  const s = new MemoryStorage();
  await commit(s, 0, [protocol(), metadata()]);
  await commit(s, 2, [add('c')]);
  assert.instance(await rejects(() => buildLogSegment(s), /gap: commit 00000000000000000001\.json is missing/), CorruptLogError);
});

test('checkpoint + later commits; stale and corrupt _last_checkpoint hints are tolerated', async () => {
  const s = new MemoryStorage();
  await commit(s, 0, [protocol(), metadata(), add('a')]);
  await commit(s, 1, [add('b')]);
  await commit(s, 2, [add('c')]);
  await jsonCheckpoint(s, 2, [protocol(), metadata(), add('a'), add('b'), add('c')]);
  await commit(s, 3, [add('d')]);
  let seg = await buildLogSegment(s);
  assert.is(seg.checkpoint?.version, 2);
  assert.equal(seg.commits.map((c) => c.version), [3]);
  // Hint pointing at a checkpoint that does not exist.
  await s.write(LAST_CHECKPOINT_PATH, enc('{"version":3,"size":4}'));
  seg = await buildLogSegment(s);
  assert.is(seg.checkpoint?.version, 2);
  // Garbage hint.
  await s.write(LAST_CHECKPOINT_PATH, enc('{"vers'));
  assert.is((await buildLogSegment(s)).checkpoint?.version, 2);
  // Time travel before the checkpoint replays commits from 0.
  seg = await buildLogSegment(s, { version: 1 });
  assert.is(seg.checkpoint, null);
  assert.equal(seg.commits.map((c) => c.version), [0, 1]);
  const snap = await loadSnapshot(s);
  assert.equal(snap.files().map((f) => f.path).sort(), ['a', 'b', 'c', 'd']);
});

test('incomplete multi-part checkpoints are skipped', async () => {
  const s = new MemoryStorage();
  await commit(s, 0, [protocol(), metadata()]);
  await commit(s, 1, [add('b')]);
  const [p1] = multiPartCheckpointPaths(1, 2);
  await s.write(p1, enc('not parquet: never read because part 2 is missing'));
  const seg = await buildLogSegment(s);
  assert.is(seg.checkpoint, null);
  assert.is(seg.commits.length, 2);
});

test('cleaned-up log: versions before the oldest checkpoint are unreachable', async () => {
  const s = new MemoryStorage();
  await jsonCheckpoint(s, 5, [protocol(), metadata(), add('a')]);
  await commit(s, 5, [add('a')]);
  await commit(s, 6, [add('b')]);
  assert.is((await loadSnapshot(s)).version, 6);
  assert.instance(await rejects(() => loadSnapshot(s, { version: 3 }), /version 3/), VersionNotFoundError);
  assert.equal((await listCommits(s)).map((c) => c.version), [5, 6]);
  assert.equal((await listCommits(s, { from: 6 })).map((c) => c.version), [6]);
});

test('time travel by timestamp uses monotonic file times', async () => {
  const s = new MemoryStorage();
  await commit(s, 0, [protocol(), metadata(), add('a')], 1000);
  await commit(s, 1, [add('b')], 2000);
  // Clock skew: v2's mtime is before v1's; it counts as 2001.
  await commit(s, 2, [add('c')], 1500);
  await commit(s, 3, [add('d')], 4000);
  const at = async (t: number) => (await loadSnapshot(s, { timestamp: t })).version;
  assert.is(await at(1000), 0);
  assert.is(await at(1999), 0);
  assert.is(await at(2000), 1);
  assert.is(await at(2001), 2);
  assert.is(await at(3999), 2);
  assert.is(await at(99999), 3);
  assert.is(await at(new Date(2000).toISOString() as unknown as number), 1);
  assert.instance(await rejects(() => loadSnapshot(s, { timestamp: 999 }), /before the earliest available commit/), TimestampOutOfRangeError);
  assert.is((await loadSnapshot(s, { version: 1 })).timestamp, 2000);
});

test('time travel by timestamp uses in-commit timestamps once enabled', async () => {
  const s = new MemoryStorage();
  const ict = (t: number) => ({ commitInfo: { inCommitTimestamp: t, timestamp: t } });
  await commit(s, 0, [protocol(), metadata(), add('a')], 1000);
  await commit(s, 1, [add('b')], 2000);
  // ICT enabled at version 2 (recorded in the metadata), file mtimes now meaningless.
  const md = metadata({
    'delta.enableInCommitTimestamps': 'true',
    'delta.inCommitTimestampEnablementVersion': '2',
    'delta.inCommitTimestampEnablementTimestamp': '5000',
  });
  await commit(s, 2, [ict(5000), md], 1);
  await commit(s, 3, [ict(6000), add('c')], 1);
  await commit(s, 4, [ict(7000), add('d')], 1);
  const at = async (t: number) => (await loadSnapshot(s, { timestamp: t })).version;
  assert.is(await at(1500), 0);
  assert.is(await at(4999), 1);
  assert.is(await at(5000), 2);
  assert.is(await at(6500), 3);
  assert.is(await at(7000), 4);
  assert.is((await loadSnapshot(s, { version: 3 })).timestamp, 6000);
  assert.is((await loadSnapshot(s, { version: 1 })).timestamp, 2000);
});

if (haveFixtures('log-segment fixtures')) {
  test('fixtures: corrupt/stale _last_checkpoint and only-checkpoint tables', async () => {
    const cases: [string, number, number | null][] = [
      // _last_checkpoint is empty: fall back to listing.
      ['delta-golden/corrupted-last-checkpoint-kernel', 11, 10],
      // _last_checkpoint still says 1 but a checkpoint at 3 exists: the newer one wins.
      ['delta-rs/table_failed_last_checkpoint_update', 3, 3],
      ['delta-golden/multi-part-checkpoint', 1, 1],
      ['delta-golden/v2-checkpoint-json', 2, 2],
      ['delta-golden/only-checkpoint-files', 2, 2],
    ];
    for (const [name, version, cp] of cases) {
      const seg = await buildLogSegment(new LocalStorage(join(FIXTURES, name)));
      assert.is(seg.version, version, name);
      assert.is(seg.checkpoint?.version ?? null, cp, name);
    }
  });
}

test.run();
