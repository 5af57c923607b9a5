// MERGE against DuckDB's MERGE INTO on the same random rows: partitioned and
// unpartitioned tables of several files, sources mixing updates, deletes and
// inserts, conditions over both sides, NOT MATCHED BY SOURCE clauses. The
// result is read back twice: by this project's reader and by DuckDB reading
// the data files the log lists; copy-on-write and deletion-vector modes must
// give the same rows.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync } from 'node:fs';
import { merge } from '../../../src/cdc/index.ts';
import { DeltaTable } from '../../../src/delta/table.ts';
import type { MergeOptions } from '../../../src/cdc/index.ts';
import { duckTableRows, oracleMerge, ourRows, randomSource, randomTable, tempDir, toArrow, type Row, type SourceRow } from './helpers.ts';

interface Scenario {
  name: string;
  options: MergeOptions;
  /** The same merge in DuckDB SQL (target `tgt`, source `src`). */
  sql: string;
}

const allColumns = { id: 'source.id', part: 'source.part', v: 'source.v', s: 'source.s', amt: 'source.amt' };

const scenarios: Scenario[] = [
  {
    name: 'keys, delete by op, update, conditional insert',
    options: {
      on: ['id'],
      whenMatched: [{ condition: "source.op = 'D'", delete: true }, { update: { v: 'source.v', s: 'source.s' } }],
      whenNotMatched: [{ condition: "source.op <> 'D'", insert: allColumns }],
    },
    sql: `MERGE INTO tgt AS target USING src AS source ON target.id = source.id
      WHEN MATCHED AND source.op = 'D' THEN DELETE
      WHEN MATCHED THEN UPDATE SET v = source.v, s = source.s
      WHEN NOT MATCHED AND source.op <> 'D' THEN INSERT (id, part, v, s, amt) VALUES (source.id, source.part, source.v, source.s, source.amt)`,
  },
  {
    name: 'SQL join on id and partition, conditions over both sides, expressions, insert *',
    options: {
      on: 'target.id = source.id AND target.part = source.part',
      whenMatched: [
        { condition: 'source.v > target.v', update: { v: 'target.v + source.v', amt: 'source.amt * 2' } },
        { condition: "op = 'D'", delete: true },
      ],
      whenNotMatched: [{ insert: '*' }],
    },
    sql: `MERGE INTO tgt AS target USING src AS source ON target.id = source.id AND target.part = source.part
      WHEN MATCHED AND source.v > target.v THEN UPDATE SET v = target.v + source.v, amt = source.amt * 2
      WHEN MATCHED AND source.op = 'D' THEN DELETE
      WHEN NOT MATCHED THEN INSERT (id, part, v, s, amt) VALUES (source.id, source.part, source.v, source.s, source.amt)`,
  },
  {
    name: 'NOT MATCHED BY SOURCE delete and update, string concatenation',
    options: {
      on: ['id'],
      whenMatched: [{ update: { s: "source.s || '!'" } }],
      whenNotMatchedBySource: [{ condition: 'target.v < 0', delete: true }, { condition: 'target.v IS NULL', update: { v: '0', s: "'filled'" } }],
    },
    sql: `MERGE INTO tgt AS target USING src AS source ON target.id = source.id
      WHEN MATCHED THEN UPDATE SET s = source.s || '!'
      WHEN NOT MATCHED BY SOURCE AND target.v < 0 THEN DELETE
      WHEN NOT MATCHED BY SOURCE AND target.v IS NULL THEN UPDATE SET v = 0, s = 'filled'`,
  },
  {
    name: 'inserts only, source-only ON conjunct',
    options: {
      on: "target.id = source.id AND source.op <> 'D'",
      whenNotMatched: [{ condition: 'source.amt > 100', insert: { id: 'id', part: 'part', amt: 'amt' } }],
    },
    sql: `MERGE INTO tgt AS target USING src AS source ON target.id = source.id AND source.op <> 'D'
      WHEN NOT MATCHED AND source.amt > 100 THEN INSERT (id, part, amt) VALUES (source.id, source.part, source.amt)`,
  },
  {
    name: 'custom aliases, unqualified columns, a key name as the ON string',
    options: {
      on: 'id',
      sourceAlias: 's',
      targetAlias: 't',
      whenMatched: [{ condition: "op = 'D' AND t.v IS NOT NULL", delete: true }, { condition: 's.amt > t.amt', update: { amt: 's.amt - t.amt', s: "'grew'" } }],
      whenNotMatched: [{ condition: "op = 'I'", insert: { id: 'id', part: 'upper(part)', v: 'v * 2' } }],
    },
    sql: `MERGE INTO tgt AS t USING src AS s ON t.id = s.id
      WHEN MATCHED AND s.op = 'D' AND t.v IS NOT NULL THEN DELETE
      WHEN MATCHED AND s.amt > t.amt THEN UPDATE SET amt = s.amt - t.amt, s = 'grew'
      WHEN NOT MATCHED AND s.op = 'I' THEN INSERT (id, part, v) VALUES (s.id, upper(s.part), s.v * 2)`,
  },
];

