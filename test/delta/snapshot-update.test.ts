// Incremental snapshots: Snapshot.update (replay only the commits after a
// version), Snapshot.advance (apply the commit just written, no log read) and
// DeltaTable's write path built on them must give exactly the state a fresh
// loadSnapshot gives — across appends, overwrites, replaceWhere, idempotent
// txns, checkpoints, another writer's commits and cleaned-up logs. DuckDB
// reads the data files at the end.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DeltaTable } from '../../src/delta/table.ts';
import { loadSnapshot, type Snapshot } from '../../src/delta/snapshot.ts';
import { LocalStorage } from '../../src/delta/storage/local-storage.ts';
import { expectedRows, tableRowsViaDuckDB, tempTableDir } from './write-helpers.ts';

const schema = new arrow.Schema([
  new arrow.Field('id', new arrow.Int64(), false),
  new arrow.Field('country', new arrow.Utf8(), true),
]);
const COLS = ['id', 'country'];
type Row = { id: bigint; country: string };

function batch(rows: Row[]): arrow.Table {
  return new arrow.Table({
    id: arrow.vectorFromArray(rows.map((r) => r.id), new arrow.Int64()),
    country: arrow.vectorFromArray(rows.map((r) => r.country), new arrow.Utf8()),
  });
}
const rowsOf = (from: number, n: number, country: string): Row[] => Array.from({ length: n }, (_, i) => ({ id: BigInt(from + i), country }));

/** A canonical, order-free rendering of everything a snapshot exposes. */
function state(s: Snapshot) {
  const sorted = <T extends { path: string }>(xs: T[]) => xs.map((x) => JSON.stringify(x)).sort();
  // Representation, not state: in-memory actions may carry undefined fields a
  // commit file cannot, checkpoint rows carry explicit nulls for absent fields,
  // and a checkpoint restates every add with dataChange = false.
  const plain = (x: unknown) =>
    JSON.parse(JSON.stringify(x ?? null), (k, v: unknown) => (v === null && k !== '' ? undefined : k === 'dataChange' ? 'any' : v)) as unknown;
  return {
    version: s.version,
    protocol: plain(s.protocol),
    metadata: plain(s.metadata),
    partitionColumns: s.partitionColumns,
    files: sorted(plain(s.files()) as { path: string }[]),
    numFiles: s.numFiles,
    // Classic checkpoints keep no remove.stats.
    tombstones: sorted((plain(s.tombstones()) as { path: string; stats?: string }[]).map(({ stats: _s, ...r }) => r)),
    txns: (plain(s.txns()) as { appId: string }[]).sort((a, b) => a.appId.localeCompare(b.appId)),
    domains: plain(s.domainMetadata()),
    timestamp: s.timestamp,
    schema: s.arrowSchema.fields.map((f) => `${f.name}:${f.type}`),
  };
}

async function assertFresh(storage: LocalStorage, s: Snapshot, label: string): Promise<void> {
  const fresh = await loadSnapshot(storage, { version: s.version });
  assert.equal(state(s), state(fresh), `${label}: incremental snapshot differs from a fresh load of version ${s.version}`);
}

