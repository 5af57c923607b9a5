// The change data feed: merges with delta.enableChangeDataFeed write change
// files whose rows readChangeFeed returns; expected rows are derived
// independently with SQL joins in DuckDB over the rows before the merge.
// Versions without change files (appends, inserts-only merges, overwrites)
// are derived from adds and removes as Spark does. Python deltalake's
// load_cdf cross-checks our tables and the delta-rs fixtures when available.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { merge, readChangeFeed } from '../../src/cdc/index.ts';
import { DeltaTable } from '../../src/delta/table.ts';
import { Transaction } from '../../src/delta/transaction.ts';
import { removeOf } from '../../src/delta/operations/write.ts';
import { scanFileRows } from '../../src/delta/scan-file.ts';
import { writeDeletionVectors } from '../../src/delta/deletion-vector-writer.ts';
import { commitPath } from '../../src/delta/log-path.ts';
import {
  canonical, COLUMNS, deltalakePython, duck, duckCanonical, loadDuck, randomSource, randomTable, runPython, tempDir, toArrow, type Row,
} from './merge/helpers.ts';

const cdfProps = { 'delta.enableChangeDataFeed': 'true' };
const FEED = [...COLUMNS, '_change_type'];
const python = deltalakePython();
if (!python) console.log('SKIP deltalake load_cdf cross-checks: set TRIBUTARY_PYTHON to a Python with deltalake');

async function feedRows(table: DeltaTable, from: number, to: number, columns: readonly string[] = FEED): Promise<string[]> {
  const t = await readChangeFeed(table, { startingVersion: from, endingVersion: to });
  return t.toArray().map((r) => canonical(columns.map((c) => (r as Record<string, unknown>)[c]))).sort();
}

/** Expected change rows of the standard merge (delete by op, update v/s, insert non-deletes), by SQL over `tgt` (before) and `src`. */
async function expectedMergeChanges(): Promise<string[]> {
  const sql = `
    SELECT t.*, 'update_preimage' AS _change_type FROM tgt t JOIN src s ON t.id = s.id WHERE s.op <> 'D'
    UNION ALL SELECT t.id, t.part, s.v, s.s, t.amt, 'update_postimage' FROM tgt t JOIN src s ON t.id = s.id WHERE s.op <> 'D'
    UNION ALL SELECT t.*, 'delete' FROM tgt t JOIN src s ON t.id = s.id WHERE s.op = 'D'
    UNION ALL SELECT s.id, s.part, s.v, s.s, s.amt, 'insert' FROM src s WHERE s.op <> 'D' AND NOT EXISTS (SELECT 1 FROM tgt t WHERE t.id = s.id)`;
  return duckCanonical(sql, FEED);
}

const standard = {
  on: ['id'],
  whenMatched: [{ condition: "source.op = 'D'", delete: true as const }, { update: { v: 'source.v', s: 'source.s' } }],
  whenNotMatched: [{ condition: "source.op <> 'D'", insert: '*' as const }],
};

async function applyToDuck(): Promise<void> {
  await (await duck()).run(`MERGE INTO tgt AS target USING src AS source ON target.id = source.id
    WHEN MATCHED AND source.op = 'D' THEN DELETE
    WHEN MATCHED THEN UPDATE SET v = source.v, s = source.s
    WHEN NOT MATCHED AND source.op <> 'D' THEN INSERT (id, part, v, s, amt) VALUES (source.id, source.part, source.v, source.s, source.amt)`);
}

