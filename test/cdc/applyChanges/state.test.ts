// Durable flow state: late events across restarts (tombstones survive a new
// subscription), tombstone garbage collection after the retention threshold
// (a late event then resurrects the key, as in DLT), the SDP two-run example,
// txn idempotency of replayed batches, and TRUNCATE watermarks across runs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { parquetReadObjects } from 'hyparquet';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeltaTable } from '../../../src/delta/table.ts';
import { lastCommittedOffset } from '../../../src/reactive/sinks/lastCommittedOffset.ts';
import { from, lastValueFrom, toArray } from 'rxjs';
import { LocalStorage } from '../../../src/delta/storage/local-storage.ts';
import { applyChanges } from '../../../src/cdc/applyChanges/applyChanges.ts';
import { batchOf, run, targetRows, tempTableDir, usersBatch, usersOptions } from './helpers.ts';

const sdp = new arrow.Schema([
  new arrow.Field('id', new arrow.Int32(), true),
  new arrow.Field('name', new arrow.Utf8(), true),
  new arrow.Field('version', new arrow.Int32(), true),
  new arrow.Field('op', new arrow.Utf8(), true),
]);
const sdpRow = (id: number, name: string, version: number, op: string) => ({ id, name, version, op });

test('SDP two-run SCD1 example: late duplicate ignored, sequence column kept', async () => {
  const dir = tempTableDir('sdp');
  const options = { keys: ['id'], sequenceBy: 'version', applyAsDeletes: "op = 'DELETE'", exceptColumnList: ['op'] };
  await run(dir, [batchOf(sdp, [sdpRow(1, 'alice', 1, 'UPSERT'), sdpRow(2, 'bob', 1, 'UPSERT')])], options);
  assert.equal(await targetRows(dir, ['id', 'name', 'version']), [[1, 'alice', 1], [2, 'bob', 1]]);
  // Run 2 is a new subscription: state comes from the table.
  await run(dir, [batchOf(sdp, [sdpRow(1, 'alicia', 2, 'UPSERT'), sdpRow(2, 'bob', 2, 'DELETE'), sdpRow(3, 'carol', 1, 'UPSERT'), sdpRow(1, 'alice', 1, 'UPSERT')])], options);
  assert.equal(await targetRows(dir, ['id', 'name', 'version']), [[1, 'alicia', 2], [3, 'carol', 1]]);
});

test('a tombstone survives a restart: an older update arriving later is ignored', async () => {
  const dir = tempTableDir('tomb');
  await run(dir, [usersBatch([[7, 'Ana', 'Lima', 'INSERT', 1]]), usersBatch([[7, null, null, 'DELETE', 9]])], usersOptions());
  assert.equal(await targetRows(dir, ['userId']), []);
  const [r] = await run(dir, [usersBatch([[7, 'Ana', 'Cusco', 'UPDATE', 5]])], usersOptions());
  assert.is(r.numIgnoredEvents, 1);
  assert.equal(await targetRows(dir, ['userId']), []);
  // A newer event re-creates the key.
  await run(dir, [usersBatch([[7, 'Ana', 'Quito', 'UPDATE', 10]])], usersOptions());
  assert.equal(await targetRows(dir, ['userId', 'city']), [[7, 'Quito']]);
});

test('tombstones are collected after pipelines.cdc.tombstoneGCThresholdInSeconds; a late event then resurrects the key', async () => {
  const dir = tempTableDir('gc');
  let clock = 1_000_000_000_000;
  const opts = usersOptions({ now: () => clock, properties: { 'pipelines.cdc.tombstoneGCThresholdInSeconds': '60' } });
  await run(dir, [usersBatch([[8, 'Bo', 'Rome', 'INSERT', 1], [9, 'Cy', 'Oslo', 'INSERT', 1]]), usersBatch([[8, null, null, 'DELETE', 9]])], opts);
  clock += 59_000;
  await run(dir, [usersBatch([[8, 'Bo', 'Pisa', 'UPDATE', 5]])], opts);
  assert.equal(await targetRows(dir, ['userId', 'city']), [[9, 'Oslo']], 'within the threshold the tombstone holds');
  clock += 2_000;
  await run(dir, [usersBatch([[8, 'Bo', 'Bari', 'UPDATE', 6]])], opts);
  assert.equal(await targetRows(dir, ['userId', 'city']), [[8, 'Bari'], [9, 'Oslo']], 'after it, the late event resurrects the key');
});

