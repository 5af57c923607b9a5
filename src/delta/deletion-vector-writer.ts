// Writing deletion vectors (PROTOCOL.md "Deletion Vector Format"): deleted
// row indexes → a RoaringBitmapArray in the portable format (magic number,
// bucket count, per 2^32 bucket a 32-bit Roaring bitmap in the portable
// serialization) → stored inline as Z85 text in the log, or as an entry of a
// `deletion_vector_<uuid>.bin` file (version byte 1, then per entry: big
// endian size, bitmap, big endian CRC-32). deletion-vector.ts decodes all of it.

import { randomUUID } from 'node:crypto';
import type { DeletionVectorDescriptor } from './actions.ts';
import type { Storage } from './storage/storage.ts';
import { crc32 } from './deletion-vector.ts';
import { native } from '../native/addon.ts';

const core = native as unknown as { roaringBitmapArray(rows: Uint32Array): Uint8Array };

/**
 * Serializes ascending, distinct row indexes (< 2^32) as a portable
 * RoaringBitmapArray (natively, in one pass: native/delta/roaring_bitmap_array.cc).
 *
 * @example
 * serializeRoaringBitmapArray(Uint32Array.of(3, 7, 70000)) // 44 bytes
 */
export function serializeRoaringBitmapArray(rows: Uint32Array): Uint8Array {
  return core.roaringBitmapArray(rows);
}

const Z85_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';

/**
 * Encodes bytes as Z85 (ZeroMQ RFC 32); the length must be a multiple of 4.
 *
 * @example
 * z85Encode(Uint8Array.of(0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b)) // 'HelloWorld'
 */
export function z85Encode(bytes: Uint8Array): string {
  if (bytes.length % 4 !== 0) throw new Error(`Z85 input length ${bytes.length} is not a multiple of 4`);
  let out = '';
  for (let i = 0; i < bytes.length; i += 4) {
    let v = ((bytes[i] << 24) | (bytes[i + 1] << 16) | (bytes[i + 2] << 8) | bytes[i + 3]) >>> 0;
    const chars = new Array<string>(5);
    for (let j = 4; j >= 0; j--) {
      chars[j] = Z85_ALPHABET[v % 85];
      v = Math.floor(v / 85);
    }
    out += chars.join('');
  }
  return out;
}

/** The `pathOrInlineDv` of a relative ('u') descriptor: an optional prefix, then the UUID's 16 bytes as 20 Z85 characters. */
export function encodeUuidPath(uuid: string, prefix = ''): string {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`Invalid UUID '${uuid}' for a deletion vector path`);
  const bytes = Uint8Array.from(hex.match(/../g)!, (h) => parseInt(h, 16));
  return `${prefix}${z85Encode(bytes)}`;
}

/** Options of {@link writeDeletionVectors}. */
export interface WriteDeletionVectorsOptions {
  /**
   * Bitmaps of at most this many bytes are stored inline in the log ('i')
   * instead of in the file (default 0: never, as Spark writes them).
   */
  inlineThreshold?: number;
}

/**
 * Stores deletion vectors — ascending deleted row indexes, one list per data
 * file — and returns their descriptors in the same order. Bitmaps go to one
 * new `deletion_vector_<uuid>.bin` file at the table root (none is written
 * when all are inline or there are none).
 *
 * @example
 * const [dv] = await writeDeletionVectors(storage, [Uint32Array.of(0, 5)]);
 * add.deletionVector = dv; // { storageType: 'u', pathOrInlineDv: '...', offset: 1, sizeInBytes: 36, cardinality: 2 }
 */
export async function writeDeletionVectors(
  storage: Storage,
  rowLists: readonly Uint32Array[],
  options: WriteDeletionVectorsOptions = {},
): Promise<{ descriptors: DeletionVectorDescriptor[]; file: string | null }> {
  const threshold = options.inlineThreshold ?? 0;
  const bitmaps = rowLists.map((rows) => serializeRoaringBitmapArray(rows));
  const descriptors: (DeletionVectorDescriptor | null)[] = bitmaps.map((b, i) => {
    if (b.length > threshold) return null;
    // Inline text must cover whole 4-byte groups; readers cut it back to sizeInBytes.
    const padded = new Uint8Array(Math.ceil(b.length / 4) * 4);
    padded.set(b);
    return { storageType: 'i', pathOrInlineDv: z85Encode(padded), sizeInBytes: b.length, cardinality: rowLists[i].length };
  });
  const inFile = bitmaps.map((_, i) => i).filter((i) => descriptors[i] === null);
  if (inFile.length === 0) return { descriptors: descriptors as DeletionVectorDescriptor[], file: null };

  const uuid = randomUUID();
  const file = `deletion_vector_${uuid}.bin`;
  const total = 1 + inFile.reduce((s, i) => s + 8 + bitmaps[i].length, 0);
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  bytes[0] = 1; // format version
  let pos = 1;
  const pathOrInlineDv = encodeUuidPath(uuid);
  for (const i of inFile) {
    const b = bitmaps[i];
    descriptors[i] = { storageType: 'u', pathOrInlineDv, offset: pos, sizeInBytes: b.length, cardinality: rowLists[i].length };
    view.setInt32(pos, b.length, false);
    bytes.set(b, pos + 4);
    view.setUint32(pos + 4 + b.length, crc32(b), false);
    pos += 8 + b.length;
  }
  await storage.write(file, bytes);
  return { descriptors: descriptors as DeletionVectorDescriptor[], file };
}

/** The ascending union of two ascending row lists (an existing deletion vector and new deletions). */
export function unionRows(a: Uint32Array, b: Uint32Array): Uint32Array {
  // A file without a deletion vector yet: the new deletions are the union (no copy).
  if (a.length === 0 && isStrictlyAscending(b)) return b;
  const out = new Uint32Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let o = 0;
  while (i < a.length || j < b.length) {
    const v = j >= b.length || (i < a.length && a[i] <= b[j]) ? a[i++] : b[j++];
    if (o === 0 || out[o - 1] !== v) out[o++] = v;
  }
  return out.slice(0, o);
}

function isStrictlyAscending(rows: Uint32Array): boolean {
  for (let i = 1; i < rows.length; i++) if (rows[i] <= rows[i - 1]) return false;
  return true;
}
