// Column selection, ignoreNullUpdates (SCD1 and SCD2), struct sequencing,
// tie rules, and bad input: every refusal names the table and the column or
// value, and leaves the table exactly as it was.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { readdirSync } from 'node:fs';
import { DeltaTable } from '../../../src/delta/table.ts';
import { ApplyChangesError } from '../../../src/cdc/applyChanges/errors.ts';
import { applyChanges } from '../../../src/cdc/applyChanges/applyChanges.ts';
import { batchOf, run, targetRows, tempTableDir, usersBatch, usersOptions } from './helpers.ts';

test('columnList selects the target columns (keys must be among them)', async () => {
  const dir = tempTableDir('cols');
  await run(dir, [usersBatch([[1, 'A', 'X', 'INSERT', 1]])], usersOptions({ exceptColumnList: undefined, columnList: ['userId', 'city'] }));
  const t = await DeltaTable.open(dir);
  assert.equal(t.schema().fields.map((f) => f.name), ['userId', 'city']);
  assert.equal(await targetRows(dir, ['userId', 'city']), [[1, 'X']]);
  const err = await run(tempTableDir('cols2'), [usersBatch([[1, 'A', 'X', 'INSERT', 1]])], usersOptions({ exceptColumnList: undefined, columnList: ['city'] })).catch((e: Error) => e);
  assert.instance(err, ApplyChangesError);
  assert.match((err as Error).message, /key column 'userId' must be among the selected columns/);
});

test('ignoreNullUpdates keeps current values for NULLs (SCD1), across batches and within one', async () => {
  const dir = tempTableDir('inu');
  const opts = usersOptions({ ignoreNullUpdates: true });
  await run(dir, [usersBatch([[1, 'A', 'X', 'INSERT', 1], [2, 'B', 'Y', 'INSERT', 1]])], opts);
  await run(dir, [usersBatch([[1, null, 'X2', 'UPDATE', 2], [2, 'B2', null, 'UPDATE', 2], [2, null, null, 'UPDATE', 3]])], opts);
  assert.equal(await targetRows(dir, ['userId', 'name', 'city']), [[1, 'A', 'X2'], [2, 'B2', 'Y']]);
  // Without it, NULL overwrites.
  const plain = tempTableDir('inu0');
  await run(plain, [usersBatch([[1, 'A', 'X', 'INSERT', 1]]), usersBatch([[1, null, 'X2', 'UPDATE', 2]])], usersOptions());
  assert.equal(await targetRows(plain, ['userId', 'name', 'city']), [[1, null, 'X2']]);
  // After a delete there is nothing to keep.
  const del = tempTableDir('inu1');
  await run(del, [usersBatch([[1, 'A', 'X', 'INSERT', 1]]), usersBatch([[1, null, null, 'DELETE', 2], [1, null, 'Z', 'UPDATE', 3]])], opts);
  assert.equal(await targetRows(del, ['userId', 'name', 'city']), [[1, null, 'Z']]);
});

test('ignoreNullUpdatesColumnList limits which columns ignore NULLs', async () => {
  const dir = tempTableDir('inul');
  const opts = usersOptions({ ignoreNullUpdatesColumnList: ['name'] });
  await run(dir, [usersBatch([[1, 'A', 'X', 'INSERT', 1]]), usersBatch([[1, null, null, 'UPDATE', 2]])], opts);
  assert.equal(await targetRows(dir, ['userId', 'name', 'city']), [[1, 'A', null]]);
});

test('ignoreNullUpdates in SCD2 merges into the open version', async () => {
  const dir = tempTableDir('inu2');
  const opts = usersOptions({ storedAs: 2, ignoreNullUpdates: true });
  await run(dir, [usersBatch([[1, 'A', 'X', 'INSERT', 1]]), usersBatch([[1, null, 'Y', 'UPDATE', 2]])], opts);
  assert.equal(await targetRows(dir, ['userId', 'name', 'city', '__START_AT', '__END_AT']), [[1, 'A', 'X', 1, 2], [1, 'A', 'Y', 2, null]]);
});

const structSchema = new arrow.Schema([
  new arrow.Field('id', new arrow.Int32(), true),
  new arrow.Field('v', new arrow.Utf8(), true),
  new arrow.Field('day', new arrow.Int32(), true),
  new arrow.Field('n', new arrow.Int32(), true),
]);

test('struct sequencing: ordered by the first field, ties broken by the next; SCD2 columns are structs', async () => {
  const dir = tempTableDir('struct');
  const rows = [{ id: 1, v: 'b', day: 2, n: 1 }, { id: 1, v: 'c', day: 1, n: 9 }, { id: 1, v: 'a', day: 2, n: 0 }];
  await run(dir, [batchOf(structSchema, rows)], { keys: ['id'], sequenceBy: ['day', 'n'], exceptColumnList: ['day', 'n'] });
  assert.equal(await targetRows(dir, ['id', 'v']), [[1, 'b']]);
  const d2 = tempTableDir('struct2');
  await run(d2, rows.map((r) => batchOf(structSchema, [r])), { keys: ['id'], sequenceBy: ['day', 'n'], exceptColumnList: ['day', 'n'], storedAs: 2 });
  const t = await DeltaTable.open(d2);
  assert.is(String(t.schema().fields.find((f) => f.name === '__START_AT')!.type), 'Struct<{day:Int32, n:Int32}>');
  assert.equal(await targetRows(d2, ['v', '__START_AT', '__END_AT']), [
    ['a', { day: 2, n: 0 }, { day: 2, n: 1 }],
    ['b', { day: 2, n: 1 }, null],
    ['c', { day: 1, n: 9 }, { day: 2, n: 0 }],
  ]);
});

