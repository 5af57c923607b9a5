// Validation of ParquetWriteOptions with defaults filled in; every error names
// the offending option and value.
import { availableParallelism } from 'node:os';
import type { ParquetCompression, ParquetWriteOptions } from './types.ts';

export interface ResolvedOptions {
  compression: ParquetCompression;
  /** -1 = the codec's default. */
  compressionLevel: number;
  rowGroupSize: number;
  dataPageSize: number;
  dictionary: boolean;
  dictionaryPageSizeLimit: number;
  keyValueMetadata: Record<string, string>;
  fieldIds: Record<string, number>;
  threads: number;
}

const codecs: readonly ParquetCompression[] = ['uncompressed', 'snappy', 'gzip', 'brotli', 'zstd'];
const levelRanges: Partial<Record<ParquetCompression, [number, number]>> = {
  zstd: [1, 22],
  gzip: [1, 9],
  brotli: [0, 11],
};
const known = new Set<string>([
  'compression',
  'compressionLevel',
  'rowGroupSize',
  'dataPageSize',
  'dictionary',
  'dictionaryPageSizeLimit',
  'keyValueMetadata',
  'fieldIds',
  'threads',
]);

function fail(option: string, value: unknown, why: string): never {
  throw new Error(`writeParquet: option '${option}' ${why} (got ${typeof value === 'string' ? `'${value}'` : String(value)})`);
}

function positiveInt(option: string, value: unknown, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    fail(option, value, `must be an integer between 1 and ${max}`);
  }
  return value;
}

/** Checks `options` and fills in defaults (snappy, 1 Mi rows per row group, 1 MiB pages, dictionary on). */
export function resolveOptions(options: ParquetWriteOptions = {}): ResolvedOptions {
  if (typeof options !== 'object' || options === null) fail('options', options, 'must be an object');
  for (const key of Object.keys(options)) {
    if (!known.has(key)) fail(key, (options as Record<string, unknown>)[key], 'is not a Parquet write option');
  }
  const compression = options.compression ?? 'snappy';
  if (!codecs.includes(compression)) fail('compression', compression, `must be one of ${codecs.join(', ')}`);
  let compressionLevel = -1;
  if (options.compressionLevel !== undefined) {
    const range = levelRanges[compression];
    const level = options.compressionLevel;
    if (range === undefined) {
      fail('compressionLevel', level, `is not supported by compression '${compression}'`);
    }
    if (typeof level !== 'number' || !Number.isInteger(level) || level < range[0] || level > range[1]) {
      fail('compressionLevel', level, `must be an integer between ${range[0]} and ${range[1]} for ${compression}`);
    }
    compressionLevel = level;
  }
  const dictionary = options.dictionary ?? true;
  if (typeof dictionary !== 'boolean') fail('dictionary', dictionary, 'must be a boolean');
  const keyValueMetadata = options.keyValueMetadata ?? {};
  if (typeof keyValueMetadata !== 'object' || keyValueMetadata === null) {
    fail('keyValueMetadata', keyValueMetadata, 'must be an object of strings');
  }
  for (const [k, v] of Object.entries(keyValueMetadata)) {
    if (typeof v !== 'string') fail(`keyValueMetadata.${k}`, v, 'must be a string');
  }
  const fieldIds = options.fieldIds ?? {};
  if (typeof fieldIds !== 'object' || fieldIds === null) fail('fieldIds', fieldIds, 'must be an object of integers');
  for (const [k, v] of Object.entries(fieldIds)) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 2 ** 31 - 1) {
      fail(`fieldIds.${k}`, v, 'must be a non-negative 32-bit integer');
    }
  }
  return {
    compression,
    compressionLevel,
    rowGroupSize: positiveInt('rowGroupSize', options.rowGroupSize, 1 << 20),
    dataPageSize: positiveInt('dataPageSize', options.dataPageSize, 1 << 20, 1 << 30),
    dictionary,
    dictionaryPageSizeLimit: positiveInt('dictionaryPageSizeLimit', options.dictionaryPageSizeLimit, 1 << 20, 1 << 30),
    keyValueMetadata,
    fieldIds,
    threads: positiveInt('threads', options.threads, availableParallelism(), 256),
  };
}
