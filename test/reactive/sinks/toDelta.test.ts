import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { from, lastValueFrom, take, toArray } from 'rxjs';
import { DeltaTable } from '../../../src/delta/table.ts';
import { LocalStorage } from '../../../src/delta/storage/local-storage.ts';
import { readCommit } from '../../../src/delta/snapshot.ts';
import { backpressure } from '../../../src/reactive/sources/backpressure.ts';
import { fromBatches } from '../../../src/reactive/sources/fromBatches.ts';
import { toDelta, type BatchCommit } from '../../../src/reactive/sinks/toDelta.ts';
import { lastCommittedOffset } from '../../../src/reactive/sinks/lastCommittedOffset.ts';
import { batchOf, dataFiles, duckIdStats, rows, scanIdStats, tempDir } from './helpers.ts';
import { query } from '../support/duckdb.ts';

type Offset = { nextRow: number };

/** A source of `total` rows in batches of `size` that resumes at row `start`, and the offset function that goes with it. */
function resumable(start: number, total: number, size: number) {
  const batches: arrow.RecordBatch[] = [];
  for (let r = start; r < total; r += size) batches.push(rows(r, Math.min(size, total - r)));
  let next = start;
  return { source: from(batches), sourceOffset: (b: arrow.RecordBatch): Offset => ({ nextRow: (next += b.numRows) }) };
}

test('a restarted pipeline resumes from the committed offset: every row exactly once', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const appId = 'ingest';
    // First run stops after 4 commits (as if the process died there).
    const first = resumable(0, 1000, 100);
    const r1 = await lastValueFrom(first.source.pipe(toDelta<Offset>(dir, { appId, sourceOffset: first.sourceOffset }), take(4), toArray()));
    assert.equal(r1.map((c) => c.batchId), [0, 1, 2, 3]);
    assert.equal(r1.map((c) => c.version), [1, 2, 3, 4], 'version 0 creates the table from the first batch');

    const last = await lastCommittedOffset<Offset>(dir, appId);
    assert.equal(last, { appId, batchId: 3, sourceOffset: { nextRow: 400 } });

    const second = resumable(last!.sourceOffset!.nextRow, 1000, 100);
    const r2 = await lastValueFrom(second.source.pipe(toDelta<Offset>(dir, { appId, sourceOffset: second.sourceOffset }), toArray()));
    assert.equal(r2.map((c) => c.batchId), [4, 5, 6, 7, 8, 9], 'numbering continues after the committed batch id');
    assert.ok(r2.every((c) => !c.skipped));

    const expected = { count: 1000, distinct: 1000, min: 0, max: 999 };
    assert.equal(await duckIdStats(dir), expected);
    assert.equal(await scanIdStats(dir), expected);
    const t = await DeltaTable.open(dir);
    assert.is(t.snapshot.txnVersion(appId), 9);
    assert.equal((await lastCommittedOffset<Offset>(dir, appId))?.sourceOffset, { nextRow: 1000 });
  } finally {
    cleanup();
  }
});

test('a source that replays from the start skips the batch ids already committed', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const all = Array.from({ length: 8 }, (_, i) => rows(i * 50, 50));
    const byIndex = { batchId: (_b: arrow.RecordBatch, i: number) => i };
    await lastValueFrom(from(all).pipe(toDelta(dir, { appId: 'replay', ...byIndex }), take(3), toArray()));
    const out = await lastValueFrom(from(all).pipe(toDelta(dir, { appId: 'replay', ...byIndex }), toArray()));
    assert.equal(out.map((c) => [c.batchId, c.skipped]), [[0, true], [1, true], [2, true], [3, false], [4, false], [5, false], [6, false], [7, false]]);
    assert.equal(await duckIdStats(dir), { count: 400, distinct: 400, min: 0, max: 399 });
    // A third replay writes nothing at all.
    const v = (await DeltaTable.open(dir)).version();
    const again = await lastValueFrom(from(all).pipe(toDelta(dir, { appId: 'replay', ...byIndex }), toArray()));
    assert.ok(again.every((c) => c.skipped));
    assert.is((await DeltaTable.open(dir)).version(), v);
  } finally {
    cleanup();
  }
});

test('an explicit batch id that falls back after newer ones is an error, not a silent skip', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const all = Array.from({ length: 4 }, (_, i) => rows(i * 10, 10));
    await lastValueFrom(from(all.slice(0, 2)).pipe(toDelta(dir, { appId: 'ids', batchId: (_b, i) => i }), toArray()));
    // Committed: 0, 1. This run sends 2, 3, then 1 again (after newer ids).
    const ids = [2, 3, 1];
    const run = lastValueFrom(from(all.slice(1, 4)).pipe(toDelta(dir, { appId: 'ids', batchId: (_b, i) => ids[i]! }), toArray()));
    await run.then(
      () => assert.unreachable('the stream should fail'),
      (err: Error) => assert.match(err.message, /batch ids must increase; got 1 after 3/),
    );
  } finally {
    cleanup();
  }
});

