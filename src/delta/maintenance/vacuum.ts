// VACUUM: deletes data files no version within the retention period needs.
// A file survives when the latest snapshot references it (an active `add`,
// or a `remove` tombstone younger than the retention, together with their
// deletion-vector files) or when it is itself younger than the retention (an
// in-flight write not committed yet). Everything else under the table root —
// old data files, stale `_change_data/` and deletion-vector files, orphans of
// failed writes — is deleted. `_delta_log/` and other hidden entries are never
// touched. Like Delta, the run is recorded as a 'VACUUM START' and a
// 'VACUUM END' commit carrying no data change. A 'lite' run (delta-rs's
// default, Spark's VACUUM LITE) skips the listing: it deletes only the files
// of expired tombstones and their deletion vectors, known from the log.

import { fileURLToPath } from 'node:url';
import type { Add, DeletionVectorDescriptor, Remove } from '../actions.ts';
import type { FileMeta, Storage } from '../storage/storage.ts';
import { deletionVectorPath } from '../deletion-vector.ts';
import { fromAddPath } from '../partition-values.ts';
import type { Snapshot } from '../snapshot.ts';
import { Transaction } from '../transaction.ts';
import { assertWritable } from '../writer-features.ts';
import { systemClock, type Clock } from './clock.ts';
import { hoursText, retentionOf } from './duration.ts';
import { deleteAll, listVacuumCandidates } from './list-files.ts';
import { latestSnapshot, storageOfTable, type TableLike } from './table-handle.ts';

/** Options of {@link vacuum}. */
export interface VacuumOptions {
  /** Retention in hours (default: the table's `delta.deletedFileRetentionDuration`, 7 days when unset). */
  retentionHours?: number;
  /** List what would be deleted, delete nothing and commit nothing (default false). */
  dryRun?: boolean;
  /** Refuse a retention shorter than the table's (default true); set false to force it. */
  enforceRetention?: boolean;
  /** Record 'VACUUM START' / 'VACUUM END' commits (default true; never on a dry run). */
  logCommits?: boolean;
  /**
   * 'full' (default, as Spark's VACUUM): list the table and delete every file no retained version
   * needs. 'lite' (delta-rs's default, Spark's VACUUM LITE): no listing — delete the files of
   * tombstones older than the retention, and their deletion vectors. Faster on object stores, but
   * orphans of failed writes, stale `_change_data/` files and files whose tombstones a checkpoint
   * has already dropped wait for a full run; a file an earlier lite run deleted counts again while
   * its tombstone is in the log.
   */
  mode?: 'full' | 'lite';
  /** Concurrent listing and deletion requests (default 32). */
  parallelism?: number;
  /** Time source (tests). */
  clock?: Clock;
}

/** What {@link vacuum} did (or, on a dry run, would do). */
export interface VacuumResult {
  dryRun: boolean;
  /** Deleted (or to-be-deleted) files, relative to the table root, sorted. */
  filesDeleted: string[];
  numDeletedFiles: number;
  bytesDeleted: number;
  /** Retention applied, in ms. */
  retentionMs: number;
  /** Files untracked or tombstoned before this instant (ms) were eligible. */
  deleteBefore: number;
  /** Versions of the VACUUM START / VACUUM END commits, when logged. */
  startVersion?: number;
  endVersion?: number;
  /** The snapshot version whose state decided what to keep. */
  readVersion: number;
  seconds: number;
}

/**
 * Deletes files that no version within the retention period references.
 *
 * @example
 * const r = await vacuum('/data/orders', { dryRun: true });
 * console.log(r.filesDeleted);
 * await vacuum('/data/orders', { retentionHours: 0, enforceRetention: false }); // keep only the latest version's files
 */
