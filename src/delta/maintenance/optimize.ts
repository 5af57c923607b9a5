// OPTIMIZE: rewrites a table's data files into fewer, larger ones (bin-pack)
// or into files clustered along a Z-order curve of chosen columns, without
// changing its rows. The commit carries `dataChange: false` on every add and
// remove and Delta's OPTIMIZE commitInfo, so streaming readers skip it and
// concurrent blind appends never conflict with it; the files it compacts are
// registered as read, so a concurrent delete of any of them makes it fail and
// leaves the table as it was.
//
// Bin-packing files with one Parquet schema and no deletion vectors copies
// their row groups byte for byte (rowgroup-copy.ts) and merges their stats;
// anything else (deletion vectors to purge, differing schemas, Z-order) is
// decoded, reordered if asked, and encoded again by the native writer.

import { availableParallelism } from 'node:os';
import * as arrow from 'apache-arrow';
import type { Add, Remove } from '../actions.ts';
import type { Storage } from '../storage/storage.ts';
import { ConflictError } from '../conflict-checker.ts';
import { fromAddPath } from '../partition-values.ts';
import { scanSnapshot } from '../scan.ts';
import type { Snapshot } from '../snapshot.ts';
import { Transaction } from '../transaction.ts';
import { assertWritable } from '../writer-features.ts';
import { parseStats } from '../stats.ts';
import { writeDataFiles } from '../operations/write-files.ts';
import { fileSizeMetrics, groupByPartition, planBins, type Bin } from './bin-pack.ts';
import { systemClock, type Clock } from './clock.ts';
import { forEachLimit } from './list-files.ts';
import { selectPartitions, type PartitionPredicate } from './partition-filter.ts';
import { copyBin } from './copy-bin.ts';
import { afterCommit, latestSnapshot, type TableLike } from './table-handle.ts';
import { cellCountNear, clusterCells, type ClusteringCurve } from './zorder.ts';
import { dataSchemaOf, readFileNative } from './native-read.ts';
import { canGather, gatherRows, locateRows } from './gather.ts';
import { takeRows } from '../operations/take.ts';
import { removeOf } from '../operations/write.ts';
import { concatBatches } from '../../reactive/batch/concatBatches.ts';
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
  const ctx: RewriteContext = { storage, snapshot, target, zOrder, curve: options.curve ?? 'morton', copy: options.copyRowGroups ?? true };
  try {
    await forEachLimit(bins, concurrency, async (bin) => {
      const out = await rewriteBin(ctx, bin);
      added.push(...out.adds);
      stats.copied += out.copied;
      stats.reencoded += out.reencoded;
      stats.rows += out.rows;
    });
  } catch (err) {
    await deleteQuietly(storage, added);
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
    await deleteQuietly(storage, added);
    const e = result.error;
    const Ctor = e.constructor as new (message: string, version: number, operation: string | undefined) => ConflictError;
    throw new Ctor(`OPTIMIZE of Delta table ${root} failed and changed nothing: ${e.message}`, e.winningVersion, e.winningOperation);
  }
  const after = await afterCommit(table, storage, result.version);
  return { version: result.version, metrics, addedFiles: added, removedFiles: removed, seconds: (performance.now() - t0) / 1000, ...after };
}

/** Output files of one Z-order rewrite encoded at once. */
const WRITES_IN_FLIGHT = 2;