test('each batch is one commit carrying txn and commitInfo.tributary, in batch order', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const storage = new LocalStorage(dir);
    await DeltaTable.create(storage, { schema: rows(0, 1).schema });
    const bp = backpressure({ highWaterMark: 1 });
    let pulled = 0;
    let done = 0;
    let maxAhead = 0;
    function* gen() {
      for (let i = 0; i < 12; i++) {
        pulled++;
        maxAhead = Math.max(maxAhead, pulled - done);
        yield rows(i * 10, 10);
      }
    }
    const results: BatchCommit[] = [];
    await new Promise<void>((resolve, reject) =>
      fromBatches(gen(), { backpressure: bp })
        .pipe(toDelta(storage, { appId: 'ordered', backpressure: bp, sourceOffset: (b) => Number(b.getChild('id')!.get(0)) }))
        .subscribe({ next: (c) => (done++, results.push(c)), error: reject, complete: resolve }),
    );
    assert.equal(results.map((c) => c.version), Array.from({ length: 12 }, (_, i) => i + 1));
    assert.ok(maxAhead <= 2, `the source ran ${maxAhead} batches ahead of the commits`);
    for (let v = 1; v <= 12; v++) {
      const actions = await readCommit(storage, v);
      const info = actions.find((a) => 'commitInfo' in a) as { commitInfo: Record<string, unknown> };
      const txn = actions.find((a) => 'txn' in a) as { txn: { appId: string; version: number } };
      assert.equal(info.commitInfo.tributary, { appId: 'ordered', batchId: v - 1, sourceOffset: (v - 1) * 10 });
      assert.equal([txn.txn.appId, txn.txn.version], ['ordered', v - 1]);
      // The commit's files hold exactly that batch's ids, read by DuckDB.
      const files = actions.flatMap((a) => ('add' in a ? [`'${dir}/${a.add.path}'`] : []));
      const [[min, max, n]] = (await query(`SELECT min(id)::INT, max(id)::INT, count(*)::INT FROM read_parquet([${files.join(',')}])`)) as number[][];
      assert.equal([min, max, n], [(v - 1) * 10, (v - 1) * 10 + 9, 10]);
    }
  } finally {
    cleanup();
  }
});

test('a batch that does not match the schema fails naming table and column, leaving the table as it was', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await lastValueFrom(from([rows(0, 5)]).pipe(toDelta(dir, { appId: 'a' })));
    const bad = batchOf({ id: arrow.vectorFromArray(['x'], new arrow.Utf8()), name: arrow.vectorFromArray(['y'], new arrow.Utf8()) });
    const err = await lastValueFrom(from([bad]).pipe(toDelta(dir, { appId: 'a' }))).catch((e: Error) => e);
    assert.instance(err, Error);
    assert.match((err as Error).message, dir);
    assert.match((err as Error).message, /Column 'id' has type Utf8/);
    assert.match((err as Error).message, /appId 'a'.*batch 1/);

    const extra = batchOf({ id: arrow.vectorFromArray([9n], new arrow.Int64()), name: arrow.vectorFromArray(['z'], new arrow.Utf8()), note: arrow.vectorFromArray(['n'], new arrow.Utf8()) });
    const err2 = await lastValueFrom(from([extra]).pipe(toDelta(dir, { appId: 'a' }))).catch((e: Error) => e);
    assert.match((err2 as Error).message, /'note'.*mergeSchema: true/);
    const t = await DeltaTable.open(dir);
    assert.is(t.version(), 1);
    assert.is(t.snapshot.txnVersion('a'), 0);
    assert.equal(await duckIdStats(dir), { count: 5, distinct: 5, min: 0, max: 4 });
  } finally {
    cleanup();
  }
});

test('mergeSchema adds new nullable columns, as Delta does', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const withNote = batchOf({
      id: arrow.vectorFromArray([10n, 11n], new arrow.Int64()),
      name: arrow.vectorFromArray(['a', 'b'], new arrow.Utf8()),
      note: arrow.vectorFromArray(['first', null], new arrow.Utf8()),
    });
    const out = await lastValueFrom(from([rows(0, 3), withNote, rows(20, 1)]).pipe(toDelta(dir, { appId: 'm', mergeSchema: true }), toArray()));
    assert.equal(out.map((c) => c.batchId), [0, 1, 2]);
    const t = await DeltaTable.open(dir);
    const note = t.schema().fields.find((f) => f.name === 'note');
    assert.ok(note && note.nullable && note.type.typeId === arrow.Type.Utf8);
    const files = (await dataFiles(dir)).map((f) => `'${f}'`).join(',');
    const got = await query(`SELECT id::INT, note FROM read_parquet([${files}], union_by_name = true) ORDER BY id`);
    assert.equal(got, [[0, null], [1, null], [2, null], [10, 'first'], [11, null], [20, null]]);
  } finally {
    cleanup();
  }
});

