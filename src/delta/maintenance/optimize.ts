// OPTIMIZE: rewrites a table's data files into fewer, larger ones (bin-pack)
// or into files clustered along a Z-order curve of chosen columns, without
// changing its rows. The commit carries `dataChange: false` on every add and
// remove and Delta's OPTIMIZE commitInfo, so streaming readers skip it and
// concurrent blind appends never conflict with it; the files it compacts are
// registered as read, so a concurrent delete of any of them makes it fail and
// leaves the table as it was.
//
// Bin-packing files with one Parquet schema and no deletion vectors copies
// their row groups byte for byte (copy-bin.ts) and merges their stats; other
// bins (deletion vectors to purge, differing schemas) are decoded and encoded
// again by the native writer. Z-order rewrites a partition through a bounded
// window of decoded rows (zorder-rewrite.ts).

import { availableParallelism } from 'node:os';
import * as arrow from 'apache-arrow';
import type { Add, Remove } from '../actions.ts';
import type { Storage } from '../storage/storage.ts';
import { deleteQuietly } from '../storage/delete-quietly.ts';
import { ConflictError } from '../conflict-checker.ts';
import { fromAddPath } from '../partition-values.ts';
import type { Snapshot } from '../snapshot.ts';
import { Transaction } from '../transaction.ts';
import { assertWritable } from '../writer-features.ts';
import { parseStats } from '../stats.ts';
import { writeDataFiles } from '../operations/write-files.ts';
import { fileSizeMetrics, groupByPartition, planBins, type Bin } from './bin-pack.ts';
import { systemClock, type Clock } from './clock.ts';
import { forEachLimit } from '../for-each-limit.ts';
import { selectPartitions, type PartitionPredicate } from './partition-filter.ts';
import { copyBin } from './copy-bin.ts';
import { afterCommit, latestSnapshot, type TableLike } from './table-handle.ts';
import type { ClusteringCurve } from './zorder.ts';
import { rewriteZOrdered } from './zorder-rewrite.ts';
import { dataSchemaOf } from './native-read.ts';
import { readLiveFiles } from './read-live.ts';
import { removeOf } from '../operations/write.ts';
import type { CheckpointInfo } from '../checkpoint-writer.ts';

/** Target size of compacted files when neither the option nor `delta.targetFileSize` says (as delta-rs: 100 MiB). */
export const DEFAULT_OPTIMIZE_TARGET_SIZE = 100 * 1024 * 1024;

/** Options of {@link optimize}. */
export interface OptimizeOptions {
  /** Cluster rows by these columns along a Z-order curve instead of just bin-packing. */
  zOrder?: string[];
  /** Curve for `zOrder` (default 'morton'; 'hilbert' keeps neighbours closer). */
  curve?: ClusteringCurve;
  /** Target file size in bytes (default `delta.targetFileSize`, else 100 MiB). */
  targetFileSize?: number;
  /** Only partitions matching this predicate (SQL on partition columns, or a function of typed partition values). */
  where?: PartitionPredicate;
  /** Bins (bin-pack) or partitions (Z-order) rewritten concurrently (default: the number of cores). */
  maxConcurrentTasks?: number;
  /** Copy row groups of same-schema files without decoding (default true). */
  copyRowGroups?: boolean;
  /** Recorded as `operationParameters.auto` (true when run by auto-compaction). */
  auto?: boolean;
  /** Time source for remove timestamps (tests). */
  clock?: Clock;
}

/** Count and size summary of a set of files (delta-rs's MetricDetails). */
export interface FileSetMetrics {
  avg: number;
  max: number;
  min: number;
  totalFiles: number;
  totalSize: number;
}

/** What OPTIMIZE did, in delta-rs's shape plus Tributary's extras. */
export interface OptimizeMetrics {
  numFilesAdded: number;
  numFilesRemoved: number;
  filesAdded: FileSetMetrics;
  filesRemoved: FileSetMetrics;
  partitionsOptimized: number;
  /** Bins (bin-pack) or partitions (Z-order) rewritten. */
  numBatches: number;
  totalConsideredFiles: number;
  totalFilesSkipped: number;
  preserveInsertionOrder: boolean;
  numDeletionVectorsRemoved: number;
  /** Output files made by copying row groups (no decode/encode). */
  filesCopied: number;
  /** Output files made by decoding and encoding rows. */
  filesReencoded: number;
  rows: number;
}

/** Outcome of {@link optimize}. */
export interface OptimizeResult {
  /** The committed version, or null when nothing needed rewriting (no commit). */
  version: number | null;
  metrics: OptimizeMetrics;
  addedFiles: Add[];
  removedFiles: Remove[];
  seconds: number;
  checkpoint?: CheckpointInfo;
  checkpointError?: Error;
}