test('a live key remembers its sequence across restarts: an older update is ignored', async () => {
  const dir = tempTableDir('live');
  await run(dir, [usersBatch([[1, 'A', 'X', 'INSERT', 10]])], usersOptions());
  await run(dir, [usersBatch([[1, 'A', 'Y', 'UPDATE', 3]])], usersOptions());
  assert.equal(await targetRows(dir, ['userId', 'city']), [[1, 'X']]);
});

test('TRUNCATE watermark survives a restart: events older than the truncate are ignored', async () => {
  const dir = tempTableDir('trunc');
  const opts = usersOptions({ applyAsTruncates: "operation = 'TRUNCATE'" });
  await run(dir, [usersBatch([[1, 'A', 'X', 'INSERT', 1], [2, 'B', 'Y', 'INSERT', 7], [3, 'C', 'Z', 'INSERT', 2]])], opts);
  await run(dir, [usersBatch([[null, null, null, 'TRUNCATE', 5]])], opts);
  assert.equal(await targetRows(dir, ['userId']), [[2]]);
  await run(dir, [usersBatch([[1, 'A', 'late', 'UPDATE', 4], [3, 'C', 'new', 'UPDATE', 6]])], opts);
  assert.equal(await targetRows(dir, ['userId', 'city']), [[2, 'Y'], [3, 'new']]);
});

test('replayed batch ids are skipped (txn idempotency) and the source offset is recorded', async () => {
  const dir = tempTableDir('txn');
  const batches = [usersBatch([[1, 'A', 'X', 'INSERT', 1]]), usersBatch([[1, 'A', 'Y', 'UPDATE', 2]])];
  const opts = usersOptions({ appId: 'users_flow', batchId: (_b, i) => i, sourceOffset: (b) => ({ rows: b.numRows }) });
  const first = await run(dir, batches, opts);
  assert.equal(first.map((r) => r.skipped), [false, false]);
  const version = (await DeltaTable.open(dir)).version();
  const again = await run(dir, [...batches, usersBatch([[1, 'A', 'Z', 'UPDATE', 3]])], opts);
  assert.equal(again.map((r) => r.skipped), [true, true, false]);
  assert.is((await DeltaTable.open(dir)).version(), version + 1);
  assert.equal(await targetRows(dir, ['userId', 'city']), [[1, 'Z']]);
  const progress = await lastCommittedOffset(dir, 'users_flow');
  assert.equal(progress, { appId: 'users_flow', batchId: 2, sourceOffset: { rows: 1 } });
});

test('state files live under _tributary/ and old ones are removed after compaction', async () => {
  const dir = tempTableDir('files');
  const batches = Array.from({ length: 20 }, (_, i) => usersBatch([[i % 5, 'N', `c${i}`, 'UPDATE', i + 1]]));
  await run(dir, batches, usersOptions({ appId: 'f' }));
  const files = readdirSync(join(dir, '_tributary', 'cdc', 'f'));
  assert.ok(files.length < 16, `${files.length} state files`);
  assert.equal(await targetRows(dir, ['userId', 'city']), [[0, 'c15'], [1, 'c16'], [2, 'c17'], [3, 'c18'], [4, 'c19']]);
});

const keptSeq = (extra = {}) => usersOptions({ exceptColumnList: ['operation'], ...extra });
/** The (key, sequence, rank) entries of a flow's state files, read by independent readers: hyparquet (Parquet) or apache-arrow (IPC). */
async function stateEntries(dir: string, appId = 'apply_changes'): Promise<unknown[][]> {
  const sub = join(dir, '_tributary', 'cdc', appId);
  const out: unknown[][] = [];
  for (const f of readdirSync(sub)) {
    const bytes = readFileSync(join(sub, f));
    const rows: Record<string, unknown>[] = f.endsWith('.parquet')
      ? await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) })
      : [...arrow.tableFromIPC(bytes)].map((r) => r.toJSON());
    for (const r of rows) out.push([r.userId, Number(r.__state_seq), r.__state_rank]);
  }
  return out.sort();
}

