// A Delta table as a streaming source: the rows its commits add, version by
// version, polling for new versions until unsubscribed (Spark's
// `readStream.format("delta")`). Each emitted batch is tagged with the offset
// it reaches, so a downstream `toDelta` can store it with its commit and a
// restarted pipeline can resume right after it.
import * as arrow from 'apache-arrow';
import { asyncScheduler, Observable, type SchedulerLike, type Subscription } from 'rxjs';
import type { Action, Add, CommitInfo } from '../../delta/actions.ts';
import { parseActions } from '../../delta/commit-reader.ts';
import { CorruptLogError } from '../../delta/errors.ts';
import { commitPath } from '../../delta/log-path.ts';
import { scanSnapshot } from '../../delta/scan.ts';
import { listCommits, loadSnapshot, type Snapshot } from '../../delta/snapshot.ts';
import type { Storage } from '../../delta/storage/storage.ts';
import { concatBatches } from '../batch/concatBatches.ts';
import { storageOfRef, type TableRef } from '../sinks/tableRef.ts';
import type { Backpressure } from './backpressure.ts';

/**
 * Position in a Delta stream: the batch holding it covers data files up to
 * and including file `index` of version `version` — of the commit's
 * `dataChange` adds in log order, or, when `initialSnapshot` is set, of the
 * files of the snapshot at `version` sorted by path.
 */
export interface DeltaStreamOffset {
  version: number;
  index: number;
  initialSnapshot?: boolean;
}

/** Options of {@link readStream}. */
export interface ReadStreamOptions {
  /**
   * First version whose commit is read; 'latest' reads only commits made
   * after subscribing. When neither this nor `startingOffset` is given, the
   * table's current rows come first (as of the latest version), then every
   * later commit — as Spark does.
   */
  startingVersion?: number | 'latest';
  /** Resume right after this offset (e.g. the `sourceOffset` that `lastCommittedOffset` returns). */
  startingOffset?: DeltaStreamOffset;
  /**
   * Skip commits that remove data files (overwrite, DELETE, UPDATE, MERGE)
   * entirely instead of failing. Default false.
   */
  skipChangeCommits?: boolean;
  /** Data files per emitted batch, at most (one version never shares a batch with another). Default 1000. */
  maxFilesPerBatch?: number;
  /** How long to wait before looking for a new version again. Default 1000 ms. */
  pollIntervalMs?: number;
  /** Drives the poll timer. Default asyncScheduler. */
  scheduler?: SchedulerLike;
  /** Pause reading files while this consumer is busy. */
  backpressure?: Backpressure;
}

/** Schema-metadata key holding a batch's {@link DeltaStreamOffset} as JSON. */
export const STREAM_OFFSET_KEY = 'tributary.delta.streamOffset';

/**
 * The offset a batch emitted by {@link readStream} reaches, or undefined for
 * other batches. The tag lives in the batch's schema metadata, so it survives
 * slicing and operators that keep the schema; batches coalesced by
 * `microBatch` carry the tag of their first piece, so resuming needs batches
 * as readStream emits them.
 */
