import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { lastValueFrom, map, Observable, scan, takeWhile, timeout, VirtualTimeScheduler } from 'rxjs';
import { DeltaTable } from '../../src/delta/table.ts';
import { Transaction } from '../../src/delta/transaction.ts';
import { loadSnapshot } from '../../src/delta/snapshot.ts';
import { LocalStorage } from '../../src/delta/storage/local-storage.ts';
import { removeOf } from '../../src/delta/operations/write.ts';
import { readStream, deltaStreamOffset, type DeltaStreamOffset } from '../../src/reactive/sources/readStream.ts';
import { toDelta, type BatchCommit } from '../../src/reactive/sinks/toDelta.ts';
import { lastCommittedOffset } from '../../src/reactive/sinks/lastCommittedOffset.ts';
import { batchOf, duckIdStats, rows, tempDir } from './sinks/helpers.ts';

const idsOf = (batches: arrow.RecordBatch[]) => batches.flatMap((b) => Array.from(b.getChild('id')!.toArray() as BigInt64Array, Number));
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

/** Collects batches until `enough` holds (then unsubscribes), failing after `timeoutMs`. */
function collectUntil(source: Observable<arrow.RecordBatch>, enough: (all: arrow.RecordBatch[]) => boolean, timeoutMs = 5000): Promise<arrow.RecordBatch[]> {
  return new Promise((resolve, reject) => {
    const all: arrow.RecordBatch[] = [];
    const timer = setTimeout(() => {
      sub.unsubscribe();
      reject(new Error(`timed out after ${timeoutMs} ms with ids ${idsOf(all).join(',')}`));
    }, timeoutMs);
    const sub = source.subscribe({
      next: (b) => {
        all.push(b);
        if (enough(all)) {
          clearTimeout(timer);
          queueMicrotask(() => sub.unsubscribe());
          resolve(all);
        }
      },
      error: (e) => (clearTimeout(timer), reject(e)),
      complete: () => (clearTimeout(timer), reject(new Error('readStream completed; it should poll until unsubscribed'))),
    });
  });
}

/** A LocalStorage that records the paths read, to know when a stream is polling for a version. */
class WatchedStorage extends LocalStorage {
  /** Paths whose read has completed. */
  readonly reads: string[] = [];
  override async read(path: string): Promise<Uint8Array | null> {
    const bytes = await super.read(path);
    this.reads.push(path);
    return bytes;
  }
}

/** Waits until `cond` holds (checked every 5 ms), failing after 5 s. */
async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const commitFile = (v: number) => `_delta_log/${String(v).padStart(20, '0')}.json`;

const rowCount = (n: number) => (all: arrow.RecordBatch[]) => all.reduce((s, b) => s + b.numRows, 0) >= n;

test('a growing table: current rows first, then each new version in order, tagged with offsets', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const t = await DeltaTable.create(dir, { schema: rows(0, 1).schema });
    await t.append(rows(0, 5)); // v1
    await t.append(rows(5, 5)); // v2
    const storage = new WatchedStorage(dir);
    const seen = collectUntil(readStream(storage, { pollIntervalMs: 10 }), rowCount(25));
    // Appends made while the stream polls for version 3.
    await until(() => storage.reads.includes(commitFile(3)), 'the stream to poll for version 3');
    await t.append(rows(10, 10)); // v3
    await t.append(rows(20, 5)); // v4
    const batches = await seen;
    assert.equal(idsOf(batches).slice(0, 10).sort((a, b) => a - b), range(0, 10), 'the initial snapshot');
    assert.equal(idsOf(batches).slice(10), range(10, 15), 'then the new versions in order');
    const offsets = batches.map(deltaStreamOffset);
    assert.equal(offsets.slice(-2), [{ version: 3, index: 0 }, { version: 4, index: 0 }]);
    assert.ok(offsets.slice(0, -2).every((o) => o?.version === 2 && o.initialSnapshot === true));
  } finally {
    cleanup();
  }
});

