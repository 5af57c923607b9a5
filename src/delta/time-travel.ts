// Commit timestamps and timestamp → version resolution. A commit's timestamp
// is its in-commit timestamp (commitInfo.inCommitTimestamp) when the table
// had in-commit timestamps enabled at that version, else the commit file's
// modification time, made strictly increasing as Delta does (clock skew
// between writers must not make time travel ambiguous).

import type { Metadata } from './actions.ts';
import type { Storage } from './storage/storage.ts';
import { CorruptLogError, TimestampOutOfRangeError } from './errors.ts';
import { listCommits, type CommitFile } from './log-segment.ts';
import { readCommit } from './commit-reader.ts';

/** When in-commit timestamps apply, from a table's configuration. */
export interface InCommitTimestampConfig {
  enabled: boolean;
  /** First version with in-commit timestamps (0 when enabled at creation). */
  enablementVersion: number;
  enablementTimestamp: number | null;
}

/** In-commit timestamp settings of a table's metadata. */
export function inCommitTimestampConfig(metadata: Metadata): InCommitTimestampConfig {
  const c = metadata.configuration ?? {};
  const enabled = c['delta.enableInCommitTimestamps'] === 'true';
  const v = c['delta.inCommitTimestampEnablementVersion'];
  const t = c['delta.inCommitTimestampEnablementTimestamp'];
  return {
    enabled,
    enablementVersion: enabled && v !== undefined ? Number(v) : 0,
    enablementTimestamp: enabled && t !== undefined ? Number(t) : null,
  };
}

/** The in-commit timestamp of commit `version` (its commitInfo must carry one). */
export async function readInCommitTimestamp(storage: Storage, version: number): Promise<number> {
  const actions = await readCommit(storage, version);
  for (const a of actions) {
    if ('commitInfo' in a && typeof a.commitInfo.inCommitTimestamp === 'number') return a.commitInfo.inCommitTimestamp;
  }
  throw new CorruptLogError(
    `Commit ${version} of Delta table ${storage.root} has no commitInfo.inCommitTimestamp although in-commit timestamps are enabled`,
  );
}

/**
 * File-modification timestamps of commits, adjusted to be strictly increasing
 * (each is at least the previous one + 1 ms).
 */
export function monotonicTimestamps(commits: CommitFile[]): number[] {
  const out: number[] = [];
  let prev = -Infinity;
  for (const c of commits) {
    const t = Math.max(c.modificationTime, prev + 1);
    out.push(t);
    prev = t;
  }
  return out;
}

/**
 * The latest version whose commit timestamp is at or before `timestamp`
 * (ms since the epoch). `latestMetadata` is the newest metadata of the table,
 * which says whether and since when in-commit timestamps apply.
 *
 * Throws {@link TimestampOutOfRangeError} when `timestamp` precedes the
 * earliest available commit.
 */
export async function versionAtTimestamp(storage: Storage, timestamp: number, latestMetadata: Metadata): Promise<number> {
  const commits = await listCommits(storage);
  if (commits.length === 0) throw new TimestampOutOfRangeError(`Delta table ${storage.root} has no commits`);
  const ict = inCommitTimestampConfig(latestMetadata);
  const ictStart = ict.enabled ? commits.findIndex((c) => c.version >= ict.enablementVersion) : -1;

  if (ictStart >= 0) {
    const firstIct = await readInCommitTimestamp(storage, commits[ictStart].version);
    if (timestamp >= firstIct) {
      // Binary search the ICT range: timestamps there are strictly increasing by protocol.
      let lo = ictStart;
      let hi = commits.length - 1;
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        const t = await readInCommitTimestamp(storage, commits[mid].version);
        if (t <= timestamp) lo = mid;
        else hi = mid - 1;
      }
      return commits[lo].version;
    }
  }
  const mtimeRange = ictStart >= 0 ? commits.slice(0, ictStart) : commits;
  const ts = monotonicTimestamps(mtimeRange);
  let found = -1;
  for (let i = 0; i < ts.length && ts[i] <= timestamp; i++) found = i;
  if (found < 0) {
    const first = ictStart === 0 ? await readInCommitTimestamp(storage, commits[0].version) : ts[0];
    throw new TimestampOutOfRangeError(
      `Timestamp ${new Date(timestamp).toISOString()} is before the earliest available commit of Delta table ` +
        `${storage.root} (version ${commits[0].version} at ${new Date(first).toISOString()})`,
    );
  }
  return mtimeRange[found].version;
}

/** Milliseconds since the epoch of a timestamp given as number, Date or ISO string. */
export function toEpochMillis(ts: number | Date | string): number {
  const ms = typeof ts === 'number' ? ts : typeof ts === 'string' ? Date.parse(ts) : ts.getTime();
  if (!Number.isFinite(ms)) throw new Error(`Invalid timestamp for time travel: ${String(ts)}`);
  return ms;
}
