// MERGE and the change data feed against Spark: Tributary merges (deletion
// vectors, change data) into its own table and into one Spark created and
// merged into with deletion vectors; Spark reads the rows back and its
// table_changes equals Tributary's readChangeFeed (commit timestamps included).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { join } from 'node:path';
import { merge, readChangeFeed } from '../../src/cdc/index.ts';
import { DeltaTable } from '../../src/delta/index.ts';
import { Oracle, assertSameRows, deltaPath, scratchDir, sortRows, type Row } from './oracle.ts';

const oracle = new Oracle();
const scratch = scratchDir('cdf');
test.after(async () => {
  await oracle.close();
  scratch.cleanup();
});

const schema = new arrow.Schema([new arrow.Field('id', new arrow.Int64(), true), new arrow.Field('part', new arrow.Utf8(), true), new arrow.Field('v', new arrow.Int32(), true)]);
function batch(rows: { id: number; part: string; v: number | null }[], ops?: string[]): arrow.Table {
  const t = new arrow.Table({
    id: arrow.vectorFromArray(BigInt64Array.from(rows.map((r) => BigInt(r.id)))),
    part: arrow.vectorFromArray(rows.map((r) => r.part), new arrow.Utf8()),
    v: arrow.vectorFromArray(rows.map((r) => r.v), new arrow.Int32()),
    ...(ops ? { op: arrow.vectorFromArray(ops, new arrow.Utf8()) } : {}),
  });
  return t;
}

/** Our change feed as Spark's rows print (timestamps ISO with Z, longs as numbers). */
async function ourFeed(path: string): Promise<Row[]> {
  const t = await readChangeFeed(path, { startingVersion: 0 });
  return sortRows(t.toArray().map((r) => ({
    id: Number(r.id),
    part: r.part as string,
    v: r.v as number | null,
    _change_type: r._change_type as string,
    _commit_version: Number(r._commit_version),
    _commit_timestamp: new Date(Number(r._commit_timestamp)).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z'),
  })));
}

async function sparkFeed(path: string): Promise<Row[]> {
  const rows = await oracle.sparkSql(`SELECT id, part, v, _change_type, _commit_version, _commit_timestamp FROM table_changes_by_path('${path}', 0)`);
  return sortRows(rows.map((r) => ({ ...r, _commit_timestamp: String(r._commit_timestamp).replace(/\.(\d+)Z$/, (_m, f: string) => `.${f.padEnd(6, '0')}Z`).replace(/:(\d\d)Z$/, ':$1.000000Z') })));
}

const upsert = {
  on: ['id'],
  whenMatched: [{ condition: "source.op = 'D'", delete: true as const }, { update: { v: 'source.v', part: 'source.part' } }],
  whenNotMatched: [{ condition: "source.op <> 'D'", insert: { id: 'source.id', part: 'source.part', v: 'source.v' } }],
};

test('Tributary merges with deletion vectors and change data: Spark reads the rows and the same table_changes', async () => {
  const path = join(scratch.dir, 'ours');
  const table = await DeltaTable.create(path, {
    schema,
    partitionBy: ['part'],
    properties: { 'delta.enableChangeDataFeed': 'true', 'delta.enableDeletionVectors': 'true' },
  });
  await table.append(batch(Array.from({ length: 20 }, (_, i) => ({ id: i, part: i % 2 ? 'x' : 'y', v: i }))));
  await merge(table, batch([{ id: 1, part: 'x', v: 100 }, { id: 2, part: 'y', v: 0 }, { id: 50, part: 'x', v: 5 }, { id: 4, part: 'x', v: 44 }], ['U', 'D', 'I', 'U']), upsert);
  await merge(table, batch([{ id: 60, part: 'y', v: 6 }], ['I']), upsert); // inserts only: no change files
  await merge(table, batch([{ id: 1, part: 'x', v: 101 }, { id: 3, part: 'x', v: 0 }], ['U', 'D']), upsert);

  const ours = sortRows((await table.toArrow()).toArray().map((r) => ({ id: Number(r.id), part: r.part as string, v: r.v as number | null })));
  const spark = sortRows((await oracle.sparkSql(`SELECT id, part, v FROM ${deltaPath(path)}`)) as Row[]);
  assertSameRows(spark, ours, 'Spark reading the merged table');
  assertSameRows(await ourFeed(path), await sparkFeed(path), 'readChangeFeed vs Spark table_changes');
});

test('Spark-created table with deletion vectors and change data, merged by Spark then by Tributary', async () => {
  const path = join(scratch.dir, 'spark');
  await oracle.sparkSql(
    `CREATE TABLE ${deltaPath(path)} (id BIGINT, part STRING, v INT) USING delta PARTITIONED BY (part) ` +
      `TBLPROPERTIES ('delta.enableChangeDataFeed' = 'true', 'delta.enableDeletionVectors' = 'true')`,
  );
  await oracle.sparkSql(`INSERT INTO ${deltaPath(path)} SELECT id, IF(id % 2 = 0, 'y', 'x'), CAST(id AS INT) FROM range(0, 30)`);
  await oracle.sparkSql(
    `MERGE INTO ${deltaPath(path)} AS target USING (SELECT id, 'x' AS part, -1 AS v FROM range(0, 30, 7)) AS source ON target.id = source.id ` +
      'WHEN MATCHED AND source.id = 14 THEN DELETE WHEN MATCHED THEN UPDATE SET v = source.v',
  );
  const table = await DeltaTable.open(path);
  await merge(table, batch([{ id: 7, part: 'x', v: 70 }, { id: 8, part: 'y', v: 0 }, { id: 99, part: 'y', v: 9 }], ['U', 'D', 'I']), upsert);

  const ours = sortRows((await table.toArrow()).toArray().map((r) => ({ id: Number(r.id), part: r.part as string, v: r.v as number | null })));
  const spark = sortRows((await oracle.sparkSql(`SELECT id, part, v FROM ${deltaPath(path)}`)) as Row[]);
  assertSameRows(spark, ours, 'Spark reading after our merge');
  assert.ok(ours.some((r) => r.id === 7 && r.v === 70));
  assertSameRows(await ourFeed(path), await sparkFeed(path), 'readChangeFeed vs Spark table_changes');
});

test.run();