// One base table per layout (deletion vectors enabled, so both modes can run on copies of it).
const bases = new Map<boolean, Promise<{ dir: string; rows: Row[] }>>();
function base(partitioned: boolean): Promise<{ dir: string; rows: Row[] }> {
  let b = bases.get(partitioned);
  if (!b) {
    const dir = tempDir('base');
    b = randomTable(dir, { partitioned, seed: partitioned ? 12 : 11, appends: 3, rows: 400, properties: { 'delta.enableDeletionVectors': 'true' } }).then(({ rows }) => ({ dir, rows }));
    bases.set(partitioned, b);
  }
  return b;
}

async function check(s: Scenario, partitioned: boolean, seed: number): Promise<void> {
  const { dir, rows } = await base(partitioned);
  const dirCow = tempDir('cow');
  const dirDv = tempDir('dv');
  cpSync(dir, dirCow, { recursive: true });
  cpSync(dir, dirDv, { recursive: true });
  const cow = await DeltaTable.open(dirCow);
  const dv = await DeltaTable.open(dirDv);
  const source: SourceRow[] = randomSource(rows, seed + 100, 100);
  const expected = await oracleMerge(rows, source, s.sql);

  const rc = await merge(cow, toArrow(source, true), { ...s.options, mode: 'copy-on-write' });
  const rd = await merge(dv, toArrow(source, true), s.options);
  const what = `${s.name} (${partitioned ? 'partitioned' : 'unpartitioned'}, seed ${seed})`;
  assert.equal(await ourRows(cow), expected, `copy-on-write, our reader: ${what}`);
  assert.equal(await duckTableRows(dirCow), expected, `copy-on-write, DuckDB reading the files: ${what}`);
  assert.equal(await ourRows(dv), expected, `deletion vectors, our reader: ${what}`);
  assert.equal(await duckTableRows(dirDv), expected, `deletion vectors, DuckDB reading the files minus DV rows: ${what}`);

  // Both modes report the same row counts; rows only move between files in copy-on-write.
  for (const k of ['numTargetRowsInserted', 'numTargetRowsUpdated', 'numTargetRowsDeleted', 'numSourceRows'] as const) {
    assert.is(rd.metrics[k], rc.metrics[k], `${k}: ${what}`);
  }
  const changed = rc.metrics.numTargetRowsUpdated + rc.metrics.numTargetRowsDeleted;
  assert.is(rc.metrics.numTargetRowsCopied + rc.metrics.numTargetRowsUpdated + rc.metrics.numTargetRowsInserted, rc.metrics.numOutputRows);
  assert.is(rd.metrics.numTargetRowsCopied, 0);
  if (changed > 0) assert.ok(rd.metrics.numTargetDeletionVectorsAdded + rd.metrics.numTargetFilesRemoved > 0, `DV mode masked files: ${what}`);
  else assert.is(rc.metrics.numTargetFilesRemoved, 0, `no file rewritten without changes: ${what}`);
}

for (const s of scenarios) {
  test(`${s.name}: same rows as DuckDB MERGE INTO`, async () => {
    await check(s, false, 11);
    await check(s, true, 12);
  });
}

test('operationParameters and operationMetrics are recorded like Spark', async () => {
  const { table, rows } = await randomTable(tempDir(), { seed: 3, appends: 2, rows: 100 });
  const source = randomSource(rows, 4, 30);
  const r = await merge(table, toArrow(source, true), scenarios[0].options);
  const [entry] = await table.history(1);
  assert.is(entry.operation, 'MERGE');
  assert.is(entry.version, r.version);
  const params = entry.operationParameters as Record<string, string>;
  assert.equal(JSON.parse(params.predicate), ['target.id = source.id']);
  assert.equal(JSON.parse(params.matchedPredicates), [{ predicate: "source.op = 'D'", actionType: 'delete' }, { actionType: 'update' }]);
  assert.equal(JSON.parse(params.notMatchedPredicates), [{ predicate: "source.op <> 'D'", actionType: 'insert' }]);
  const m = entry.operationMetrics as Record<string, string>;
  assert.is(m.numSourceRows, '30');
  const deletes = source.filter((x) => x.op === 'D').length;
  const updates = source.filter((x) => x.op === 'U').length;
  const inserts = source.filter((x) => x.op === 'I').length;
  assert.is(m.numTargetRowsDeleted, String(deletes));
  assert.is(m.numTargetRowsUpdated, String(updates));
  assert.is(m.numTargetRowsInserted, String(inserts));
  assert.is(m.numTargetRowsCopied, String(r.metrics.numTargetRowsCopied));
});

test.run();
