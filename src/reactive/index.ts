// The reactive layer: typed schemas, sources and batch operators.
export * from './schema/index.ts';
export * from './sources/index.ts';
export * from './expression/index.ts';
export { microBatch, type MicroBatchOptions } from './operators/microBatch.ts';
export { concatBatches } from './batch/concatBatches.ts';
export { batchByteSize } from './batch/byteSize.ts';
export { schemaMismatch } from './batch/schemaMismatch.ts';
export { readStream, deltaStreamOffset, STREAM_OFFSET_KEY, type ReadStreamOptions, type DeltaStreamOffset } from './sources/readStream.ts';
export * from './sinks/index.ts';
export * from './expectations/index.ts';
export { where, type RowMask, type RowPredicate } from './operators/where.ts';
export { select } from './operators/select.ts';
export { withColumns, type ColumnFunction, type ColumnDefinitions } from './operators/withColumns.ts';
export { dropColumns } from './operators/dropColumns.ts';
export { OperatorError } from './operators/operatorError.ts';
export type { OperatorOptions, TypedOperatorOptions } from './operators/operatorOptions.ts';
export type { ColumnsOf, ArrowTypeOf } from './operators/columns.ts';
export type { ColumnValue, ColumnCell } from './operators/columnValue.ts';