test('with the sequence column in the target, state files hold tombstones only', async () => {
  const dir = tempTableDir('tonly');
  await run(dir, [usersBatch([[1, 'A', 'X', 'INSERT', 1], [2, 'B', 'Y', 'INSERT', 2]])], keptSeq());
  assert.equal(readdirSync(dir).includes('_tributary'), false, 'no state for live keys');
  await run(dir, [usersBatch([[2, null, null, 'DELETE', 5], [1, 'A', 'Z', 'UPDATE', 3]])], keptSeq());
  assert.equal(await stateEntries(dir), [[2, 5, 1]]);
  // Late events: older than the live row (key 1) and than the tombstone (key 2) — both ignored after a restart.
  const [r] = await run(dir, [usersBatch([[1, 'A', 'old', 'UPDATE', 2], [2, 'B', 'old', 'UPDATE', 4]])], keptSeq());
  assert.is(r.numIgnoredEvents, 2);
  assert.equal(await targetRows(dir, ['userId', 'city', 'sequenceNum']), [[1, 'Z', 3]]);
});

test('without the sequence column in the target, state files hold every changed key', async () => {
  const dir = tempTableDir('sall');
  await run(dir, [usersBatch([[1, 'A', 'X', 'INSERT', 1], [2, 'B', 'Y', 'INSERT', 2]]), usersBatch([[2, null, null, 'DELETE', 5]])], usersOptions());
  assert.equal(await stateEntries(dir), [[1, 1, 0], [2, 2, 0], [2, 5, 1]]);
});

test('tombstone GC also applies when the sequence column is in the target', async () => {
  const dir = tempTableDir('gct');
  let clock = 1_000_000_000_000;
  const opts = keptSeq({ now: () => clock, properties: { 'pipelines.cdc.tombstoneGCThresholdInSeconds': '60' } });
  await run(dir, [usersBatch([[8, 'Bo', 'Rome', 'INSERT', 1]]), usersBatch([[8, null, null, 'DELETE', 9]])], opts);
  clock += 59_000;
  await run(dir, [usersBatch([[8, 'Bo', 'Pisa', 'UPDATE', 5]])], opts);
  assert.equal(await targetRows(dir, ['userId']), []);
  clock += 2_000;
  await run(dir, [usersBatch([[8, 'Bo', 'Bari', 'UPDATE', 6]])], opts);
  assert.equal(await targetRows(dir, ['userId', 'city']), [[8, 'Bari']]);
});

test('moving the sequence out of the target rows needs a full refresh', async () => {
  const dir = tempTableDir('move');
  await run(dir, [usersBatch([[1, 'A', 'X', 'INSERT', 1]])], keptSeq());
  const err = await run(dir, [usersBatch([[1, 'A', 'Y', 'UPDATE', 2]])], keptSeq({ sequenceBy: 'sequenceNum + 0' })).catch((e: Error) => e);
  assert.instance(err, Error);
  assert.match((err as Error).message, /kept its sequence values in the target rows.*full refresh/);
  assert.equal(await targetRows(dir, ['userId', 'city']), [[1, 'X']]);
});

test('SCD2 history survives a restart: a late event re-cuts intervals', async () => {
  const dir = tempTableDir('scd2r');
  const opts = usersOptions({ storedAs: 2 });
  await run(dir, [usersBatch([[1, 'A', 'X', 'INSERT', 1], [1, 'A', 'Z', 'UPDATE', 10]])], opts);
  await run(dir, [usersBatch([[1, 'A', 'Y', 'UPDATE', 5]])], opts);
  assert.equal(await targetRows(dir, ['userId', 'city', '__START_AT', '__END_AT']), [[1, 'X', 1, 5], [1, 'Y', 5, 10], [1, 'Z', 10, null]]);
});


