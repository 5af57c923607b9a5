// The atomic step of every write: put `_delta_log/<version>.json` if nothing
// is there yet. Losing the race is normal under concurrency: read each
// winning commit, apply Delta's conflict rules, and retry one version later
// while the transaction still holds; otherwise report the conflict.

import type { Action, CommitInfo } from './actions.ts';
import type { Storage } from './storage/storage.ts';
import { commitPath } from './log-path.ts';
import { readCommit } from './commit-reader.ts';
import {
  checkConflict,
  type ConflictCheckOptions,
  type ConflictError,
  type CurrentTransactionInfo,
} from './conflict-checker.ts';

/** Identifies Tributary in `commitInfo.engineInfo`. */
export const ENGINE_INFO = 'tributary/0.1.0';

/** Outcome of a commit attempt: a value, so callers decide how to surface a conflict. */
export type CommitResult =
  | { status: 'committed'; version: number; actions: Action[]; attempts: number }
  | { status: 'conflict'; error: ConflictError; attempts: number };

const encoder = new TextEncoder();

/**
 * One commit file: one JSON action per line, `commitInfo` first (so readers
 * of provenance can stop after one line), newline-terminated.
 *
 * @example
 * serializeCommit([{ commitInfo: { operation: 'WRITE' } }, { add: file }])
 */
export function serializeCommit(actions: readonly Action[]): Uint8Array {
  const ordered = [...actions.filter((a) => 'commitInfo' in a), ...actions.filter((a) => !('commitInfo' in a))];
  return encoder.encode(ordered.map((a) => JSON.stringify(a)).join('\n') + '\n');
}

/**
 * Checks the rules a single commit must follow (PROTOCOL.md "Delta Log
 * Entries"): at most one metaData, one protocol, one txn per appId, and one
 * file action per path. Throws naming the offending action.
 */
export function validateCommitActions(actions: readonly Action[], table: string): void {
  let metadata = 0;
  let protocol = 0;
  const apps = new Set<string>();
  const files = new Set<string>();
  for (const a of actions) {
    if ('metaData' in a && ++metadata > 1) throw new Error(`Commit to Delta table ${table} has more than one metaData action`);
    if ('protocol' in a && ++protocol > 1) throw new Error(`Commit to Delta table ${table} has more than one protocol action`);
    if ('txn' in a) {
      if (apps.has(a.txn.appId)) throw new Error(`Commit to Delta table ${table} has two txn actions for appId '${a.txn.appId}'`);
      apps.add(a.txn.appId);
    }
    const file = 'add' in a ? a.add : 'remove' in a ? a.remove : null;
    if (file) {
      const key = `${file.path}\u0000${file.deletionVector ? JSON.stringify(file.deletionVector) : ''}`;
      if (files.has(key)) throw new Error(`Commit to Delta table ${table} adds or removes file '${file.path}' twice`);
      files.add(key);
    }
  }
}

export interface CommitRequest {
  storage: Storage;
  /** Version the transaction read (-1 when creating the table). */
  readVersion: number;
  /** Actions to commit, commitInfo excluded. */
  actions: Action[];
  /** Provenance; `timestamp` and `readVersion` are filled in per attempt. */
  commitInfo: CommitInfo;
  /** What the transaction read, for conflict detection. */
  current: CurrentTransactionInfo;
  conflict: Omit<ConflictCheckOptions, 'table'>;
  /** Versions to try before giving up (default 50). */
  maxAttempts?: number;
  /** Clock for commitInfo.timestamp (tests). */
  now?: () => number;
}

/**
 * Commits `actions` at `readVersion + 1`, or — after checking every winning
 * commit for conflicts — at the first free version after it.
 *
 * @example
 * const r = await commitWithRetry({ storage, readVersion: 4, actions, commitInfo, current, conflict });
 * if (r.status === 'committed') console.log(r.version);
 */
export async function commitWithRetry(req: CommitRequest): Promise<CommitResult> {
  const { storage } = req;
  const maxAttempts = req.maxAttempts ?? 50;
  const now = req.now ?? Date.now;
  let version = req.readVersion + 1;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const commitInfo: CommitInfo = { timestamp: now(), ...req.commitInfo };
    if (req.readVersion >= 0) commitInfo.readVersion = req.readVersion;
    const actions: Action[] = [{ commitInfo }, ...req.actions];
    if (await storage.putIfAbsent(commitPath(version), serializeCommit(actions))) {
      return { status: 'committed', version, actions, attempts: attempt };
    }
    // Lost the race for `version`: the winner's actions decide whether we may follow it.
    const winning = await readCommit(storage, version);
    const error = checkConflict(req.current, { version, actions: winning }, { ...req.conflict, table: storage.root });
    if (error) return { status: 'conflict', error, attempts: attempt };
    version++;
  }
  throw new Error(
    `Could not commit to Delta table ${storage.root} after ${maxAttempts} attempts: other writers kept committing first (last tried version ${version - 1})`,
  );
}
