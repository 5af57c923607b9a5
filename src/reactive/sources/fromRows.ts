// Plain-object rows → RecordBatches through the schema's column builders.
import type { RecordBatch } from 'apache-arrow';
import type { Observable } from 'rxjs';
import type { RowOf, Schema } from '../schema/schema.ts';
import { RowBatchBuilder } from './rowBatchBuilder.ts';
import { pump, type Accumulator, type PumpOptions, type SourceInput } from './pump.ts';

/** Options of `fromRows`. */
export interface FromRowsOptions<S extends Schema> extends PumpOptions {
  schema: S;
  /** Rows per emitted batch (the last may be smaller). Default 65 536. */
  batchSize?: number;
}

/** Default rows per batch: large enough to amortise per-batch costs, small enough for the cache. */
export const DEFAULT_BATCH_SIZE = 65_536;

/**
 * Validates a batch size option.
 * @example `checkBatchSize(undefined, 'fromRows') === 65536`
 */
export function checkBatchSize(n: number | undefined, where: string): number {
  const size = n ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`${where}: batchSize must be a positive integer, got ${size}`);
  return size;
}

class RowAccumulator implements Accumulator<unknown> {
  private readonly builder: RowBatchBuilder;
  private readonly chunk: unknown[];
  private n = 0;
  private first = 0;

  constructor(
    schema: Schema,
    private readonly batchSize: number,
  ) {
    this.builder = new RowBatchBuilder(schema);
    this.chunk = new Array(batchSize);
  }

  get buffered(): boolean {
    return this.n > 0;
  }

  push(row: unknown, emit: (b: RecordBatch) => void): void {
    this.chunk[this.n++] = row;
    if (this.n === this.batchSize) this.flush(emit);
  }

  flush(emit: (b: RecordBatch) => void): void {
    const count = this.n;
    if (count === 0) return;
    const first = this.first;
    const batch = this.builder.build(this.chunk, count, (i) => `row ${first + i}`);
    this.first += count;
    this.n = 0;
    // A partial chunk would otherwise pin its rows until the next batch fills.
    if (count < this.batchSize) this.chunk.fill(undefined, 0, count);
    emit(batch);
  }
}

/** Arrays skip per-row iteration: each unit is a ready slice of `batchSize` rows. */
class SliceAccumulator implements Accumulator<unknown[]> {
  private readonly builder: RowBatchBuilder;
  private first = 0;
  readonly buffered = false;

  constructor(schema: Schema) {
    this.builder = new RowBatchBuilder(schema);
  }

  push(rows: unknown[], emit: (b: RecordBatch) => void): void {
    const first = this.first;
    const batch = this.builder.build(rows, rows.length, (i) => `row ${first + i}`);
    this.first += rows.length;
    emit(batch);
  }

  flush(): void {}
}

function* slices(rows: readonly unknown[], size: number): Generator<unknown[]> {
  for (let i = 0; i < rows.length; i += size) yield rows.slice(i, i + size);
}

/**
 * Converts plain-object rows into Arrow RecordBatches of `batchSize` rows,
 * validating every value against the schema (an Error names the schema,
 * column, 0-based row index and value; strings are never coerced to numbers;
 * unknown keys are ignored). Iterables and async iterables are pulled lazily —
 * with `backpressure`, no further than the consumer allows; leaving early
 * calls the iterator's `return()`.
 * @example
 * ```ts
 * const orders = schema({ id: int64(), amount: float64(), status: utf8() }, { name: 'orders' });
 * fromRows([{ id: 1, amount: 9.5, status: 'paid' }], { schema: orders })
 *   .subscribe((batch) => console.log(batch.numRows)); // 1
 * ```
 */
export function fromRows<S extends Schema>(source: SourceInput<RowOf<S>>, options: FromRowsOptions<S>): Observable<RecordBatch> {
  const batchSize = checkBatchSize(options.batchSize, 'fromRows');
  if (Array.isArray(source)) {
    const rows: readonly unknown[] = source;
    return pump<unknown[]>({ [Symbol.iterator]: () => slices(rows, batchSize) }, () => new SliceAccumulator(options.schema), options);
  }
  return pump<unknown>(source as SourceInput<unknown>, () => new RowAccumulator(options.schema, batchSize), options);
}