interface RewriteContext {
  storage: Storage;
  snapshot: Snapshot;
  target: number;
  zOrder: string[];
  curve: ClusteringCurve;
  copy: boolean;
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
    if (copied) return { adds: [copied.add], copied: 1, reencoded: 0, rows: copied.rows };
  }
  const { snapshot, storage } = ctx;
  const batches = await readBin(ctx, bin);
  const dataSchema = batches.length > 0 ? batches[0].schema : dataSchemaOf(snapshot);
  const data = new arrow.Table(dataSchema, batches);
  const rows = data.numRows;
  if (rows === 0) return { adds: [], copied: 0, reencoded: 0, rows: 0 };
  const write = async (chunk: arrow.Table): Promise<Add[]> => {
    const written = await writeDataFiles(storage, [{ values: bin.partitionValues, data: chunk }], {
      schema: snapshot.schema,
      partitionColumns: snapshot.partitionColumns,
      configuration: snapshot.properties,
      targetFileSize: Number.POSITIVE_INFINITY,
      table: storage.root,
    });
    return written.map((a) => ({ ...a, dataChange: false }));
  };
  const adds: Add[] = [];
  if (ctx.zOrder.length === 0) {
    adds.push(...(await write(data)));
    assertAllRows(adds, rows, ctx, bin);
    return { adds, copied: 0, reencoded: adds.length, rows };
  }
  // One grid cell per output file (about as many as the target size asks
  // for), so every file covers a narrow slice of each Z-order column; earlier
  // columns get the larger factors, as the first column gets the top bit in Morton order.
  const fileCount = cellCountNear(bin.bytes / ctx.target);
  const { order, cells } = await clusterCells(data, ctx.zOrder, fileCount, { curve: ctx.curve, table: storage.root });
  const ranges = fileRanges(cells, Math.max(1, Math.ceil(rows / fileCount)));
  // Flat columns are gathered per file straight from the input batches; nested ones from one concatenated copy.
  const whole = canGather(batches) ? null : concatBatches(batches);
  const loc = whole ? null : locateRows(batches);
  // Gather file k+2 while files k and k+1 encode (and fsync) on native
  // threads: two encodes fill the cores a single file's widest column leaves
  // idle. At most three files' rows are in memory.
  const pending: Promise<void>[] = [];
  try {
    for (const [s, e] of ranges) {
      const idx = order.subarray(s, e);
      const batch = whole ? takeRows(whole, new Int32Array(idx.buffer, idx.byteOffset, idx.length)) : gatherRows(batches, loc!, idx);
      if (pending.length >= WRITES_IN_FLIGHT) await pending.shift();
      const written = write(new arrow.Table(batch.schema, [batch])).then((a) => void adds.push(...a));
      // Handled when awaited; this only keeps a failure that comes while another write is awaited from counting as unhandled.
      written.catch(() => {});
      pending.push(written);
    }
    await Promise.all(pending);
  } catch (err) {
    // No write keeps running after the rewrite has failed.
    await Promise.allSettled(pending);
    throw err;
  }
  assertAllRows(adds, rows, ctx, bin);
  return { adds, copied: 0, reencoded: adds.length, rows };
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

/**
 * Row ranges [start, end) of the output files: one per run of equal grid
 * cells, a run larger than 1.5 files split evenly (cells are uneven when
 * Z-order columns are correlated), a tiny run joined to the next.
 */
export function fileRanges(cells: Uint32Array, perFile: number): [number, number][] {
  const out: [number, number][] = [];
  let start = 0;
  let pendingStart = -1;
  for (let i = 1; i <= cells.length; i++) {
    if (i < cells.length && cells[i] === cells[i - 1]) continue;
    const from = pendingStart >= 0 ? pendingStart : start;
    const len = i - from;
    if (len < perFile / 4 && i < cells.length) {
      pendingStart = from;
    } else {
      const pieces = len > perFile * 1.5 ? Math.round(len / perFile) : 1;
      for (let p = 0; p < pieces; p++) out.push([from + Math.floor((len * p) / pieces), from + Math.floor((len * (p + 1)) / pieces)]);
      pendingStart = -1;
    }
    start = i;
  }
  return out.filter(([a, b]) => b > a);
}

/**
 * The live rows of a bin's files as batches of the table's data columns:
 * decoded natively where possible, else by the JS scan (which handles
 * every type, column mapping and type widening).
 */
async function readBin(ctx: RewriteContext, bin: Bin): Promise<arrow.RecordBatch[]> {
  const { storage, snapshot } = ctx;
  const dataSchema = dataSchemaOf(snapshot);
  const perFile: arrow.RecordBatch[][] = [];
  await forEachLimit(bin.files, 2, async (add, i) => {
    const batch = await readFileNative(storage, snapshot, add, dataSchema);
    if (batch) {
      perFile[i] = [batch];
      return;
    }
    // A view of the snapshot holding just this file, so the regular scan applies.
    const view = Object.create(snapshot, { files: { value: () => [add] } }) as Snapshot;
    const out: arrow.RecordBatch[] = [];
    for await (const b of scanSnapshot(storage, view)) {
      const children = dataSchema.fields.map((f) => b.getChild(f.name)!.data[0]);
      out.push(new arrow.RecordBatch(dataSchema, arrow.makeData({ type: new arrow.Struct(dataSchema.fields), length: b.numRows, nullCount: 0, children })));
    }
    perFile[i] = out;
  });
  return perFile.flat().filter((b) => b.numRows > 0);
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

async function deleteQuietly(storage: Storage, adds: readonly Add[]): Promise<void> {
  await forEachLimit(adds, 16, async (a) => {
    try {
      await storage.delete(fromAddPath(a.path));
    } catch {
      // An unreferenced file is an orphan VACUUM removes.
    }
  });
}