test("startingVersion reads commits from that version; 'latest' only new ones; past the end is an error", async () => {
  const { dir, cleanup } = tempDir();
  try {
    const t = await DeltaTable.create(dir, { schema: rows(0, 1).schema });
    for (let i = 0; i < 3; i++) await t.append(rows(i * 10, 10)); // v1..v3
    const fromV2 = await collectUntil(readStream(dir, { startingVersion: 2, pollIntervalMs: 10 }), rowCount(20));
    assert.equal(idsOf(fromV2), range(10, 20));
    const storage = new WatchedStorage(dir);
    const latest = collectUntil(readStream(storage, { startingVersion: 'latest', pollIntervalMs: 10 }), rowCount(3));
    await until(() => storage.reads.includes(commitFile(4)), 'the stream to poll for version 4');
    await t.append(rows(100, 3));
    assert.equal(idsOf(await latest), [100, 101, 102]);
    const err = await lastValueFrom(readStream(dir, { startingVersion: 9 }).pipe(timeout({ each: 5000 }))).catch((e: Error) => e);
    assert.match((err as Error).message, /startingVersion 9 is after the latest version 4/);
  } finally {
    cleanup();
  }
});

test('polling waits on the given scheduler: virtual time decides when a new version is seen', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const t = await DeltaTable.create(dir, { schema: rows(0, 1).schema });
    const scheduler = new VirtualTimeScheduler();
    const seen: number[] = [];
    const storage = new WatchedStorage(dir);
    const sub = readStream(storage, { startingVersion: 'latest', pollIntervalMs: 60_000, scheduler }).subscribe((b) => seen.push(...idsOf([b])));
    // The stream finds no version 1 and parks on the scheduler.
    await until(() => storage.reads.includes(commitFile(1)), 'the stream to look for version 1');
    await t.append(rows(7, 2));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(seen, [], 'no poll before virtual time moves, however long real time runs');
    scheduler.flush(); // 60 s of virtual time
    const deadline = Date.now() + 3000;
    while (seen.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    sub.unsubscribe();
    assert.equal(seen, [7, 8]);
  } finally {
    cleanup();
  }
});

test('a commit that removes data fails the stream naming the version and operation; skipChangeCommits skips it', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const t = await DeltaTable.create(dir, { schema: rows(0, 1).schema });
    await t.append(rows(0, 3)); // v1
    await t.overwrite(rows(50, 2)); // v2: removes v1's file
    await t.append(rows(60, 2)); // v3
    const err = await lastValueFrom(readStream(dir, { startingVersion: 1, pollIntervalMs: 10 }).pipe(timeout({ each: 5000 }))).catch((e: Error) => e);
    assert.instance(err, Error);
    assert.match((err as Error).message, /version 2 of Delta table .* \(operation WRITE, mode Overwrite\) removed 1 data file/);
    assert.match((err as Error).message, /skipChangeCommits/);
    const skipped = await collectUntil(readStream(dir, { startingVersion: 1, skipChangeCommits: true, pollIntervalMs: 10 }), (all) => idsOf(all).includes(61));
    assert.equal(idsOf(skipped), [0, 1, 2, 60, 61], 'the overwrite commit is skipped entirely');
  } finally {
    cleanup();
  }
});

test('commits that change no data (an OPTIMIZE-like rewrite with dataChange=false) are skipped silently', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const storage = new LocalStorage(dir);
    const t = await DeltaTable.create(storage, { schema: rows(0, 1).schema });
    await t.append(rows(0, 4)); // v1
    // v2 rewrites v1's file under a new name without changing data.
    const snap = await loadSnapshot(storage);
    const old = snap.files()[0]!;
    const path = old.path.replace('part-', 'part-compacted-');
    copyFileSync(join(dir, old.path), join(dir, path));
    const txn = new Transaction(storage, snap, { operation: 'OPTIMIZE' });
    txn.readWholeTable();
    txn.addFile({ ...old, path, dataChange: false });
    txn.removeFile({ ...removeOf(old, Date.now()), dataChange: false });
    assert.is((await txn.commit()).status, 'committed');
    await t.refresh();
    await t.append(rows(10, 2)); // v3
    const got = await collectUntil(readStream(dir, { startingVersion: 1, pollIntervalMs: 10 }), (all) => idsOf(all).includes(11));
    assert.equal(idsOf(got), [0, 1, 2, 3, 10, 11]);
    assert.equal(got.map((b) => deltaStreamOffset(b)?.version), [1, 3]);
  } finally {
    cleanup();
  }
});

