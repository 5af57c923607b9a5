// Writes data files for a commit: rows are split by partition values into
// Hive-style directories (`country=US/`), each partition into files of about
// the target size, each file written once under a unique name
// (`part-00000-<uuid>-c000.snappy.parquet`) and described by an `add` action
// with its partition values and statistics.

import { randomUUID } from 'node:crypto';
import * as arrow from 'apache-arrow';
import type { Add } from '../actions.ts';
import type { Storage } from '../storage/storage.ts';
import type { FileStats, ParquetCompression, ParquetWriteOptions } from '../../parquet/types.ts';
import { writeParquet, writeParquetToFd } from '../../parquet/write.ts';
import { partitionDirectory, serializePartitionValue, type PartitionValue } from '../partition-values.ts';
import type { StructType } from '../schema.ts';
import { canTake, takeRows } from './take.ts';
import { buildStats, collectionNullCounts, statsOptionsFromConfiguration } from '../stats.ts';

/** Default in-memory bytes per data file (files come out smaller once encoded). */
export const DEFAULT_TARGET_FILE_SIZE = 128 * 1024 * 1024;

export interface WriteFilesOptions {
  /** The table's Delta schema (logical types of partition columns). */
  schema: StructType;
  partitionColumns: readonly string[];
  configuration: Readonly<Record<string, string>>;
  /** Approximate in-memory bytes per file (default `delta.targetFileSize` or 128 MiB). */
  targetFileSize?: number;
  /** The table, for messages. */
  table: string;
  /** Native threads encoding one file's column chunks (default: the machine's cores). */
  parquetThreads?: number;
}

/** A group of rows sharing partition values. */
export interface PartitionGroup {
  /** Serialized partition values, as the log stores them. */
  values: Record<string, string | null>;
  /** The rows, partition columns included. */
  data: arrow.Table;
}

/**
 * Splits rows by the values of the partition columns (in first-seen order).
 * Rows stay zero-copy: each group is a table of slices of the input batches.
 */
export function splitByPartition(data: arrow.Table, schema: StructType, partitionColumns: readonly string[]): PartitionGroup[] {
  if (partitionColumns.length === 0) return [{ values: {}, data }];
  const types = partitionColumns.map((c) => {
    const f = schema.fields.find((x) => x.name === c);
    if (!f) throw new Error(`Partition column '${c}' is not in the schema`);
    return f.type;
  });
  const groups = new Map<string, { values: Record<string, string | null>; slices: arrow.RecordBatch[] }>();
  for (const batch of data.batches) {
    const cols = partitionColumns.map((c) => {
      const v = batch.getChild(c);
      if (!v) throw new Error(`Data has no partition column '${c}'`);
      return v.data[0];
    });
    // Group id of every row, plus the row lists per group.
    const rowsOf = new Map<string, { values: Record<string, string | null>; rows: number[] }>();
    const runs: { key: string; start: number; end: number }[] = [];
    for (let r = 0; r < batch.numRows; r++) {
      const values: Record<string, string | null> = {};
      partitionColumns.forEach((c, i) => {
        values[c] = serializePartitionValue(rawValue(cols[i], r), types[i], c);
      });
      // JSON keeps null distinct from the string "null".
      const key = JSON.stringify(partitionColumns.map((c) => values[c]));
      let g = rowsOf.get(key);
      if (!g) rowsOf.set(key, (g = { values, rows: [] }));
      g.rows.push(r);
      const last = runs[runs.length - 1];
      if (last && last.key === key) last.end = r + 1;
      else runs.push({ key, start: r, end: r + 1 });
    }
    const group = (key: string) => {
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { values: rowsOf.get(key)!.values, slices: [] }));
      return g;
    };
    // Few runs: zero-copy slices. Interleaved rows: gather them into contiguous batches.
    if (runs.length <= rowsOf.size * 4 || !canTake(batch)) {
      for (const run of runs) group(run.key).slices.push(batch.slice(run.start, run.end));
    } else {
      for (const [key, g] of rowsOf) group(key).slices.push(takeRows(batch, Int32Array.from(g.rows)));
    }
  }
  return [...groups.values()].map((g) => ({ values: g.values, data: new arrow.Table(data.schema, g.slices) }));
}

/**
 * Writes the groups as Parquet data files (partition columns left out of the
 * files, as Delta requires) and returns their `add` actions.
 */
export async function writeDataFiles(storage: Storage, groups: readonly PartitionGroup[], options: WriteFilesOptions): Promise<Add[]> {
  const compression = codecOf(options.configuration, options.table);
  const target =
    options.targetFileSize ??
    (options.configuration['delta.targetFileSize'] ? Number(options.configuration['delta.targetFileSize']) : DEFAULT_TARGET_FILE_SIZE);
  const statsOptions = statsOptionsFromConfiguration(options.configuration, options.partitionColumns);
  const partition = new Set(options.partitionColumns);
  const adds: Add[] = [];
  let fileIndex = 0;
  for (const group of groups) {
    if (group.data.numRows === 0) continue;
    const dataColumns = group.data.schema.fields.map((f) => f.name).filter((n) => !partition.has(n));
    const fileData = group.data.select(dataColumns);
    for (const chunk of chunkRows(fileData, target)) {
      const dir = partitionDirectory([...options.partitionColumns], group.values);
      const name = `part-${String(fileIndex++).padStart(5, '0')}-${randomUUID()}-c000${extensionOf(compression)}`;
      const relative = `${dir}${name}`;
      const { size, stats } = await writeParquetObject(storage, relative, chunk, { compression, threads: options.parquetThreads });
      const meta = await storage.head(relative);
      adds.push({
        path: addPathOf(relative),
        partitionValues: { ...group.values },
        size,
        modificationTime: meta?.modificationTime ?? Date.now(),
        dataChange: true,
        stats: buildStats(stats, chunk.schema, { ...statsOptions, partitionColumns: [], collectionNullCounts: collectionNullCounts(chunk) }),
      });
    }
  }
  return adds;
}

