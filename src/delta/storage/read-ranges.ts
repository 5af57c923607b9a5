// Many byte ranges at once: in bulk where the storage reads them so
// (Storage.readRanges), else as ranged reads with bounded concurrency.

import type { ByteRange, Storage } from './storage.ts';
import { forEachLimit } from '../for-each-limit.ts';

/**
 * Each range's bytes, in order.
 *
 * @example
 * const tails = await readRangesOf(storage, files.map((f) => ({ path: f.path, start: f.size - 8, end: f.size })));
 */
export async function readRangesOf(storage: Storage, ranges: readonly ByteRange[]): Promise<Uint8Array[]> {
  return storage.readRanges ? storage.readRanges(ranges) : readRangesOneByOne(storage, ranges, 8);
}

/** Each range's bytes by `readRange`, `concurrency` at a time (the fallback of a bulk read). */
export async function readRangesOneByOne(storage: Storage, ranges: readonly ByteRange[], concurrency: number): Promise<Uint8Array[]> {
  const out: Uint8Array[] = new Array(ranges.length);
  await forEachLimit(ranges, concurrency, async (r, i) => {
    out[i] = await storage.readRange(r.path, r.start, r.end);
  });
  return out;
}
