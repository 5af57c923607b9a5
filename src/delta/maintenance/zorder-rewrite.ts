// The Z-order rewrite of one partition with a bounded window of decoded data:
//   1. Only the Z-order columns of every live row are read; the native core
//      computes the clustered order and its grid cells, which are cut into
//      output files (fileRanges). Every row now has an output file and, within
//      it, a position.
//   2. The files are decoded again (deletion vectors applied) and their rows
//      scattered into one spill file per output file (spill.ts), in input order.
//   3. Each output file's rows are read back, put in clustered order and
//      encoded (stats recomputed by the writer), two files encoding at once.
// When the native decoder reads every file, passes 2 and 3 run natively, one
// input file at a time (native/maintenance/spill.cc): no decoded row enters
// JS memory before it is in its final order. Otherwise a window of files is
// decoded in JS at a time and spilled as Arrow IPC.
// Memory holds the Z-order columns and a few bytes per row in pass 1, then
// one input file (or window) per reader, then two output files' rows (their
// buffers refilled from file to file) — never the partition. The rows and their order in every file are those of clustering
// the whole partition in memory.

import { availableParallelism } from 'node:os';
import * as arrow from 'apache-arrow';
import type { Add } from '../actions.ts';
import type { Storage } from '../storage/storage.ts';
import type { Snapshot } from '../snapshot.ts';
import { takeRows } from '../operations/take.ts';
import { concatBatches } from '../../reactive/batch/concatBatches.ts';
import type { Bin } from './bin-pack.ts';
import { canGather, gatherRows, locateRows } from './gather.ts';
import { forEachLimit } from '../for-each-limit.ts';
import { readDeletionVector } from '../deletion-vector.ts';
import { readFootersOf } from './rowgroup-copy.ts';
import { fromAddPath } from '../partition-values.ts';
import { native } from '../../native/addon.ts';
import { dataSchemaOf, decodedBatch, planNativeRead, subPlan, withSource, type DecodeColumn, type Decoded, type NativeReadPlan } from './native-read.ts';
import { readLiveFiles } from './read-live.ts';
import { SpillArea } from './spill.ts';
import { cellCountNear, clusterCells, gridLevels, type ClusteringCurve } from './zorder.ts';

interface SpillNative {
  spillScatter(file: Uint8Array | number, columns: DecodeColumn[], deleted: Uint32Array | null, dest: Uint16Array | Uint32Array, paths: string[], input: number): Promise<number>;
  spillGather(path: string, columns: Pick<DecodeColumn, 'type' | 'typeLength'>[], rows: Uint32Array, reuse?: Decoded[]): Promise<Decoded[]>;
  ZOrderColumns: new () => NativeZOrderColumns;
}
/** Z-order columns decoded and held natively (native/maintenance/zorder_store.cc), freed as soon as they are ranked. */
interface NativeZOrderColumns {
  addFile(index: number, file: Uint8Array | number, columns: DecodeColumn[], deleted: Uint32Array | null): Promise<number>;
  cluster(curve: 0 | 1, threads: number, levels: number[]): Promise<{ order: Uint32Array; runEnds: Uint32Array }>;
  release(): void;
}
// POSIX only (see native/maintenance/spill.cc); elsewhere the JS path runs.
const core: Partial<SpillNative> = process.platform === 'win32' ? {} : (native as unknown as SpillNative);

/** Encoded input bytes decoded at once by the JS path of pass 2 (a window is at least one file). */
export const DEFAULT_WINDOW_BYTES = 8 * 1024 * 1024;
/** Output files encoded at once in pass 3. */
const WRITES_IN_FLIGHT = 2;
/** Input files decoded at once. */
const READS_IN_FLIGHT = 2;

