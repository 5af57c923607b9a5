// Deletion-vector mode: touched files are masked, not rewritten. Checked with
// our DV decoder (cardinalities, unions over repeated merges), with DuckDB
// reading the Parquet files minus the masked row numbers, with Python
// deltalake when available, and on tables Spark wrote with deletion vectors
// (fixtures copied to a temporary directory first).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { merge } from '../../../src/cdc/index.ts';
import { readDeletionVector } from '../../../src/delta/deletion-vector.ts';
import { UnsupportedFeatureError } from '../../../src/delta/errors.ts';
import { DeltaTable } from '../../../src/delta/table.ts';
import { canonical, deltalakePython, deltalakeRows, duck, duckTableRows, oracleMerge, ourRows, randomSource, randomTable, tempDir, toArrow } from './helpers.ts';

const FIXTURES = '/work/shared/fixtures/delta';
const dvProps = { 'delta.enableDeletionVectors': 'true' };
const python = deltalakePython();
if (!python) console.log('SKIP deltalake cross-checks: set TRIBUTARY_PYTHON to a Python with deltalake (or run scripts/interop/setup.sh)');

for (const inline of [0, 1000]) {
test(`masked files keep their path; the new deletion vector holds exactly the changed rows (${inline ? 'inline in the log' : 'in .bin files'})`, async () => {
  const dir = tempDir();
  const { table, rows } = await randomTable(dir, { seed: 121, appends: 2, rows: 100, properties: dvProps });
  const before = new Map(table.files().map((f) => [f.path, f] as const));
  const source = randomSource(rows, 122, 30);
  const r = await merge(table, toArrow(source, true), {
    on: ['id'],
    whenMatched: [{ condition: "source.op = 'D'", delete: true }, { update: '*' }],
    whenNotMatched: [{ insert: '*' }],
    deletionVectorInlineBytes: inline,
  });
  await table.refresh();
  let masked = 0;
  for (const f of table.files()) {
    if (!f.deletionVector) continue;
    assert.is(f.deletionVector.storageType, inline ? 'i' : 'u');
    assert.ok(before.has(f.path), 'a masked file is an existing file');
    const rowsOut = await readDeletionVector(table.storage, f.deletionVector);
    assert.is(rowsOut.length, f.deletionVector.cardinality);
    masked += rowsOut.length;
    assert.match(f.stats ?? '', /"tightBounds":false/);
  }
  assert.is(masked, r.metrics.numTargetRowsUpdated + r.metrics.numTargetRowsDeleted);
  assert.is(r.metrics.numTargetDeletionVectorsAdded, table.files().filter((f) => f.deletionVector).length);
  const expected = await oracleMerge(rows, source, `MERGE INTO tgt AS target USING src AS source ON target.id = source.id
    WHEN MATCHED AND source.op = 'D' THEN DELETE
    WHEN MATCHED THEN UPDATE SET part = source.part, v = source.v, s = source.s, amt = source.amt
    WHEN NOT MATCHED THEN INSERT (id, part, v, s, amt) VALUES (source.id, source.part, source.v, source.s, source.amt)`);
  assert.equal(await duckTableRows(dir), expected);
  if (python) assert.equal(deltalakeRows(python, dir), expected, 'Python deltalake reads the same rows');
});
}