/**
 * Writes one Parquet data file: streamed straight into the storage's file when it offers `writeFile`
 * (local disks: the file is never whole in memory), else encoded in memory and written as one object.
 */
async function writeParquetObject(
  storage: Storage,
  relative: string,
  data: arrow.Table,
  options: ParquetWriteOptions,
): Promise<{ size: number; stats: FileStats }> {
  if (storage.writeFile) {
    return storage.writeFile(relative, (fd) => writeParquetToFd(fd, data, options, `${relative} in ${storage.root}`));
  }
  const { bytes, stats } = await writeParquet(data, options);
  await storage.write(relative, bytes);
  return { size: bytes.length, stats };
}

/** Splits a table into consecutive row ranges of about `targetBytes` in-memory bytes each. */
function chunkRows(data: arrow.Table, targetBytes: number): arrow.Table[] {
  const bytes = data.batches.reduce((s, b) => s + batchBytes(b), 0);
  const rowsPerFile = bytes <= targetBytes || data.numRows === 0 ? data.numRows : Math.max(1, Math.floor((data.numRows * targetBytes) / bytes));
  if (rowsPerFile >= data.numRows) return [data];
  const out: arrow.Table[] = [];
  for (let start = 0; start < data.numRows; start += rowsPerFile) out.push(data.slice(start, Math.min(data.numRows, start + rowsPerFile)));
  return out;
}

/** In-memory size of a batch's rows (sliced buffers counted by their share of rows). */
function batchBytes(batch: arrow.RecordBatch): number {
  const dataBytes = (d: arrow.Data): number => {
    let n = 0;
    for (const buf of [d.values, d.valueOffsets, d.nullBitmap] as (ArrayBufferView | undefined)[]) if (buf) n += buf.byteLength;
    for (const c of d.children) n += dataBytes(c);
    return n;
  };
  return dataBytes(batch.data);
}

function codecOf(configuration: Readonly<Record<string, string>>, table: string): ParquetCompression {
  const v = configuration['delta.parquet.compression.codec'];
  if (v === undefined) return 'snappy';
  const c = v.toLowerCase();
  if (c === 'none' || c === 'uncompressed') return 'uncompressed';
  if (c === 'snappy' || c === 'gzip' || c === 'zstd' || c === 'brotli') return c;
  throw new Error(`Delta table ${table} asks for Parquet codec '${v}' (delta.parquet.compression.codec), which Tributary cannot write`);
}

function extensionOf(c: ParquetCompression): string {
  switch (c) {
    case 'uncompressed':
      return '.parquet';
    case 'gzip':
      return '.gz.parquet';
    case 'brotli':
      return '.br.parquet';
    default:
      return `.${c}.parquet`;
  }
}

/**
 * The value of row `i` of a primitive column in the {@link PartitionValue}
 * representation (dates as days, timestamps as µs, decimals unscaled).
 */
export function rawValue(data: arrow.Data, i: number): PartitionValue {
  if (!data.getValid(i)) return null;
  const t = data.type;
  // Arrow JS slices value buffers on Data.slice (only the validity bitmap keeps `offset`).
  const at = i;
  switch (t.typeId) {
    case arrow.Type.Timestamp:
    case arrow.Type.Int: {
      if (t.typeId === arrow.Type.Int && (t as arrow.Int).bitWidth < 64) return Number((data.values as ArrayLike<number>)[at]);
      const v = data.values as unknown as BigInt64Array | Int32Array;
      const big = v instanceof BigInt64Array ? v[at] : new BigInt64Array(v.buffer, v.byteOffset, v.length >> 1)[at];
      if (t.typeId === arrow.Type.Timestamp) {
        const unit = (t as arrow.Timestamp).unit;
        return unit === arrow.TimeUnit.SECOND ? big * 1_000_000n : unit === arrow.TimeUnit.MILLISECOND ? big * 1000n : unit === arrow.TimeUnit.NANOSECOND ? big / 1000n : big;
      }
      return big;
    }
    case arrow.Type.Date: {
      const v = data.values as unknown as Int32Array | BigInt64Array;
      if ((t as arrow.Date_).unit === arrow.DateUnit.DAY) return Number(v[at]);
      const ms = v instanceof BigInt64Array ? Number(v[at]) : Number(new BigInt64Array(v.buffer, v.byteOffset, v.length >> 1)[at]);
      return Math.floor(ms / 86_400_000);
    }
    case arrow.Type.Decimal: {
      const words = data.values as unknown as Uint32Array;
      const stride = (t as arrow.Decimal).bitWidth / 32;
      let v = 0n;
      for (let w = stride - 1; w >= 0; w--) v = (v << 32n) | BigInt(words[at * stride + w]);
      const bits = BigInt(stride * 32);
      return v >= 1n << (bits - 1n) ? v - (1n << bits) : v;
    }
    default: {
      const v = arrow.makeVector(data).get(i) as unknown;
      if (v === null || v === undefined) return null;
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean' || v instanceof Uint8Array) return v;
      throw new Error(`Column of type ${String(t)} cannot be a partition column`);
    }
  }
}

/**
 * The `add.path` URI of a relative file path, encoded as Hadoop's
 * Path.toUri does (what Spark and delta-rs log): characters URIs allow in a
 * path (`=`, `:`, `@`, `+`, ...) stay, everything else is percent-encoded, so
 * `country=US/` stays and a `%` escaped in a directory name becomes `%25`.
 */
export function addPathOf(relative: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(relative)) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~!$&'()*+,;=:@/]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
