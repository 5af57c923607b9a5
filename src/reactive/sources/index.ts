// Sources: rows, batches and text streams → Observable<RecordBatch>.
export { fromRows, type FromRowsOptions, DEFAULT_BATCH_SIZE } from './fromRows.ts';
export { fromBatches, type FromBatchesOptions } from './fromBatches.ts';
export { fromNdjson, type FromNdjsonOptions } from './fromNdjson.ts';
export { fromCsv, type FromCsvOptions } from './fromCsv.ts';
export { backpressure, Backpressure, type BackpressureOptions } from './backpressure.ts';
export type { PumpOptions, SourceInput } from './pump.ts';
export type { TextChunk } from './textChunks.ts';
