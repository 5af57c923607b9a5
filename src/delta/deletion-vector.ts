// Deletion vectors (PROTOCOL.md "Deletion Vectors", "Deletion Vector Format"):
// descriptors point at a RoaringBitmapArray of deleted row indexes, stored
// inline (Z85 text in the log), in a `deletion_vector_<uuid>.bin` file next to
// the data (relative, 'u'), or at an absolute path ('p'). Decoding is pure;
// only readDeletionVector touches storage.

import * as zlib from 'node:zlib';
import type { DeletionVectorDescriptor } from './actions.ts';
import type { Storage } from './storage/storage.ts';
import { CorruptLogError } from './errors.ts';

/** Magic number of the "portable" RoaringBitmapArray format the protocol specifies (little endian). */
export const ROARING_BITMAP_ARRAY_MAGIC = 1681511377;
/**
 * Magic number of the older "native" format (big endian): bitmap count and
 * per-bitmap sizes as big-endian ints, bucket keys implied by position. Delta
 * Spark still reads it, and PROTOCOL.md's inline example uses it.
 */
export const ROARING_BITMAP_ARRAY_NATIVE_MAGIC = 1681511376;

const Z85_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';
const Z85_DECODE = (() => {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < Z85_ALPHABET.length; i++) t[Z85_ALPHABET.charCodeAt(i)] = i;
  return t;
})();

/**
 * Decodes Z85 text (ZeroMQ RFC 32): every 5 characters → 4 bytes, big endian.
 *
 * @example
 * z85Decode('HelloWorld') // Uint8Array [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B]
 */
export function z85Decode(text: string): Uint8Array {
  if (text.length % 5 !== 0) throw new Error(`Z85 text length ${text.length} is not a multiple of 5: '${text}'`);
  const out = new Uint8Array((text.length / 5) * 4);
  for (let i = 0, o = 0; i < text.length; i += 5, o += 4) {
    let v = 0;
    for (let j = 0; j < 5; j++) {
      const c = text.charCodeAt(i + j);
      const d = c < 128 ? Z85_DECODE[c] : -1;
      if (d < 0) throw new Error(`Invalid Z85 character '${text[i + j]}' at ${i + j} in '${text}'`);
      v = v * 85 + d;
    }
    if (v > 0xffffffff) throw new Error(`Invalid Z85 group '${text.slice(i, i + 5)}' (exceeds 32 bits)`);
    out[o] = v >>> 24;
    out[o + 1] = (v >>> 16) & 0xff;
    out[o + 2] = (v >>> 8) & 0xff;
    out[o + 3] = v & 0xff;
  }
  return out;
}

/** Random prefix and canonical UUID of a relative-path ('u') descriptor's `pathOrInlineDv`. */
export function decodeUuidPath(pathOrInlineDv: string): { prefix: string; uuid: string } {
  if (pathOrInlineDv.length < 20) throw new Error(`Deletion vector path '${pathOrInlineDv}' is shorter than a 20-character Z85 UUID`);
  const prefix = pathOrInlineDv.slice(0, -20);
  const b = z85Decode(pathOrInlineDv.slice(-20));
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { prefix, uuid };
}

/**
 * Location of an on-disk deletion vector: for 'u' a path relative to the
 * table root (`<prefix>/deletion_vector_<uuid>.bin`), for 'p' the absolute path.
 */
export function deletionVectorPath(dv: DeletionVectorDescriptor): string {
  if (dv.storageType === 'u') {
    const { prefix, uuid } = decodeUuidPath(dv.pathOrInlineDv);
    return prefix === '' ? `deletion_vector_${uuid}.bin` : `${prefix}/deletion_vector_${uuid}.bin`;
  }
  if (dv.storageType === 'p') return dv.pathOrInlineDv;
  throw new Error(`Inline deletion vector has no path`);
}

/**
 * Deleted row indexes of a serialized RoaringBitmapArray (magic number, then a
 * 64-bit Roaring bitmap in the portable format), ascending.
 */