test('a second merge unions the deletion vectors; a file whose rows are all deleted is removed', async () => {
  const dir = tempDir();
  const { table, rows } = await randomTable(dir, { seed: 131, appends: 2, rows: 40, properties: dvProps, rangeByAppend: true });
  const first = rows.filter((x) => x.id < 40);
  // Delete half of the first file's rows, then the other half.
  const del = (ids: number[]) => toArrow(first.filter((x) => ids.includes(x.id)).map((x) => ({ ...x, op: 'D' as const })), true);
  const half = first.map((x) => x.id).filter((_, i) => i % 2 === 0);
  const rest = first.map((x) => x.id).filter((_, i) => i % 2 === 1);
  const r1 = await merge(table, del(half), { on: ['id'], whenMatched: [{ delete: true }] });
  assert.is(r1.metrics.numTargetDeletionVectorsAdded, 1);
  await table.refresh();
  const masked = table.files().find((f) => f.deletionVector)!;
  assert.is(masked.deletionVector!.cardinality, half.length);
  const r2 = await merge(table, del(rest.slice(0, 3)), { on: ['id'], whenMatched: [{ delete: true }] });
  assert.is(r2.metrics.numTargetDeletionVectorsUpdated, 1);
  await table.refresh();
  const again = table.files().find((f) => f.path === masked.path)!;
  const deleted = await readDeletionVector(table.storage, again.deletionVector!);
  assert.is(deleted.length, half.length + 3, 'the new vector is the union');
  const r3 = await merge(table, del(rest.slice(3)), { on: ['id'], whenMatched: [{ delete: true }] });
  assert.is(r3.metrics.numTargetFilesRemoved, 1);
  await table.refresh();
  assert.not.ok(table.files().some((f) => f.path === masked.path), 'the emptied file is removed');
  assert.equal(await ourRows(table), rows.filter((x) => x.id >= 40).map((x) => canonical([x.id, x.part, x.v, x.s, x.amt])).sort());
  if (python) assert.equal(deltalakeRows(python, dir), await ourRows(table));
});

/** Rows of a table as DuckDB values: creates `name` in DuckDB from our reader's rows (the fixtures' conformance is tested elsewhere). */
async function loadTable(name: string, table: DeltaTable, types: Record<string, string>): Promise<Record<string, unknown>[]> {
  const rows = (await table.toArrow()).toArray().map((r) => r.toJSON() as Record<string, unknown>);
  const cols = Object.keys(types);
  const c = await duck();
  await c.run(`DROP TABLE IF EXISTS ${name}; CREATE TABLE ${name} (${cols.map((k) => `${k} ${types[k]}`).join(', ')})`);
  const lit = (v: unknown) => (v === null || v === undefined ? 'NULL' : typeof v === 'string' ? `'${v.replaceAll("'", "''")}'` : String(v));
  if (rows.length > 0) await c.run(`INSERT INTO ${name} VALUES ${rows.map((r) => `(${cols.map((k) => lit(r[k])).join(', ')})`).join(', ')}`);
  return rows;
}

