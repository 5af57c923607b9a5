// Proves the interop harness itself, without Tributary: the two oracles agree
// with each other on tables the other one wrote (every type, partitions, old
// versions, checkpoints), and the TypeScript helpers that turn specs into Arrow
// and Arrow into rows are each other's inverse.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { allTypesFields, allTypesRows, nullRow } from './all-types.ts';
import { normaliseTable } from './normalise.ts';
import { Oracle, assertSameRows, deltaPath, scratchDir, sortRows, type WriteSpec } from './oracle.ts';
import { specToArrow } from './spec-to-arrow.ts';

const oracle = new Oracle();
const scratch = scratchDir('harness');
test.after(async () => {
  await oracle.close();
  scratch.cleanup();
});

const schemaOf = (fields = allTypesFields) => ({ type: 'struct', fields });

test('spec → Arrow → normalised rows is the identity (TS helpers)', () => {
  const rows = [...allTypesRows(0, 14), nullRow(99)];
  const table = specToArrow(allTypesFields, rows);
  assert.is(table.numRows, rows.length);
  const back = normaliseTable(table);
  assert.equal(back.schema, schemaOf());
  assertSameRows(back.rows, sortRows(rows), 'round trip');
});

test('deltalake writes (append, append, overwrite; partitioned) → Spark and deltalake read every version alike', async () => {
  const path = join(scratch.dir, 'dl-written');
  const first = [...allTypesRows(0, 7), nullRow(7, 'south')];
  const second = allTypesRows(100, 7);
  const third = allTypesRows(200, 3);
  // delta-rs 1.6.6 writes NOT NULL columns on a 3/7 protocol (timestamp_ntz)
  // without the `invariants` writer feature, and Spark then refuses the table
  // (delta-io/delta-rs#2882), so its table gets all-nullable columns.
  const fields = allTypesFields.map((f) => ({ ...f, nullable: true }));
  const base: Omit<WriteSpec, 'rows'> = { schema: fields, partitionBy: ['part'] };
  assert.is(await oracle.deltalakeWrite(path, { ...base, rows: first }), 0);
  assert.is(await oracle.deltalakeWrite(path, { ...base, rows: second }), 1);
  assert.is(await oracle.deltalakeWrite(path, { ...base, rows: third, mode: 'overwrite' }), 2);

  const expected = [sortRows(first), sortRows([...first, ...second]), sortRows(third)];
  for (const version of [0, 1, 2]) {
    const spark = await oracle.sparkRead(path, version);
    const dl = await oracle.deltalakeRead(path, version);
    assert.is(spark.version, version);
    assert.is(dl.version, version);
    assertSameRows(spark.rows, expected[version], `spark rows at v${version}`);
    assertSameRows(dl.rows, expected[version], `deltalake rows at v${version}`);
    assert.equal(
      spark.schema.fields.map((f) => [f.name, f.type]),
      allTypesFields.map((f) => [f.name, f.type]),
      `spark schema at v${version}`,
    );
  }
  const latest = await oracle.sparkRead(path);
  assert.is(latest.version, 2);
  const history = await oracle.sparkHistory(path);
  assert.equal(history.map((h) => h.version), [0, 1, 2]);
});

test('Spark writes with checkpointInterval=2 → deltalake reads a checkpointed table at every version', async () => {
  const path = join(scratch.dir, 'spark-written');
  const base = { schema: allTypesFields, partitionBy: ['part'] };
  const batches = [allTypesRows(0, 7), allTypesRows(10, 7), allTypesRows(20, 7), [nullRow(30, 'north')]];
  const versions: number[] = [];
  versions.push(await oracle.sparkWrite(path, { ...base, rows: batches[0], properties: { 'delta.checkpointInterval': '2' } }));
  for (const rows of batches.slice(1)) versions.push(await oracle.sparkWrite(path, { ...base, rows }));
  // Spark creates the table (v0) before the first write, so writes land at 1..4.
  assert.equal(versions, [1, 2, 3, 4]);

  let soFar: typeof batches[0] = [];
  for (const [i, version] of versions.entries()) {
    soFar = [...soFar, ...batches[i]];
    const dl = await oracle.deltalakeRead(path, version);
    assertSameRows(dl.rows, sortRows(soFar), `deltalake rows at v${version}`);
  }
  const spark = await oracle.sparkRead(path);
  assertSameRows(spark.rows, sortRows(soFar), 'spark latest');
});

test('Spark DELETE on a deletion-vector table: Spark reads the rows that remain', async () => {
  const path = join(scratch.dir, 'spark-dv');
  const rows = allTypesRows(0, 14);
  await oracle.sparkWrite(path, { schema: allTypesFields, rows, properties: { 'delta.enableDeletionVectors': 'true' } });
  const [res] = await oracle.sparkSql(`DELETE FROM ${deltaPath(path)} WHERE id % 3 = 0`);
  assert.is(res.num_affected_rows, rows.filter((r) => Number(r.id) % 3 === 0).length);
  const spark = await oracle.sparkRead(path);
  assertSameRows(spark.rows, sortRows(rows.filter((r) => Number(r.id) % 3 !== 0)), 'spark after DELETE');
});

test('oracle errors name the problem', async () => {
  try {
    await oracle.request(['no-such-command']);
    assert.unreachable('should have failed');
  } catch (e) {
    assert.match(String(e), /unknown command 'no-such-command'/);
  }
  try {
    await oracle.deltalakeRead(join(scratch.dir, 'missing'));
    assert.unreachable('should have failed');
  } catch (e) {
    assert.match(String(e), /deltalake-read/);
  }
});

test.run();
