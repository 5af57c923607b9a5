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
import { native } from '../../native/addon.ts';
import type { Bin } from './bin-pack.ts';
import { forEachLimit } from '../for-each-limit.ts';
import { mergeStats } from './merge-stats.ts';
import { PARQUET_MAGIC, assembleRowGroups, planRowGroupCopy, readFooter, readFooterOf, schemaKey, type ParquetFooter, type RowGroupCopy } from './rowgroup-copy.ts';

interface CopyNative {
  copyRange(inFd: number, outFd: number, start: number, length: number): Promise<void>;
}
// POSIX only (see native/maintenance/file_ops.cc); elsewhere files are copied through memory.
const core: Partial<CopyNative> = process.platform === 'win32' ? {} : (native as unknown as CopyNative);
const writeFd = promisify(writeCallback);

/** Footers read at once per bin (each a small ranged read). */
const FOOTER_READS = 8;

/**
 * Bin-packs by copying row groups; null when the files' Parquet schemas
 * differ (the caller re-encodes them then).
 */
export async function copyBin(storage: Storage, snapshot: Snapshot, bin: Bin): Promise<{ add: Add; rows: number } | null> {
  const stream = storage.writeFile !== undefined && storage.readFile !== undefined && core.copyRange !== undefined;
  const where = (f: Add) => `Data file ${f.path} of Delta table ${storage.root}`;
  const footers: ParquetFooter[] = [];
  await forEachLimit(bin.files, FOOTER_READS, async (f, i) => {
    const path = fromAddPath(f.path);
    if (stream) {
      footers[i] = await readFooterOf(storage, path, f.size, where(f));
      return;
    }
    const bytes = await storage.read(path);
    if (!bytes) throw new Error(`OPTIMIZE of Delta table ${storage.root}: data file ${f.path} is missing`);
    footers[i] = readFooter(bytes, where(f));
  });
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

/** Writes the planned file to `fd`: magic, each input's row groups copied in the kernel, footer. */
async function streamCopy(storage: Storage, files: readonly Add[], plan: RowGroupCopy, fd: number): Promise<void> {
  await writeAll(fd, PARQUET_MAGIC);
  for (let i = 0; i < plan.ranges.length; ) {
    // Consecutive ranges of one input share one open descriptor.
    let j = i + 1;
    while (j < plan.ranges.length && plan.ranges[j].file === plan.ranges[i].file) j++;
    const add = files[plan.ranges[i].file];
    const ranges = plan.ranges.slice(i, j);
    const found = await storage.readFile!(fromAddPath(add.path), async (inFd) => {
      for (const r of ranges) await core.copyRange!(inFd, fd, r.start, r.end - r.start);
      return true;
    });
    if (found === null) throw new Error(`OPTIMIZE of Delta table ${storage.root}: data file ${add.path} is missing`);
    i = j;
  }
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
