// MERGE against concurrent commits, by Delta's conflict rules: a concurrent
// blind append is compatible under WriteSerializable, not under Serializable
// where the merge read; a concurrent delete of a file the merge read always
// conflicts; a lost race leaves the table as the winner made it (the merge's
// files removed again). And txn idempotence: one commit per (appId, version).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { merge } from '../../../src/cdc/index.ts';
import { ConcurrentAppendError, ConcurrentDeleteReadError } from '../../../src/delta/conflict-checker.ts';
import { DeltaTable } from '../../../src/delta/table.ts';
import { LocalStorage } from '../../../src/delta/storage/local-storage.ts';
import type { FileMeta, Storage } from '../../../src/delta/storage/storage.ts';
import { listFiles, oracleMerge, ourRows, randomRow, randomSource, randomTable, rng, tempDir, toArrow, type Row } from './helpers.ts';

/** Local storage that runs `race` once, just before the first commit file is written through it. */
class RacingStorage implements Storage {
  private readonly inner: LocalStorage;
  private race: (() => Promise<void>) | null;
  constructor(root: string, race: () => Promise<void>) {
    this.inner = new LocalStorage(root);
    this.race = race;
  }
  get root(): string {
    return this.inner.root;
  }
  read(p: string): Promise<Uint8Array | null> {
    return this.inner.read(p);
  }
  readRange(p: string, s: number, e: number): Promise<Uint8Array> {
    return this.inner.readRange(p, s, e);
  }
  head(p: string): Promise<FileMeta | null> {
    return this.inner.head(p);
  }
  write(p: string, d: Uint8Array): Promise<void> {
    return this.inner.write(p, d);
  }
  async putIfAbsent(p: string, d: Uint8Array): Promise<boolean> {
    if (this.race && p.startsWith('_delta_log/') && p.endsWith('.json')) {
      const race = this.race;
      this.race = null;
      await race();
    }
    return this.inner.putIfAbsent(p, d);
  }
  list(p: string): Promise<FileMeta[]> {
    return this.inner.list(p);
  }
  listFrom(d: string, s: string): Promise<FileMeta[]> {
    return this.inner.listFrom(d, s);
  }
  delete(p: string): Promise<void> {
    return this.inner.delete(p);
  }
}

const upsert = { on: ['id'], whenMatched: [{ update: '*' as const }], whenNotMatched: [{ insert: '*' as const }] };
const upsertSql = `MERGE INTO tgt AS target USING src AS source ON target.id = source.id
  WHEN MATCHED THEN UPDATE SET part = source.part, v = source.v, s = source.s, amt = source.amt
  WHEN NOT MATCHED THEN INSERT (id, part, v, s, amt) VALUES (source.id, source.part, source.v, source.s, source.amt)`;

function newRows(seed: number, ids: number[], part: string): Row[] {
  const r = rng(seed);
  return ids.map((id) => ({ ...randomRow(r, id), part }));
}

test('a concurrent blind append does not conflict under WriteSerializable: both land', async () => {
  const dir = tempDir();
  const { rows } = await randomTable(dir, { partitioned: true, seed: 71, appends: 2, rows: 60 });
  const source = randomSource(rows, 72, 15);
  const appended = newRows(73, [10001, 10003], 'a');
  const table = await DeltaTable.open(new RacingStorage(dir, async () => void (await (await DeltaTable.open(dir)).append(toArrow(appended)))));
  const r = await merge(table, toArrow(source, true), upsert);
  assert.is(r.version, 4, 'committed after the concurrent append (version 3)');
  const expected = await oracleMerge([...rows, ...appended], source, upsertSql);
  assert.equal(await ourRows(await DeltaTable.open(dir)), expected);
});

