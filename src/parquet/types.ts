// The public contract of the Parquet writer. The Delta log, sinks and
// maintenance code depend only on these types, never on the native boundary.

export type ParquetCompression = 'uncompressed' | 'snappy' | 'gzip' | 'brotli' | 'zstd';

export interface ParquetWriteOptions {
  /** Codec for every column chunk (default 'snappy'). */
  compression?: ParquetCompression;
  /** Codec level where the codec has one (zstd 1–22, gzip 1–9, brotli 0–11). */
  compressionLevel?: number;
  /** Maximum rows per row group (default 1,048,576). */
  rowGroupSize?: number;
  /** Target uncompressed size of a data page in bytes (default 1 MiB). */
  dataPageSize?: number;
  /** Dictionary-encode columns (RLE_DICTIONARY), falling back to PLAIN when the dictionary outgrows `dictionaryPageSizeLimit` (default true). */
  dictionary?: boolean;
  /** Dictionary page size past which a column chunk falls back to PLAIN (default 1 MiB). */
  dictionaryPageSizeLimit?: number;
  /** Key/value metadata stored in the footer. */
  keyValueMetadata?: Record<string, string>;
  /** Parquet field ids per top-level/nested field path joined with '.', for column mapping (optional). */
  fieldIds?: Record<string, number>;
  /** Encode column chunks on up to this many native threads (default: the machine's cores). */
  threads?: number;
}

/** Min/max in the column's logical domain: int64/timestamp/decimal as bigint, date32 as days, binary as bytes. */
export type StatValue = number | bigint | string | boolean | Uint8Array;

/** Statistics of one leaf column over the whole file. */
export interface ColumnStats {
  /** Path of field names from the top-level field to the leaf (list/map internals are not included). */
  path: string[];
  nullCount: number;
  /** Absent when every value is null, or for types without an order (nested within lists/maps). */
  min?: StatValue;
  max?: StatValue;
}

/** What a Delta `add` action needs to know about a file it did not read back. */
export interface FileStats {
  numRows: number;
  columns: ColumnStats[];
}

export interface ParquetWriteResult {
  /** The whole Parquet file. */
  bytes: Uint8Array;
  stats: FileStats;
}