export function deltaStreamOffset(batch: arrow.RecordBatch): DeltaStreamOffset | undefined {
  const raw = batch.schema.metadata.get(STREAM_OFFSET_KEY);
  if (raw === undefined) return undefined;
  try {
    const o = JSON.parse(raw) as DeltaStreamOffset;
    return Number.isSafeInteger(o.version) && Number.isSafeInteger(o.index) ? o : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Streams the rows that a Delta table's commits add, in version order, as
 * Arrow RecordBatches (up to `maxFilesPerBatch` files of one version each,
 * tagged with {@link deltaStreamOffset}), then keeps polling for new versions
 * until unsubscribed. The stream is append-only: a commit removing data files
 * with `dataChange=true` fails it with an error naming the version and
 * operation, unless `skipChangeCommits` is set; commits that change no data
 * (OPTIMIZE, metadata only) are skipped silently. A schema change shows up as
 * batches with the new schema.
 *
 * @example
 * const silverAppId = 'silver';
 * const last = await lastCommittedOffset<DeltaStreamOffset>(silverPath, silverAppId);
 * readStream(bronzePath, { startingOffset: last?.sourceOffset, pollIntervalMs: 500 })
 *   .pipe(map(cleanUp), toDelta(silverPath, { appId: silverAppId }))
 *   .subscribe();
 */
export function readStream(table: TableRef, options: ReadStreamOptions = {}): Observable<arrow.RecordBatch> {
  const maxFiles = options.maxFilesPerBatch ?? 1000;
  if (!Number.isInteger(maxFiles) || maxFiles < 1) throw new RangeError(`readStream: maxFilesPerBatch must be a positive integer, got ${maxFiles}`);
  const pollMs = options.pollIntervalMs ?? 1000;
  if (!(pollMs >= 0)) throw new RangeError(`readStream: pollIntervalMs must be ≥ 0, got ${pollMs}`);
  const sv = options.startingVersion;
  if (sv !== undefined && sv !== 'latest' && !(Number.isSafeInteger(sv) && sv >= 0)) {
    throw new RangeError(`readStream: startingVersion must be a version number ≥ 0 or 'latest', got ${String(sv)}`);
  }
  if (sv !== undefined && options.startingOffset !== undefined) throw new RangeError('readStream: give startingVersion or startingOffset, not both');
  const scheduler = options.scheduler ?? asyncScheduler;
  const storage = storageOfRef(table);

  return new Observable<arrow.RecordBatch>((subscriber) => {
    let closed = false;
    let timer: Subscription | null = null;
    let wake: (() => void) | null = null;
    /** Resolves after `ms` on the scheduler, or at once when the subscriber leaves. */
    const pause = (ms: number) =>
      new Promise<void>((resolve) => {
        wake = resolve;
        timer = scheduler.schedule(() => {
          timer = null;
          wake = null;
          resolve();
        }, ms);
      });
    const stopped = new Promise<void>((resolve) => subscriber.add(resolve));

    const emitFiles = async (snapshot: Snapshot, files: Add[], version: number, after: number, initialSnapshot: boolean) => {
      for (let start = after + 1; start < files.length && !closed; start += maxFiles) {
        const wait = options.backpressure?.ready();
        if (wait) await Promise.race([wait, stopped]);
        if (closed) return;
        const group = files.slice(start, start + maxFiles);
        const batches = await readFiles(storage, snapshot, group);
        if (closed) return;
        if (batches.length === 0) continue;
        const offset: DeltaStreamOffset = { version, index: start + group.length - 1 };
        if (initialSnapshot) offset.initialSnapshot = true;
        subscriber.next(tagged(batches.length === 1 ? batches[0]! : concatBatches(batches), offset));
      }
    };

    const run = async () => {
      let snapshot: Snapshot;
      let version: number;
      let after = -1;
      const off = options.startingOffset;
      if (off) {
        snapshot = await loadSnapshot(storage, { version: off.version });
        if (off.initialSnapshot) {
          await emitFiles(snapshot, snapshotFiles(snapshot), off.version, off.index, true);
          version = off.version + 1;
        } else {
          version = off.version;
          after = off.index;
        }
      } else if (sv === undefined) {
        snapshot = await loadSnapshot(storage);
        await emitFiles(snapshot, snapshotFiles(snapshot), snapshot.version, -1, true);
        version = snapshot.version + 1;
      } else {
        const latest = await loadSnapshot(storage);
        if (sv === 'latest') {
          snapshot = latest;
          version = latest.version + 1;
        } else {
          if (sv > latest.version) {
            throw new RangeError(`readStream: startingVersion ${sv} is after the latest version ${latest.version} of Delta table ${storage.root}`);
          }
          snapshot = sv === latest.version ? latest : await loadSnapshot(storage, { version: sv });
          version = sv;
        }
      }

      while (!closed) {
        const path = commitPath(version);
        const bytes = await storage.read(path);
        if (closed) return;
        if (!bytes) {
          const later = await listCommits(storage, { from: version });
          if (closed) return;
          // The commit may have landed between the read and the listing: read it again.
          if (later[0]?.version === version) continue;
          if (later.length > 0) {
            throw new CorruptLogError(
              `readStream: commit ${version} of Delta table ${storage.root} is missing (removed by log cleanup?) while version ${later[0]!.version} exists`,
            );
          }
          await pause(pollMs);
          continue;
        }
        const actions = parseActions(bytes, `${storage.root}/${path}`);
        // The schema that applies to this commit's files is the one as of this version.
        if (snapshot.version !== version && actions.some((a) => 'metaData' in a || 'protocol' in a)) {
          snapshot = await loadSnapshot(storage, { version });
        }
        const removed = actions.filter((a) => 'remove' in a && a.remove.dataChange).length;
        if (removed > 0 && !options.skipChangeCommits) {
          throw new Error(
            `readStream: version ${version} of Delta table ${storage.root} (${describeOperation(actions)}) removed ${removed} data file(s); ` +
              'the stream only follows appends. Pass skipChangeCommits: true to skip commits that change existing data.',
          );
        }
        if (removed === 0) {
          const adds = actions.flatMap((a) => ('add' in a && a.add.dataChange ? [a.add] : []));
          await emitFiles(snapshot, adds, version, after, false);
        }
        after = -1;
        version++;
      }
    };

    run().then(
      () => subscriber.complete(),
      (e: unknown) => subscriber.error(e),
    );
    return () => {
      closed = true;
      (timer as Subscription | null)?.unsubscribe();
      (wake as (() => void) | null)?.();
    };
  });
}

/** Files of a snapshot in path order: stable however the log was checkpointed. */
function snapshotFiles(snapshot: Snapshot): Add[] {
  return [...snapshot.files()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The rows of some files of a table, through the regular scan (partition values, deletion vectors, type widening). */
async function readFiles(storage: Storage, snapshot: Snapshot, files: Add[]): Promise<arrow.RecordBatch[]> {
  const view = Object.create(snapshot, { files: { value: () => files } }) as Snapshot;
  const out: arrow.RecordBatch[] = [];
  for await (const b of scanSnapshot(storage, view)) if (b.numRows > 0) out.push(b);
  return out;
}

function tagged(batch: arrow.RecordBatch, offset: DeltaStreamOffset): arrow.RecordBatch {
  const metadata = new Map(batch.schema.metadata);
  metadata.set(STREAM_OFFSET_KEY, JSON.stringify(offset));
  return new arrow.RecordBatch(new arrow.Schema(batch.schema.fields, metadata), batch.data);
}

function describeOperation(actions: Action[]): string {
  const info = actions.find((a): a is { commitInfo: CommitInfo } => 'commitInfo' in a)?.commitInfo;
  if (!info?.operation) return 'operation unknown';
  const mode = info.operationParameters?.mode;
  return typeof mode === 'string' ? `operation ${info.operation}, mode ${mode}` : `operation ${info.operation}`;
}