/**
 * Compacts small files (bin-pack) or clusters files by `zOrder` columns.
 * Throws the ConflictError subclass when a concurrent commit removed a file
 * being rewritten (nothing is committed then, and the new files are deleted).
 *
 * @example
 * const { metrics } = await optimize('/data/orders', { targetFileSize: 4 << 20 });
 * await optimize(table, { zOrder: ['customer_id', 'ts'], where: "country = 'US'" });
 */
export async function optimize(table: TableLike, options: OptimizeOptions = {}): Promise<OptimizeResult> {
  const t0 = performance.now();
  const { storage, snapshot } = await latestSnapshot(table, 'OPTIMIZE');
  const root = storage.root;
  assertWritable(snapshot.protocol, snapshot.metadata, root);
  const zOrder = options.zOrder ?? [];
  validateZOrder(snapshot, zOrder);
  const target = targetSizeOf(snapshot, options.targetFileSize);
  const clock = options.clock ?? systemClock;
  const concurrency = Math.max(1, options.maxConcurrentTasks ?? availableParallelism());

  let files = snapshot.files();
  const considered = files.length;
  if (options.where !== undefined) {
    const selected = await selectPartitions(snapshot, options.where, files.map((f) => f.partitionValues));
    files = files.filter((_, i) => selected[i]);
  }
  const bins: Bin[] =
    zOrder.length > 0
      ? groupByPartition(files).map((p) => ({ partitionValues: p.partitionValues, files: p.files, bytes: p.files.reduce((s, f) => s + f.size, 0) }))
      : planBins(files, target);

  const txn = new Transaction(storage, snapshot, {
    operation: 'OPTIMIZE',
    operationParameters: {
      predicate: JSON.stringify(typeof options.where === 'string' ? [options.where] : []),
      zOrderBy: JSON.stringify(zOrder),
      auto: options.auto ?? false,
    },
  });
  const inputs = bins.flatMap((b) => b.files);
  txn.markFilesRead(inputs);
  // Invalid transactions (features Tributary cannot write, ...) fail before any file is written.
  txn.validate();

  const added: Add[] = [];
  const stats = { copied: 0, reencoded: 0, rows: 0 };
  const ctx: RewriteContext = { storage, snapshot, target, zOrder, curve: options.curve ?? 'morton', copy: options.copyRowGroups ?? true, written: added };
  try {
    await forEachLimit(bins, concurrency, async (bin) => {
      const out = await rewriteBin(ctx, bin);
      stats.copied += out.copied;
      stats.reencoded += out.reencoded;
      stats.rows += out.rows;
    });
  } catch (err) {
    await deleteQuietly(storage, added.map((a) => fromAddPath(a.path)));
    throw err;
  }

  const now = clock.now();
  const removed = inputs.map((a) => removeOf(a, now, false));
  const metrics: OptimizeMetrics = {
    numFilesAdded: added.length,
    numFilesRemoved: removed.length,
    filesAdded: fileSetMetrics(added.map((a) => a.size)),
    filesRemoved: fileSetMetrics(inputs.map((a) => a.size)),
    partitionsOptimized: new Set(bins.map((b) => JSON.stringify(b.partitionValues))).size,
    numBatches: bins.length,
    totalConsideredFiles: considered,
    totalFilesSkipped: considered - inputs.length,
    preserveInsertionOrder: zOrder.length === 0,
    numDeletionVectorsRemoved: inputs.filter((a) => a.deletionVector).length,
    filesCopied: stats.copied,
    filesReencoded: stats.reencoded,
    rows: stats.rows,
  };
  if (bins.length === 0) {
    return { version: null, metrics, addedFiles: [], removedFiles: [], seconds: (performance.now() - t0) / 1000 };
  }

  for (const a of added) txn.addFile(a);
  for (const r of removed) txn.removeFile(r);
  txn.setOperationMetrics({
    numRemovedFiles: removed.length,
    numRemovedBytes: metrics.filesRemoved.totalSize,
    numAddedFiles: added.length,
    numAddedBytes: metrics.filesAdded.totalSize,
    numDeletionVectorsRemoved: metrics.numDeletionVectorsRemoved,
    ...fileSizeMetrics(added.map((a) => a.size)),
  });
  // A failed log write (thrown) leaves the outcome unknown, so the new files stay; VACUUM removes them if orphaned.
  const result = await txn.commit();
  if (result.status === 'conflict') {
    await deleteQuietly(storage, added.map((a) => fromAddPath(a.path)));
    const e = result.error;
    const Ctor = e.constructor as new (message: string, version: number, operation: string | undefined) => ConflictError;
    throw new Ctor(`OPTIMIZE of Delta table ${root} failed and changed nothing: ${e.message}`, e.winningVersion, e.winningOperation);
  }
  const after = await afterCommit(table, storage, result.version, snapshot.properties);
  return { version: result.version, metrics, addedFiles: added, removedFiles: removed, seconds: (performance.now() - t0) / 1000, ...after };
}

interface RewriteContext {
  storage: Storage;
  snapshot: Snapshot;
  target: number;
  zOrder: string[];
  curve: ClusteringCurve;
  copy: boolean;
  /** Every file written so far, by any bin: deleted if OPTIMIZE fails. */
  written: Add[];
}