async function duckRowsOf(sql: string, cols: string[]): Promise<string[]> {
  const rows = (await (await duck()).runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  return rows.map((r) => canonical(cols.map((c) => r[c]))).sort();
}

test('merging into a table Spark wrote with deletion vectors (partitioned, checkpointed)', async () => {
  const fixture = join(FIXTURES, 'delta-golden/dv-partitioned-with-checkpoint');
  if (!existsSync(fixture)) return console.log(`SKIP: fixture ${fixture} is absent`);
  const dir = tempDir('spark-dv');
  cpSync(fixture, dir, { recursive: true });
  const table = await DeltaTable.open(dir);
  const types = { part: 'INTEGER', col1: 'INTEGER', col2: 'VARCHAR' };
  const before = await loadTable('tgt', table, types);
  // Source: a third of the live rows updated, some deleted, plus new rows.
  const src = before.filter((_, i) => i % 3 === 0).map((r, i) => ({ part: r.part as number, col1: r.col1 as number, col2: i % 4 === 0 ? 'DEL' : `new-${i}` }));
  for (let i = 0; i < 5; i++) src.push({ part: i % 10, col1: 100000 + i, col2: `ins-${i}` });
  const source = arrow.tableFromArrays({ part: Int32Array.from(src.map((r) => r.part)), col1: Int32Array.from(src.map((r) => r.col1)), col2: src.map((r) => r.col2) });
  const c = await duck();
  await c.run(`DROP TABLE IF EXISTS src; CREATE TABLE src (part INTEGER, col1 INTEGER, col2 VARCHAR)`);
  await c.run(`INSERT INTO src VALUES ${src.map((r) => `(${r.part}, ${r.col1}, '${r.col2}')`).join(', ')}`);
  const duplicates = (await duckRowsOf('SELECT part, col1, count(*) AS n FROM tgt GROUP BY ALL HAVING n > 1', ['part'])).length;
  assert.is(duplicates, 0, 'the fixture has unique (part, col1) keys');
  await c.run(`MERGE INTO tgt AS target USING src AS source ON target.part = source.part AND target.col1 = source.col1
    WHEN MATCHED AND source.col2 = 'DEL' THEN DELETE
    WHEN MATCHED THEN UPDATE SET col2 = source.col2
    WHEN NOT MATCHED THEN INSERT (part, col1, col2) VALUES (source.part, source.col1, source.col2)`);
  const expected = await duckRowsOf('SELECT * FROM tgt', ['part', 'col1', 'col2']);

  const r = await merge(table, source, {
    on: ['part', 'col1'],
    whenMatched: [{ condition: "source.col2 = 'DEL'", delete: true }, { update: { col2: 'source.col2' } }],
    whenNotMatched: [{ insert: '*' }],
  });
  assert.ok(r.metrics.numTargetDeletionVectorsUpdated > 0, 'existing Spark deletion vectors were extended');
  await table.refresh();
  const ours = (await table.toArrow()).toArray().map((x) => canonical([x.part, x.col1, x.col2])).sort();
  assert.equal(ours, expected);
  assert.equal(await duckTableRows(dir, ['part', 'col1', 'col2']), expected, 'DuckDB reading the files minus every deletion vector');
  if (python) assert.equal(deltalakeRows(python, dir, ['part', 'col1', 'col2']), expected);
});

test('merging into delta-rs table-with-dv-small (copy-on-write over an existing deletion vector)', async () => {
  const fixture = join(FIXTURES, 'delta-rs/table-with-dv-small');
  if (!existsSync(fixture)) return console.log(`SKIP: fixture ${fixture} is absent`);
  for (const mode of ['copy-on-write', 'deletion-vectors'] as const) {
    const dir = tempDir('dv-small');
    cpSync(fixture, dir, { recursive: true });
    const table = await DeltaTable.open(dir);
    const before = await loadTable('tgt', table, { value: 'INTEGER' });
    const values = before.map((r) => r.value as number);
    const src = [values[0], values[values.length - 1], 1000];
    await (await duck()).run(`DROP TABLE IF EXISTS src; CREATE TABLE src AS SELECT unnest([${src.join(', ')}]) AS value`);
    await (await duck()).run(`MERGE INTO tgt AS target USING src AS source ON target.value = source.value
      WHEN MATCHED THEN UPDATE SET value = source.value * 10 WHEN NOT MATCHED THEN INSERT (value) VALUES (source.value)`);
    const expected = await duckRowsOf('SELECT * FROM tgt', ['value']);
    await merge(table, arrow.tableFromArrays({ value: Int32Array.from(src) }), {
      on: ['value'], whenMatched: [{ update: { value: 'source.value * 10' } }], whenNotMatched: [{ insert: '*' }], mode,
    });
    assert.equal(await duckTableRows(dir, ['value']), expected, mode);
    if (python) assert.equal(deltalakeRows(python, dir, ['value']), expected, `${mode}, deltalake`);
  }
});

test('a Spark table with column mapping is refused clearly (Tributary does not write column mapping)', async () => {
  const fixture = join(FIXTURES, 'delta-golden/dv-with-columnmapping');
  if (!existsSync(fixture)) return console.log(`SKIP: fixture ${fixture} is absent`);
  const dir = tempDir('dv-cm');
  cpSync(fixture, dir, { recursive: true });
  const table = await DeltaTable.open(dir);
  try {
    await merge(table, arrow.tableFromArrays({ part: Int32Array.of(1), col1: Int32Array.of(1) }), { on: ['part', 'col1'], whenMatched: [{ delete: true }] });
    assert.unreachable();
  } catch (err) {
    assert.instance(err, UnsupportedFeatureError);
    assert.match((err as Error).message, /columnMapping|column mapping/);
  }
});

test.run();
