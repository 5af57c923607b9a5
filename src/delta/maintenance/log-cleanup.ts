// Log cleanup (Delta's "metadata cleanup"): deletes commit, checkpoint and
// checksum files older than `delta.logRetentionDuration` (default 30 days),
// but only below a checkpoint, so every version that stays in the log can
// still be reconstructed: the cut is the newest checkpoint C such that every
// log file of a version below C has expired; files of versions < C go.
// Checkpoint writing lives in checkpoint-writer.ts; {@link checkpoint} here
// writes one on demand for the maintenance API.

import type { FileMeta, Storage } from '../storage/storage.ts';
import { LOG_DIR, parseLogPath, type LogFile } from '../log-path.ts';
import { loadSnapshot } from '../snapshot.ts';
import { writeCheckpoint, type CheckpointInfo } from '../checkpoint-writer.ts';
import { systemClock, type Clock } from './clock.ts';
import { retentionOf } from './duration.ts';
import { forEachLimit } from '../for-each-limit.ts';
import { storageOfTable, type TableLike } from './table-handle.ts';

/** Options of {@link cleanupExpiredLogs}. */
export interface LogCleanupOptions {
  /** Log retention in ms (default: the table's `delta.logRetentionDuration`, 30 days when unset). */
  retentionMs?: number;
  /** Time source (tests). */
  clock?: Clock;
  /** List what would be deleted without deleting (default false). */
  dryRun?: boolean;
}

/** What {@link cleanupExpiredLogs} did. */
export interface LogCleanupResult {
  /** Deleted `_delta_log/` paths, ascending by version. */
  deleted: string[];
  /** The checkpoint version below which files were deleted (null: nothing eligible). */
  cutoffCheckpoint: number | null;
  /** Files modified at or before this instant (ms) counted as expired. */
  expiredBefore: number;
}

/**
 * Deletes expired log files below the newest checkpoint that keeps every
 * retained version reconstructable. Skipped (nothing deleted) when the table
 * sets `delta.enableExpiredLogCleanup=false`.
 *
 * @example
 * const { deleted } = await cleanupExpiredLogs('/data/orders');
 */
export async function cleanupExpiredLogs(table: TableLike, options: LogCleanupOptions = {}): Promise<LogCleanupResult> {
  const storage = storageOfTable(table);
  const snapshot = await loadSnapshot(storage);
  const clock = options.clock ?? systemClock;
  const retention = options.retentionMs ?? retentionOf(snapshot.properties, 'delta.logRetentionDuration', storage.root);
  const expiredBefore = clock.now() - retention;
  const none: LogCleanupResult = { deleted: [], cutoffCheckpoint: null, expiredBefore };
  if (snapshot.properties['delta.enableExpiredLogCleanup'] === 'false' && options.retentionMs === undefined) return none;

  const files = await storage.listFrom(LOG_DIR, '');
  const plan = planLogCleanup(files, expiredBefore, snapshot.version);
  if (plan.cutoff === null) return none;
  const deleted = plan.files.map((f) => f.path);
  if (!options.dryRun) await forEachLimit(deleted, 16, (p) => storage.delete(p));
  return { deleted, cutoffCheckpoint: plan.cutoff, expiredBefore };
}

/**
 * The log files to delete: those of versions below the newest complete
 * checkpoint `C ≤ latestVersion` such that every log file of a version below
 * C was modified at or before `expiredBefore`. Pure, for tests.
 */
export function planLogCleanup(
  files: readonly FileMeta[],
  expiredBefore: number,
  latestVersion: number,
): { cutoff: number | null; files: (FileMeta & { version: number })[] } {
  const parsed: (FileMeta & { version: number; log: LogFile })[] = [];
  const parts = new Map<string, Set<number>>();
  for (const f of files) {
    const log = parseLogPath(f.path);
    if (!log) continue;
    parsed.push({ ...f, version: log.version, log });
    if (log.kind === 'checkpoint' && log.format === 'multipart') {
      const key = `${log.version}/${log.parts}`;
      if (!parts.has(key)) parts.set(key, new Set());
      parts.get(key)!.add(log.part);
    }
  }
  // Versions with a complete checkpoint (all parts of a multi-part one present).
  const checkpointVersions = new Set<number>();
  for (const p of parsed) {
    if (p.log.kind !== 'checkpoint') continue;
    if (p.log.format === 'multipart' && parts.get(`${p.version}/${p.log.parts}`)!.size !== p.log.parts) continue;
    if (p.version <= latestVersion) checkpointVersions.add(p.version);
  }
  // Earliest version that has a file not yet expired: nothing at or above it may be cut.
  let firstFresh = Infinity;
  for (const p of parsed) if (p.modificationTime > expiredBefore) firstFresh = Math.min(firstFresh, p.version);
  // Compaction files span versions; they expire with their end version.
  let cutoff: number | null = null;
  for (const v of checkpointVersions) if (v <= firstFresh && (cutoff === null || v > cutoff)) cutoff = v;
  if (cutoff === null || cutoff === 0) return { cutoff: null, files: [] };
  const c = cutoff;
  const doomed = parsed
    .filter((p) => (p.log.kind === 'compaction' ? p.log.endVersion < c : p.version < c))
    .sort((a, b) => a.version - b.version || (a.path < b.path ? -1 : 1));
  return { cutoff: c, files: doomed.map(({ log: _l, ...f }) => f) };
}

/**
 * Writes a classic checkpoint of the latest version (and `_last_checkpoint`).
 *
 * @example
 * const info = await checkpoint('/data/orders'); // info.version
 */
export async function checkpoint(table: TableLike): Promise<CheckpointInfo> {
  const storage: Storage = storageOfTable(table);
  return writeCheckpoint(storage, await loadSnapshot(storage));
}
