// File pruning and touched files: a merge reads only files that can hold a
// matching row (partition values, min/max statistics, target-only ON
// conjuncts) and rewrites or masks only files where a row changes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { keyRange } from '../../../src/cdc/merge/prune.ts';
import { merge } from '../../../src/cdc/index.ts';
import { duckTableRows, oracleMerge, randomSource, randomTable, tempDir, toArrow } from './helpers.ts';

const upsertSql = `MERGE INTO tgt AS target USING src AS source ON target.id = source.id
  WHEN MATCHED THEN UPDATE SET part = source.part, v = source.v, s = source.s, amt = source.amt
  WHEN NOT MATCHED THEN INSERT (id, part, v, s, amt) VALUES (source.id, source.part, source.v, source.s, source.amt)`;

test('keys on a partition column read only the partitions the source holds', async () => {
  const dir = tempDir();
  const { table, rows } = await randomTable(dir, { partitioned: true, seed: 21, appends: 3, rows: 300 });
  const inA = rows.filter((r) => r.part === 'a');
  const source = randomSource(inA, 22, 20).map((r) => ({ ...r, part: 'a' }));
  const filesA = table.files().filter((f) => f.partitionValues.part === 'a').length;
  const before = new Set(table.files().map((f) => f.path));
  const r = await merge(table, toArrow(source, true), {
    on: 'target.id = source.id AND target.part = source.part',
    whenMatched: [{ update: '*' }],
    whenNotMatched: [{ insert: '*' }],
  });
  assert.is(r.metrics.numTargetFilesBeforeSkipping, before.size);
  assert.is(r.metrics.numTargetFilesAfterSkipping, filesA);
  await table.refresh();
  // Files of other partitions are all still there.
  for (const f of table.files()) if (f.partitionValues.part !== 'a') assert.ok(before.has(f.path), `file ${f.path} kept`);
  const expected = await oracleMerge(rows, source, upsertSql.replace('ON target.id = source.id', 'ON target.id = source.id AND target.part = source.part'));
  assert.equal(await duckTableRows(dir), expected);
});

test('min/max statistics of the key column prune files; only files with changed rows are rewritten', async () => {
  const dir = tempDir();
  const { table, rows } = await randomTable(dir, { seed: 31, appends: 4, rows: 400, rangeByAppend: true });
  assert.is(table.files().length, 4);
  // Ids of the second append are 200..398: a source within that range can only match its file.
  const source = randomSource(rows, 32, 30, [200, 400]).filter((r) => r.op !== 'I');
  const before = table.files().map((f) => f.path);
  const r = await merge(table, toArrow(source, true), { on: ['id'], whenMatched: [{ update: '*' }], whenNotMatched: [{ insert: '*' }] });
  assert.is(r.metrics.numTargetFilesAfterSkipping, 1);
  assert.is(r.metrics.numTargetFilesRemoved, 1);
  await table.refresh();
  const after = new Set(table.files().map((f) => f.path));
  assert.is(before.filter((p) => !after.has(p)).length, 1, 'exactly one file replaced');
  assert.equal(await duckTableRows(dir), await oracleMerge(rows, source, upsertSql));
});

test('matched rows that no clause changes leave their file untouched', async () => {
  const dir = tempDir();
  const { table, rows } = await randomTable(dir, { seed: 41, appends: 2, rows: 50 });
  const source = randomSource(rows, 42, 10).filter((r) => r.op !== 'I');
  const r = await merge(table, toArrow(source, true), { on: ['id'], whenMatched: [{ condition: 'source.amt < 0', delete: true }] });
  assert.is(r.metrics.numTargetFilesAfterSkipping > 0, true);
  assert.is(r.metrics.numTargetFilesRemoved, 0);
  assert.is(r.metrics.numTargetFilesAdded, 0);
});

test('NOT MATCHED BY SOURCE reads every file', async () => {
  const { table, rows } = await randomTable(tempDir(), { seed: 51, appends: 4, rows: 200, rangeByAppend: true });
  const source = randomSource(rows, 52, 10, [0, 100]);
  const r = await merge(table, toArrow(source, true), { on: ['id'], whenNotMatchedBySource: [{ condition: 'target.id > 390', delete: true }] });
  assert.is(r.metrics.numTargetFilesAfterSkipping, 4);
  assert.is(r.metrics.numTargetRowsDeleted, rows.filter((x) => x.id > 390 && !source.some((s) => s.id === x.id)).length);
  assert.is(r.metrics.numTargetFilesRemoved, 1, 'only the file holding ids > 390 changes');
});

test('a target-only ON conjunct on the partition column prunes partitions', async () => {
  const dir = tempDir();
  const { table, rows } = await randomTable(dir, { partitioned: true, seed: 61, appends: 2, rows: 120 });
  const source = randomSource(rows, 62, 30);
  const filesB = table.files().filter((f) => f.partitionValues.part === 'b').length;
  const r = await merge(table, toArrow(source, true), {
    on: "target.id = source.id AND target.part = 'b'",
    whenMatched: [{ update: { v: '-7' } }],
  });
  assert.is(r.metrics.numTargetFilesAfterSkipping, filesB);
  const expected = await oracleMerge(rows, source, `MERGE INTO tgt AS target USING src AS source ON target.id = source.id AND target.part = 'b' WHEN MATCHED THEN UPDATE SET v = -7`);
  assert.equal(await duckTableRows(dir), expected);
});


test('the key range of 64-bit keys (compared as halves) equals the one read value by value', () => {
  const values = [5n, -3n, 9007199254740993n, -(2n ** 62n), 0n, 4294967296n, -4294967297n, 2n ** 40n];
  const data = arrow.vectorFromArray(values, new arrow.Int64()).data[0];
  const all = keyRange(data)!;
  assert.equal([all.min, all.max], [-(2n ** 62n), 9007199254740993n]);
  // Only some rows: [5, 4294967296, -4294967297].
  const some = keyRange(data, Uint8Array.from([1, 0, 0, 0, 0, 1, 1, 0]))!;
  assert.equal([some.min, some.max], [-4294967297, 4294967296]);
  const ts = arrow.vectorFromArray([3, 1, 2].map((s) => s * 1000), new arrow.TimestampMillisecond()).data[0];
  const r = keyRange(ts)!;
  assert.equal([r.min, r.max], [1_000_000, 3_000_000]);
  // A NULL key may be in any file: no range.
  assert.is(keyRange(arrow.vectorFromArray([1n, null], new arrow.Int64()).data[0]), null);
});

test.run();
