// AUTO CDC FROM SNAPSHOT (spec §4): vectors S1 (periodic, SCD2) and S2
// (historical snapshots via a version function, SCD2 with an untracked
// column), the SCD1 result (the last snapshot), restart from the recorded
// version, and out-of-order versions refused.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { from, lastValueFrom, toArray } from 'rxjs';
import { DeltaTable } from '../../../src/delta/table.ts';
import { applyChangesFromSnapshot, applyChangesFromSnapshots, type SnapshotData } from '../../../src/cdc/applyChanges/fromSnapshot.ts';
import { batchOf, targetRows, tempTableDir, duckRows } from './helpers.ts';
import { loadSnapshot } from '../../../src/delta/snapshot.ts';
import { LocalStorage } from '../../../src/delta/storage/local-storage.ts';
import { fromAddPath } from '../../../src/delta/partition-values.ts';
import { join } from 'node:path';

const kv = new arrow.Schema([new arrow.Field('Key', new arrow.Int32(), true), new arrow.Field('Value', new arrow.Utf8(), true)]);

test('S1: periodic snapshots, SCD2, versions are ingestion timestamps', async () => {
  const dir = tempTableDir('s1');
  const t0 = new Date('2024-01-01T00:00:00Z');
  const t1 = new Date('2024-01-01T12:00:00Z');
  const snaps = [batchOf(kv, [{ Key: 1, Value: 'a1' }, { Key: 2, Value: 'a2' }]), batchOf(kv, [{ Key: 2, Value: 'b2' }, { Key: 3, Value: 'a3' }])];
  const times = [t0, t1];
  await lastValueFrom(from(snaps).pipe(applyChangesFromSnapshot(dir, { keys: ['Key'], storedAs: 2, version: (_s, i) => times[i] }), toArray()));
  // DuckDB renders timestamps as text; compare the epoch micros instead.
  const snapshot = await loadSnapshot(new LocalStorage(dir));
  const rows: unknown[][] = [];
  for (const add of snapshot.files()) {
    const f = join(dir, fromAddPath(add.path));
    for (const r of await duckRows(`SELECT Key, Value, epoch_us(__START_AT) AS s, epoch_us(__END_AT) AS e FROM read_parquet('${f}')`)) rows.push([r.Key, r.Value, r.s, r.e]);
  }
  const us = (d: Date) => String(d.getTime() * 1000);
  rows.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  assert.equal(rows, [
    [1, 'a1', us(t0), us(t1)],
    [2, 'a2', us(t0), us(t1)],
    [2, 'b2', us(t1), null],
    [3, 'a3', us(t1), null],
  ].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))));
  const type = (await DeltaTable.open(dir)).schema().fields.find((f) => f.name === '__START_AT')!.type;
  assert.ok(arrow.DataType.isTimestamp(type));
});

const s2 = new arrow.Schema([
  new arrow.Field('Key', new arrow.Int32(), true),
  new arrow.Field('TrackingColumn', new arrow.Utf8(), true),
  new arrow.Field('NonTrackingColumn', new arrow.Utf8(), true),
]);
const files: SnapshotData[] = [
  batchOf(s2, [{ Key: 1, TrackingColumn: 'a1', NonTrackingColumn: 'b1' }, { Key: 2, TrackingColumn: 'a2', NonTrackingColumn: 'b2' }, { Key: 4, TrackingColumn: 'a4', NonTrackingColumn: 'b4' }]),
  batchOf(s2, [{ Key: 2, TrackingColumn: 'a2_new', NonTrackingColumn: 'b2' }, { Key: 3, TrackingColumn: 'a3', NonTrackingColumn: 'b3' }, { Key: 4, TrackingColumn: 'a4', NonTrackingColumn: 'b4_new' }]),
];
const nextFile = (latest: number | null) => {
  const v = (latest ?? 0) + 1;
  return v <= files.length ? { snapshot: files[v - 1], version: v } : null;
};

test('S2: historical snapshots via a version function, SCD2 with an untracked column', async () => {
  const dir = tempTableDir('s2');
  const seen: (number | null)[] = [];
  const results = await applyChangesFromSnapshots(dir, (latest: number | null) => { seen.push(latest); return nextFile(latest); }, { keys: ['Key'], storedAs: 2, trackHistoryExceptColumnList: ['NonTrackingColumn'] });
  assert.equal(seen, [null, 1, 2]);
  assert.equal(results.map((r) => [r.numInserted, r.numUpdated, r.numDeleted]), [[3, 0, 0], [1, 2, 1]]);
  assert.equal(await targetRows(dir, ['Key', 'TrackingColumn', 'NonTrackingColumn', '__START_AT', '__END_AT']), [
    [1, 'a1', 'b1', '1', '2'],
    [2, 'a2', 'b2', '1', '2'],
    [2, 'a2_new', 'b2', '2', null],
    [3, 'a3', 'b3', '2', null],
    [4, 'a4', 'b4_new', '1', null],
  ]);
  // A restart continues after the recorded version: nothing more to do.
  const again: (number | null)[] = [];
  const more = await applyChangesFromSnapshots(dir, (latest: number | null) => { again.push(latest); return nextFile(latest); }, { keys: ['Key'], storedAs: 2, trackHistoryExceptColumnList: ['NonTrackingColumn'] });
  assert.equal(again, [2]);
  assert.is(more.length, 0);
});

test('SCD1 from snapshots is the last snapshot; unchanged rows are not rewritten', async () => {
  const dir = tempTableDir('s1scd1');
  const results = await applyChangesFromSnapshots(dir, nextFile, { keys: ['Key'] });
  assert.equal(results[1].numUpdated, 2);
  assert.equal(await targetRows(dir, ['Key', 'TrackingColumn', 'NonTrackingColumn']), [[2, 'a2_new', 'b2'], [3, 'a3', 'b3'], [4, 'a4', 'b4_new']]);
});

test('an out-of-order snapshot version is refused, the table keeps what was applied', async () => {
  const dir = tempTableDir('s2ooo');
  const versions = [2, 1];
  let i = 0;
  const err = await applyChangesFromSnapshots(dir, () => (i < 2 ? { snapshot: files[i], version: versions[i++] } : null), { keys: ['Key'] }).catch((e: Error) => e);
  assert.instance(err, Error);
  assert.match((err as Error).message, /snapshot version 1 is not greater than the last applied version 2/);
  assert.equal(await targetRows(dir, ['Key']), [[1], [2], [4]]);
});

test('duplicate keys in a snapshot are refused', async () => {
  const dir = tempTableDir('s2dup');
  const err = await applyChangesFromSnapshots(dir, (l: number | null) => (l === null ? { snapshot: batchOf(kv, [{ Key: 1, Value: 'x' }, { Key: 1, Value: 'y' }]), version: 1 } : null), { keys: ['Key'] }).catch((e: Error) => e);
  assert.match((err as Error).message, /holds Key=1 twice/);
});

test.run();