for (const [label, spec] of [
  ['unpartitioned, copy-on-write', { partitioned: false, properties: cdfProps }],
  ['partitioned, deletion vectors', { partitioned: true, properties: { ...cdfProps, 'delta.enableDeletionVectors': 'true' } }],
] as const) {
  test(`merges write change data equal to the SQL-derived changes (${label})`, async () => {
    const dir = tempDir('cdf');
    const { table, rows } = await randomTable(dir, { ...spec, seed: 141, appends: 2, rows: 120 });
    // Versions 1-2 are the appends: every row an insert.
    assert.equal(await feedRows(table, 1, 2), rows.map((r) => canonical([...COLUMNS.map((c) => r[c]), 'insert'])).sort());

    await loadDuck('tgt', rows);
    const source = randomSource(rows, 142, 40);
    await loadDuck('src', source, true);
    const expected = await expectedMergeChanges();
    const r = await merge(table, toArrow(source, true), standard);
    assert.ok(r.metrics.numTargetChangeFilesAdded > 0);
    assert.equal(await feedRows(table, r.version, r.version), expected);
    await applyToDuck();

    // An inserts-only merge writes no change files: its adds are read as inserts.
    const before = (await duckCanonical('SELECT * FROM tgt')).length;
    const fresh = randomSource(rows, 143, 10).filter((x) => x.op === 'I');
    const r2 = await merge(table, toArrow(fresh, true), { on: ['id'], whenNotMatched: [{ insert: '*' }] });
    assert.is(r2.metrics.numTargetChangeFilesAdded, 0);
    assert.equal(await feedRows(table, r2.version, r2.version), fresh.map((x) => canonical([...COLUMNS.map((c) => x[c]), 'insert'])).sort());
    assert.ok(before > 0);

    // The whole range at once, with the version column.
    const all = await readChangeFeed(table, { startingVersion: 0 });
    const versions = new Set(all.getChild('_commit_version')!.toArray() as BigInt64Array);
    assert.equal([...versions].map(Number).sort(), [1, 2, r.version, r2.version]);

    if (python) {
      const code = `
import sys, json
import pyarrow as pa
from deltalake import DeltaTable
t = pa.RecordBatchReader.from_stream(DeltaTable(sys.argv[1]).load_cdf(starting_version=0)).read_all()
print(json.dumps([{k: v for k, v in r.items() if k != "_commit_timestamp"} for r in t.to_pylist()], default=str))`;
      const theirs = (runPython(python, code, [dir]) as Record<string, unknown>[]).map((x) => canonical([...FEED, '_commit_version'].map((c) => x[c]))).sort();
      const ours = all.toArray().map((x) => canonical([...FEED, '_commit_version'].map((c) => (x as Record<string, unknown>)[c]))).sort();
      assert.equal(ours, theirs, 'Python deltalake load_cdf');
    }
  });
}

test('commit timestamps are the commit files\' times (strictly increasing); timestamp bounds select versions', async () => {
  const { table, rows } = await randomTable(tempDir('cdf-ts'), { seed: 151, appends: 3, rows: 30, properties: cdfProps });
  const feed = await readChangeFeed(table, { startingVersion: 1 });
  const byVersion = new Map<number, number>();
  feed.toArray().forEach((r) => byVersion.set(Number(r._commit_version), Number(r._commit_timestamp)));
  let prev = -Infinity;
  for (const v of [1, 2, 3]) {
    const t = byVersion.get(v)!;
    const mtime = statSync(join(table.storage.root, commitPath(v))).mtimeMs;
    assert.ok(t >= Math.floor(mtime) && t > prev, `version ${v}: ${t} vs file time ${mtime}`);
    prev = t;
  }
  const t2 = byVersion.get(2)!;
  const mid = await readChangeFeed(table, { startingTimestamp: t2, endingTimestamp: t2 });
  assert.equal([...new Set((mid.getChild('_commit_version')!.toArray() as BigInt64Array))].map(Number), [2]);
  assert.is(mid.numRows, rows.filter((_, i) => i >= 10 && i < 20).length);
  const none = await readChangeFeed(table, { startingVersion: 3, endingVersion: 2 });
  assert.is(none.numRows, 0);
});

