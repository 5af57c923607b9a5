// The micro-batch a chain of expectation operators evaluates together.
//
// DLT evaluates every expectation of a dataset on the same rows (spec §2.3):
// a row dropped by one expectation is still counted by the others, and
// `dropped_records` counts each dropped row once. Operators piped back to back
// reproduce that by passing this record along with the batches they emit
// (a WeakMap keyed by the emitted batch object): the next operator evaluates
// the original input rows, not just the survivors, and adds its counts to the
// same report. The operator that started the record (the head) publishes the
// report once every operator that joined has finished with the batch, which
// for synchronous operators is as soon as the head's `next` call returns and
// for asynchronous ones (quarantine writes) when their work settles.
import type { RecordBatch } from 'apache-arrow';
import type { ExpectationMetrics, ExpectationResult, MetricsObserver } from './metrics.ts';
import { countOnes } from './expectation.ts';
import { filterBatch } from '../expression/filter-batch.ts';

/** Shared state of one micro-batch across a chain of expectation operators. */
export class FlowBatch {
  /** Rows of `input` still in the stream (null: all). */
  keep: Uint8Array | null = null;
  /** Rows removed so far, each once. */
  dropped = 0;
  readonly results: ExpectationResult[] = [];
  readonly sinks = new Set<MetricsObserver>();
  /** Operators that joined, so an operator never counts a batch twice. */
  readonly members = new Set<object>();
  /** Joined operators that have not finished with the batch. */
  private pending = 0;
  /** Set when an operator errored on this batch: no report (spec §2.3, FAIL). */
  failed = false;
  /** Set once the report was published (or abandoned): late arrivals start a new FlowBatch. */
  closed = false;
  private readonly onClosed: () => void;

  constructor(
    readonly input: RecordBatch,
    readonly dataset: string,
    readonly batchId: number,
    onClosed: () => void,
  ) {
    this.onClosed = onClosed;
  }

  /** Registers an operator that will evaluate this batch; `done` must follow. */
  join(member: object, sink: MetricsObserver | undefined): void {
    this.members.add(member);
    if (sink) this.sinks.add(sink);
    this.pending++;
  }

  /** An operator finished with the batch (emitted it, or failed). Publishes when the last one does. */
  done(): void {
    if (--this.pending > 0 || this.closed) return;
    this.closed = true;
    if (!this.failed) {
      const report = this.report();
      for (const sink of this.sinks) sink.next(report);
    }
    this.onClosed();
  }

  /** Rows currently kept. */
  keptCount(): number {
    return this.keep === null ? this.input.numRows : countOnes(this.keep, this.input.numRows);
  }

  /** The rows currently kept, as a batch (the input itself when nothing was removed). */
  output(): RecordBatch {
    return this.keep === null ? this.input : filterBatch(this.input, this.keep);
  }

  report(): ExpectationMetrics {
    return {
      dataset: this.dataset,
      batch_id: this.batchId,
      metrics: { num_input_rows: this.input.numRows, num_output_rows: this.keptCount() },
      data_quality: { dropped_records: this.dropped, expectations: this.results.map((r) => ({ ...r })) },
    };
  }
}

const lineage = new WeakMap<RecordBatch, FlowBatch>();

/**
 * The FlowBatch `batch` belongs to, if `member` may join it: it was emitted
 * by an expectation operator of the same dataset, its report is not yet
 * published, and `member` has not evaluated it already (a source re-emitting
 * the same batch object starts a new micro-batch).
 */
export function flowBatchOf(batch: RecordBatch, member: object, dataset: string): FlowBatch | undefined {
  const fb = lineage.get(batch);
  if (!fb || fb.closed || fb.failed || fb.dataset !== dataset || fb.members.has(member)) return undefined;
  return fb;
}

/** Records that `batch` (about to be emitted) carries `fb`. */
export function tagBatch(batch: RecordBatch, fb: FlowBatch): void {
  lineage.set(batch, fb);
}
