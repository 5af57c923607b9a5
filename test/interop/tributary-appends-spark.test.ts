// Issue 3 interop (c): Tributary writes into tables Spark created — appends and
// a replaceWhere overwrite on a checkpointed partitioned table, an append to a
// table with deletion vectors, a CHECK constraint Spark added — and Spark (and
// deltalake, where it can) reads the result; Spark then writes on top of
// Tributary's commits and Tributary reads that back.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { DeltaTable } from '../../src/delta/index.ts';
import { allTypesFields, allTypesRows, nullRow } from './all-types.ts';
import { Oracle, assertSameRows, deltaPath, scratchDir, sortRows, type Row } from './oracle.ts';
import { specToArrow } from './spec-to-arrow.ts';
import { tributaryRead } from './tributary.ts';

const oracle = new Oracle();
const scratch = scratchDir('tributary-appends-spark');
test.after(async () => {
  await oracle.close();
  scratch.cleanup();
});

const arrowRows = (rows: Row[]) => specToArrow(allTypesFields, rows);

test('Spark-created partitioned table with checkpoints: Tributary appends and replaces a partition, Spark reads it, writes on top, Tributary reads that', async () => {
  const path = join(scratch.dir, 'spark-created');
  const base = { schema: allTypesFields, partitionBy: ['part'] };
  let current = allTypesRows(0, 7);
  await oracle.sparkWrite(path, { ...base, rows: current, properties: { 'delta.checkpointInterval': '2' } });
  await oracle.sparkWrite(path, { ...base, rows: allTypesRows(10, 4) });
  current = [...current, ...allTypesRows(10, 4)];

  const table = await DeltaTable.open(path);
  const ours = [...allTypesRows(50, 8), nullRow(58, 'north')];
  const appended = await table.append(arrowRows(ours));
  current = [...current, ...ours];
  const atAppend = sortRows(current);

  const north = allTypesRows(300, 6).filter((r) => r.part === 'north');
  const replaced = await table.overwrite(arrowRows(north), { replaceWhere: "part = 'north'" });
  current = [...current.filter((r) => r.part !== 'north'), ...north];
  const atReplace = sortRows(current);

  assertSameRows((await oracle.sparkRead(path, appended.version)).rows, atAppend, "spark reads Tributary's append");
  assertSameRows((await oracle.sparkRead(path, replaced.version)).rows, atReplace, "spark reads Tributary's replaceWhere");
  assertSameRows((await oracle.deltalakeRead(path, replaced.version)).rows, atReplace, "deltalake reads Tributary's replaceWhere");

  const history = await oracle.sparkHistory(path);
  const last = history[history.length - 1];
  assert.is(last.version, replaced.version);
  assert.is(last.operation, 'WRITE');
  assert.is(last.operationParameters.mode, 'Overwrite');

  // Spark builds on Tributary's commits (and its checkpoints, if any were due).
  const theirs = allTypesRows(400, 5);
  const sparkVersion = await oracle.sparkWrite(path, { ...base, rows: theirs });
  assert.is(sparkVersion, replaced.version + 1);
  current = [...current, ...theirs];
  assertSameRows((await tributaryRead(path)).rows, sortRows(current), "tributary reads Spark's append on top of its own");
  assertSameRows((await oracle.sparkRead(path)).rows, sortRows(current), 'spark reads the same');
});

test('Spark table with deletion vectors after a DELETE: Tributary appends, Spark reads deletions and appended rows', async () => {
  const path = join(scratch.dir, 'spark-dv');
  const rows = allTypesRows(0, 14);
  await oracle.sparkWrite(path, { schema: allTypesFields, rows, properties: { 'delta.enableDeletionVectors': 'true' } });
  await oracle.sparkSql(`DELETE FROM ${deltaPath(path)} WHERE id % 2 = 0`);
  const table = await DeltaTable.open(path);
  const ours = allTypesRows(100, 5);
  const r = await table.append(arrowRows(ours));
  const want = sortRows([...rows.filter((x) => Number(x.id) % 2 !== 0), ...ours]);
  const spark = await oracle.sparkRead(path);
  assert.is(spark.version, r.version);
  assertSameRows(spark.rows, want, "spark reads Tributary's append to a DV table");
  assertSameRows((await tributaryRead(path)).rows, want, 'tributary reads the same');
});

test("a CHECK constraint Spark added: Tributary refuses a violating append, leaves the table as it was, and Spark reads Tributary's valid append", async () => {
  const path = join(scratch.dir, 'spark-check');
  const rows = allTypesRows(0, 7);
  await oracle.sparkWrite(path, { schema: allTypesFields, rows });
  await oracle.sparkSql(`ALTER TABLE ${deltaPath(path)} ADD CONSTRAINT id_below_1000 CHECK (id < 1000)`);
  const before = await oracle.sparkRead(path);

  const table = await DeltaTable.open(path);
  const bad = [...allTypesRows(20, 2), ...allTypesRows(1000, 1)]; // the last row violates it
  let failure: unknown = null;
  try {
    await table.append(arrowRows(bad));
  } catch (e) {
    failure = e;
  }
  assert.ok(failure instanceof Error, 'a violating append fails');
  assert.match(String(failure), /id_below_1000/);
  const after = await oracle.sparkRead(path);
  assert.is(after.version, before.version, 'no commit was made');
  assertSameRows(after.rows, before.rows, 'the rows are unchanged');

  const good = allTypesRows(20, 3);
  await table.append(arrowRows(good));
  assertSameRows((await oracle.sparkRead(path)).rows, sortRows([...rows, ...good]), "spark reads Tributary's valid append");
});

test.run();