test('an overwrite is read as deletes and inserts; a table without the feed is refused', async () => {
  const { table, rows } = await randomTable(tempDir('cdf-ow'), { partitioned: true, seed: 161, appends: 1, rows: 30, properties: cdfProps });
  const replacement: Row[] = [{ id: 999, part: 'a', v: 1, s: 'x', amt: 1 }];
  const r = await table.overwrite(toArrow(replacement), { replaceWhere: "part = 'a'" });
  const expected = [
    ...rows.filter((x) => x.part === 'a').map((x) => canonical([...COLUMNS.map((c) => x[c]), 'delete'])),
    canonical([999, 'a', 1, 'x', 1, 'insert']),
  ].sort();
  assert.equal(await feedRows(table, r.version, r.version), expected);

  const { table: plain } = await randomTable(tempDir('nocdf'), { seed: 162, appends: 1, rows: 5 });
  await readChangeFeed(plain, { startingVersion: 0 }).then(
    () => assert.unreachable(),
    (err: Error) => assert.match(err.message, /version 1 changed data while delta.enableChangeDataFeed was not enabled/),
  );
});

test('a commit that only adds a deletion vector (no change files) reads as deletes of the newly masked rows', async () => {
  const dir = tempDir('cdf-dv');
  const { table, rows } = await randomTable(dir, { seed: 171, appends: 1, rows: 10, properties: { ...cdfProps, 'delta.enableDeletionVectors': 'true' } });
  // Mask rows 1 and 3 through a commit of our own that writes no change file (as a DELETE by another writer might).
  const add = table.files()[0];
  const { descriptors } = await writeDeletionVectors(table.storage, [Uint32Array.of(1, 3)]);
  const txn = new Transaction(table.storage, table.snapshot, { operation: 'DELETE' });
  txn.removeFile(removeOf(add, Date.now()));
  txn.addFile({ ...add, deletionVector: descriptors[0] });
  const r = await txn.commit();
  assert.is(r.status, 'committed');
  const v = r.status === 'committed' ? r.version : -1;
  const physical = (await scanFileRows(table.storage, table.snapshot, add)).data.toArray().map((x) => Number(x.id));
  const gone = [physical[1], physical[3]];
  const expected = rows.filter((x) => gone.includes(x.id)).map((x) => canonical([...COLUMNS.map((c) => x[c]), 'delete'])).sort();
  assert.equal(await feedRows(table, v, v), expected);
});

test('delta-rs fixtures with change data: same rows as Python deltalake load_cdf', async () => {
  for (const name of ['cdf-table', 'cdf-table-non-partitioned', 'simple_table_with_cdc']) {
    const fixture = join('/work/shared/fixtures/delta/delta-rs', name);
    if (!existsSync(fixture)) {
      console.log(`SKIP: fixture ${fixture} is absent`);
      continue;
    }
    const dir = tempDir(name);
    cpSync(fixture, dir, { recursive: true });
    const feed = await readChangeFeed(dir, { startingVersion: 0 });
    const cols = feed.schema.fields.map((f) => f.name).filter((c) => c !== '_commit_timestamp');
    const types = new Set(feed.getChild('_change_type')!.toArray() as string[]);
    assert.ok(types.has('insert'), `${name} has inserts`);
    if (!python) continue;
    const code = `
import sys, json
import pyarrow as pa
from deltalake import DeltaTable
t = pa.RecordBatchReader.from_stream(DeltaTable(sys.argv[1]).load_cdf(starting_version=0)).read_all()
for f in t.schema:
    if pa.types.is_date(f.type) or pa.types.is_timestamp(f.type):
        t = t.set_column(t.schema.get_field_index(f.name), f.name, t.column(f.name).cast(pa.int64() if pa.types.is_timestamp(f.type) else pa.int32()))
print(json.dumps(t.to_pylist(), default=str))`;
    const theirs = (runPython(python, code, [dir]) as Record<string, unknown>[]).map((x) => canonical(cols.map((c) => x[c]))).sort();
    const ours = feed.toArray().map((x) => canonical(cols.map((c) => {
      const v = (x as Record<string, unknown>)[c];
      // Dates come back as epoch ms from Arrow JS; deltalake's as days.
      return feed.schema.fields.find((f) => f.name === c)!.typeId === 8 && typeof v === 'number' ? v / 86_400_000 : v;
    }))).sort();
    assert.equal(ours, theirs, name);
  }
});

test.run();
