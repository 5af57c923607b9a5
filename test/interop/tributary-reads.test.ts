// Issue 3 interop (b): tables written by Python deltalake (delta-rs) and by
// Spark + delta-spark — appends, overwrites, replaceWhere, partitions,
// checkpoints (delta.checkpointInterval=2), and Spark DELETE/UPDATE with
// deletion vectors — read by Tributary exactly as the writing engine reads them,
// at every version.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { allTypesFields, allTypesRows, nullRow } from './all-types.ts';
import { Oracle, assertSameRows, deltaPath, scratchDir, sortRows, type OracleTable, type Row, type WriteSpec } from './oracle.ts';
import { tributaryRead } from './tributary.ts';

const oracle = new Oracle();
const scratch = scratchDir('tributary-reads');
test.after(async () => {
  await oracle.close();
  scratch.cleanup();
});

type Writer = (path: string, spec: WriteSpec) => Promise<number>;

const logFiles = (path: string) => readdirSync(join(path, '_delta_log'));

/** Appends, a full overwrite and a replaceWhere on the partition; returns each version's rows. */
async function writeHistory(path: string, writeWith: Writer, fields = allTypesFields): Promise<Map<number, Row[]>> {
  const base = { schema: fields, partitionBy: ['part'] };
  const expected = new Map<number, Row[]>();
  let current: Row[] = [];
  const batches = [[...allTypesRows(0, 7), nullRow(7, 'south')], allTypesRows(10, 9), allTypesRows(30, 5)];
  for (const [i, rows] of batches.entries()) {
    const props = i === 0 ? { properties: { 'delta.checkpointInterval': '2' } } : {};
    const v = await writeWith(path, { ...base, ...props, rows });
    current = [...current, ...rows];
    expected.set(v, current);
  }
  const overwrite = allTypesRows(100, 12);
  expected.set(await writeWith(path, { ...base, rows: overwrite, mode: 'overwrite' }), (current = overwrite));
  const north = allTypesRows(200, 9).filter((r) => r.part === 'north');
  const v = await writeWith(path, { ...base, rows: north, mode: 'overwrite', replaceWhere: "part = 'north'" });
  expected.set(v, (current = [...current.filter((r) => r.part !== 'north'), ...north]));
  return expected;
}

async function checkVersions(path: string, expected: Map<number, Row[]>, theirs: (v: number) => Promise<OracleTable>, who: string): Promise<void> {
  for (const [version, rows] of expected) {
    const want = sortRows(rows);
    const ours = await tributaryRead(path, version);
    assert.is(ours.version, version);
    assertSameRows(ours.rows, want, `tributary rows of the ${who} table at v${version}`);
    assertSameRows((await theirs(version)).rows, want, `${who} rows at v${version}`);
  }
  const latest = await tributaryRead(path);
  assert.is(latest.version, Math.max(...expected.keys()), `tributary opens the latest version of the ${who} table`);
}

test('deltalake-written table (partitioned, checkpoints, overwrite, replaceWhere): Tributary reads every version', async () => {
  const path = join(scratch.dir, 'deltalake');
  // All-nullable: delta-rs 1.6.6 would otherwise write a protocol Spark rejects (delta-io/delta-rs#2882).
  const fields = allTypesFields.map((f) => ({ ...f, nullable: true }));
  const expected = await writeHistory(path, (p, s) => oracle.deltalakeWrite(p, s), fields);
  assert.equal([...expected.keys()], [0, 1, 2, 3, 4]);
  assert.ok(logFiles(path).some((f) => f.endsWith('.checkpoint.parquet')), `deltalake wrote a checkpoint: ${logFiles(path)}`);
  await checkVersions(path, expected, (v) => oracle.deltalakeRead(path, v), 'deltalake');
  const ours = await tributaryRead(path);
  assert.equal(ours.schema.fields, fields, 'tributary reads the deltalake schema');
});

test('Spark-written table (partitioned, checkpoints, overwrite, replaceWhere): Tributary reads every version', async () => {
  const path = join(scratch.dir, 'spark');
  const expected = await writeHistory(path, (p, s) => oracle.sparkWrite(p, s));
  // Spark creates the table with its properties first (v0, empty).
  expected.set(0, []);
  assert.ok(logFiles(path).some((f) => f.endsWith('.checkpoint.parquet')), `spark wrote a checkpoint: ${logFiles(path)}`);
  await checkVersions(path, expected, (v) => oracle.sparkRead(path, v), 'spark');
  const ours = await tributaryRead(path);
  const spark = await oracle.sparkRead(path);
  assert.equal(ours.schema.fields.map((f) => [f.name, f.type]), spark.schema.fields.map((f) => [f.name, f.type]), 'same schema as Spark');
});

test('Spark DELETE and UPDATE with deletion vectors: Tributary reads every version as Spark does', async () => {
  const path = join(scratch.dir, 'spark-dv');
  const rows = allTypesRows(0, 21);
  const expected = new Map<number, Row[]>();
  let current = rows;
  const v1 = await oracle.sparkWrite(path, { schema: allTypesFields, partitionBy: ['part'], rows, properties: { 'delta.enableDeletionVectors': 'true' } });
  expected.set(v1, current);

  const [del] = await oracle.sparkSql(`DELETE FROM ${deltaPath(path)} WHERE id % 3 = 0`);
  current = current.filter((r) => Number(r.id) % 3 !== 0);
  assert.is(del.num_affected_rows, rows.length - current.length);
  expected.set(v1 + 1, current);

  const [upd] = await oracle.sparkSql(`UPDATE ${deltaPath(path)} SET text = 'updated', i32 = -1 WHERE id % 4 = 1`);
  current = current.map((r) => (Number(r.id) % 4 === 1 ? { ...r, text: 'updated', i32: -1 } : r));
  assert.is(upd.num_affected_rows, current.filter((r) => Number(r.id) % 4 === 1).length);
  expected.set(v1 + 2, current);

  const [del2] = await oracle.sparkSql(`DELETE FROM ${deltaPath(path)} WHERE id = 1 OR id = 2`);
  current = current.filter((r) => r.id !== '1' && r.id !== '2');
  assert.is(del2.num_affected_rows, 2);
  expected.set(v1 + 3, current);

  const files = readdirSync(path, { recursive: true }).map(String);
  assert.ok(files.some((f) => f.includes('deletion_vector_')), `Spark wrote deletion vectors: ${files.join(', ')}`);
  await checkVersions(path, expected, (v) => oracle.sparkRead(path, v), 'spark');
});

test.run();
