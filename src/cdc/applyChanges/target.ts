// Applying a reduced micro-batch to the target Delta table, copy-on-write:
// every data file holding a row whose key changes is read, its surviving
// rows are written to new files together with the new rows, and one commit
// removes the old files, adds the new ones and records the flow's txn and
// CDC state. Nothing is visible before that commit; a conflict deletes the
// files written for it and throws.
import * as arrow from 'apache-arrow';
import type { Add, DomainMetadata } from '../../delta/actions.ts';
import { readAhead } from '../../delta/read-ahead.ts';
import { scanFileRows } from '../../delta/scan-file.ts';
import type { Snapshot } from '../../delta/snapshot.ts';
import type { Storage } from '../../delta/storage/storage.ts';
import { deleteQuietly } from '../../delta/storage/delete-quietly.ts';
import { Transaction } from '../../delta/transaction.ts';
import { protocolFeatures, requiredProtocol } from '../../delta/writer-features.ts';
import { enforceConstraints, tableConstraints } from '../../delta/operations/constraints.ts';
import { removeOf } from '../../delta/operations/write.ts';
import { keepRows } from '../../delta/operations/take.ts';
import { splitByPartition, writeDataFiles } from '../../delta/operations/write-files.ts';
import { fromAddPath } from '../../delta/partition-values.ts';
import type { MaskResult } from '../merge/deletion-vectors.ts';
import { liveKeyedRows } from '../merge/match.ts';
import type { KeyGroups } from './keyGroups.ts';
import { TargetRows } from './targetRows.ts';

/** What reading the target for one micro-batch found. */
export interface TargetScan {
  /** Files holding at least one row to remove. */
  touched: Add[];
  /** The surviving rows of the touched files. */
  kept: arrow.RecordBatch[];
  /** Removed rows the caller asked to see (their keys satisfied `wantOld`). */
  old: arrow.RecordBatch[];
  /** Rows removed. */
  removedRows: number;
}

/**
 * Reads the target's files and splits the rows of files that hold a row of
 * one of the batch's key groups into survivors and removed rows. `locate`
 * names, per row of a target batch, its key's group (-1: none; see
 * KeyGroups.probe); removed rows of groups where `wantOld` holds come back
 * too.
 */
export async function scanTarget(
  storage: Storage,
  snapshot: Snapshot,
  locate: (batch: arrow.RecordBatch) => Int32Array,
  wantOld: (group: number) => boolean,
): Promise<TargetScan> {
  const out: TargetScan = { touched: [], kept: [], old: [], removedRows: 0 };
  // The next file is read (and decoded off the JS thread) while this one is split.
  for await (const { add, data } of readAhead(snapshot.files(), 2, async (add) => ({ add, data: (await scanFileRows(storage, snapshot, add)).data }))) {
    const masks: { batch: arrow.RecordBatch; keep: Uint8Array; old: Uint8Array; removed: number; olds: number }[] = [];
    let removed = 0;
    for (const batch of data.batches) {
      const group = locate(batch);
      const keep = new Uint8Array(batch.numRows);
      const old = new Uint8Array(batch.numRows);
      let r = 0;
      let o = 0;
      for (let i = 0; i < group.length; i++) {
        const g = group[i];
        if (g < 0) {
          keep[i] = 1;
          continue;
        }
        r++;
        if (wantOld(g)) {
          old[i] = 1;
          o++;
        }
      }
      removed += r;
      masks.push({ batch, keep, old, removed: r, olds: o });
    }
    if (removed === 0) continue;
    out.touched.push(add);
    out.removedRows += removed;
    for (const m of masks) {
      if (m.removed < m.batch.numRows) out.kept.push(keepRows(m.batch, m.keep));
      if (m.olds > 0) out.old.push(keepRows(m.batch, m.old));
    }
  }
  return out;
}

/** A file's rows of the batch's keys, as deletion-vector mode masks them. */
export interface LocatedFile {
  match: { add: Add; rows: number; deleted: Uint32Array; physical: Uint32Array };
}

/**
 * Deletion-vector mode: the target rows of the batch's key groups, file by
 * file, found by probing each file's key column pages (no file is decoded) —
 * or null when that is not possible: a key the pages cannot be probed on, or
 * a located row whose group `needsOld` (its old row must be read).
 */
export async function locateTargetRows(
  storage: Storage,
  snapshot: Snapshot,
  keys: readonly string[],
  groups: KeyGroups,
  needsOld: (group: number) => boolean,
): Promise<{ files: LocatedFile[]; removedRows: number } | null> {
  const located = TargetRows.start(storage, snapshot, keys, groups);
  if (!located) return null;
  const files: LocatedFile[] = [];
  let removedRows = 0;
  for (const add of located.files) {
    const probed = await located.of(add);
    if (!probed) return null;
    const { at } = liveKeyedRows(probed);
    if (at.length === 0) continue;
    const physical = new Uint32Array(at.length);
    for (let j = 0; j < at.length; j++) {
      if (needsOld(groups.leaderOf(probed.first[at[j]]))) return null;
      physical[j] = probed.rows[at[j]];
    }
    files.push({ match: { add, rows: probed.live, deleted: probed.deleted, physical } });
    removedRows += at.length;
  }
  return { files, removedRows };
}

