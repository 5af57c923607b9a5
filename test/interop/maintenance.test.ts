// Issue 7 interop: after Tributary's OPTIMIZE (bin-pack and Z-order) and
// VACUUM, Python deltalake (delta-rs) and Spark + delta-spark read exactly the
// rows written, Spark's DESCRIBE HISTORY shows OPTIMIZE / VACUUM START /
// VACUUM END with their parameters, and a Spark table whose DELETE left
// deletion vectors is compacted into DV-free files Spark reads the same.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { DeltaTable } from '../../src/delta/index.ts';
import { optimize, vacuum, manualClock } from '../../src/delta/maintenance/index.ts';
import { allTypesFields, allTypesRows } from './all-types.ts';
import { Oracle, assertSameRows, deltaPath, scratchDir, sortRows, type Row } from './oracle.ts';
import { arrowSchemaOf, specToArrow } from './spec-to-arrow.ts';
import { tributaryRead } from './tributary.ts';

const oracle = new Oracle();
const scratch = scratchDir('maintenance');
test.after(async () => {
  await oracle.close();
  scratch.cleanup();
});

async function sameEverywhere(path: string, want: Row[], label: string, readers: ('deltalake' | 'spark')[] = ['deltalake', 'spark']): Promise<void> {
  const sorted = sortRows(want);
  assertSameRows((await tributaryRead(path)).rows, sorted, `tributary ${label}`);
  if (readers.includes('deltalake')) assertSameRows((await oracle.deltalakeRead(path)).rows, sorted, `deltalake ${label}`);
  if (readers.includes('spark')) assertSameRows((await oracle.sparkRead(path)).rows, sorted, `spark ${label}`);
}

test('Tributary OPTIMIZE (bin-pack, Z-order) and VACUUM: delta-rs and Spark read the same rows; history shows the operations', async () => {
  const path = join(scratch.dir, 'optimized');
  const table = await DeltaTable.create(path, { schema: arrowSchemaOf(allTypesFields), partitionBy: ['part'] });
  let rows: Row[] = [];
  for (let i = 0; i < 5; i++) {
    const batch = allTypesRows(i * 20, 12);
    rows = [...rows, ...batch];
    await table.append(specToArrow(allTypesFields, batch));
  }
  const compacted = await optimize(path);
  assert.ok(compacted.metrics.numFilesRemoved > compacted.metrics.numFilesAdded);
  await sameEverywhere(path, rows, 'after bin-pack');

  const z = await optimize(path, { zOrder: ['i64', 'text'] });
  assert.ok(z.version !== null);
  await sameEverywhere(path, rows, 'after Z-order');

  // Time travel to before OPTIMIZE still works (nothing vacuumed yet).
  const before = await oracle.sparkRead(path, compacted.version! - 1);
  assertSameRows(before.rows, sortRows(rows), 'spark time travel before OPTIMIZE');

  const v = await vacuum(path, { retentionHours: 0, enforceRetention: false, clock: manualClock(Date.now() + 60_000) });
  assert.ok(v.numDeletedFiles >= compacted.metrics.numFilesRemoved);
  await sameEverywhere(path, rows, 'after VACUUM');

  const history = await oracle.sparkHistory(path);
  const ops = history.map((h) => h.operation);
  assert.equal(ops.slice(-4), ['OPTIMIZE', 'OPTIMIZE', 'VACUUM START', 'VACUUM END']);
  const zh = history[history.length - 3];
  assert.is(zh.operationParameters.zOrderBy, '["i64","text"]');
  assert.is(zh.operationMetrics?.numRemovedFiles, String(z.metrics.numFilesRemoved));
  const end = history[history.length - 1];
  assert.is(end.operationMetrics?.numDeletedFiles, String(v.numDeletedFiles));
});

// deltalake 1.6.6 refuses any table whose protocol lists the deletionVectors reader feature, so Spark is the oracle here.
test('a Spark table with deletion vectors: Tributary OPTIMIZE purges them and Spark reads the same rows', async () => {
  const path = join(scratch.dir, 'spark-dv');
  const rows = [...allTypesRows(0, 15), ...allTypesRows(40, 15)];
  await oracle.sparkWrite(path, { schema: allTypesFields, rows, properties: { 'delta.enableDeletionVectors': 'true' } });
  await oracle.sparkWrite(path, { schema: allTypesFields, rows: allTypesRows(100, 10), mode: 'append' });
  await oracle.sparkSql(`DELETE FROM ${deltaPath(path)} WHERE id % 4 = 1`);
  const want = [...rows, ...allTypesRows(100, 10)].filter((r) => Number(r.id) % 4 !== 1);
  const t = await DeltaTable.open(path);
  assert.ok(t.files().some((f) => f.deletionVector), 'Spark left deletion vectors');
  const r = await optimize(path);
  assert.ok(r.metrics.numDeletionVectorsRemoved > 0);
  await sameEverywhere(path, want, 'after OPTIMIZE of a DV table', ['spark']);
  assert.ok((await DeltaTable.open(path)).files().every((f) => !f.deletionVector), 'no deletion vector left');
  const h = await oracle.sparkHistory(path);
  assert.is(h[h.length - 1].operation, 'OPTIMIZE');
  assert.is(h[h.length - 1].operationParameters.auto, 'false');
});

test.run();
