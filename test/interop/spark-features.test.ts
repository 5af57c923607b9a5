// Tables that use Spark-side Delta features Tributary claims to read: column
// mapping (with RENAME and DROP COLUMN, nested fields included), V2 checkpoints
// with sidecars, type widening, MERGE, and OPTIMIZE. Tributary must read each
// version exactly as Spark does.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { allTypesFields, allTypesRows } from './all-types.ts';
import { Oracle, assertSameRows, deltaPath, scratchDir, sortRows, type DeltaField, type Row } from './oracle.ts';
import { tributaryRead } from './tributary.ts';

const oracle = new Oracle();
const scratch = scratchDir('spark-features');
test.after(async () => {
  await oracle.close();
  scratch.cleanup();
});

/** Tributary and Spark agree on the rows (and column names/types) at `version` and equal `want`. */
async function sameAsSpark(path: string, want: Row[], label: string, version?: number): Promise<void> {
  const spark = await oracle.sparkRead(path, version);
  const ours = await tributaryRead(path, version);
  assertSameRows(spark.rows, sortRows(want), `spark, ${label}`);
  assertSameRows(ours.rows, sortRows(want), `tributary, ${label}`);
  assert.equal(ours.schema.fields.map((f) => [f.name, f.type]), spark.schema.fields.map((f) => [f.name, f.type]), `schema, ${label}`);
}

test('column mapping (name): rename a top-level and a nested column, drop a column, append → Tributary reads every version as Spark', async () => {
  const path = join(scratch.dir, 'column-mapping');
  const first = allTypesRows(0, 7);
  const v1 = await oracle.sparkWrite(path, {
    schema: allTypesFields,
    partitionBy: ['part'],
    rows: first,
    properties: { 'delta.columnMapping.mode': 'name', 'delta.minReaderVersion': '2', 'delta.minWriterVersion': '5' },
  });
  await oracle.sparkSql(`ALTER TABLE ${deltaPath(path)} RENAME COLUMN text TO label`);
  await oracle.sparkSql(`ALTER TABLE ${deltaPath(path)} RENAME COLUMN address.city TO town`);
  await oracle.sparkSql(`ALTER TABLE ${deltaPath(path)} DROP COLUMN i16`);

  const reshape = (r: Row): Row => {
    const out: Row = {};
    for (const [k, v] of Object.entries(r)) {
      if (k === 'i16') continue;
      if (k === 'address' && v !== null && typeof v === 'object' && !Array.isArray(v)) {
        const { city, ...rest } = v;
        out.address = { town: city, ...rest };
      } else out[k === 'text' ? 'label' : k] = v;
    }
    return out;
  };
  const renamedFields: DeltaField[] = allTypesFields
    .filter((f) => f.name !== 'i16')
    .map((f) => {
      if (f.name === 'text') return { ...f, name: 'label' };
      if (f.name === 'address' && typeof f.type !== 'string' && f.type.type === 'struct') {
        return { ...f, type: { ...f.type, fields: f.type.fields.map((g) => (g.name === 'city' ? { ...g, name: 'town' } : g)) } };
      }
      return f;
    });
  const second = allTypesRows(20, 7).map(reshape);
  const latest = await oracle.sparkWrite(path, { schema: renamedFields, partitionBy: ['part'], rows: second });

  const log = readdirSync(join(path, '_delta_log')).filter((f) => f.endsWith('.json'));
  const logText = log.map((f) => readFileSync(join(path, '_delta_log', f), 'utf8')).join('\n');
  assert.ok(logText.includes('delta.columnMapping.physicalName'), 'Spark assigned physical column names');
  await sameAsSpark(path, first, 'before the renames', v1);
  await sameAsSpark(path, [...first.map(reshape), ...second], 'after rename, drop and append', latest);
});

