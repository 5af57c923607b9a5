// TargetRows: where a batch's keys are in the target, found by probing key
// pages, must be exactly what decoding every file's key column and looking
// each key up finds — across several files, deletion vectors, files pruned by
// their statistics, NULL keys (null-safe), and keys shared by several events.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { TargetRows } from '../../../src/cdc/applyChanges/targetRows.ts';
import { KeyGroups } from '../../../src/cdc/applyChanges/keyGroups.ts';
import { compositeReader, keyReader, type KeyValue } from '../../../src/cdc/merge/keys.ts';
import { merge } from '../../../src/cdc/merge/merge.ts';
import { scanFileRows } from '../../../src/delta/scan-file.ts';
import { DeltaTable } from '../../../src/delta/table.ts';
import { tempTableDir } from './helpers.ts';

const schema = new arrow.Schema([new arrow.Field('id', new arrow.Int64(), true), new arrow.Field('v', new arrow.Utf8(), true)]);
const batch = (ids: (bigint | null)[], v = 'x') =>
  new arrow.RecordBatch(schema, arrow.makeData({
    type: new arrow.Struct(schema.fields),
    length: ids.length,
    nullCount: 0,
    children: [arrow.vectorFromArray(ids, new arrow.Int64()).data[0], arrow.vectorFromArray(ids.map(() => v), new arrow.Utf8()).data[0]],
  }));
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => BigInt(from + i));

test('located rows are the rows whose key the batch has, per file, live rows only', async () => {
  const dir = tempTableDir('located');
  const table = await DeltaTable.create(dir, { schema, properties: { 'delta.enableDeletionVectors': 'true' } });
  // Three files with disjoint key ranges (statistics prune), one with a NULL key.
  await table.append(batch(range(0, 1000)));
  await table.append(batch([...range(1000, 2000), null]));
  await table.append(batch(range(5000, 6000)));
  // Deletion vectors on the first file.
  await merge(table, batch(range(0, 1000).filter((i) => i % 7n === 0n)), { on: ['id'], whenMatched: [{ delete: true }], mode: 'deletion-vectors' });
  const snapshot = table.snapshot;
  assert.ok(snapshot.files().some((a) => a.deletionVector), 'a file carries a deletion vector');

  // Events: some keys twice, a NULL key, keys absent from the target; none in the third file's range.
  const events = batch([7n, 8n, 8n, 14n, 999n, 1500n, null, 3000n, 1500n, 20n]);
  const changes = { rows: events, seq: events.data.children[0], order: [], kind: new Uint8Array(events.numRows) } as never;
  const groups = KeyGroups.of(changes, ['id']);
  const located = TargetRows.start(table.storage, snapshot, ['id'], groups)!;
  assert.ok(located);
  // A NULL key may sit in any file; without one, a file whose statistics exclude every key is not probed.
  assert.is(located.files.length, 3);
  const noNull = batch([7n, 1500n]);
  const noNullChanges = { rows: noNull, seq: noNull.data.children[0], order: [], kind: new Uint8Array(2) } as never;
  assert.is(TargetRows.start(table.storage, snapshot, ['id'], KeyGroups.of(noNullChanges, ['id']))!.files.length, 2);

  // The reference: every key decoded and looked up among the events (first event row per key).
  const eventKey = compositeReader([keyReader(events.data.children[0])], true);
  const firstOf = new Map<KeyValue, number>();
  for (let i = events.numRows - 1; i >= 0; i--) firstOf.set(eventKey(i)!, i);
  for (const add of snapshot.files()) {
    const { data, rowIndexes } = await scanFileRows(table.storage, snapshot, add, ['id']);
    const key = compositeReader([keyReader(data.batches[0].data.children[0])], true);
    const want: [number, number][] = [];
    for (let i = 0; i < data.numRows; i++) {
      const f = firstOf.get(key(i)!);
      if (f !== undefined) want.push([rowIndexes[i], f]);
    }
    const got = await located.of(add);
    assert.ok(got, `${add.path} located`);
    const live: [number, number][] = [];
    for (let i = 0; i < got.rows.length; i++) if (!got.deleted.includes(got.rows[i])) live.push([got.rows[i], got.first[i]]);
    assert.equal(live, want, add.path);
    assert.is(got.live, data.numRows);
  }
});

test('no located rows for several key columns or a partition key', async () => {
  const dir = tempTableDir('located-none');
  const table = await DeltaTable.create(dir, { schema, partitionBy: ['v'] });
  await table.append(batch(range(0, 10)));
  const changes = { rows: batch([1n]), seq: batch([1n]).data.children[0], order: [], kind: new Uint8Array(1) } as never;
  assert.is(TargetRows.start(table.storage, table.snapshot, ['id', 'v'], KeyGroups.of(changes, ['id', 'v'])), null);
  assert.is(TargetRows.start(table.storage, table.snapshot, ['v'], KeyGroups.of(changes, ['v'])), null);
});

test.run();
