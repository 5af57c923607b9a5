// The exactly-once Delta sink: each micro-batch becomes one atomic commit
// that carries the batch's sequence number as `txn(appId, batchId)` and the
// source's offset beside it, so data and progress land together or not at
// all. A restarted pipeline resumes from `lastCommittedOffset` and continues
// the numbering; a replayed batch whose id is already committed is skipped.
import type * as arrow from 'apache-arrow';
import { concatMap, defer, filter, from, switchMap, type OperatorFunction } from 'rxjs';
import type { CreateTableOptions } from '../../delta/operations/create.ts';
import { TableNotFoundError } from '../../delta/errors.ts';
import { DeltaTable, type TableWriteResult } from '../../delta/table.ts';
import type { Storage } from '../../delta/storage/storage.ts';
import { protocolFeatures } from '../../delta/writer-features.ts';
import type { Backpressure } from '../sources/backpressure.ts';
import { deltaStreamOffset } from '../sources/readStream.ts';
import { COMMIT_INFO_KEY, progressDomainAction, type StreamProgress } from './streamProgress.ts';
import { storageOfRef, type TableRef } from './tableRef.ts';

/** Options of {@link toDelta}. */
export interface ToDeltaOptions<O = unknown> {
  /** Identifies the pipeline: its commits carry `txn(appId, batchId)`. One running pipeline per appId and table. */
  appId: string;
  /** 'append' (default) adds each batch; 'overwrite' replaces the table's rows with each batch (complete output). */
  mode?: 'append' | 'overwrite';
  /** Add columns the batches have and the table lacks (nullable, at the end), as Delta's mergeSchema does. Append only. */
  mergeSchema?: boolean;
  /**
   * The source position reached after a batch (JSON-serialisable), stored in
   * the batch's commit; called once per batch, in order. Default: the
   * {@link deltaStreamOffset} tag of batches from `readStream`.
   */
  sourceOffset?: (batch: arrow.RecordBatch) => O | undefined;
  /**
   * The batch's sequence number, for sources that replay deterministically
   * from the start: batches whose id is ≤ the committed one are skipped, not
   * written. Ids must increase. Default: numbering continues after the last
   * committed id (for sources that resume from the stored offset).
   */
  batchId?: (batch: arrow.RecordBatch, index: number) => number;
  /** Pause the source (sharing this Backpressure) while commits are slow; otherwise batches queue up. */
  backpressure?: Backpressure;
  /** Partition columns when the table does not exist yet and is created from the first batch's schema. */
  partitionBy?: string[];
  /** Table properties when the table is created. */
  properties?: Record<string, string>;
  /** Approximate in-memory bytes per data file. */
  targetFileSize?: number;
}

/** What {@link toDelta} did with one micro-batch. */
export interface BatchCommit<O = unknown> {
  appId: string;
  batchId: number;
  /** The table version the batch committed, or the current version when skipped. */
  version: number;
  /** True when the batch id was already committed, so nothing was written. */
  skipped: boolean;
  numRows: number;
  /** Data files the commit added. */
  addedFiles: number;
  sourceOffset?: O;
}

/**
 * Writes each RecordBatch as one atomic Delta commit and emits a
 * {@link BatchCommit} per batch. Commits are serialized: batch n+1 never
 * commits before batch n. On subscription it reads the table's committed
 * `txn` version for `appId` (the last batch id) before subscribing to the
 * source. Each commit records `txn(appId, batchId)` and
 * `commitInfo.tributary = { appId, batchId, sourceOffset }` — plus domain
 * metadata `tributary.streaming.<appId>` when the table has the
 * `domainMetadata` writer feature — which `lastCommittedOffset` reads back.
 * A missing table is created from the first batch's schema. Empty batches
 * are dropped. Errors (schema mismatch, conflicts, another pipeline with the
 * same appId) end the stream and name the table, appId and batch.
 *
 * @example
 * const last = await lastCommittedOffset<{ nextRow: number }>('/data/bronze', 'ingest');
 * let nextRow = last?.sourceOffset?.nextRow ?? 0;
 * const bp = backpressure();
 * fromRows(readRowsFrom(nextRow), { schema: events, backpressure: bp })
 *   .pipe(
 *     microBatch({ maxRows: 50_000, maxDelayMs: 1000 }),
 *     toDelta('/data/bronze', { appId: 'ingest', backpressure: bp, sourceOffset: (b) => ({ nextRow: (nextRow += b.numRows) }) }),
 *   )
 *   .subscribe((c) => console.log(`batch ${c.batchId} → version ${c.version}`));
 */