test("mode 'overwrite' replaces the rows with each batch and still records progress", async () => {
  const { dir, cleanup } = tempDir();
  try {
    await lastValueFrom(from([rows(0, 5), rows(100, 3)]).pipe(toDelta(dir, { appId: 'o', mode: 'overwrite', sourceOffset: (b) => b.numRows })));
    assert.equal(await duckIdStats(dir), { count: 3, distinct: 3, min: 100, max: 102 });
    assert.equal(await lastCommittedOffset(dir, 'o'), { appId: 'o', batchId: 1, sourceOffset: 3 });
  } finally {
    cleanup();
  }
});

test('two pipelines with one appId: the second cannot commit a batch id the first already took', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await lastValueFrom(from([rows(0, 2)]).pipe(toDelta(dir, { appId: 'p' })));
    // Both read batch id 0 at start; the slower one must fail instead of dropping or duplicating data.
    const a = lastValueFrom(from([rows(10, 2), rows(12, 2)]).pipe(toDelta(dir, { appId: 'p' }), toArray()));
    const b = lastValueFrom(from([rows(20, 2), rows(22, 2)]).pipe(toDelta(dir, { appId: 'p' }), toArray()));
    const settled = await Promise.allSettled([a, b]);
    const failed = settled.filter((s) => s.status === 'rejected') as PromiseRejectedResult[];
    assert.ok(failed.length >= 1, 'at least one pipeline fails');
    for (const f of failed) assert.match((f.reason as Error).message, /appId 'p'/);
    const stats = await duckIdStats(dir);
    const t = await DeltaTable.open(dir);
    // Every committed batch id appears once: rows = 2 per committed batch.
    assert.is(stats.count, 2 * (t.snapshot.txnVersion('p')! + 1));
    assert.is(stats.count, stats.distinct);
  } finally {
    cleanup();
  }
});

test('lastCommittedOffset survives log cleanup through domain metadata; without it the error says what to enable', async () => {
  for (const feature of [true, false]) {
    const { dir, cleanup } = tempDir();
    try {
      const properties: Record<string, string> = { 'delta.checkpointInterval': '3' };
      if (feature) properties['delta.feature.domainMetadata'] = 'supported';
      await DeltaTable.create(dir, { schema: rows(0, 1).schema, properties });
      await lastValueFrom(from([0, 1, 2].map((i) => rows(i * 10, 10))).pipe(toDelta(dir, { appId: 'c', sourceOffset: (b) => ({ last: Number(b.getChild('id')!.get(9)) }) })));
      const storage = new LocalStorage(dir);
      // Version 3 has a checkpoint; drop every commit file up to it, as log cleanup would.
      assert.ok(await storage.head('_delta_log/00000000000000000003.checkpoint.parquet'));
      for (let v = 0; v <= 3; v++) await storage.delete(`_delta_log/${String(v).padStart(20, '0')}.json`);
      if (feature) {
        assert.equal(await lastCommittedOffset(dir, 'c'), { appId: 'c', batchId: 2, sourceOffset: { last: 29 } });
      } else {
        const err = await lastCommittedOffset(dir, 'c').catch((e: Error) => e);
        assert.instance(err, Error);
        assert.match((err as Error).message, /'c' committed batch 2.*log cleanup.*domainMetadata/);
      }
    } finally {
      cleanup();
    }
  }
});

test('domain metadata is refused on a table without the domainMetadata writer feature, leaving it unchanged', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const t = await DeltaTable.create(dir, { schema: rows(0, 1).schema });
    const err = await t.append(rows(0, 2), { domainMetadata: [{ domain: 'tributary.streaming.x', configuration: '{}', removed: false }] }).catch((e: Error) => e);
    assert.match((err as Error).message, /lacks writer feature 'domainMetadata'/);
    assert.is((await DeltaTable.open(dir)).version(), 0);
  } finally {
    cleanup();
  }
});

test('lastCommittedOffset: undefined for a missing table or an unknown appId', async () => {
  const { dir, cleanup } = tempDir();
  try {
    assert.is(await lastCommittedOffset(`${dir}/nothing`, 'x'), undefined);
    await lastValueFrom(from([rows(0, 1)]).pipe(toDelta(dir, { appId: 'x' })));
    assert.is(await lastCommittedOffset(dir, 'y'), undefined);
    assert.equal(await lastCommittedOffset(dir, 'x'), { appId: 'x', batchId: 0 });
  } finally {
    cleanup();
  }
});

test.run();
