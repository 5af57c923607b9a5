// Single-block compression through the native codecs (the same code the
// Parquet writer uses for pages), for tests and small TS-side needs.
import { native } from '../native/addon.ts';
import type { ParquetCompression } from './types.ts';

/** Parquet's CompressionCodec enum value for each supported codec. */
export const codecIds: Readonly<Record<ParquetCompression, number>> = {
  uncompressed: 0,
  snappy: 1,
  gzip: 2,
  brotli: 4,
  zstd: 6,
};

function codecId(codec: ParquetCompression): number {
  const id = codecIds[codec];
  if (id === undefined) throw new Error(`unsupported Parquet compression codec '${String(codec)}'`);
  return id;
}

/**
 * Compresses one block the way a Parquet page is compressed (raw Snappy, gzip-wrapped deflate, Brotli, zstd frame).
 * Without `level` the codec's default applies: gzip 6, brotli 4, zstd 3 (Snappy has no levels).
 *
 * @example
 * const packed = compressBlock('zstd', new TextEncoder().encode('hello hello hello'));
 */
export function compressBlock(codec: ParquetCompression, data: Uint8Array, level?: number): Uint8Array {
  return native.compress(codecId(codec), data, level);
}

/**
 * Decompresses one block; throws an Error naming the codec when the block is corrupt or does not decode to
 * exactly `uncompressedSize` bytes.
 */
export function decompressBlock(codec: ParquetCompression, data: Uint8Array, uncompressedSize: number): Uint8Array {
  return native.decompress(codecId(codec), data, uncompressedSize);
}