export function parseRoaringBitmapArray(bytes: Uint8Array): Uint32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 12) throw new Error(`Deletion vector is too short (${bytes.length} bytes)`);
  if (view.getUint32(0, false) === ROARING_BITMAP_ARRAY_NATIVE_MAGIC) return parseNativeBitmapArray(view);
  const magic = view.getUint32(0, true);
  if (magic !== ROARING_BITMAP_ARRAY_MAGIC) {
    throw new Error(`Deletion vector has magic number ${magic}, expected ${ROARING_BITMAP_ARRAY_MAGIC}`);
  }
  const buckets = view.getBigUint64(4, true);
  if (buckets > 0xffffffffn) throw new Error(`Deletion vector claims ${buckets} bitmap buckets`);
  let pos = 12;
  const parts: Uint32Array[] = [];
  for (let i = 0; i < Number(buckets); i++) {
    if (pos + 4 > bytes.length) throw new Error('Deletion vector is truncated (bucket key)');
    const key = view.getUint32(pos, true);
    pos += 4;
    // Row indexes ≥ 2^32 would need files with more than 4 billion rows.
    if (key !== 0) throw new Error(`Deletion vector has row indexes ≥ 2^32 (bucket ${key}), which Tributary does not support`);
    const { values, end } = parseRoaring32(view, pos);
    parts.push(values);
    pos = end;
  }
  if (parts.length === 1) return parts[0];
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint32Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function parseNativeBitmapArray(view: DataView): Uint32Array {
  const count = view.getInt32(4, false);
  let pos = 8;
  const parts: Uint32Array[] = [];
  for (let i = 0; i < count; i++) {
    if (pos + 4 > view.byteLength) throw new Error('Deletion vector is truncated (native bitmap size)');
    const size = view.getInt32(pos, false);
    pos += 4;
    const { values } = parseRoaring32(view, pos);
    if (i > 0 && values.length > 0) {
      throw new Error(`Deletion vector has row indexes ≥ 2^32 (bitmap ${i}), which Tributary does not support`);
    }
    parts.push(values);
    pos += size;
  }
  return parts.length === 1 ? parts[0] : Uint32Array.from(parts.flatMap((p) => [...p]));
}

const SERIAL_COOKIE_NO_RUNCONTAINER = 12346;
const SERIAL_COOKIE = 12347;
const NO_OFFSET_THRESHOLD = 4;