interface RewriteOutput {
  adds: Add[];
  copied: number;
  reencoded: number;
  rows: number;
}

async function rewriteBin(ctx: RewriteContext, bin: Bin): Promise<RewriteOutput> {
  if (ctx.zOrder.length === 0 && ctx.copy && !bin.files.some((f) => f.deletionVector)) {
    const copied = await copyBin(ctx.storage, ctx.snapshot, bin);
    if (copied) {
      ctx.written.push(copied.add);
      return { adds: [copied.add], copied: 1, reencoded: 0, rows: copied.rows };
    }
  }
  const { snapshot, storage } = ctx;
  // Every file written is registered at once, so a failure anywhere deletes it.
  const track = (adds: Add[]): Add[] => {
    ctx.written.push(...adds);
    return adds;
  };
  const write = async (chunk: arrow.Table): Promise<Add[]> => {
    const written = await writeDataFiles(storage, [{ values: bin.partitionValues, data: chunk }], {
      schema: snapshot.schema,
      partitionColumns: snapshot.partitionColumns,
      configuration: snapshot.properties,
      targetFileSize: Number.POSITIVE_INFINITY,
      table: storage.root,
      // Z-order encodes two files at once, which fills the cores: one thread each keeps one file's buffers each.
      parquetThreads: ctx.zOrder.length > 0 ? 1 : undefined,
    });
    return written.map((a) => ({ ...a, dataChange: false }));
  };
  if (ctx.zOrder.length === 0) {
    // The live rows of the bin's files as batches of the table's data columns, in file order.
    const batches = (await readLiveFiles(storage, snapshot, bin.files, dataSchemaOf(snapshot))).flat();
    const data = new arrow.Table(batches.length > 0 ? batches[0].schema : dataSchemaOf(snapshot), batches);
    const rows = data.numRows;
    if (rows === 0) return { adds: [], copied: 0, reencoded: 0, rows: 0 };
    const adds = track(await write(data));
    assertAllRows(adds, rows, ctx, bin);
    return { adds, copied: 0, reencoded: adds.length, rows };
  }
  const z = await rewriteZOrdered(
    { storage, snapshot, target: ctx.target, columns: ctx.zOrder, curve: ctx.curve, write: async (t) => track(await write(t)) },
    bin,
  );
  assertAllRows(z.adds, z.rows, ctx, bin);
  return { adds: z.adds, copied: 0, reencoded: z.adds.length, rows: z.rows };
}

/** A rewrite must account for every live row it read: anything else is a bug, and must not be committed. */
function assertAllRows(adds: readonly Add[], rows: number, ctx: RewriteContext, bin: Bin): void {
  const written = adds.reduce((s, a) => s + (parseStats(a.stats)?.numRecords ?? Number.NaN), 0);
  if (written !== rows) {
    throw new Error(
      `OPTIMIZE of Delta table ${ctx.storage.root} stopped: the rewrite of ${bin.files.length} file(s) in partition ` +
        `${JSON.stringify(bin.partitionValues)} produced ${written} rows instead of ${rows}; nothing was committed`,
    );
  }
}

function fileSetMetrics(sizes: readonly number[]): FileSetMetrics {
  if (sizes.length === 0) return { avg: 0, max: 0, min: 0, totalFiles: 0, totalSize: 0 };
  const total = sizes.reduce((s, x) => s + x, 0);
  return { avg: total / sizes.length, max: Math.max(...sizes), min: Math.min(...sizes), totalFiles: sizes.length, totalSize: total };
}

function targetSizeOf(snapshot: Snapshot, option: number | undefined): number {
  const fromTable = snapshot.properties['delta.targetFileSize'];
  const v = option ?? (fromTable !== undefined ? Number(fromTable) : DEFAULT_OPTIMIZE_TARGET_SIZE);
  if (!Number.isFinite(v) || v <= 0) {
    throw new Error(
      `OPTIMIZE of Delta table ${snapshot.table}: target file size must be a positive number of bytes, got ${option !== undefined ? option : `delta.targetFileSize '${fromTable}'`}`,
    );
  }
  return v;
}

function validateZOrder(snapshot: Snapshot, columns: readonly string[]): void {
  const table = snapshot.table;
  const names = snapshot.schema.fields.map((f) => f.name);
  const seen = new Set<string>();
  for (const c of columns) {
    if (!names.includes(c)) throw new Error(`Z-order column '${c}' does not exist in Delta table ${table}; its columns are ${names.join(', ')}`);
    if (snapshot.partitionColumns.includes(c)) {
      throw new Error(`Cannot Z-order Delta table ${table} by partition column '${c}': rows of a partition share its value; choose data columns`);
    }
    if (seen.has(c)) throw new Error(`Z-order column '${c}' is listed twice for Delta table ${table}`);
    seen.add(c);
  }
}
