// Where a streaming pipeline left off: the newest batch id and source offset
// that `toDelta` committed for an application id.
import type { Action, CommitInfo, Txn } from '../../delta/actions.ts';
import { parseActions } from '../../delta/commit-reader.ts';
import { TableNotFoundError } from '../../delta/errors.ts';
import { commitPath } from '../../delta/log-path.ts';
import { loadSnapshot } from '../../delta/snapshot.ts';
import { storageOfRef, type TableRef } from './tableRef.ts';
import { progressDomain, progressInCommitInfo, progressInDomain, type StreamProgress } from './streamProgress.ts';

/**
 * The progress `appId` last committed to `table`: its batch id (the table's
 * `txn` version for `appId`) and the source offset stored with that commit,
 * or undefined when the table does not exist or `appId` never committed.
 *
 * The offset is looked up in domain metadata `tributary.streaming.<appId>`
 * when the table has it, else in `commitInfo.tributary` of the commit that
 * wrote the txn, scanning commit files newest first (usually the first one
 * read). A txn written by another engine (no Tributary record) yields the
 * batch id without `sourceOffset`. Throws when that commit's JSON file was
 * removed by log cleanup and no domain metadata holds the offset.
 *
 * @example
 * const last = await lastCommittedOffset<{ nextRow: number }>('/data/bronze', 'ingest');
 * const start = last?.sourceOffset?.nextRow ?? 0;
 */
export async function lastCommittedOffset<O = unknown>(table: TableRef, appId: string): Promise<StreamProgress<O> | undefined> {
  const storage = storageOfRef(table);
  let snapshot;
  try {
    snapshot = await loadSnapshot(storage);
  } catch (err) {
    if (err instanceof TableNotFoundError) return undefined;
    throw err;
  }
  const batchId = snapshot.txnVersion(appId);
  if (batchId === undefined) return undefined;
  const fromDomain = progressInDomain(snapshot.domainConfiguration(progressDomain(appId)), appId);
  if (fromDomain && fromDomain.batchId === batchId) return fromDomain as StreamProgress<O>;

  for (let v = snapshot.version; v >= 0; v--) {
    const bytes = await storage.read(commitPath(v));
    if (!bytes) break;
    const actions = parseActions(bytes, `${storage.root}/${commitPath(v)}`);
    const txn = actions.find((a): a is { txn: Txn } => 'txn' in a && a.txn.appId === appId)?.txn;
    if (!txn) continue;
    // The newest txn of appId is the one the snapshot reports.
    const progress = progressInCommitInfo(commitInfoOf(actions), appId);
    if (progress && progress.batchId === txn.version) return progress as StreamProgress<O>;
    return { appId, batchId };
  }
  throw new Error(
    `Delta table ${storage.root}: application '${appId}' committed batch ${batchId}, but the commit that holds its source offset ` +
      `is no longer in the log (removed by log cleanup). Enable writer feature domainMetadata ` +
      `(table property delta.feature.domainMetadata=supported) so toDelta keeps offsets in checkpoints.`,
  );
}

function commitInfoOf(actions: Action[]): CommitInfo | undefined {
  return actions.find((a): a is { commitInfo: CommitInfo } => 'commitInfo' in a)?.commitInfo;
}