/** What a Z-order rewrite needs to know. */
export interface ZOrderRewrite {
  storage: Storage;
  snapshot: Snapshot;
  /** Target size of the output files in bytes. */
  target: number;
  columns: readonly string[];
  curve: ClusteringCurve;
  /** Encodes one output file (rows in their final order) and returns its add actions. */
  write: (rows: arrow.Table) => Promise<Add[]>;
  /** Encoded input bytes decoded at once by the JS path (default {@link DEFAULT_WINDOW_BYTES}). */
  windowBytes?: number;
  /** Use the native spill when it can read every file (default true; false forces the JS path, for tests). */
  native?: boolean;
}

/**
 * Rewrites the files of one partition (`bin`) into files clustered along
 * the Z-order (or Hilbert) curve of `columns`; resolves to the add actions
 * of the new files, the number of rows written and whether passes 2 and 3
 * ran natively. Spill files are removed
 * before it settles, whether it succeeds or fails.
 */
export async function rewriteZOrdered(job: ZOrderRewrite, bin: Bin): Promise<{ adds: Add[]; rows: number; native: boolean }> {
  const { storage, snapshot } = job;
  const dataSchema = dataSchemaOf(snapshot);
  const plans = job.native === false ? null : await nativePlans(job, bin.files, dataSchema);
  const plan = await clusterPartition(job, bin, dataSchema, plans);
  if (plan === null) return { adds: [], rows: 0, native: false };
  const { rows, ranges, dest, fileRows } = plan;

  let spill = await SpillArea.create(storage, 'optimize');
  try {
    let native = plans !== null && core.spillScatter !== undefined;
    if (native) {
      try {
        await scatterNative(job, bin, plans!, dest.fileOf, fileRows, spill, ranges.length);
      } catch (err) {
        if (!(err instanceof NativeDecodeError)) throw err;
        // An encoding the native decoder lacks in a column pass 1 did not read: start pass 2 over in JS.
        await spill.dispose();
        spill = await SpillArea.create(storage, 'optimize');
        native = false;
      }
    }
    if (!native) {
      // Pass 2: every row to the spill file of its output file.
      let first = 0;
      for (const window of windows(bin.files, job.windowBytes ?? DEFAULT_WINDOW_BYTES)) {
        const batches = (await readLiveFiles(storage, snapshot, window, dataSchema, READS_IN_FLIGHT)).flat();
        first = await scatter(spill, batches, dest.fileOf, first, ranges.length);
      }
      if (first !== rows) throw changedWhileRead(job, bin, rows, first);
    }
    // Pass 3: each output file in clustered order, two encoding (and
    // fsyncing) at once on native threads: two encodes fill the cores a single
    // file's widest column leaves idle. A file is gathered (natively, too) as
    // soon as one of the two is done, into that one's buffers.
    const adds: Add[] = [];
    const pending: Promise<void>[] = [];
    // Buffers of files already written, for the next gathers to fill: memory
    // stays at the files in flight instead of waiting for the GC.
    const pool: Decoded[][] = [];
    try {
      for (let k = 0; k < ranges.length; k++) {
        const [s, e] = ranges[k];
        // dest.arrival[s..e): the index, among file k's spilled rows (in input order), of each row in clustered order.
        const arrival = dest.arrival.subarray(s, e);
        // A slot first, so the gather can refill the buffers of the file just written.
        if (pending.length >= WRITES_IN_FLIGHT) await pending.shift();
        let decoded: Decoded[] | null = null;
        let batch: arrow.RecordBatch;
        if (native) {
          decoded = await core.spillGather!(spill.path(k), plans![0].columns, arrival, pool.pop());
          await spill.remove(k);
          batch = decodedBatch(dataSchema, plans![0], decoded, arrival.length);
        } else {
          batch = gatherInOrder(await spill.take(k), arrival);
        }
        const written = job.write(new arrow.Table(batch.schema, [batch])).then((a) => {
          adds.push(...a);
          if (decoded) pool.push(wholeBuffers(decoded));
        });
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
    return { adds, rows, native };
  } finally {
    await spill.dispose();
  }
}

/** A native decode failure that the JS path may not share (an unsupported encoding). */
class NativeDecodeError extends Error {}

function changedWhileRead(job: ZOrderRewrite, bin: Bin, planned: number, read: number, add?: Add): Error {
  const what = add ? `data file ${add.path}` : `the files of partition ${JSON.stringify(bin.partitionValues)}`;
  return new Error(
    `OPTIMIZE of Delta table ${job.storage.root} stopped: ${what} held ${planned} live rows for the Z-order ` +
      `and ${read} when rewritten (changed while being read?); nothing was committed`,
  );
}

/**
 * The native decoding plan of every file for all data columns, from their
 * footers (ranged reads); null when some file needs the JS reader or the
 * files disagree on physical types.
 */
async function nativePlans(job: ZOrderRewrite, files: readonly Add[], dataSchema: arrow.Schema): Promise<NativeReadPlan[] | null> {
  if (core.spillScatter === undefined) return null;
  const footers = await readFootersOf(
    job.storage,
    files.map((add) => ({ path: fromAddPath(add.path), size: add.size, where: `Data file ${add.path} of Delta table ${job.storage.root}` })),
  );
  const plans = footers.map((f) => planNativeRead(job.snapshot, f.meta, dataSchema));
  if (plans.some((p) => p === null)) return null;
  const first = (plans as NativeReadPlan[])[0];
  const same = (p: NativeReadPlan) => p.columns.every((c, i) => c.type === first.columns[i].type && c.typeLength === first.columns[i].typeLength);
  return (plans as NativeReadPlan[]).every(same) ? (plans as NativeReadPlan[]) : null;
}

/** Pass 2, natively: each file decoded and its rows appended to their output files' spills. */
async function scatterNative(
  job: ZOrderRewrite,
  bin: Bin,
  plans: readonly NativeReadPlan[],
  fileOf: Uint16Array | Uint32Array,
  fileRows: readonly number[],
  spill: SpillArea,
  outputs: number,
): Promise<void> {
  const paths = Array.from({ length: outputs }, (_, k) => spill.path(k));
  const firstRow: number[] = [];
  fileRows.reduce((at, n, i) => ((firstRow[i] = at), at + n), 0);
  await forEachLimit(bin.files, READS_IN_FLIGHT, async (add, i) => {
    const deleted = add.deletionVector ? await readDeletionVector(job.storage, add.deletionVector) : null;
    const dest = fileOf.subarray(firstRow[i], firstRow[i] + fileRows[i]);
    const kept = await withSource(job.storage, add, undefined, async (file) => {
      try {
        return await core.spillScatter!(file, plans[i].columns, deleted, dest, paths, i);
      } catch (err) {
        throw new NativeDecodeError(`${(err as Error).message} (data file ${add.path})`, { cause: err });
      }
    });
    if (kept !== fileRows[i]) throw changedWhileRead(job, bin, fileRows[i], kept, add);
  });
}

/** Decoded columns as reusable buffers: each a view of its whole ArrayBuffer (results are views of their data's length). */
function wholeBuffers(decoded: Decoded[]): Decoded[] {
  return decoded.map((d) => ({
    ...d,
    values: new Uint8Array(d.values.buffer),
    validity: d.validity && new Uint8Array(d.validity.buffer),
    offsets: d.offsets && new Int32Array(d.offsets.buffer),
  }));
}

/**
 * Pass 1: the output files (row ranges of the clustered order), where every
 * row goes, and the live rows of each input file; null when the partition has
 * no live rows. The Z-order columns are read (natively by `plans` when
 * given), clustered and released here.
 */
async function clusterPartition(
  job: ZOrderRewrite,
  bin: Bin,
  dataSchema: arrow.Schema,
  plans: readonly NativeReadPlan[] | null,
): Promise<{ rows: number; ranges: [number, number][]; dest: ReturnType<typeof destinations>; fileRows: number[] } | null> {
  const zIndex = job.columns.map((c) => dataSchema.fields.findIndex((f) => f.name === c));
  // One grid cell per output file (about as many as the target size asks
  // for), so every file covers a narrow slice of each Z-order column; earlier
  // columns get the larger factors, as the first column gets the top bit in Morton order.
  const fileCount = cellCountNear(bin.bytes / job.target);
  let clustered = plans ? await clusterNative(job, bin, plans, zIndex, fileCount) : undefined;
  if (clustered === undefined) clustered = await clusterInJs(job, bin, dataSchema, zIndex, fileCount);
  if (clustered === null) return null;
  const { rows, fileRows, order, runEnds } = clustered;
  const ranges = fileRangesOfRuns(runEnds, Math.max(1, Math.ceil(rows / fileCount)));
  return { rows, ranges, dest: destinations(order, ranges, rows), fileRows };
}

interface Clustered {
  rows: number;
  /** Live rows of each input file. */
  fileRows: number[];
  order: Uint32Array;
  /** Exclusive ends of the runs of rows of one grid cell along `order`. */
  runEnds: ArrayLike<number>;
}

/**
 * Pass 1 natively: the Z-order columns decoded into native memory and
 * clustered there; null (not undefined) for an empty partition, undefined
 * when a file defeats the native decoder (the JS path then runs).
 */
async function clusterNative(
  job: ZOrderRewrite,
  bin: Bin,
  plans: readonly NativeReadPlan[],
  zIndex: number[],
  fileCount: number,
): Promise<Clustered | null | undefined> {
  const store = new core.ZOrderColumns!();
  try {
    const fileRows: number[] = [];
    try {
      await forEachLimit(bin.files, READS_IN_FLIGHT, async (add, i) => {
        const deleted = add.deletionVector ? await readDeletionVector(job.storage, add.deletionVector) : null;
        const columns = subPlan(plans[i], zIndex).columns;
        fileRows[i] = await withSource(job.storage, add, undefined, (file) => store.addFile(i, file, columns, deleted));
      });
    } catch {
      return undefined;
    }
    const rows = fileRows.reduce((s, n) => s + n, 0);
    if (rows === 0) return null;
    const levels = gridLevels(fileCount, zIndex.length).flatMap((l) => [l.dim, l.radix]);
    const { order, runEnds } = await store.cluster(job.curve === 'hilbert' ? 1 : 0, availableParallelism(), levels);
    return { rows, fileRows, order, runEnds };
  } finally {
    store.release();
  }
}

/** Pass 1 in JS: the Z-order columns as Arrow batches, clustered by the native core. */
async function clusterInJs(job: ZOrderRewrite, bin: Bin, dataSchema: arrow.Schema, zIndex: number[], fileCount: number): Promise<Clustered | null> {
  const zSchema = new arrow.Schema(zIndex.map((i) => dataSchema.fields[i]));
  const perFile = await readLiveFiles(job.storage, job.snapshot, bin.files, zSchema, READS_IN_FLIGHT);
  const fileRows = perFile.map((bs) => bs.reduce((s, b) => s + b.numRows, 0));
  const rows = fileRows.reduce((s, n) => s + n, 0);
  if (rows === 0) return null;
  const { order, cells } = await clusterCells(new arrow.Table(zSchema, perFile.flat()), job.columns, fileCount, { curve: job.curve, table: job.storage.root });
  return { rows, fileRows, order, runEnds: runEndsOf(cells) };
}

/**
 * Row ranges [start, end) of the output files: one per run of equal grid
 * cells, a run larger than 1.5 files split evenly (cells are uneven when
 * Z-order columns are correlated), a tiny run joined to the next.
 */
export function fileRanges(cells: Uint32Array, perFile: number): [number, number][] {
  return fileRangesOfRuns(runEndsOf(cells), perFile);
}

/** The exclusive ends of the runs of equal cells along the clustered order. */
function runEndsOf(cells: Uint32Array): number[] {
  const ends: number[] = [];
  for (let i = 1; i <= cells.length; i++) if (i === cells.length || cells[i] !== cells[i - 1]) ends.push(i);
  return ends;
}

/** {@link fileRanges} from the exclusive ends of the runs of equal cells (ascending; the last is the row count). */
export function fileRangesOfRuns(runEnds: ArrayLike<number>, perFile: number): [number, number][] {
  const out: [number, number][] = [];
  const total = runEnds.length > 0 ? runEnds[runEnds.length - 1] : 0;
  let start = 0;
  let pendingStart = -1;
  for (let r = 0; r < runEnds.length; r++) {
    const i = runEnds[r];
    const from = pendingStart >= 0 ? pendingStart : start;
    const len = i - from;
    if (len < perFile / 4 && i < total) {
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
 * Where every row goes: `fileOf[row]`, its output file; and, overwriting
 * `order` in place, `arrival[i]` = the index of the i-th row of the clustered
 * order among its file's rows taken in input order — the order in which pass 2
 * appends them to the file's spill.
 */
export function destinations(order: Uint32Array, ranges: readonly [number, number][], rows: number): { fileOf: Uint16Array | Uint32Array; arrival: Uint32Array } {
  const fileOf = ranges.length <= 0xffff ? new Uint16Array(rows) : new Uint32Array(rows);
  ranges.forEach(([s, e], k) => {
    for (let i = s; i < e; i++) fileOf[order[i]] = k;
  });
  const seen = new Uint32Array(ranges.length);
  const arrivalOfRow = new Uint32Array(rows);
  for (let r = 0; r < rows; r++) arrivalOfRow[r] = seen[fileOf[r]]++;
  for (let i = 0; i < order.length; i++) order[i] = arrivalOfRow[order[i]];
  return { fileOf, arrival: order };
}

/** Consecutive groups of files holding about `bytes` encoded bytes (at least one file each). */
export function windows(files: readonly Add[], bytes: number): Add[][] {
  const out: Add[][] = [];
  let current: Add[] = [];
  let size = 0;
  for (const f of files) {
    if (current.length > 0 && size + f.size > bytes) {
      out.push(current);
      current = [];
      size = 0;
    }
    current.push(f);
    size += f.size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/**
 * Appends the rows of `batches` (global rows `first`, `first + 1`, …) to the
 * spill files of their output files, in input order; returns the next global row.
 */
async function scatter(spill: SpillArea, batches: arrow.RecordBatch[], fileOf: Uint16Array | Uint32Array, first: number, files: number): Promise<number> {
  const n = batches.reduce((s, b) => s + b.numRows, 0);
  if (n === 0) return first;
  if (first + n > fileOf.length) return first + n; // more rows than pass 1 saw: the caller reports it
  // Local row numbers per output file, ascending: a counting sort by file.
  const start = new Uint32Array(files + 1);
  for (let r = 0; r < n; r++) start[fileOf[first + r] + 1]++;
  for (let k = 0; k < files; k++) start[k + 1] += start[k];
  const rowsOf = new Uint32Array(n);
  const fill = start.slice(0, files);
  for (let r = 0; r < n; r++) rowsOf[fill[fileOf[first + r]]++] = r;
  const flat = canGather(batches);
  const loc = flat ? locateRows(batches) : null;
  const whole = flat ? null : concatBatches(batches);
  for (let k = 0; k < files; k++) {
    if (start[k + 1] === start[k]) continue;
    const idx = rowsOf.subarray(start[k], start[k + 1]);
    const part = flat ? gatherRows(batches, loc!, idx) : takeRows(whole!, new Int32Array(idx.buffer, idx.byteOffset, idx.length));
    await spill.append(k, part);
  }
  return first + n;
}

/** One batch of `parts`' rows in the order `rows` (indexes into the parts' concatenation). */
function gatherInOrder(parts: arrow.RecordBatch[], rows: Uint32Array): arrow.RecordBatch {
  if (canGather(parts)) return gatherRows(parts, locateRows(parts), rows);
  return takeRows(concatBatches(parts), new Int32Array(rows.buffer, rows.byteOffset, rows.length));
}
