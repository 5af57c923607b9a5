// Reading a few columns of a Parquet file without reading the file: after
// the footer (rowgroup-copy.ts readFooterOf reads it from the tail), only the
// byte ranges of the wanted column chunks. A MERGE's key pass reads one
// column of every candidate file; reading whole files made it I/O bound on
// the columns it never decodes.

import type { Storage } from '../storage/storage.ts';

/** Ranges closer than this are read as one (a read costs more than the gap's bytes). */
const GAP = 64 * 1024;

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