test('state files are Parquet when every column decodes natively, Arrow IPC otherwise; both are read back after a restart', async () => {
  const schema = new arrow.Schema([
    new arrow.Field('id', new arrow.Int32(), true),
    new arrow.Field('v', new arrow.Utf8(), true),
    new arrow.Field('day', new arrow.Int32(), true),
    new arrow.Field('n', new arrow.Int32(), true),
  ]);
  const rows = (...r: [number, string, number, number][]) => batchOf(schema, r.map(([id, v, day, n]) => ({ id, v, day, n })));
  const kinds = (dir: string) => readdirSync(join(dir, '_tributary', 'cdc', 'apply_changes')).map((f) => f.split('.').pop()).sort();
  // One sequence column: Parquet. Two (struct sequencing): IPC, as the native decoder reads no structs.
  for (const [sequenceBy, kind] of [['day', 'parquet'], [['day', 'n'], 'arrow']] as const) {
    const dir = tempTableDir(`fmt-${kind}`);
    const opts = { keys: ['id'], sequenceBy: typeof sequenceBy === 'string' ? sequenceBy : [...sequenceBy], exceptColumnList: ['day', 'n'] };
    await run(dir, [rows([1, 'a', 5, 5], [2, 'b', 5, 5])], opts);
    assert.equal(kinds(dir), [kind]);
    // A new run reads the state back: older events are ignored, newer ones applied.
    const [r] = await run(dir, [rows([1, 'old', 4, 9], [2, 'new', 6, 0])], opts);
    assert.is(r.numIgnoredEvents, 1, `${kind}: ignored`);
    assert.equal(await targetRows(dir, ['id', 'v']), [[1, 'a'], [2, 'new']]);
  }
});


/** A local storage that records which state files are read. */
class StateReads extends LocalStorage {
  reads: string[] = [];
  private note(path: string) {
    if (path.startsWith('_tributary/')) this.reads.push(path);
  }
  override read(path: string) {
    this.note(path);
    return super.read(path);
  }
  override readRange(path: string, start: number, end: number) {
    this.note(path);
    return super.readRange(path, start, end);
  }
  override readFile<T>(path: string, consume: (fd: number) => Promise<T>) {
    this.note(path);
    return super.readFile(path, consume);
  }
}

test('a batch newer than every state the flow wrote reads no state; an older event makes it read and be ignored', async () => {
  const dir = tempTableDir('newest');
  const storage = new StateReads(dir);
  const runOn = (batches: arrow.RecordBatch[]) => lastValueFrom(from(batches).pipe(applyChanges(storage, usersOptions()), toArray()));
  await runOn([usersBatch([[1, 'A', 'X', 'INSERT', 1], [2, 'B', 'Y', 'INSERT', 2]])]);
  // A new run (nothing in memory) whose batch is newer than all the state: nothing read.
  await runOn([usersBatch([[2, null, null, 'DELETE', 3], [3, 'C', 'Z', 'INSERT', 4]])]);
  assert.equal(storage.reads, [], 'in-order batches read no state');
  // Key 2's tombstone (3) is newer than this late update (2): the state is read and the event ignored.
  const [late] = await runOn([usersBatch([[2, 'B', 'late', 'UPDATE', 2], [1, 'A', 'W', 'UPDATE', 5]])]);
  assert.ok(storage.reads.length > 0, 'a late event reads the state');
  assert.is(late.numIgnoredEvents, 1);
  assert.equal(await targetRows(dir, ['userId', 'city']), [[1, 'W'], [3, 'Z']]);
});

test('a flow over rows it did not write always reads its state', async () => {
  const dir = tempTableDir('adopted');
  const storage = new StateReads(dir);
  // The target has rows before the flow's first batch (written by an earlier flow with another appId).
  await run(dir, [usersBatch([[9, 'I', 'Q', 'INSERT', 50]])], usersOptions({ appId: 'other' }));
  const runOn = (batches: arrow.RecordBatch[]) => lastValueFrom(from(batches).pipe(applyChanges(storage, usersOptions()), toArray()));
  await runOn([usersBatch([[1, 'A', 'X', 'INSERT', 1]])]);
  // A new run (nothing in memory): though newer than all its state, the batch reads it.
  await runOn([usersBatch([[1, 'A', 'Y', 'UPDATE', 2]])]);
  assert.ok(storage.reads.length > 0, 'the second run reads the state of the first');
  assert.equal(await targetRows(dir, ['userId', 'city']), [[1, 'Y'], [9, 'Q']]);
});

test.run();