test('V2 checkpoints with sidecars: Tributary reads every version as Spark', async () => {
  const path = join(scratch.dir, 'v2-checkpoint');
  const batches = [allTypesRows(0, 5), allTypesRows(10, 5), allTypesRows(20, 5), allTypesRows(30, 5)];
  const versions: number[] = [];
  versions.push(await oracle.sparkWrite(path, { schema: allTypesFields, partitionBy: ['part'], rows: batches[0], properties: { 'delta.checkpointPolicy': 'v2', 'delta.checkpointInterval': '2' } }));
  for (const rows of batches.slice(1)) versions.push(await oracle.sparkWrite(path, { schema: allTypesFields, partitionBy: ['part'], rows }));
  const log = readdirSync(join(path, '_delta_log'));
  assert.ok(log.some((f) => /\.checkpoint\.[0-9a-f-]{36}\.(json|parquet)$/.test(f)), `Spark wrote a V2 checkpoint: ${log.join(', ')}`);
  let soFar: Row[] = [];
  for (const [i, v] of versions.entries()) {
    soFar = [...soFar, ...batches[i]];
    await sameAsSpark(path, soFar, `v${v}`, v);
  }
});

test('type widening: short → int after data was written, then wider values → Tributary reads old and new files as Spark', async () => {
  const path = join(scratch.dir, 'type-widening');
  const fields: DeltaField[] = [
    { name: 'id', type: 'long', nullable: true },
    { name: 'n', type: 'short', nullable: true },
    { name: 'f', type: 'float', nullable: true },
  ];
  const first: Row[] = [{ id: '1', n: -32768, f: 1.5 }, { id: '2', n: 32767, f: null }, { id: '3', n: null, f: -2.25 }];
  const v1 = await oracle.sparkWrite(path, { schema: fields, rows: first, properties: { 'delta.enableTypeWidening': 'true' } });
  await oracle.sparkSql(`ALTER TABLE ${deltaPath(path)} CHANGE COLUMN n TYPE INT`);
  await oracle.sparkSql(`ALTER TABLE ${deltaPath(path)} CHANGE COLUMN f TYPE DOUBLE`);
  const wide: DeltaField[] = [fields[0], { ...fields[1], type: 'integer' }, { ...fields[2], type: 'double' }];
  const second: Row[] = [{ id: '4', n: 2147483647, f: 0.1 }, { id: '5', n: -2147483648, f: 1e300 }];
  const v2 = await oracle.sparkWrite(path, { schema: wide, rows: second });
  await sameAsSpark(path, first, 'before widening', v1);
  await sameAsSpark(path, [...first, ...second], 'after widening', v2);
});

test('MERGE (with deletion vectors) and OPTIMIZE: Tributary reads the results as Spark', async () => {
  const path = join(scratch.dir, 'merge');
  const rows = allTypesRows(0, 14);
  await oracle.sparkWrite(path, { schema: allTypesFields, partitionBy: ['part'], rows, properties: { 'delta.enableDeletionVectors': 'true' } });
  await oracle.sparkSql(
    `MERGE INTO ${deltaPath(path)} t USING (SELECT CAST(id AS BIGINT) AS id, CAST(id * 10 AS INT) AS i32 FROM range(10, 20)) s ` +
      'ON t.id = s.id WHEN MATCHED AND s.id % 2 = 0 THEN DELETE WHEN MATCHED THEN UPDATE SET t.i32 = s.i32, t.text = NULL ' +
      "WHEN NOT MATCHED THEN INSERT (id, part, i32) VALUES (s.id, 'south', s.i32)",
  );
  let want = rows
    .filter((r) => !(Number(r.id) >= 10 && Number(r.id) % 2 === 0))
    .map((r) => (Number(r.id) >= 10 ? { ...r, i32: Number(r.id) * 10, text: null } : r));
  // Source ids 14..19 match nothing, so all of them are inserted (even ones too).
  const inserted = Array.from({ length: 6 }, (_, i) => 14 + i).map((id) => {
    const r: Row = {};
    for (const f of allTypesFields) r[f.name] = null;
    return { ...r, id: String(id), part: 'south', i32: id * 10 };
  });
  want = [...want, ...inserted];
  await sameAsSpark(path, want, 'after MERGE');
  await oracle.sparkSql(`OPTIMIZE ${deltaPath(path)}`);
  await sameAsSpark(path, want, 'after OPTIMIZE');
});

test.run();
