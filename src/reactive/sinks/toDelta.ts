// The exactly-once Delta sink: each micro-batch becomes one atomic commit
// that carries the batch's sequence number as `txn(appId, batchId)` and the
// source's offset beside it, so data and progress land together or not at
// all. A restarted pipeline resumes from `lastCommittedOffset` and continues
// the numbering; a replayed batch whose id is already committed is skipped.
import * as arrow from 'apache-arrow';
import type { OperatorFunction } from 'rxjs';
import type { CreateTableOptions } from '../../delta/operations/create.ts';
import { TableNotFoundError } from '../../delta/errors.ts';
import { DeltaTable, type TableWriteResult } from '../../delta/table.ts';
import type { Storage } from '../../delta/storage/storage.ts';
import { protocolFeatures } from '../../delta/writer-features.ts';
import { autoMaintain, wantsAutoMaintenance } from '../../delta/maintenance/auto-maintenance.ts';
import type { Backpressure } from '../sources/backpressure.ts';
import { deltaStreamOffset } from '../sources/readStream.ts';
import { BatchNumbering } from './batchNumbering.ts';
import { serialSink } from './serialSink.ts';
import { COMMIT_INFO_KEY, progressDomainAction, type StreamProgress } from './streamProgress.ts';
import { storageOfRef, type TableRef } from './tableRef.ts';

/**
 * What {@link toDelta} commits atomically: a RecordBatch, or a Table whose
 * chunks are written as they are (e.g. from `microBatch({ output: 'table' })`,
 * which skips copying the pieces together).
 */
export type MicroBatch = arrow.RecordBatch | arrow.Table;

/** Options of {@link toDelta}; `B` is the micro-batch type the stream carries. */
export interface ToDeltaOptions<O = unknown, B extends MicroBatch = arrow.RecordBatch> {
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
  sourceOffset?: (batch: B) => O | undefined;
  /**
   * The batch's sequence number, for sources that replay deterministically
   * from the start: batches whose id is ≤ the committed one are skipped, not
   * written. Ids must increase. Default: numbering continues after the last
   * committed id (for sources that resume from the stored offset).
   */
  batchId?: (batch: B, index: number) => number;
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
 * Writes each micro-batch (a RecordBatch, or a Table of chunks) as one atomic Delta commit and emits a
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
export function toDelta<O = unknown, B extends MicroBatch = arrow.RecordBatch>(table: TableRef, options: ToDeltaOptions<O, B>): OperatorFunction<B, BatchCommit<O>> {
  if (typeof options.appId !== 'string' || options.appId === '') throw new TypeError('toDelta: appId must be a non-empty string');
  const mode = options.mode ?? 'append';
  if (mode !== 'append' && mode !== 'overwrite') throw new TypeError(`toDelta: mode must be 'append' or 'overwrite', got '${String(mode)}'`);
  if (mode === 'overwrite' && options.mergeSchema) throw new TypeError("toDelta: mergeSchema applies to mode 'append' only");

  return serialSink(() => new DeltaSink<O, B>(table, options, mode), options.backpressure);
}

/** The state of one subscription of {@link toDelta}. */
class DeltaSink<O, B extends MicroBatch> {
  private readonly storage: Storage;
  private table: DeltaTable | null;
  private readonly numbering: BatchNumbering<B>;

  constructor(
    ref: TableRef,
    private readonly options: ToDeltaOptions<O, B>,
    private readonly mode: 'append' | 'overwrite',
  ) {
    this.storage = storageOfRef(ref);
    this.table = ref instanceof DeltaTable ? ref : null;
    this.numbering = new BatchNumbering(options.batchId);
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
    this.numbering.start(this.table?.snapshot.txnVersion(this.options.appId));
  }

  /**
   * Creates the table (or opens one created meanwhile). Sources sharing the
   * Backpressure pause meanwhile: creation is a chain of small log reads and
   * writes, each waiting for a turn of the event loop that a busy source
   * would hand out only once per batch, delaying the first data file.
   */
  private async create(schema: arrow.Schema): Promise<DeltaTable> {
    const resume = this.options.backpressure?.hold();
    try {
      return await DeltaTable.create(this.storage, {
        schema,
        partitionBy: this.options.partitionBy,
        properties: this.options.properties,
        mode: 'ignore',
      } satisfies CreateTableOptions);
    } finally {
      resume?.();
    }
  }

  async write(batch: B, index: number): Promise<BatchCommit<O> | null> {
    if (batch.numRows === 0) return null;
    const { appId } = this.options;
    const { batchId, replay } = this.numbering.next(batch, index, this.where);
    // A Table's position is its last chunk's: where the source stood after the whole micro-batch.
    const last: arrow.RecordBatch | undefined = batch instanceof arrow.Table ? batch.batches.at(-1) : (batch as arrow.RecordBatch);
    const sourceOffset = this.options.sourceOffset ? this.options.sourceOffset(batch) : last && (deltaStreamOffset(last) as O | undefined);
    const base = { appId, batchId, numRows: batch.numRows, sourceOffset };
    if (replay) {
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
      const table = (this.table ??= await this.create(batch.schema));
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
    // Table properties may ask for background compaction/vacuum: scheduled, never awaited here.
    // Not for overwrite sinks: each batch rewrites the table anyway, and a compaction
    // committing between two overwrites would make the next one conflict (it reads the whole table).
    if (this.mode === 'append' && !result.skipped && this.table && wantsAutoMaintenance(this.table.snapshot.properties)) autoMaintain(this.storage).notifyCommit();
    this.numbering.checkSkipped(result.skipped, batchId, this.where, 'pipeline');
    return { ...base, version: result.version, skipped: result.skipped, addedFiles: result.addedFiles.length };
  }
}
