// The Parquet writer: Arrow in, Parquet bytes and statistics out.
export { writeParquet, writeParquetFile, writeParquetToFd, type ParquetFileWriteResult, type ParquetInput } from './write.ts';
export type {
  ColumnStats,
  FileStats,
  ParquetCompression,
  ParquetWriteOptions,
  ParquetWriteResult,
  StatValue,
} from './types.ts';