/** Parses one 32-bit Roaring bitmap (portable format) starting at `start`. */
function parseRoaring32(view: DataView, start: number): { values: Uint32Array; end: number } {
  const need = (pos: number, n: number) => {
    if (pos + n > view.byteLength) throw new Error('Deletion vector is truncated (roaring bitmap)');
  };
  let pos = start;
  need(pos, 4);
  const cookie = view.getUint32(pos, true);
  pos += 4;
  let size: number;
  let runFlags: Uint8Array | null = null;
  if ((cookie & 0xffff) === SERIAL_COOKIE) {
    size = (cookie >>> 16) + 1;
    const n = Math.ceil(size / 8);
    need(pos, n);
    runFlags = new Uint8Array(view.buffer, view.byteOffset + pos, n);
    pos += n;
  } else if (cookie === SERIAL_COOKIE_NO_RUNCONTAINER) {
    need(pos, 4);
    size = view.getUint32(pos, true);
    pos += 4;
  } else {
    throw new Error(`Deletion vector has an unknown Roaring cookie ${cookie}`);
  }
  need(pos, size * 4);
  const keys = new Uint16Array(size);
  const cards = new Uint32Array(size);
  let total = 0;
  for (let i = 0; i < size; i++) {
    keys[i] = view.getUint16(pos, true);
    cards[i] = view.getUint16(pos + 2, true) + 1;
    total += cards[i];
    pos += 4;
  }
  if (!runFlags || size >= NO_OFFSET_THRESHOLD) pos += size * 4; // container offsets: not needed sequentially
  const out = new Uint32Array(total);
  let o = 0;
  for (let i = 0; i < size; i++) {
    const high = keys[i] * 65536;
    const isRun = runFlags !== null && (runFlags[i >> 3] & (1 << (i & 7))) !== 0;
    if (isRun) {
      need(pos, 2);
      const runs = view.getUint16(pos, true);
      pos += 2;
      need(pos, runs * 4);
      for (let r = 0; r < runs; r++) {
        const s = view.getUint16(pos, true);
        const len = view.getUint16(pos + 2, true);
        pos += 4;
        for (let v = s; v <= s + len; v++) out[o++] = high + v;
      }
    } else if (cards[i] <= 4096) {
      need(pos, cards[i] * 2);
      for (let j = 0; j < cards[i]; j++) {
        out[o++] = high + view.getUint16(pos, true);
        pos += 2;
      }
    } else {
      need(pos, 8192);
      for (let w = 0; w < 2048; w++) {
        let word = view.getUint32(pos + w * 4, true);
        while (word !== 0) {
          const bit = 31 - Math.clz32(word & -word);
          out[o++] = high + w * 32 + bit;
          word &= word - 1;
        }
      }
      pos += 8192;
    }
  }
  if (o !== total) throw new Error(`Deletion vector cardinality mismatch: header says ${total}, containers hold ${o}`);
  return { values: out, end: pos };
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** zlib's own CRC-32 (Node ≥ 20.15): many times faster than the table loop on large bitmaps. */
const zlibCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

/** CRC-32 (IEEE, as zlib) of `bytes`. */
export function crc32(bytes: Uint8Array): number {
  return zlibCrc32 ? zlibCrc32(bytes) >>> 0 : tableCrc32(bytes);
}

/** CRC-32 by the byte table: the path on Node releases without zlib.crc32. */
export function tableCrc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * Parses one entry of a deletion vector file: `entry` starts at the entry's
 * size field (the descriptor's offset) and holds size, bitmap and CRC-32 (big
 * endian). The checksum is verified. The file's leading version byte must be
 * checked separately with {@link assertDeletionVectorFileVersion}.
 */
export function parseDeletionVectorEntry(entry: Uint8Array, sizeInBytes: number, where: string): Uint32Array {
  if (entry.length < 4 + sizeInBytes + 4) {
    throw new Error(`Deletion vector entry in ${where} is truncated (${entry.length} bytes for a ${sizeInBytes}-byte bitmap)`);
  }
  const view = new DataView(entry.buffer, entry.byteOffset, entry.byteLength);
  const size = view.getInt32(0, false);
  if (size !== sizeInBytes) throw new Error(`Deletion vector in ${where} has size ${size}, the log says ${sizeInBytes}`);
  const data = entry.subarray(4, 4 + size);
  const expected = view.getUint32(4 + size, false);
  const actual = crc32(data);
  if (actual !== expected) {
    throw new Error(`Deletion vector in ${where} fails its CRC-32 check (stored ${expected}, computed ${actual})`);
  }
  return parseRoaringBitmapArray(data);
}

/** Throws unless a deletion vector file starts with format version 1. */
export function assertDeletionVectorFileVersion(firstByte: number | undefined, where: string): void {
  if (firstByte !== 1) throw new Error(`Deletion vector file ${where} has unsupported format version ${firstByte}`);
}

/**
 * Deleted row indexes (ascending) of a data file's deletion vector.
 * 'u' files are found relative to the table root; 'p' paths must lie under it.
 */
export async function readDeletionVector(storage: Storage, dv: DeletionVectorDescriptor): Promise<Uint32Array> {
  let rows: Uint32Array;
  try {
    if (dv.storageType === 'i') {
      const bytes = z85Decode(dv.pathOrInlineDv).subarray(0, dv.sizeInBytes);
      rows = parseRoaringBitmapArray(bytes);
    } else {
      const path = dv.storageType === 'u' ? deletionVectorPath(dv) : absoluteToRelative(storage, dv.pathOrInlineDv);
      const offset = dv.offset ?? 0;
      const where = `${storage.root}/${path}`;
      // Read just the entry, plus the version byte the format starts with.
      const [head, entry] = await Promise.all([
        storage.readRange(path, 0, 1),
        storage.readRange(path, offset, offset + 4 + dv.sizeInBytes + 4),
      ]);
      assertDeletionVectorFileVersion(head[0], where);
      rows = parseDeletionVectorEntry(entry, dv.sizeInBytes, `${where} at offset ${offset}`);
    }
  } catch (err) {
    throw new CorruptLogError(
      `Cannot read deletion vector ${dv.storageType}${dv.pathOrInlineDv} of Delta table ${storage.root}: ${(err as Error).message}`,
    );
  }
  if (rows.length !== dv.cardinality) {
    throw new CorruptLogError(
      `Deletion vector ${dv.storageType}${dv.pathOrInlineDv} of Delta table ${storage.root} holds ${rows.length} rows, the log says ${dv.cardinality}`,
    );
  }
  return rows;
}

function absoluteToRelative(storage: Storage, path: string): string {
  const p = path.startsWith('file://') ? decodeURIComponent(path.slice('file://'.length)) : path;
  const root = storage.root.endsWith('/') ? storage.root : `${storage.root}/`;
  if (p.startsWith(root)) return p.slice(root.length);
  throw new Error(`absolute deletion vector path ${path} is outside the table root ${storage.root}`);
}
