// DESCRIBE HISTORY: the provenance (commitInfo) of each version, newest first.

import type { CommitInfo } from '../actions.ts';
import type { Storage } from '../storage/storage.ts';
import { readCommit } from '../commit-reader.ts';
import { listCommits } from '../log-segment.ts';
import { monotonicTimestamps } from '../time-travel.ts';

/** One version's provenance. */
export interface HistoryEntry extends CommitInfo {
  version: number;
  /** Commit time in ms: the in-commit timestamp when recorded, else the commit file's (monotonic) mtime. */
  timestamp: number;
}

/**
 * The commitInfo of the newest `limit` versions (all when omitted), newest
 * first. Versions whose commit files were cleaned up are not listed; a commit
 * without commitInfo yields just its version and timestamp.
 *
 * @example
 * const [latest] = await readHistory(storage, 1);
 * console.log(latest.version, latest.operation, latest.operationMetrics);
 */
export async function readHistory(storage: Storage, limit?: number): Promise<HistoryEntry[]> {
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw new Error(`Invalid history limit ${limit}`);
  const commits = await listCommits(storage);
  const times = monotonicTimestamps(commits);
  const out: HistoryEntry[] = [];
  for (let i = commits.length - 1; i >= 0 && (limit === undefined || out.length < limit); i--) {
    const actions = await readCommit(storage, commits[i].version);
    const info = actions.find((a): a is { commitInfo: CommitInfo } => 'commitInfo' in a)?.commitInfo ?? {};
    const ts = typeof info.inCommitTimestamp === 'number' ? info.inCommitTimestamp : times[i];
    out.push({ ...info, version: commits[i].version, timestamp: ts });
  }
  return out;
}
