// Sinks: micro-batches into Delta tables, exactly once.
export { toDelta, type ToDeltaOptions, type BatchCommit, type MicroBatch } from './toDelta.ts';
export { lastCommittedOffset } from './lastCommittedOffset.ts';
export { COMMIT_INFO_KEY, progressDomain, type StreamProgress } from './streamProgress.ts';
export type { TableRef } from './tableRef.ts';
