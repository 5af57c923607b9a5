// APPLY CHANGES / AUTO CDC as an RxJS operator: change-event micro-batches
// in, one Delta commit per micro-batch out, with DLT's semantics (latest
// sequence per key wins regardless of arrival order, tombstones for late
// deletes, SCD2 history, truncates). Exactly-once like toDelta: every commit
// carries `txn(appId, batchId)` and the source offset, so a restarted flow
// resumes where it left off and a replayed batch is skipped.
import type * as arrow from 'apache-arrow';
import type { OperatorFunction } from 'rxjs';
import { deltaStreamOffset } from '../../reactive/sources/readStream.ts';
import { BatchNumbering } from '../../reactive/sinks/batchNumbering.ts';
import { serialSink } from '../../reactive/sinks/serialSink.ts';
import type { StreamProgress } from '../../reactive/sinks/streamProgress.ts';
import { storageOfRef, type TableRef } from '../../reactive/sinks/tableRef.ts';
import { changePreparer, type ChangePreparer } from './changes.ts';
import { ApplyChangesError } from './errors.ts';
import { CdcFlow, type FlowBatchResult } from './flow.ts';
import { checkStaticOptions, resolveOptions, type ApplyChangesOptions, type ResolvedOptions } from './options.ts';

export type { ApplyChangesOptions } from './options.ts';

/** What {@link applyChanges} did with one micro-batch. */
export interface ApplyChangesResult<O = unknown> extends FlowBatchResult {
  appId: string;
  batchId: number;
  /** Events in the micro-batch. */
  numInputRows: number;
  sourceOffset?: O;
}

/**
 * Applies change events to a Delta table as DLT's `create_auto_cdc_flow`
 * (`APPLY CHANGES INTO`) does, one commit per micro-batch, emitting an
 * {@link ApplyChangesResult} per batch. The target is created from the
 * first batch (selected columns, plus `__START_AT`/`__END_AT` typed like
 * the sequence for SCD2) when missing. Bad input — a NULL sequence value, a
 * key column missing from the source, an expression that does not compile —
 * ends the stream with an {@link ApplyChangesError} naming table, column and
 * row; the table is left untouched.
 *
 * @example
 * fromRows(events, { schema })
 *   .pipe(
 *     microBatch({ maxRows: 10_000 }),
 *     applyChanges('/data/users', {
 *       keys: ['userId'], sequenceBy: 'sequenceNum', storedAs: 2,
 *       applyAsDeletes: "operation = 'DELETE'", exceptColumnList: ['operation', 'sequenceNum'],
 *     }),
 *   )
 *   .subscribe((r) => console.log(`batch ${r.batchId} → v${r.version}: ${r.numUpsertedRows} upserts`));
 */
export function applyChanges<O = unknown>(target: TableRef, options: ApplyChangesOptions<O>): OperatorFunction<arrow.RecordBatch, ApplyChangesResult<O>> {
  const storage = storageOfRef(target);
  checkStaticOptions(options as ApplyChangesOptions, storage.root);
  const appId = options.appId ?? 'apply_changes';
  return serialSink(() => {
    const flow = new CdcFlow(storage, {
      appId,
      partitionBy: options.partitionBy,
      properties: options.properties,
      targetFileSize: options.targetFileSize,
      now: options.now ?? Date.now,
      keepEvents: true,
      operation: 'APPLY CHANGES',
      mode: options.mode,
    });
    return new ChangesSink<O>(flow, options, appId);
  }, options.backpressure);
}

/** The state of one subscription of {@link applyChanges}. */
class ChangesSink<O> {
  private readonly numbering: BatchNumbering<arrow.RecordBatch>;
  private compiled: { schema: arrow.Schema; plan: ResolvedOptions; prepare: ChangePreparer } | null = null;

  constructor(
    private readonly flow: CdcFlow,
    private readonly options: ApplyChangesOptions<O>,
    private readonly appId: string,
  ) {
    this.numbering = new BatchNumbering(options.batchId);
  }

  private get where(): string {
    return `applyChanges into ${this.flow.table} (appId '${this.appId}')`;
  }

  async open(): Promise<void> {
    await this.flow.latest();
    this.numbering.start(this.flow.committedBatch());
  }

  private prepared(schema: arrow.Schema): { plan: ResolvedOptions; prepare: ChangePreparer } {
    if (this.compiled?.schema !== schema) {
      const plan = resolveOptions(this.options as ApplyChangesOptions, schema, this.flow.table);
      this.compiled = { schema, plan, prepare: changePreparer(plan, schema) };
    }
    return this.compiled;
  }

  async write(batch: arrow.RecordBatch, index: number): Promise<ApplyChangesResult<O> | null> {
    if (batch.numRows === 0) return null;
    // Validate before anything else, so bad input never reaches the table.
    const { plan, prepare } = this.prepared(batch.schema);
    const changes = prepare(batch);
    const { batchId, replay } = this.numbering.next(batch, index, this.where);
    const sourceOffset = this.options.sourceOffset ? this.options.sourceOffset(batch) : (deltaStreamOffset(batch) as O | undefined);
    const progress: StreamProgress<O> = { appId: this.appId, batchId };
    if (sourceOffset !== undefined) progress.sourceOffset = sourceOffset;
    const base = { appId: this.appId, batchId, numInputRows: batch.numRows, sourceOffset };
    if (replay) {
      return { ...base, version: this.flow.currentPointer() ? (await this.flow.latest())!.version : -1, skipped: true, numUpsertedRows: 0, numDeletedRows: 0, numIgnoredEvents: 0, addedFiles: 0 };
    }
    let result: FlowBatchResult;
    try {
      result = await this.flow.apply(plan, changes, batchId, progress);
    } catch (err) {
      if (err instanceof ApplyChangesError) throw err;
      throw new Error(`${this.where}, batch ${batchId}: ${(err as Error).message}`, { cause: err });
    }
    this.numbering.checkSkipped(result.skipped, batchId, this.where, 'flow');
    return { ...base, ...result };
  }
}
