// Coalesces small RecordBatches and splits large ones so that downstream work
// (expectations, Parquet writes, commits) sees batches of a predictable size.
import { Table, type RecordBatch, type Schema as ArrowSchema } from 'apache-arrow';
import { asyncScheduler, Observable, type MonoTypeOperatorFunction, type OperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';
import { batchByteSize } from '../batch/byteSize.ts';
import { concatBatches } from '../batch/concatBatches.ts';
import { schemaMismatch } from '../batch/schemaMismatch.ts';

/** Options of `microBatch`; give at least one limit. */
export interface MicroBatchOptions {
  /** Rows per emitted batch, at most. */
  maxRows?: number;
  /**
   * Arrow buffer bytes per emitted batch, at most, estimated from each input
   * batch's average row width; a single row wider than this goes out alone.
   */
  maxBytes?: number;
  /** Emit what is buffered this long after its first row arrived. */
  maxDelayMs?: number;
  /** Drives the delay timer (a TestScheduler in tests). Default asyncScheduler. */
  scheduler?: SchedulerLike;
  /**
   * `'batch'` (default): each micro-batch is one contiguous RecordBatch (pieces
   * are copied together). `'table'`: each micro-batch is an Arrow Table whose
   * chunks are the pieces, uncopied — for consumers that take chunks anyway,
   * such as `toDelta` (the Parquet writer reads chunks in place).
   */
  output?: 'batch' | 'table';
}

function positive(name: string, v: number | undefined): number {
  if (v === undefined) return Infinity;
  if (!(v > 0)) throw new RangeError(`microBatch: ${name} must be positive, got ${v}`);
  return v;
}

/**
 * Re-batches a stream of RecordBatches: rows are buffered until `maxRows` or
 * `maxBytes` is reached (a larger input batch is split, zero-copy) or
 * `maxDelayMs` has passed since the first buffered row; the rest is emitted on
 * complete. Pieces of several batches are copied into one contiguous batch,
 * or, with `output: 'table'`, emitted together as the chunks of a Table
 * (zero-copy; the cheaper choice in front of `toDelta`).
 * Errors propagate (buffered rows are dropped); unsubscribing clears the
 * timer. Empty batches are dropped; mixing schemas is an error.
 * @example
 * ```ts
 * fromRows(events, { schema, batchSize: 1000 }).pipe(
 *   microBatch({ maxRows: 100_000, maxBytes: 64 << 20, maxDelayMs: 500 }),
 * );
 * fromBatches(events).pipe(microBatch({ maxRows: 1_000_000, output: 'table' }), toDelta('/data/bronze', { appId: 'ingest' }));
 * ```
 */
export function microBatch(options: MicroBatchOptions & { output: 'table' }): OperatorFunction<RecordBatch, Table>;
export function microBatch(options: MicroBatchOptions & { output?: 'batch' }): MonoTypeOperatorFunction<RecordBatch>;
export function microBatch(options: MicroBatchOptions): OperatorFunction<RecordBatch, RecordBatch | Table>;
export function microBatch(options: MicroBatchOptions): OperatorFunction<RecordBatch, RecordBatch | Table> {
  const maxRows = positive('maxRows', options.maxRows);
  const maxBytes = positive('maxBytes', options.maxBytes);
  const maxDelayMs = options.maxDelayMs;
  if (maxDelayMs !== undefined && !(maxDelayMs >= 0)) throw new RangeError(`microBatch: maxDelayMs must be ≥ 0, got ${maxDelayMs}`);
  if (maxRows === Infinity && maxBytes === Infinity && maxDelayMs === undefined) {
    throw new RangeError('microBatch: give maxRows, maxBytes or maxDelayMs');
  }
  if (maxRows !== Infinity && !Number.isInteger(maxRows)) throw new RangeError(`microBatch: maxRows must be an integer, got ${maxRows}`);
  const scheduler = options.scheduler ?? asyncScheduler;
  const output = options.output ?? 'batch';
  if (output !== 'batch' && output !== 'table') throw new RangeError(`microBatch: output must be 'batch' or 'table', got ${String(output)}`);

  return (source) =>
    new Observable<RecordBatch | Table>((subscriber) => {
      let pending: RecordBatch[] = [];
      let rows = 0;
      let bytes = 0;
      let timer: Subscription | null = null;
      let schema: ArrowSchema | null = null;

      const flush = () => {
        timer?.unsubscribe();
        timer = null;
        if (rows === 0) return;
        const out = output === 'table' ? new Table(schema!, pending) : pending.length === 1 ? pending[0]! : concatBatches(pending);
        pending = [];
        rows = 0;
        bytes = 0;
        subscriber.next(out);
      };

      const add = (batch: RecordBatch) => {
        const total = batch.numRows;
        if (total === 0) return;
        if (schema === null) schema = batch.schema;
        else {
          const diff = schemaMismatch(schema, batch.schema);
          if (diff) throw new TypeError(`microBatch: a batch with a different schema arrived: ${diff}`);
        }
        const perRow = maxBytes === Infinity ? 0 : batchByteSize(batch) / total;
        let offset = 0;
        while (offset < total) {
          let take = Math.min(total - offset, maxRows - rows);
          if (perRow > 0) take = Math.min(take, Math.floor((maxBytes - bytes) / perRow));
          if (take <= 0) {
            if (rows > 0) {
              flush();
              continue;
            }
            take = 1; // one row wider than maxBytes: it travels alone
          }
          pending.push(offset === 0 && take === total ? batch : batch.slice(offset, offset + take));
          rows += take;
          bytes += take * perRow;
          offset += take;
          if (rows >= maxRows || bytes >= maxBytes) flush();
        }
        if (rows > 0 && timer === null && maxDelayMs !== undefined) timer = scheduler.schedule(flush, maxDelayMs);
      };

      const sub = source.subscribe({
        next: (batch) => {
          try {
            add(batch);
          } catch (e) {
            subscriber.error(e);
          }
        },
        error: (e) => subscriber.error(e),
        complete: () => {
          try {
            flush();
          } catch (e) {
            subscriber.error(e);
            return;
          }
          subscriber.complete();
        },
      });
      return () => {
        timer?.unsubscribe();
        timer = null;
        pending = [];
        sub.unsubscribe();
      };
    });
}
