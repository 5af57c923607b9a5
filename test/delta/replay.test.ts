import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import type { Action } from '../../src/delta/actions.ts';
import { deletionVectorUniqueId, fileKey, replay } from '../../src/delta/replay.ts';
import { loadSnapshot } from '../../src/delta/snapshot.ts';
import { LocalStorage, MemoryStorage } from '../../src/delta/storage/index.ts';
import { FIXTURES, haveFixtures } from './helpers.ts';
import { add, commit, jsonCheckpoint, metadata, protocol, remove } from './log-fixtures.ts';

const dv = (id: string) => ({ storageType: 'u' as const, pathOrInlineDv: id, offset: 1, sizeInBytes: 10, cardinality: 1 });

test('DV unique ids follow PROTOCOL.md derived fields', () => {
  assert.is(deletionVectorUniqueId({ storageType: 'u', pathOrInlineDv: 'abc', offset: 4, sizeInBytes: 1, cardinality: 1 }), 'uabc@4');
  assert.is(deletionVectorUniqueId({ storageType: 'i', pathOrInlineDv: 'xyz', sizeInBytes: 1, cardinality: 1 }), 'ixyz');
  assert.is(fileKey({ path: 'p' }), 'p');
  assert.is.not(fileKey({ path: 'p', deletionVector: dv('a') }), fileKey({ path: 'p', deletionVector: dv('b') }));
});

test('newest action wins; remove hides older add; re-add after remove is live', () => {
  const newestFirst: Action[][] = [
    [add('c'), remove('a', { deletionTimestamp: 30 })],
    [{ protocol: { minReaderVersion: 1, minWriterVersion: 3 } }, add('a')],
    [remove('a', { deletionTimestamp: 10 }), remove('b', { deletionTimestamp: 11 })],
  ];
  const checkpoint = [protocol(), metadata(), add('a'), add('b')];
  const state = replay(newestFirst, checkpoint, 't');
  assert.equal([...state.files.keys()].sort(), ['c']);
  assert.equal([...state.tombstones.values()].map((r) => [r.path, r.deletionTimestamp]).sort(), [['a', 30], ['b', 11]]);
  assert.is(state.protocol.minWriterVersion, 3); // latest protocol
});

test('tombstones are kept without the stats a writer copied onto them; live files keep theirs', () => {
  const stats = '{"numRecords":3,"minValues":{"id":1},"maxValues":{"id":3},"nullCount":{"id":0}}';
  const state = replay(
    [[remove('a', { deletionTimestamp: 30, stats, size: 7, deletionVector: dv('x') }), remove('b', { deletionTimestamp: 31 })]],
    [protocol(), metadata(), add('c', { stats })],
    't',
  );
  const a = [...state.tombstones.values()].find((r) => r.path === 'a')!;
  assert.equal(a, (remove('a', { deletionTimestamp: 30, size: 7, deletionVector: dv('x') }) as { remove: unknown }).remove);
  assert.not.ok('stats' in a);
  assert.is([...state.files.values()][0].stats, stats);
});

test('file identity includes the deletion vector', () => {
  // v1: file with DV a; v2: DELETE more rows → remove (p, a) + add (p, b)
  const state = replay([[remove('p', { deletionVector: dv('a') }), add('p', { deletionVector: dv('b') })], [add('p', { deletionVector: dv('a') })]], [protocol(), metadata()], 't');
  assert.is(state.files.size, 1);
  assert.is([...state.files.values()][0].deletionVector?.pathOrInlineDv, 'b');
  assert.is(state.tombstones.size, 1);
});

test('txn per appId, domain metadata with removals, commitInfo not state', () => {
  const state = replay(
    [
      [{ txn: { appId: 'app', version: 7 } }, { domainMetadata: { domain: 'd1', configuration: '{}', removed: true } }, { commitInfo: { operation: 'WRITE' } }],
      [{ txn: { appId: 'app', version: 3 } }, { txn: { appId: 'other', version: 1 } }, { domainMetadata: { domain: 'd1', configuration: '{"a":1}', removed: false } }],
    ],
    [protocol(), metadata(), { domainMetadata: { domain: 'd2', configuration: 'x', removed: false } }],
    't',
  );
  assert.is(state.txns.get('app')?.version, 7);
  assert.is(state.txns.get('other')?.version, 1);
  assert.equal([...state.domains.keys()], ['d2']);
  assert.is(state.latestCommitInfo?.operation, 'WRITE');
});

test('missing protocol or metadata is a clear error', () => {
  assert.throws(() => replay([[add('a')]], [], '/t'), /\/t has no protocol action/);
  assert.throws(() => replay([[protocol()]], [], '/t'), /\/t has no metaData action/);
});

test('a 1000-commit log with a checkpoint opens in well under a second', async () => {
  const s = new MemoryStorage();
  const all: Action[] = [protocol(), metadata()];
  await commit(s, 0, [protocol(), metadata(), add('f0')]);
  all.push(add('f0'));
  for (let v = 1; v < 1000; v++) {
    const actions = [add(`f${v}`), { txn: { appId: 'stream', version: v } } as Action, { commitInfo: { operation: 'WRITE' } } as Action];
    if (v % 10 === 0) actions.push(remove(`f${v - 5}`));
    await commit(s, v, actions);
    if (v === 900) {
      // Checkpoint state at 900, reconciled independently of replay(): live files only.
      const live = new Set(Array.from({ length: 901 }, (_, i) => `f${i}`));
      for (let r = 10; r <= 900; r += 10) live.delete(`f${r - 5}`);
      await jsonCheckpoint(s, 900, [protocol(), metadata(), ...[...live].map((p) => add(p)), { txn: { appId: 'stream', version: 900 } }]);
    }
  }
  const t0 = performance.now();
  const snap = await loadSnapshot(s);
  const ms = performance.now() - t0;
  assert.is(snap.version, 999);
  assert.is(snap.logSegment.checkpoint?.version, 900);
  assert.is(snap.numFiles, 1000 - 99);
  assert.is(snap.txnVersion('stream'), 999);
  assert.ok(ms < 500, `took ${ms.toFixed(0)} ms`);
  // Without the checkpoint: every commit replayed, still fast.
  const t1 = performance.now();
  const v899 = await loadSnapshot(s, { version: 899 });
  const ms2 = performance.now() - t1;
  assert.is(v899.numFiles, 900 - 89);
  assert.ok(ms2 < 1000, `full replay took ${ms2.toFixed(0)} ms`);
});

if (haveFixtures('replay fixtures')) {
  test('fixtures: log-replay-dv-key-cases and latest metadata/protocol', async () => {
    const dvCases = await loadSnapshot(new LocalStorage(join(FIXTURES, 'delta-golden/log-replay-dv-key-cases')));
    // Its log (read by eye): every commit re-adds the same path with a new DV and
    // removes the (path, old DV) pair — one live file, three tombstones.
    assert.is(dvCases.numFiles, 1);
    assert.is(dvCases.tombstones().length, 3);
    assert.ok(dvCases.files()[0].deletionVector);
    const latest = await loadSnapshot(new LocalStorage(join(FIXTURES, 'delta-golden/log-replay-latest-metadata-protocol')));
    assert.is(latest.protocol.minReaderVersion, 3);
    assert.is(latest.version, 2);
  });
}

test.run();