test('DeltaTable writes advance the snapshot exactly as a fresh load, with another writer in between', async () => {
  const dir = tempTableDir('upd');
  const storage = new LocalStorage(dir);
  const a = await DeltaTable.create(dir, { schema, partitionBy: ['country'], properties: { 'delta.checkpointInterval': '3' } });
  const b = await DeltaTable.open(dir);
  const expected = new Map<string, Row>();
  const put = (rows: Row[]) => rows.forEach((r) => expected.set(String(r.id), r));

  let r = await a.append(batch(rowsOf(0, 5, 'US')), { txn: { appId: 'app', version: 1 } });
  put(rowsOf(0, 5, 'US'));
  assert.is(a.version(), r.version);
  await assertFresh(storage, a.snapshot, 'after append');

  // The other handle commits twice; a's next write must see both.
  await b.append(batch(rowsOf(100, 3, 'FR')));
  await b.append(batch(rowsOf(200, 3, 'DE')));
  put([...rowsOf(100, 3, 'FR'), ...rowsOf(200, 3, 'DE')]);
  r = await a.append(batch(rowsOf(300, 2, 'US')));
  put(rowsOf(300, 2, 'US'));
  assert.is(r.version, 4);
  assert.ok(r.checkpoint === undefined, 'no checkpoint at version 4 with interval 3');
  await assertFresh(storage, a.snapshot, 'after append over another writer');

  // replaceWhere on a partition: removes become tombstones.
  r = await a.overwrite(batch(rowsOf(400, 2, 'FR')), { replaceWhere: "country = 'FR'" });
  for (const [k, v] of expected) if (v.country === 'FR') expected.delete(k);
  put(rowsOf(400, 2, 'FR'));
  assert.is(r.version, 5);
  await assertFresh(storage, a.snapshot, 'after replaceWhere');

  // Idempotent txn skipped: the snapshot still moves to the latest version.
  await b.append(batch(rowsOf(500, 1, 'DE')));
  put(rowsOf(500, 1, 'DE'));
  r = await a.append(batch(rowsOf(999, 1, 'US')), { txn: { appId: 'app', version: 1 } });
  assert.ok(r.skipped);
  assert.is(a.version(), 6);
  await assertFresh(storage, a.snapshot, 'after a skipped txn');

  // Crosses the checkpoint at 6? No: the next commit is 7; then 8, 9 (checkpoint).
  for (let i = 0; i < 3; i++) {
    r = await a.append(batch(rowsOf(600 + i * 10, 2, 'DE')), { txn: { appId: 'app', version: 2 + i } });
    put(rowsOf(600 + i * 10, 2, 'DE'));
  }
  assert.is(r.version, 9);
  assert.ok(r.checkpoint, 'checkpoint at version 9');
  assert.is(a.snapshot.logSegment.checkpoint?.version, 9, 'the handle now replays from its own checkpoint');
  assert.is(a.snapshot.logSegment.commits.length, 0);
  await assertFresh(storage, a.snapshot, 'after a checkpoint');

  // Full overwrite: every file becomes a tombstone.
  r = await a.overwrite(batch(rowsOf(700, 4, 'US')));
  expected.clear();
  put(rowsOf(700, 4, 'US'));
  await assertFresh(storage, a.snapshot, 'after overwrite');
  assert.is(a.snapshot.txnVersion('app'), 4);

  // b is stale by many versions and a checkpoint; refresh() follows the log from its version.
  const stale = b.snapshot;
  await b.refresh();
  assert.is.not(b.snapshot, stale);
  assert.is(b.version(), a.version());
  await assertFresh(storage, b.snapshot, 'refreshed stale handle');
  assert.is(b.snapshot.logSegment.checkpoint?.version, 9, 'update picked up the newer checkpoint');

  // Independent reader: DuckDB reads the files the incremental snapshot lists.
  const got = await tableRowsViaDuckDB(dir, a.snapshot, COLS);
  assert.equal(got, expectedRows([...expected.values()], COLS));
});

test('Snapshot.update returns the same snapshot when nothing was committed, and loadSnapshot({ from }) delegates to it', async () => {
  const dir = tempTableDir('same');
  const storage = new LocalStorage(dir);
  const t = await DeltaTable.create(dir, { schema });
  await t.append(batch(rowsOf(0, 2, 'US')));
  const s = await loadSnapshot(storage);
  assert.is(await s.update(storage), s);
  assert.is(await loadSnapshot(storage, { from: s }), s);
  await t.append(batch(rowsOf(10, 2, 'US')));
  const next = await loadSnapshot(storage, { from: s });
  assert.is(next.version, s.version + 1);
  assert.is(s.version, 1, 'the old snapshot is unchanged');
  assert.is(s.numFiles, 1);
  await assertFresh(storage, next, 'loadSnapshot from');
  // A version or timestamp wins over `from`.
  assert.is((await loadSnapshot(storage, { from: next, version: 0 })).version, 0);
});

test('Snapshot.update falls back to a full load when the commits after it were cleaned up', async () => {
  const dir = tempTableDir('cleaned');
  const storage = new LocalStorage(dir);
  const t = await DeltaTable.create(dir, { schema, properties: { 'delta.checkpointInterval': '4' } });
  const old = await loadSnapshot(storage); // version 0
  for (let i = 0; i < 6; i++) await t.append(batch(rowsOf(i * 10, 1, 'US')));
  // Log cleanup: commits before the checkpoint at 4 are gone.
  const log = join(dir, '_delta_log');
  for (const f of readdirSync(log)) {
    const m = /^(\d{20})\.json$/.exec(f);
    if (m && Number(m[1]) < 4) rmSync(join(log, f));
  }
  const s = await old.update(storage);
  assert.is(s.version, 6);
  assert.is(s.numFiles, 6);
  await assertFresh(storage, s, 'after cleanup');
});

test('Snapshot.advance refuses commits that do not follow its version; update refuses another table', async () => {
  const dir = tempTableDir('adv');
  const storage = new LocalStorage(dir);
  await DeltaTable.create(dir, { schema });
  const s = await loadSnapshot(storage);
  const file = { path: '_delta_log/00000000000000000005.json', size: 1, modificationTime: 0 };
  assert.throws(() => s.advance([{ version: 5, actions: [], file }]), /must follow it in order/);
  assert.is(s.advance([]), s);
  const other = new LocalStorage(tempTableDir('other'));
  try {
    await s.update(other);
    assert.unreachable('update from another location must throw');
  } catch (err) {
    assert.match((err as Error).message, /another location/);
  }
});

test.run();
