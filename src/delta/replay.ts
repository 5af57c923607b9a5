// Log replay: reconciles a checkpoint and the commits after it into the
// table state at one version (PROTOCOL.md "Action Reconciliation").
// Actions are visited newest first, so the first action seen for a key wins
// and nothing older needs to be kept around.

import type {
  Action, Add, CommitInfo, DeletionVectorDescriptor, DomainMetadata, Metadata, Protocol, Remove, Txn,
} from './actions.ts';
import type { Storage } from './storage/storage.ts';
import { CorruptLogError } from './errors.ts';
import type { LogSegment } from './log-segment.ts';
import { readCheckpoint } from './checkpoint-reader.ts';
import { parseActions } from './commit-reader.ts';

/** The reconciled state of a table at one version. */
export interface TableState {
  protocol: Protocol;
  metadata: Metadata;
  /** Active files keyed by {@link fileKey}. */
  files: Map<string, Add>;
  /** Remove tombstones keyed by {@link fileKey} (not yet expired; VACUUM decides). */
  tombstones: Map<string, Remove>;
  /** Latest transaction version per appId. */
  txns: Map<string, Txn>;
  /** Live (not removed) domain metadata per domain. */
  domains: Map<string, DomainMetadata>;
  /** commitInfo of the newest replayed commit, if it had one. */
  latestCommitInfo: CommitInfo | null;
}

/** Unique id of a deletion vector descriptor: storage type, path/inline data, offset. */
export function deletionVectorUniqueId(dv: DeletionVectorDescriptor | null | undefined): string {
  if (!dv) return '';
  return dv.offset === undefined || dv.offset === null
    ? `${dv.storageType}${dv.pathOrInlineDv}`
    : `${dv.storageType}${dv.pathOrInlineDv}@${dv.offset}`;
}

/** Reconciliation key of a file action: its path plus its deletion vector's unique id. */
export function fileKey(action: { path: string; deletionVector?: DeletionVectorDescriptor | null }): string {
  const dv = deletionVectorUniqueId(action.deletionVector);
  return dv === '' ? action.path : `${action.path}\u0000${dv}`;
}

/**
 * A tombstone as the state keeps it: without the statistics a writer may
 * copy onto `remove` actions. Nothing reads them (checkpoints leave them out,
 * as Spark's do) and a table keeps its tombstones for the whole retention —
 * after an OPTIMIZE of many small files, most of a snapshot's memory.
 */
function withoutStats(r: Remove): Remove {
  if (r.stats === undefined) return r;
  const { stats: _dropped, ...kept } = r;
  return kept;
}

/**
 * Reconciles actions into a state. `commitsNewestFirst` are the per-commit
 * action lists after the checkpoint, newest first; `checkpoint` the
 * checkpoint's actions (already reconciled by its writer).
 */
export function replay(commitsNewestFirst: Action[][], checkpoint: Action[], table: string): TableState {
  let protocol: Protocol | undefined;
  let metadata: Metadata | undefined;
  const files = new Map<string, Add>();
  const tombstones = new Map<string, Remove>();
  // Keys already decided by a newer action (added or removed).
  const seen = new Set<string>();
  const txns = new Map<string, Txn>();
  const domains = new Map<string, DomainMetadata>();
  const seenDomains = new Set<string>();
  let latestCommitInfo: CommitInfo | null = null;

  const visit = (a: Action): void => {
    if ('add' in a) {
      const key = fileKey(a.add);
      if (seen.has(key)) return;
      seen.add(key);
      files.set(key, a.add);
    } else if ('remove' in a) {
      const key = fileKey(a.remove);
      if (seen.has(key)) return;
      seen.add(key);
      tombstones.set(key, withoutStats(a.remove));
    } else if ('protocol' in a) {
      protocol ??= a.protocol;
    } else if ('metaData' in a) {
      metadata ??= a.metaData;
    } else if ('txn' in a) {
      if (!txns.has(a.txn.appId)) txns.set(a.txn.appId, a.txn);
    } else if ('domainMetadata' in a) {
      const d = a.domainMetadata;
      if (seenDomains.has(d.domain)) return;
      seenDomains.add(d.domain);
      if (!d.removed) domains.set(d.domain, d);
    }
    // commitInfo, cdc and unknown actions are not part of the table state.
  };

  for (let i = 0; i < commitsNewestFirst.length; i++) {
    for (const a of commitsNewestFirst[i]) {
      if (i === 0 && 'commitInfo' in a) latestCommitInfo = a.commitInfo;
      visit(a);
    }
  }
  for (const a of checkpoint) visit(a);

  if (!protocol) throw new CorruptLogError(`Delta log of ${table} has no protocol action`);
  if (!metadata) throw new CorruptLogError(`Delta log of ${table} has no metaData action`);
  return { protocol, metadata, files, tombstones, txns, domains, latestCommitInfo };
}

/**
 * The state after `commitsNewestFirst` (the commits following `base`'s
 * version, newest first), without re-reading what `base` already reconciled:
 * the new commits are replayed first and `base` is visited like a checkpoint
 * after them, so the result (entry order included) is what a full replay of
 * the same actions gives. `base` is not modified.
 */
export function advanceState(base: TableState, commitsNewestFirst: Action[][], table: string): TableState {
  const asActions: Action[] = [{ protocol: base.protocol }, { metaData: base.metadata }];
  for (const add of base.files.values()) asActions.push({ add });
  for (const remove of base.tombstones.values()) asActions.push({ remove });
  for (const txn of base.txns.values()) asActions.push({ txn });
  for (const domainMetadata of base.domains.values()) asActions.push({ domainMetadata });
  const state = replay(commitsNewestFirst, asActions, table);
  // No new commit with a commitInfo: keep the base's (as a full replay of the same segment would).
  if (commitsNewestFirst.length === 0) state.latestCommitInfo = base.latestCommitInfo;
  return state;
}

/** Reads every file of a segment (commits concurrently) and replays them. */
export async function replaySegment(storage: Storage, segment: LogSegment): Promise<TableState> {
  const [checkpointActions, commits] = await Promise.all([
    segment.checkpoint ? readCheckpoint(storage, segment.checkpoint) : Promise.resolve([]),
    readCommitFiles(storage, segment.commits.map((c) => c.path)),
  ]);
  commits.reverse();
  return replay(commits, checkpointActions, storage.root);
}

/** Reads and parses commit files with bounded concurrency, preserving order. */
export async function readCommitFiles(storage: Storage, paths: string[], concurrency = 32): Promise<Action[][]> {
  const out: Action[][] = new Array(paths.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < paths.length) {
      const i = next++;
      const bytes = await storage.read(paths[i]);
      if (!bytes) throw new CorruptLogError(`Commit file ${paths[i]} of Delta table ${storage.root} disappeared while reading`);
      out[i] = parseActions(bytes, `${storage.root}/${paths[i]}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, paths.length) }, worker));
  return out;
}