test('sequenceBy may be an SQL expression', async () => {
  const dir = tempTableDir('expr');
  await run(dir, [usersBatch([[1, 'A', 'X', 'INSERT', 2], [1, 'A', 'Y', 'UPDATE', 1]])], usersOptions({ sequenceBy: '0 - sequenceNum' }));
  assert.equal(await targetRows(dir, ['userId', 'city']), [[1, 'Y']]);
});

test('equal sequence values: a delete beats an upsert, else the later arrival wins; onDuplicateSequence "error" refuses', async () => {
  const dir = tempTableDir('tie');
  await run(dir, [usersBatch([[1, 'A', 'X', 'INSERT', 1], [1, 'A', 'Y', 'UPDATE', 1], [2, 'B', 'X', 'INSERT', 1], [2, null, null, 'DELETE', 1], [2, 'B', 'Z', 'UPDATE', 1]])], usersOptions());
  assert.equal(await targetRows(dir, ['userId', 'city']), [[1, 'Y']]);
  const strict = tempTableDir('tie2');
  const err = await run(strict, [usersBatch([[1, 'A', 'X', 'INSERT', 1], [1, 'A', 'Y', 'UPDATE', 1]])], usersOptions({ onDuplicateSequence: 'error' })).catch((e: Error) => e);
  assert.instance(err, ApplyChangesError);
  assert.match((err as Error).message, /userId=1 have the same sequence value 1/);
});

test('NULL keys are ordinary key values (DLT behaviour)', async () => {
  const dir = tempTableDir('nullkey');
  await run(dir, [usersBatch([[null, 'A', 'X', 'INSERT', 1]]), usersBatch([[null, 'A', 'Y', 'UPDATE', 2]])], usersOptions());
  assert.equal(await targetRows(dir, ['userId', 'city']), [[null, 'Y']]);
});

/** Runs `bad` against a table holding one good batch and checks the error and that nothing changed. */
async function refused(bad: arrow.RecordBatch, pattern: RegExp, extra: Parameters<typeof usersOptions>[0] = {}): Promise<void> {
  const dir = tempTableDir('bad');
  await run(dir, [usersBatch([[1, 'A', 'X', 'INSERT', 1]])], usersOptions(extra));
  const before = { version: (await DeltaTable.open(dir)).version(), files: readdirSync(dir, { recursive: true }).sort() };
  const err = await run(dir, [bad], usersOptions(extra)).catch((e: Error) => e);
  assert.instance(err, Error);
  assert.match((err as Error).message, pattern);
  assert.match((err as Error).message, new RegExp(dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  assert.is((await DeltaTable.open(dir)).version(), before.version);
  assert.equal(readdirSync(dir, { recursive: true }).sort(), before.files);
  assert.equal(await targetRows(dir, ['userId', 'city']), [[1, 'X']]);
}

test('a NULL sequence value fails the micro-batch, table untouched', async () => {
  await refused(batchOf(usersBatch([]).schema, [{ userId: 1, name: 'A', city: 'Y', operation: 'UPDATE', sequenceNum: 2 }, { userId: 2, name: 'B', city: 'Z', operation: 'UPDATE', sequenceNum: null }]), /sequenceNum is NULL for the event with userId=2 \(row 1/);
});

test('a key column missing from the source fails, table untouched', async () => {
  const schema = new arrow.Schema([new arrow.Field('name', new arrow.Utf8()), new arrow.Field('city', new arrow.Utf8()), new arrow.Field('operation', new arrow.Utf8()), new arrow.Field('sequenceNum', new arrow.Int32())]);
  await refused(batchOf(schema, [{ name: 'A', city: 'Y', operation: 'UPDATE', sequenceNum: 2 }]), /key column 'userId' is not in the source/);
});

test('duplicate key and sequence with onDuplicateSequence "error" fails, table untouched', async () => {
  await refused(usersBatch([[1, 'A', 'Y', 'UPDATE', 2], [1, 'A', 'Z', 'UPDATE', 2]]), /same sequence value 2/, { onDuplicateSequence: 'error' });
});

test('a CHECK constraint violated by a new row fails, table untouched', async () => {
  const dir = tempTableDir('check');
  await run(dir, [usersBatch([[1, 'A', 'X', 'INSERT', 1]])], usersOptions({ properties: { 'delta.constraints.city_len': 'length(city) < 5' } }));
  const version = (await DeltaTable.open(dir)).version();
  const err = await run(dir, [usersBatch([[1, 'A', 'Barcelona', 'UPDATE', 2]])], usersOptions()).catch((e: Error) => e);
  assert.match((err as Error).message, /city_len/);
  assert.is((await DeltaTable.open(dir)).version(), version);
  assert.equal(await targetRows(dir, ['userId', 'city']), [[1, 'X']]);
});

test('invalid option combinations are refused up front', () => {
  const bad: [Parameters<typeof usersOptions>[0], RegExp][] = [
    [{ storedAs: 2, applyAsTruncates: "operation = 'TRUNCATE'" }, /SCD type 1 only/],
    [{ columnList: ['userId'] }, /mutually exclusive/],
    [{ trackHistoryColumnList: ['city'] }, /storedAs: 2 only/],
    [{ keys: [] }, /at least one column/],
    [{ storedAs: 3 as 2 }, /storedAs must be 1 or 2/],
  ];
  for (const [extra, pattern] of bad) {
    assert.throws(() => applyChanges(tempTableDir('opt'), usersOptions(extra)), pattern);
  }
});

test.run();