export async function vacuum(table: TableLike, options: VacuumOptions = {}): Promise<VacuumResult> {
  const t0 = performance.now();
  const storage = storageOfTable(table);
  const parallelism = options.parallelism ?? 32;
  const mode = options.mode ?? 'full';
  if (mode !== 'full' && mode !== 'lite') throw new Error(`VACUUM of Delta table ${storage.root}: mode must be 'full' or 'lite', got ${String(mode)}`);
  // The listing only proposes candidates (what is kept is decided by the
  // snapshot), so it runs while the log is replayed. It assumes no partition
  // column starts with '_' or '.'; when one does, the table is listed again
  // below with its partition directories.
  const early = mode === 'full' ? listVacuumCandidates(storage, [], parallelism) : null;
  early?.catch(() => {}); // awaited below, or dropped when the snapshot fails first or needs the second listing
  const { snapshot } = await latestSnapshot(table, 'VACUUM');
  const root = storage.root;
  assertWritable(snapshot.protocol, snapshot.metadata, root);
  const clock = options.clock ?? systemClock;
  const dryRun = options.dryRun ?? false;
  const enforce = options.enforceRetention ?? true;
  const configured = retentionOf(snapshot.properties, 'delta.deletedFileRetentionDuration', root);

  let retentionMs = configured;
  if (options.retentionHours !== undefined) {
    const h = options.retentionHours;
    if (typeof h !== 'number' || !Number.isFinite(h) || h < 0) {
      throw new Error(`VACUUM of Delta table ${root}: retentionHours must be a number ≥ 0, got ${String(h)}`);
    }
    retentionMs = h * 3600e3;
  }
  if (enforce && retentionMs < configured) {
    throw new Error(
      `VACUUM of Delta table ${root} refused: retention ${hoursText(retentionMs)} is shorter than delta.deletedFileRetentionDuration ` +
        `(${snapshot.properties['delta.deletedFileRetentionDuration'] ?? 'interval 7 days'} = ${hoursText(configured)}). ` +
        'Files that concurrent readers or writers still use could be deleted, corrupting the table for them. ' +
        'Pass enforceRetention: false to vacuum anyway, or lower delta.deletedFileRetentionDuration.',
    );
  }
  const now = clock.now();
  const deleteBefore = now - retentionMs;
  const keep = referencedFiles(snapshot, root, deleteBefore);

  const hiddenPartitions = snapshot.partitionColumns.some((c) => c.startsWith('_') || c.startsWith('.'));
  const candidates =
    early === null
      ? tombstonedFiles(snapshot, root, deleteBefore)
      : hiddenPartitions
        ? await listVacuumCandidates(storage, snapshot.partitionColumns, parallelism)
        : await early;
  const doomed = candidates.filter((f) => !keep.has(f.path) && f.modificationTime < deleteBefore);
  const bytes = doomed.reduce((s, f) => s + f.size, 0);
  const result: VacuumResult = {
    dryRun,
    filesDeleted: doomed.map((f) => f.path),
    numDeletedFiles: doomed.length,
    bytesDeleted: bytes,
    retentionMs,
    deleteBefore,
    readVersion: snapshot.version,
    seconds: 0,
  };
  if (dryRun) {
    result.seconds = (performance.now() - t0) / 1000;
    return result;
  }

  const log = options.logCommits ?? true;
  if (log) {
    result.startVersion = await logCommit(storage, snapshot, 'VACUUM START', {
      retentionCheckEnabled: enforce,
      vacuumType: mode.toUpperCase(),
      defaultRetentionMillis: configured,
      specifiedRetentionMillis: options.retentionHours === undefined ? undefined : retentionMs,
    }, { numFilesToDelete: doomed.length, sizeOfDataToDelete: bytes });
  }
  const dirs = new Set<string>();
  for (const f of doomed) {
    const slash = f.path.lastIndexOf('/');
    if (slash > 0) dirs.add(f.path.slice(0, slash));
  }
  await deleteAll(storage, doomed.map((f) => f.path), parallelism);
  if (log) {
    // Commit on top of VACUUM START directly, rather than losing a race against it.
    const base = result.startVersion === undefined ? snapshot : (Object.create(snapshot, { version: { value: result.startVersion } }) as Snapshot);
    result.endVersion = await logCommit(storage, base, 'VACUUM END', { status: 'COMPLETED' }, {
      numDeletedFiles: doomed.length,
      numVacuumedDirectories: dirs.size,
    });
  }
  result.seconds = (performance.now() - t0) / 1000;
  return result;
}

