// Reading a few columns of a Parquet file without reading the file: the
// footer from its tail, then only the byte ranges of the wanted column
// chunks. A MERGE's key pass reads one column of every candidate file;
// reading whole files made it I/O bound on the columns it never decodes.

import type { Storage } from '../storage/storage.ts';
import { field, numberField, readStruct, type TStruct } from './thrift-compact.ts';

const MAGIC = [0x50, 0x41, 0x52, 0x31]; // "PAR1"
/** Bytes read from the end at first: most footers fit, so one read finds them. */
const TAIL = 64 * 1024;
/** Ranges closer than this are read as one (a read costs more than the gap's bytes). */
const GAP = 64 * 1024;

/** A Parquet footer read from the end of a file of `size` bytes. */
export interface FooterTail {
  meta: TStruct;
  numRows: number;
  size: number;
}

/** Reads and parses the footer of the Parquet file `path` (`size` bytes, as the log records it). */
export async function readFooterTail(storage: Storage, path: string, size: number, where: string): Promise<FooterTail> {
  if (size < 12) throw new Error(`${where} is not a Parquet file (${size} bytes)`);
  let start = Math.max(0, size - TAIL);
  let tail = await storage.readRange(path, start, size);
  const n = tail.length;
  if (!MAGIC.every((m, i) => tail[n - 4 + i] === m)) throw new Error(`${where} is not a Parquet file (no PAR1 magic)`);
  const len = tail[n - 8] | (tail[n - 7] << 8) | (tail[n - 6] << 16) | (tail[n - 5] << 24);
  if (len <= 0 || len > size - 12) throw new Error(`${where}: invalid Parquet footer length ${len}`);
  if (len + 8 > n) {
    start = size - 8 - len;
    tail = await storage.readRange(path, start, size);
  }
  let meta: TStruct;
  try {
    meta = readStruct(tail, size - 8 - len - start).value;
  } catch (err) {
    throw new Error(`${where}: corrupt Parquet footer: ${(err as Error).message}`);
  }
  if (field(meta, 8)) throw new Error(`${where} is an encrypted Parquet file`);
  return { meta, numRows: numberField(meta, 3) ?? 0, size };
}

/** Byte ranges of a file gathered into one buffer. */
export interface RangeBytes {
  bytes: Uint8Array;
  /** Where file offset `offset` (inside one of the ranges) is in `bytes`. */
  at(offset: number): number;
}

/**
 * Reads the ranges `[start, end)` of `path` (concurrently, nearby ones
 * merged) into one buffer.
 * @example
 * const { bytes, at } = await readRanges(storage, path, [[4, 1000], [5000, 9000]]);
 * bytes[at(5000)] // the file's byte 5000
 */
export async function readRanges(storage: Storage, path: string, ranges: readonly (readonly [number, number])[]): Promise<RangeBytes> {
  const sorted = [...ranges].filter(([s, e]) => e > s).sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [s, e] of sorted) {
    const last = merged.at(-1);
    if (last && s <= last[1] + GAP) last[1] = Math.max(last[1], e);
    else merged.push([s, e]);
  }
  const parts = await Promise.all(merged.map(([s, e]) => storage.readRange(path, s, e)));
  const base: number[] = [];
  let total = 0;
  for (const p of parts) {
    base.push(total);
    total += p.length;
  }
  const bytes = new Uint8Array(total);
  parts.forEach((p, i) => bytes.set(p, base[i]));
  return {
    bytes,
    at(offset: number): number {
      // Few ranges per file: a linear search is enough.
      for (let i = merged.length - 1; i >= 0; i--) if (offset >= merged[i][0]) return base[i] + offset - merged[i][0];
      throw new Error(`offset ${offset} is before every range read`);
    },
  };
}
