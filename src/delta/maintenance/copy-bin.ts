// Bin-packing by row-group copy: the files of a bin that share one Parquet
// schema become one file made of their row groups, byte for byte, and a new
// footer (rowgroup-copy.ts). Footers come from ranged reads of the files'
// tails; on local storage the row groups are then copied file to file in the
// kernel, so memory holds footers only, never a file's data. Other storages
// read the files whole and write the result as one object.

import { randomUUID } from 'node:crypto';
import { write as writeCallback } from 'node:fs';
import { promisify } from 'node:util';
import type { Add } from '../actions.ts';
import type { Storage } from '../storage/storage.ts';
import { fromAddPath, partitionDirectory } from '../partition-values.ts';
import type { Snapshot } from '../snapshot.ts';
import { addPathOf } from '../operations/write-files.ts';
import type { Bin } from './bin-pack.ts';
import { forEachLimit } from '../for-each-limit.ts';
import { mergeStats } from './merge-stats.ts';
import { PARQUET_MAGIC, assembleRowGroups, planRowGroupCopy, readFooter, readFootersOf, schemaKey, type ParquetFooter, type RowGroupCopy } from './rowgroup-copy.ts';

const writeFd = promisify(writeCallback);

/** Whole files read at once when the storage cannot copy ranges (object stores, memory). */
const WHOLE_READS = 8;

/**
 * Bin-packs by copying row groups; null when the files' Parquet schemas
 * differ (the caller re-encodes them then).
 */
export async function copyBin(storage: Storage, snapshot: Snapshot, bin: Bin): Promise<{ add: Add; rows: number } | null> {
  const stream = storage.writeFile !== undefined && storage.copyRangesInto !== undefined;
  const where = (f: Add) => `Data file ${f.path} of Delta table ${storage.root}`;
  let footers: ParquetFooter[];
  if (stream) {
    footers = await readFootersOf(storage, bin.files.map((f) => ({ path: fromAddPath(f.path), size: f.size, where: where(f) })));
  } else {
    footers = new Array(bin.files.length);
    await forEachLimit(bin.files, WHOLE_READS, async (f, i) => {
      const bytes = await storage.read(fromAddPath(f.path));
      if (!bytes) throw new Error(`OPTIMIZE of Delta table ${storage.root}: data file ${f.path} is missing`);
      footers[i] = readFooter(bytes, where(f));
    });
  }
  const key = schemaKey(footers[0]);
  if (footers.some((f) => schemaKey(f) !== key)) return null;
  const footerRows = footers.reduce((s, f) => s + f.numRows, 0);
  const plan = planRowGroupCopy(footers);
  if (plan.numRows !== footerRows) {
    throw new Error(`OPTIMIZE of Delta table ${storage.root} stopped: copying row groups gave ${plan.numRows} rows instead of ${footerRows}; nothing was committed`);
  }
  const name = `part-00000-${randomUUID()}-c000${extensionOf(bin.files[0].path)}`;
  const relative = `${partitionDirectory([...snapshot.partitionColumns], bin.partitionValues)}${name}`;
  if (stream) {
    await storage.writeFile!(relative, (fd) => streamCopy(storage, bin.files, plan, fd));
  } else {
    await storage.write(relative, assembleRowGroups(footers, plan));
  }
  const meta = await storage.head(relative);
  const add: Add = {
    path: addPathOf(relative),
    partitionValues: { ...bin.partitionValues },
    size: plan.size,
    modificationTime: meta?.modificationTime ?? Date.now(),
    dataChange: false,
  };
  const stats = mergeStats(bin.files.map((f) => f.stats), snapshot.arrowSchema);
  if (stats !== null) add.stats = stats;
  return { add, rows: plan.numRows };
}

/** Writes the planned file to `fd`: magic, the inputs' row groups (copied in the kernel), footer. */
async function streamCopy(storage: Storage, files: readonly Add[], plan: RowGroupCopy, fd: number): Promise<void> {
  await writeAll(fd, PARQUET_MAGIC);
  await storage.copyRangesInto!(fd, plan.ranges.map((r) => ({ path: fromAddPath(files[r.file].path), start: r.start, end: r.end })));
  await writeAll(fd, plan.tail);
}

async function writeAll(fd: number, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length; ) at += (await writeFd(fd, bytes, at, bytes.length - at, null)).bytesWritten;
}

/** `.snappy.parquet`, `.zstd.parquet`, `.parquet`, … of a data file name (the codec the input used). */
function extensionOf(path: string): string {
  const m = /((?:\.[a-z0-9]+)?\.parquet)$/i.exec(path);
  return m && !/^\.c\d+\./.test(m[1]) ? m[1] : '.parquet';
}