export function toDelta<O = unknown>(table: TableRef, options: ToDeltaOptions<O>): OperatorFunction<arrow.RecordBatch, BatchCommit<O>> {
  if (typeof options.appId !== 'string' || options.appId === '') throw new TypeError('toDelta: appId must be a non-empty string');
  const mode = options.mode ?? 'append';
  if (mode !== 'append' && mode !== 'overwrite') throw new TypeError(`toDelta: mode must be 'append' or 'overwrite', got '${String(mode)}'`);
  if (mode === 'overwrite' && options.mergeSchema) throw new TypeError("toDelta: mergeSchema applies to mode 'append' only");

  return (source) =>
    defer(() => {
      const sink = new DeltaSink<O>(table, options, mode);
      const write = (batch: arrow.RecordBatch, index: number) => sink.write(batch, index);
      const serial: OperatorFunction<arrow.RecordBatch, BatchCommit<O> | null> = options.backpressure
        ? options.backpressure.sink(write)
        : concatMap(write);
      return from(sink.open()).pipe(
        switchMap(() => source.pipe(serial)),
        filter((c): c is BatchCommit<O> => c !== null),
      );
    });
}

/** The state of one subscription of {@link toDelta}. */
class DeltaSink<O> {
  private readonly storage: Storage;
  private table: DeltaTable | null;
  /** The batch id committed when the sink started (undefined: none). */
  private committed: number | undefined;
  private lastId = -1;

  constructor(
    ref: TableRef,
    private readonly options: ToDeltaOptions<O>,
    private readonly mode: 'append' | 'overwrite',
  ) {
    this.storage = storageOfRef(ref);
    this.table = ref instanceof DeltaTable ? ref : null;
  }

  private get where(): string {
    return `toDelta (Delta table ${this.storage.root}, appId '${this.options.appId}')`;
  }

  async open(): Promise<void> {
    try {
      this.table = this.table ? await this.table.refresh() : await DeltaTable.open(this.storage);
    } catch (err) {
      if (!(err instanceof TableNotFoundError)) throw err;
      this.table = null;
    }
    this.committed = this.table?.snapshot.txnVersion(this.options.appId);
    this.lastId = this.committed ?? -1;
  }

  async write(batch: arrow.RecordBatch, index: number): Promise<BatchCommit<O> | null> {
    if (batch.numRows === 0) return null;
    const { appId } = this.options;
    const explicit = this.options.batchId !== undefined;
    let batchId: number;
    if (this.options.batchId) {
      batchId = this.options.batchId(batch, index);
      if (!Number.isSafeInteger(batchId) || batchId < 0) throw new RangeError(`${this.where}: batchId must be an integer ≥ 0, got ${batchId}`);
      if (batchId <= this.lastId && (this.committed === undefined || batchId > this.committed)) {
        throw new RangeError(`${this.where}: batch ids must increase; got ${batchId} after ${this.lastId}`);
      }
    } else {
      batchId = this.lastId + 1;
    }
    this.lastId = Math.max(this.lastId, batchId);
    const sourceOffset = this.options.sourceOffset ? this.options.sourceOffset(batch) : (deltaStreamOffset(batch) as O | undefined);
    const base = { appId, batchId, numRows: batch.numRows, sourceOffset };
    if (explicit && this.committed !== undefined && batchId <= this.committed) {
      return { ...base, version: this.table?.version() ?? -1, skipped: true, addedFiles: 0 };
    }

    const progress: StreamProgress<O> = { appId, batchId };
    if (sourceOffset !== undefined) progress.sourceOffset = sourceOffset;
    try {
      JSON.stringify(progress);
    } catch (err) {
      throw new TypeError(`${this.where}: the source offset of batch ${batchId} is not JSON-serialisable: ${(err as Error).message}`);
    }

    let result: TableWriteResult;
    try {
      const table = (this.table ??= await DeltaTable.create(this.storage, {
        schema: batch.schema,
        partitionBy: this.options.partitionBy,
        properties: this.options.properties,
        mode: 'ignore',
      } satisfies CreateTableOptions));
      const common = {
        txn: { appId, version: batchId },
        commitInfo: { [COMMIT_INFO_KEY]: progress },
        domainMetadata: protocolFeatures(table.protocol()).has('domainMetadata') ? [progressDomainAction(progress)] : undefined,
        targetFileSize: this.options.targetFileSize,
      };
      result =
        this.mode === 'overwrite'
          ? await table.overwrite(batch, common)
          : await table.append(batch, { ...common, mergeSchema: this.options.mergeSchema });
    } catch (err) {
      throw new Error(`${this.where}, batch ${batchId}: ${(err as Error).message}`, { cause: err });
    }
    if (result.skipped && !explicit) {
      // Numbering continued after the id read at start, so someone else committed this id since.
      throw new Error(
        `${this.where}: batch ${batchId} was committed by another writer with the same appId while this pipeline ran; ` +
          'run one pipeline per appId',
      );
    }
    return { ...base, version: result.version, skipped: result.skipped, addedFiles: result.addedFiles.length };
  }
}
