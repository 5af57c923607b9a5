// toDelta fed micro-batches as Tables of chunks (microBatch output 'table'):
// each Table is one commit holding exactly its rows (read back by DuckDB and
// Tributary's scan), callbacks see the Table, and a synchronous source keeps
// being pulled while the sink's commits progress (the source yields to the
// event loop while the sink holds a batch).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { lastValueFrom, tap, toArray } from 'rxjs';
import { DeltaTable } from '../../../src/delta/table.ts';
import { backpressure } from '../../../src/reactive/sources/backpressure.ts';
import { fromBatches } from '../../../src/reactive/sources/fromBatches.ts';
import { microBatch } from '../../../src/reactive/operators/microBatch.ts';
import { toDelta } from '../../../src/reactive/sinks/toDelta.ts';
import { duckIdStats, rows, scanIdStats, tempDir } from './helpers.ts';

test('Tables of chunks commit once each, with every row, and callbacks see the Table', async () => {
  const { dir, cleanup } = tempDir();
  try {
    // 23 input batches of 13 rows (ids 0..298), re-batched into Tables of ≤ 100 rows, several chunks each.
    const input = Array.from({ length: 23 }, (_, i) => rows(i * 13, 13));
    const seen: { chunks: number; rows: number }[] = [];
    const commits = await lastValueFrom(
      fromBatches(input).pipe(
        microBatch({ maxRows: 100, output: 'table' }),
        toDelta(dir, {
          appId: 'chunks',
          sourceOffset: (t: arrow.Table) => {
            seen.push({ chunks: t.batches.length, rows: t.numRows });
            return { rows: t.numRows };
          },
        }),
        toArray(),
      ),
    );
    assert.equal(commits.map((c) => c.numRows), [100, 100, 99]);
    assert.equal(seen.map((s) => s.rows), [100, 100, 99]);
    assert.ok(seen.every((s) => s.chunks > 1), 'each micro-batch arrived as several chunks');
    assert.equal(commits.map((c) => c.addedFiles), [1, 1, 1]);
    const table = await DeltaTable.open(dir);
    assert.is(table.version(), commits.at(-1)!.version);
    const want = { count: 299, distinct: 299, min: 0, max: 298 };
    assert.equal(await duckIdStats(dir), want);
    assert.equal(await scanIdStats(dir), want);
  } finally {
    cleanup();
  }
});

test('a synchronous source keeps being pulled while the sink commits', async () => {
  const { dir, cleanup } = tempDir();
  try {
    // A high-water mark the source never reaches: without yielding to the event loop, the
    // whole synchronous source would be pulled before the first commit could make progress.
    const bp = backpressure({ highWaterMark: 1000 });
    const total = 80;
    let pulled = 0;
    // Each batch costs 2 ms of synchronous work, as filtering a large batch does.
    function* source(): Generator<arrow.RecordBatch> {
      for (let i = 0; i < total; i++) {
        pulled = i + 1;
        const until = performance.now() + 2;
        while (performance.now() < until);
        yield rows(i * 10, 10);
      }
    }
    const pulledAtCommit: number[] = [];
    await lastValueFrom(
      fromBatches(source(), { backpressure: bp }).pipe(
        microBatch({ maxRows: 40, output: 'table' }),
        toDelta(dir, { appId: 'overlap', backpressure: bp }),
        tap(() => pulledAtCommit.push(pulled)),
        toArray(),
      ),
    );
    assert.is(pulledAtCommit.length, 20);
    assert.ok(pulledAtCommit[0]! < total, `the first commit landed only after all ${total} batches were pulled`);
    assert.equal(await scanIdStats(dir), { count: 800, distinct: 800, min: 0, max: 799 });
  } finally {
    cleanup();
  }
});

test.run();