/**
 * Paths (relative to the root) of the files the snapshot needs: active files,
 * files of tombstones younger than `deleteBefore`, and their deletion vectors.
 */
export function referencedFiles(snapshot: Snapshot, root: string, deleteBefore: number): Set<string> {
  const keep = new Set<string>();
  const addDv = (dv: DeletionVectorDescriptor | null | undefined) => {
    if (!dv || dv.storageType === 'i') return;
    const p = relativeToRoot(deletionVectorPath(dv), root);
    if (p !== null) keep.add(p);
  };
  const addFile = (f: Add | Remove) => {
    const p = relativeToRoot(f.path, root);
    if (p !== null) keep.add(p);
    addDv(f.deletionVector);
  };
  for (const a of snapshot.files()) addFile(a);
  for (const r of snapshot.tombstones()) {
    if ((r.deletionTimestamp ?? 0) >= deleteBefore) addFile(r);
  }
  return keep;
}

/**
 * What a lite VACUUM considers, from the log alone: the files of tombstones
 * older than `deleteBefore` and their deletion-vector files (relative to the
 * root, sorted; sizes as the log records them; the tombstone's time as their
 * modification time). Whether one is still needed is decided by the caller.
 */
function tombstonedFiles(snapshot: Snapshot, root: string, deleteBefore: number): FileMeta[] {
  const out = new Map<string, FileMeta>();
  const put = (raw: string, size: number, time: number) => {
    const path = relativeToRoot(raw, root);
    if (path !== null && !out.has(path)) out.set(path, { path, size, modificationTime: time });
  };
  for (const r of snapshot.tombstones()) {
    const time = r.deletionTimestamp ?? 0;
    if (time >= deleteBefore) continue;
    put(r.path, r.size ?? 0, time);
    const dv = r.deletionVector;
    // A DV file's own size is not in the log (sizeInBytes is one bitmap's); it counts as 0 bytes.
    if (dv && dv.storageType !== 'i') put(deletionVectorPath(dv), 0, time);
  }
  return [...out.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * A path as the log stores it (percent-encoded, relative or an absolute URI)
 * as a decoded path relative to the table root, or null when it points outside
 * the root (never listed, so never deleted). Decodes exactly once: decoding
 * twice would turn `%2525` into `%`, miss the live file and delete it. A path
 * that cannot be parsed throws, so VACUUM stops rather than guess.
 */
function relativeToRoot(raw: string, root: string): string | null {
  const isUri = /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(raw);
  if (!isUri && !raw.startsWith('/')) return fromAddPath(raw).replace(/^\.\//, '');
  let p: string;
  if (isUri) {
    const url = new URL(raw);
    p = url.protocol === 'file:' ? fileURLToPath(url) : `${url.protocol}//${url.host}${decodeURIComponent(url.pathname)}`;
  } else {
    p = fromAddPath(raw);
  }
  const base = root.endsWith('/') ? root : `${root}/`;
  return p.startsWith(base) ? p.slice(base.length) : null;
}

/** A commit with no actions, only provenance (Delta's VACUUM START / END). */
async function logCommit(
  storage: Storage,
  snapshot: Snapshot,
  operation: string,
  parameters: Record<string, unknown>,
  metrics: Record<string, number>,
): Promise<number> {
  const txn = new Transaction(storage, snapshot, { operation, operationParameters: parameters });
  txn.setOperationMetrics(metrics);
  const r = await txn.commit();
  if (r.status === 'conflict') {
    throw new Error(`VACUUM of Delta table ${storage.root}: could not record ${operation}: ${r.error.message}`, { cause: r.error });
  }
  return r.version;
}
