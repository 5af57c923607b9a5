// Bad input to MERGE: clear errors naming the table and the column or value,
// and the table exactly as before (same version, no new files on disk).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { merge, MergeError } from '../../../src/cdc/index.ts';
import type { MergeOptions } from '../../../src/cdc/index.ts';
import { DeltaTable } from '../../../src/delta/table.ts';
import { listFiles, randomSource, randomTable, tempDir, toArrow, type SourceRow } from './helpers.ts';

async function expectUntouched(options: MergeOptions, source: arrow.Table | ((rows: SourceRow[]) => arrow.Table), message: RegExp, props?: Record<string, string>): Promise<void> {
  const dir = tempDir();
  const { table, rows } = await randomTable(dir, { seed: 5, appends: 2, rows: 60, partitioned: true, properties: props });
  const src = typeof source === 'function' ? source(randomSource(rows, 6, 20)) : source;
  const before = listFiles(dir);
  const version = table.version();
  try {
    await merge(table, src, options);
    assert.unreachable('merge should have failed');
  } catch (err) {
    assert.instance(err, Error);
    assert.match((err as Error).message, message);
    assert.match((err as Error).message, new RegExp(dir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')), 'the message names the table');
  }
  assert.is((await DeltaTable.open(dir)).version(), version, 'no commit');
  assert.equal(listFiles(dir), before, 'no file written or left behind');
}

const upsert: MergeOptions = { on: ['id'], whenMatched: [{ update: '*' }], whenNotMatched: [{ insert: '*' }] };

test('a NULL join key in the source is refused', async () => {
  await expectUntouched(upsert, (rows) => {
    const t = toArrow(rows, true);
    const ids = arrow.vectorFromArray(rows.map((r, i) => (i === 3 ? null : BigInt(r.id))), new arrow.Int64());
    return t.setChildAt(0, ids);
  }, /source row 3 has a NULL join key.*target column 'id'/);
});

test('a key column missing from the source is refused', async () => {
  await expectUntouched({ ...upsert, on: ['id', 'nope'] }, (rows) => toArrow(rows, true), /key column 'nope' does not exist in Delta table/);
  await expectUntouched(upsert, (rows) => toArrow(rows, true).select(['part', 'v', 's', 'amt']), /key column 'id' is missing from the source/);
});

test('two source rows matching one target row (Spark\'s multiple-match error)', async () => {
  await expectUntouched(upsert, (rows) => {
    const existing = rows.find((r) => r.op !== 'I')!;
    return toArrow([...rows, { ...existing, v: 1 }], true);
  }, /multiple source rows matched and attempted to modify the same target row/);
});

test('several matches are fine when no clause applies to them, or for a single unconditional delete', async () => {
  const { table, rows } = await randomTable(tempDir(), { seed: 9, appends: 1, rows: 20 });
  const dup = [{ ...rows[0], op: 'U' as const }, { ...rows[0], op: 'U' as const, v: 1 }];
  const r1 = await merge(table, toArrow(dup, true), { on: ['id'], whenMatched: [{ condition: "source.op = 'X'", update: '*' }] });
  assert.is(r1.metrics.numTargetRowsUpdated, 0);
  const r2 = await merge(table, toArrow(dup, true), { on: ['id'], whenMatched: [{ delete: true }] });
  assert.is(r2.metrics.numTargetRowsDeleted, 1);
});

test('invalid SQL, unknown and ambiguous columns, bad clauses name the clause and the column', async () => {
  const src = (rows: SourceRow[]) => toArrow(rows, true);
  await expectUntouched({ on: ['id'], whenMatched: [{ condition: 'source.op = ', update: '*' }] }, src, /WHEN MATCHED clause 1 condition 'source.op = '/);
  await expectUntouched({ on: ['id'], whenMatched: [{ condition: 'v > 0', update: '*' }] }, src, /column 'v' is ambiguous/);
  await expectUntouched({ on: ['id'], whenMatched: [{ update: { nope: 'source.v' } }] }, src, /assigns column 'nope', which the table does not have/);
  await expectUntouched({ on: ['id'], whenNotMatched: [{ insert: { id: 'target.id' } }] }, src, /the target \(target\) cannot be referenced here/);
  await expectUntouched({ on: ['id'], whenMatched: [{ update: '*' }, { delete: true }], whenNotMatched: [] }, src, /WHEN MATCHED clause 1 has no condition but is not the last/);
  await expectUntouched({ on: 'target.id = source.nope', whenMatched: [{ delete: true }] }, src, /column 'nope' does not exist in the source/);
  await expectUntouched({ on: ['id'] }, src, /at least one WHEN MATCHED/);
  await expectUntouched({ on: ['id'], whenMatched: [{ update: { v: 'source.s' } }] }, src, /cannot store Utf8 value `source.s` in column 'v' of type Int32/);
});

test('a value the table cannot hold (NOT NULL, CHECK constraint) is refused before writing', async () => {
  await expectUntouched({ on: ['id'], whenNotMatched: [{ insert: { part: 'source.part' } }] }, (rows) => toArrow(rows, true), /NOT NULL|missing column 'id'/);
  await expectUntouched(
    { on: ['id'], whenMatched: [{ update: { amt: '-1' } }] },
    (rows) => toArrow(rows, true),
    /CHECK constraint positive \(amt >= 0\) violated/,
    { 'delta.constraints.positive': 'amt >= 0' },
  );
});

test('append-only tables accept insert-only merges and refuse updates', async () => {
  await expectUntouched(upsert, (rows) => toArrow(rows, true), /append-only/, { 'delta.appendOnly': 'true' });
  const { table, rows } = await randomTable(tempDir(), { seed: 2, appends: 1, rows: 10, properties: { 'delta.appendOnly': 'true' } });
  const r = await merge(table, toArrow(randomSource(rows, 3, 8), true), { on: ['id'], whenNotMatched: [{ insert: '*' }] });
  assert.ok(r.metrics.numTargetRowsInserted > 0);
});

test('a time-travelled handle cannot merge; deletion vectors need the table feature', async () => {
  const dir = tempDir();
  const { rows } = await randomTable(dir, { seed: 1, appends: 2, rows: 10 });
  const old = await DeltaTable.open(dir, { version: 1 });
  try {
    await merge(old, toArrow(randomSource(rows, 2, 3), true), upsert);
    assert.unreachable();
  } catch (err) {
    assert.instance(err, MergeError);
    assert.match((err as Error).message, /opened at version 1 for time travel/);
  }
  await expectUntouched({ ...upsert, mode: 'deletion-vectors' }, (r) => toArrow(r, true), /lacks writer feature 'deletionVectors'/);
});

test('a failing beforeCommit hook aborts the merge: no commit, no data or deletion-vector file left', async () => {
  for (const mode of ['copy-on-write', 'deletion-vectors'] as const) {
    const dir = tempDir();
    const { table, rows } = await randomTable(dir, { seed: 9, appends: 2, rows: 60, properties: { 'delta.enableDeletionVectors': 'true' } });
    const before = listFiles(dir);
    const version = table.version();
    const beforeCommit = async () => {
      throw new Error('the caller could not make its file durable');
    };
    try {
      await merge(table, toArrow(randomSource(rows, 6, 20), true), { ...upsert, mode, beforeCommit });
      assert.unreachable('merge should have failed');
    } catch (err) {
      assert.match((err as Error).message, /could not make its file durable/);
    }
    assert.is((await DeltaTable.open(dir)).version(), version, `${mode}: no commit`);
    assert.equal(listFiles(dir), before, `${mode}: no file left behind`);
  }
});

test.run();
