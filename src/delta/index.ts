// Public API of the Delta Lake module: open, create, read and write tables.

export { DeltaTable } from './table.ts';
export type { AppendOptions, OverwriteOptions, TableWriteResult, CreateTableOptions, HistoryEntry, TxnId } from './table.ts';
export { loadSnapshot, Snapshot, type SnapshotOptions } from './snapshot.ts';
export { scanSnapshot, readTable, type ScanOptions } from './scan.ts';
export { Transaction, type TransactionOptions } from './transaction.ts';
export { commitWithRetry, serializeCommit, ENGINE_INFO, type CommitResult } from './commit.ts';
export {
  ConflictError,
  ConcurrentAppendError,
  ConcurrentDeleteReadError,
  ConcurrentDeleteDeleteError,
  MetadataChangedError,
  ProtocolChangedError,
  ConcurrentTransactionError,
  type IsolationLevel,
  type ReadPredicate,
} from './conflict-checker.ts';
export { buildStats, parseStats, type ParsedStats, type StatsOptions } from './stats.ts';
export { writeCheckpoint, checkpointInterval, type CheckpointInfo } from './checkpoint-writer.ts';
export { requiredProtocol, SUPPORTED_WRITER_FEATURES } from './writer-features.ts';
export * from './errors.ts';
export type * from './actions.ts';
export type { Storage, FileMeta } from './storage/storage.ts';
export { LocalStorage, MemoryStorage } from './storage/index.ts';
export * from './maintenance/index.ts';
