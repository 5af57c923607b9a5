// The Parquet writer: Arrow in, Parquet bytes and statistics out.
export { writeParquet, writeParquetFile, type ParquetInput } from './write.ts';
export type {
  ColumnStats,
  FileStats,
  ParquetCompression,
  ParquetWriteOptions,
  ParquetWriteResult,
  StatValue,
} from './types.ts';
