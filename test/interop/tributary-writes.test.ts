// Issue 3 interop (a): tables Tributary writes — every type, partitioned and
// not, appends, a full overwrite, a replaceWhere overwrite, checkpoints — read
// the same in Python deltalake (delta-rs) and Spark + delta-spark, at the
// latest version and at every older one; Spark's DESCRIBE HISTORY shows the
// operations Tributary recorded.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { DeltaTable } from '../../src/delta/index.ts';
import { allTypesFields, allTypesRows, nullRow } from './all-types.ts';
import { Oracle, assertSameRows, scratchDir, sortRows, type Row } from './oracle.ts';
import { arrowSchemaOf, specToArrow } from './spec-to-arrow.ts';
import { tributaryRead } from './tributary.ts';

const oracle = new Oracle();
const scratch = scratchDir('tributary-writes');
test.after(async () => {
  await oracle.close();
  scratch.cleanup();
});

const write = (rows: Row[]) => specToArrow(allTypesFields, rows);

/** Every version's expected rows, built from the same batches Tributary wrote. */
interface Scenario {
  path: string;
  expected: Map<number, Row[]>;
  operations: Array<{ version: number; operation: string; mode?: string; predicate?: RegExp }>;
}

async function runScenario(name: string, options: { partitionBy?: string[]; properties?: Record<string, string>; replaceWhere: string; keep: (r: Row) => boolean; replacement: Row[] }): Promise<Scenario> {
  const path = join(scratch.dir, name);
  const expected = new Map<number, Row[]>();
  const operations: Scenario['operations'] = [];
  const table = await DeltaTable.create(path, { schema: arrowSchemaOf(allTypesFields), partitionBy: options.partitionBy, properties: options.properties });
  assert.is(table.version(), 0);
  expected.set(0, []);
  operations.push({ version: 0, operation: 'CREATE TABLE' });

  let current: Row[] = [];
  const batches = [[...allTypesRows(0, 7), nullRow(7, 'south')], allTypesRows(10, 9), allTypesRows(30, 5)];
  for (const batch of batches) {
    const r = await table.append(write(batch));
    current = [...current, ...batch];
    expected.set(r.version, current);
    operations.push({ version: r.version, operation: 'WRITE', mode: 'Append' });
  }
  const overwriteRows = allTypesRows(100, 12);
  let r = await table.overwrite(write(overwriteRows));
  current = overwriteRows;
  expected.set(r.version, current);
  operations.push({ version: r.version, operation: 'WRITE', mode: 'Overwrite' });

  r = await table.overwrite(write(options.replacement), { replaceWhere: options.replaceWhere });
  current = [...current.filter((row) => !options.keep(row)), ...options.replacement];
  expected.set(r.version, current);
  operations.push({ version: r.version, operation: 'WRITE', mode: 'Overwrite', predicate: new RegExp(options.replaceWhere.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) });
  assert.equal([...expected.keys()], [0, 1, 2, 3, 4, 5], 'one version per commit');
  return { path, expected, operations };
}

async function checkEveryVersion(s: Scenario): Promise<void> {
  for (const [version, rows] of s.expected) {
    const want = sortRows(rows);
    const ours = await tributaryRead(s.path, version);
    assertSameRows(ours.rows, want, `tributary rows at v${version}`);
    const dl = await oracle.deltalakeRead(s.path, version);
    assert.is(dl.version, version);
    assertSameRows(dl.rows, want, `deltalake rows at v${version}`);
    assert.equal(dl.schema.fields, allTypesFields, `deltalake schema at v${version}`);
    const spark = await oracle.sparkRead(s.path, version);
    assertSameRows(spark.rows, want, `spark rows at v${version}`);
    assert.equal(spark.schema.fields.map((f) => [f.name, f.type]), allTypesFields.map((f) => [f.name, f.type]), `spark schema at v${version}`);
  }
  const latest = Math.max(...s.expected.keys());
  assert.is((await oracle.sparkRead(s.path)).version, latest, 'spark sees the latest version');
  assert.is((await oracle.deltalakeRead(s.path)).version, latest, 'deltalake sees the latest version');

  const history = await oracle.sparkHistory(s.path);
  assert.equal(history.map((h) => h.version), s.operations.map((o) => o.version), 'spark history versions');
  for (const [i, op] of s.operations.entries()) {
    const h = history[i];
    assert.is(h.operation, op.operation, `operation of v${op.version}`);
    if (op.mode) assert.is(h.operationParameters.mode, op.mode, `mode of v${op.version}`);
    if (op.predicate) assert.match(String(h.operationParameters.predicate), op.predicate, `predicate of v${op.version}: ${h.operationParameters.predicate}`);
  }
}

test('unpartitioned: appends, overwrite, replaceWhere on a data column → deltalake and Spark read every version', async () => {
  const replacement = allTypesRows(200, 4);
  const s = await runScenario('flat', { replaceWhere: 'id >= 105', keep: (r) => Number(r.id) >= 105, replacement });
  await checkEveryVersion(s);
});

test('partitioned, checkpoint every 2 commits: appends, overwrite, replaceWhere on the partition → deltalake and Spark read every version', async () => {
  const replacement = allTypesRows(200, 9).filter((r) => r.part === 'north');
  const s = await runScenario('partitioned', {
    partitionBy: ['part'],
    properties: { 'delta.checkpointInterval': '2' },
    replaceWhere: "part = 'north'",
    keep: (r) => r.part === 'north',
    replacement,
  });
  await checkEveryVersion(s);
});

test.run();