test('maxFilesPerBatch splits a version; resuming from a mid-version offset reads only the rest', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const t = await DeltaTable.create(dir, { schema: rows(0, 1).schema });
    const many = await t.append(rows(0, 400), { targetFileSize: 1024 }); // v1 in several files
    const nFiles = many.addedFiles.length;
    assert.ok(nFiles >= 4, `expected several files, got ${nFiles}`);
    const all = await collectUntil(readStream(dir, { startingVersion: 1, maxFilesPerBatch: 2, pollIntervalMs: 10 }), rowCount(400));
    assert.is(all.length, Math.ceil(nFiles / 2));
    assert.equal(all.map((b) => deltaStreamOffset(b)), all.map((_, i) => ({ version: 1, index: Math.min(2 * i + 1, nFiles - 1) })));
    assert.equal(idsOf(all), range(0, 400));
    // Resume after the first batch: the remaining files' rows, nothing twice.
    const firstRows = all[0]!.numRows;
    const rest = await collectUntil(readStream(dir, { startingOffset: deltaStreamOffset(all[0]!), maxFilesPerBatch: 2, pollIntervalMs: 10 }), rowCount(400 - firstRows));
    assert.equal(idsOf(rest), range(firstRows, 400 - firstRows));
  } finally {
    cleanup();
  }
});

test('bronze → silver → gold: chained live streams land every row exactly once across a restart', async () => {
  const bronze = tempDir('tributary-bronze-');
  const silver = tempDir('tributary-silver-');
  const gold = tempDir('tributary-gold-');
  try {
    const b = await DeltaTable.create(bronze.dir, { schema: rows(0, 1).schema });
    for (let i = 0; i < 4; i++) await b.append(rows(i * 100, 100)); // v1..v4

    /** Runs a pipeline until its commits hold `target` rows in total (or `commits` commits), then stops it. */
    const runUntil = (commits: Observable<BatchCommit>, stop: { rows?: number; commits?: number }) =>
      lastValueFrom(
        commits.pipe(
          scan((acc, c) => ({ rows: acc.rows + c.numRows, commits: [...acc.commits, c] }), { rows: 0, commits: [] as BatchCommit[] }),
          takeWhile((acc) => !(acc.rows >= (stop.rows ?? Infinity) || acc.commits.length >= (stop.commits ?? Infinity)), true),
          map((acc) => acc.commits),
        ),
      );
    // silver keeps even ids and resumes from the bronze offset it committed last.
    const silverStream = async () => {
      const last = await lastCommittedOffset<DeltaStreamOffset>(silver.dir, 'silver');
      return readStream(bronze.dir, { startingOffset: last?.sourceOffset, maxFilesPerBatch: 1, pollIntervalMs: 10 }).pipe(
        map(evenIds),
        toDelta(silver.dir, { appId: 'silver' }),
      );
    };
    const first = await runUntil(await silverStream(), { commits: 2 });
    assert.equal(first.map((c) => c.batchId), [0, 1]);
    assert.equal(first.map((c) => c.sourceOffset), [{ version: 4, index: 0, initialSnapshot: true }, { version: 4, index: 1, initialSnapshot: true }]);
    const firstRows = first.reduce((s, c) => s + c.numRows, 0);

    await b.append(rows(400, 100)); // v5, while silver is down
    // gold follows silver live while silver catches up; both stop once they hold all 250 even ids.
    const goldRun = runUntil(readStream(silver.dir, { pollIntervalMs: 10 }).pipe(toDelta(gold.dir, { appId: 'gold' })), { rows: 250 });
    const second = await runUntil(await silverStream(), { rows: 250 - firstRows });
    assert.equal(second[0]!.batchId, 2, 'silver numbering continues');
    assert.equal(second.at(-1)!.sourceOffset, { version: 5, index: 0 });
    await goldRun;
    assert.equal(await duckIdStats(silver.dir), { count: 250, distinct: 250, min: 0, max: 498 });
    assert.equal(await duckIdStats(gold.dir), { count: 250, distinct: 250, min: 0, max: 498 });
  } finally {
    bronze.cleanup();
    silver.cleanup();
    gold.cleanup();
  }
});

/** The rows of a batch with an even id, keeping the batch's schema (and so its offset tag). */
function evenIds(batch: arrow.RecordBatch): arrow.RecordBatch {
  const ids = batch.getChild('id')!.toArray() as BigInt64Array;
  const names = batch.getChild('name')!;
  const keep = range(0, batch.numRows).filter((i) => ids[i]! % 2n === 0n);
  const picked = batchOf({
    id: arrow.vectorFromArray(keep.map((i) => ids[i]!), new arrow.Int64()),
    name: arrow.vectorFromArray(keep.map((i) => String(names.get(i))), new arrow.Utf8()),
  });
  return new arrow.RecordBatch(new arrow.Schema(picked.schema.fields, batch.schema.metadata), picked.data);
}

test.run();