/** One commit of a flow. */
export interface TargetCommit {
  /** Files replaced whole (copy-on-write). */
  removes: readonly Add[];
  /**
   * Deletion-vector mode: writes the touched files' new deletion vectors (called
   * once every check passed) and returns the actions that re-add them.
   */
  mask?: (now: number) => Promise<MaskResult>;
  /** Rows to write: survivors of removed files and new rows (target schema). */
  data: arrow.Table;
  /** The rows of `data` that are new (checked against the table's constraints). */
  newRows: arrow.Table;
  txn: { appId: string; version: number };
  domains: DomainMetadata[];
  operation: string;
  operationParameters: Record<string, unknown>;
  commitInfo: Record<string, unknown>;
  metrics: Record<string, number>;
  targetFileSize?: number;
}

/** Outcome of {@link commitTarget}. */
export type TargetCommitResult = { status: 'committed'; version: number; addedFiles: number } | { status: 'skipped'; version: number };

/**
 * Commits a flow's micro-batch against `snapshot` (the latest version):
 * skipped when `txn.appId` already committed `txn.version`; adds writer
 * feature `domainMetadata` to the protocol when the table lacks it.
 * @throws the ConflictError subclass when a concurrent commit makes it impossible; constraint violations before any file is written.
 */
export async function commitTarget(storage: Storage, snapshot: Snapshot, c: TargetCommit): Promise<TargetCommitResult> {
  const table = storage.root;
  const txn = new Transaction(storage, snapshot, {
    operation: c.operation,
    operationParameters: c.operationParameters,
    commitInfo: c.commitInfo,
  });
  const committed = txn.txnVersion(c.txn.appId);
  if (committed !== undefined && committed >= c.txn.version) return { status: 'skipped', version: snapshot.version };
  txn.setTransaction(c.txn.appId, c.txn.version);
  if (!protocolFeatures(snapshot.protocol).has('domainMetadata')) {
    const wanted = { ...snapshot.metadata, configuration: { ...snapshot.metadata.configuration, 'delta.feature.domainMetadata': 'supported' } };
    txn.updateProtocol(requiredProtocol(wanted, snapshot.protocol));
  }
  for (const d of c.domains) txn.addDomainMetadata(d);
  // The flow looked for its keys in every file: any concurrent change to the table's data conflicts.
  txn.readWholeTable();
  await enforceConstraints(c.newRows, snapshot.schema, tableConstraints(snapshot.schema, snapshot.properties), table);
  txn.validate();
  const now = Date.now();
  const masked = c.mask ? await c.mask(now) : null;
  const written = masked?.file ? [masked.file] : [];
  let adds: Add[] = [];
  try {
    adds = c.data.numRows === 0 ? [] : await writeDataFiles(storage, splitByPartition(c.data, snapshot.schema, snapshot.partitionColumns), {
      schema: snapshot.schema,
      partitionColumns: snapshot.partitionColumns,
      configuration: snapshot.properties,
      targetFileSize: c.targetFileSize,
      table,
    });
  } catch (err) {
    await deleteQuietly(storage, written);
    throw err;
  }
  written.push(...adds.map((a) => fromAddPath(a.path)));
  for (const a of [...(masked?.adds ?? []), ...adds]) txn.addFile(a);
  for (const r of c.removes) txn.removeFile(removeOf(r, now));
  for (const r of masked?.removes ?? []) txn.removeFile(r);
  const removedWhole = [...c.removes, ...(masked ? masked.removes.filter((r) => !masked.adds.some((a) => a.path === r.path)) : [])];
  txn.setOperationMetrics({
    ...c.metrics,
    numTargetFilesAdded: adds.length,
    numTargetFilesRemoved: removedWhole.length,
    numTargetBytesAdded: adds.reduce((s, a) => s + a.size, 0),
    numTargetBytesRemoved: removedWhole.reduce((s, r) => s + (r.size ?? 0), 0),
    ...(masked ? { numTargetDeletionVectorsAdded: masked.dvAdded, numTargetDeletionVectorsRemoved: masked.dvRemoved, numTargetDeletionVectorsUpdated: masked.dvUpdated } : {}),
  });
  let result: Awaited<ReturnType<Transaction['commit']>>;
  try {
    result = await txn.commit();
  } catch (err) {
    await deleteQuietly(storage, written);
    throw err;
  }
  if (result.status === 'conflict') {
    await deleteQuietly(storage, written);
    throw result.error;
  }
  return { status: 'committed', version: result.version, addedFiles: adds.length };
}
