// Adapts Storage objects to hyparquet's AsyncBuffer, so Parquet files are
// read with ranged reads (footer, then only the needed column chunks)
// instead of being loaded whole.

import type { AsyncBuffer } from 'hyparquet';
import type { Storage } from './storage/storage.ts';

/**
 * An AsyncBuffer over `path`. `size` (from an add action or a listing) avoids
 * a `head` call; pass it when known.
 */
export async function storageAsyncBuffer(storage: Storage, path: string, size?: number): Promise<AsyncBuffer> {
  let byteLength = size;
  if (byteLength === undefined || byteLength === null) {
    const meta = await storage.head(path);
    if (!meta) throw new Error(`File ${path} of Delta table ${storage.root} does not exist`);
    byteLength = meta.size;
  }
  // Small files: one read is cheaper than several ranged ones.
  if (byteLength <= 1 << 20) {
    const bytes = await storage.read(path);
    if (!bytes) throw new Error(`File ${path} of Delta table ${storage.root} does not exist`);
    return toArrayBuffer(bytes);
  }
  const len = byteLength;
  return {
    byteLength: len,
    async slice(start: number, end?: number): Promise<ArrayBuffer> {
      return toArrayBuffer(await storage.readRange(path, start, end ?? len));
    },
  };
}

/**
 * The bytes as a standalone ArrayBuffer (copying only when they are a view).
 * The copy is explicit: a Node Buffer's `slice()` is a view of the same
 * (often pooled) memory, whose `.buffer` holds other bytes around these.
 */
export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) {
    return bytes.buffer;
  }
  const out = new Uint8Array(bytes.byteLength);
  out.set(bytes);
  return out.buffer;
}