test('under Serializable, a concurrent append where the merge read conflicts; the table stays as the winner left it', async () => {
  const dir = tempDir();
  const { rows } = await randomTable(dir, { partitioned: true, seed: 81, appends: 2, rows: 60, properties: { 'delta.isolationLevel': 'Serializable' } });
  const source = randomSource(rows, 82, 15).map((x) => ({ ...x, part: 'a' }));
  const appended = newRows(83, [20001], 'a');
  const beforeMerge = listFiles(dir);
  let racedIn: string[] = [];
  const table = await DeltaTable.open(
    new RacingStorage(dir, async () => {
      const pre = new Set(listFiles(dir));
      await (await DeltaTable.open(dir)).append(toArrow(appended));
      racedIn = listFiles(dir).filter((f) => !pre.has(f));
    }),
  );
  try {
    await merge(table, toArrow(source, true), { ...upsert, on: 'target.id = source.id AND target.part = source.part' });
    assert.unreachable('the merge should lose');
  } catch (err) {
    assert.instance(err, ConcurrentAppendError);
  }
  const now = await DeltaTable.open(dir);
  assert.is(now.version(), 3);
  assert.equal(listFiles(dir), [...new Set([...beforeMerge, ...racedIn])].sort(), "the merge's data files were deleted again");
  assert.equal(await ourRows(now), await oracleMerge([...rows, ...appended], [], 'SELECT 1'));
});

test('under Serializable, an append to a partition the merge did not read is compatible', async () => {
  const dir = tempDir();
  const { rows } = await randomTable(dir, { partitioned: true, seed: 91, appends: 2, rows: 60, properties: { 'delta.isolationLevel': 'Serializable' } });
  const source = randomSource(rows.filter((x) => x.part === 'a'), 92, 10).map((x) => ({ ...x, part: 'a' }));
  const appended = newRows(93, [30001], 'b');
  const table = await DeltaTable.open(new RacingStorage(dir, async () => void (await (await DeltaTable.open(dir)).append(toArrow(appended)))));
  const r = await merge(table, toArrow(source, true), { ...upsert, on: 'target.id = source.id AND target.part = source.part' });
  assert.is(r.version, 4);
});

test('a concurrent delete of a file the merge read conflicts', async () => {
  const dir = tempDir();
  const { rows } = await randomTable(dir, { partitioned: true, seed: 101, appends: 2, rows: 60 });
  const source = randomSource(rows, 102, 15);
  const table = await DeltaTable.open(new RacingStorage(dir, async () => void (await (await DeltaTable.open(dir)).overwrite(toArrow([]), { replaceWhere: "part = 'a'" }))));
  try {
    await merge(table, toArrow(source, true), upsert);
    assert.unreachable('the merge should lose');
  } catch (err) {
    assert.instance(err, ConcurrentDeleteReadError);
  }
  assert.is((await DeltaTable.open(dir)).version(), 3);
});

test('txn: a merge runs once per (appId, version); a merge that changes nothing still records its txn', async () => {
  const dir = tempDir();
  const { table, rows } = await randomTable(dir, { seed: 111, appends: 1, rows: 20 });
  const source = toArrow(randomSource(rows, 112, 5), true);
  const r1 = await merge(table, source, { ...upsert, txn: { appId: 'cdc', version: 7 } });
  assert.is(r1.skipped, false);
  const r2 = await merge(table, source, { ...upsert, txn: { appId: 'cdc', version: 7 } });
  assert.is(r2.skipped, true);
  assert.is(r2.version, r1.version);
  const r3 = await merge(table, source, { ...upsert, txn: { appId: 'cdc', version: 6 } });
  assert.is(r3.skipped, true, 'an older batch is skipped too');
  const empty = toArrow([], true);
  const r4 = await merge(table, empty, { ...upsert, txn: { appId: 'cdc', version: 8 } });
  assert.is(r4.skipped, false);
  assert.is(r4.version, r1.version + 1);
  await table.refresh();
  assert.is(table.snapshot.txnVersion('cdc'), 8);
  const [h] = await table.history(1);
  assert.is(h.operation, 'MERGE');
  assert.is((h.operationMetrics as Record<string, string>).numSourceRows, '0');
});

test.run();
