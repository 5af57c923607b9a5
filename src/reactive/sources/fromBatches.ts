// Existing Arrow data (RecordBatches or Tables) as a batch stream, with the
// same lazy pulling and backpressure as the row sources.
import * as arrow from 'apache-arrow';
import { isObservable, Observable } from 'rxjs';
import { schemaMismatch } from '../batch/schemaMismatch.ts';
import { describeValue } from '../schema/valueError.ts';
import type { Schema } from '../schema/schema.ts';
import { pump, type Accumulator, type PumpOptions, type SourceInput } from './pump.ts';

/** Options of `fromBatches`. */
export interface FromBatchesOptions extends Omit<PumpOptions, 'maxDelayMs' | 'scheduler'> {
  /** When given, every batch must have exactly these columns (name, type, nullability). */
  schema?: Schema | arrow.Schema;
}

type BatchLike = arrow.RecordBatch | arrow.Table;

/** One input item with its position, after Tables were split into batches. */
interface Item {
  index: number;
  value: unknown;
}

class BatchAccumulator implements Accumulator<Item> {
  readonly buffered = false;

  constructor(private readonly expected: arrow.Schema | undefined) {}

  push({ index, value }: Item, emit: (b: arrow.RecordBatch) => void): void {
    if (!(value instanceof arrow.RecordBatch)) throw new TypeError(`fromBatches: item ${index} is not a RecordBatch or Table: ${describeValue(value)}`);
    if (this.expected) {
      const diff = schemaMismatch(this.expected, value.schema);
      if (diff) throw new TypeError(`fromBatches: item ${index} does not match the schema: ${diff}`);
    }
    emit(value);
  }

  flush(): void {}
}

// Tables are expanded one batch per pull, so backpressure applies between the
// batches of a Table too; closing these generators closes the inner iterator.
function* expand(items: Iterable<unknown>): Generator<Item> {
  let index = 0;
  for (const value of items) {
    if (value instanceof arrow.Table) for (const b of value.batches) yield { index, value: b };
    else yield { index, value };
    index++;
  }
}

async function* expandAsync(items: AsyncIterable<unknown>): AsyncGenerator<Item> {
  let index = 0;
  for await (const value of items) {
    if (value instanceof arrow.Table) for (const b of value.batches) yield { index, value: b };
    else yield { index, value };
    index++;
  }
}

function expandObservable(items: Observable<unknown>): Observable<Item> {
  return new Observable<Item>((subscriber) => {
    let index = 0;
    return items.subscribe({
      next: (value) => {
        if (value instanceof arrow.Table) for (const b of value.batches) subscriber.next({ index, value: b });
        else subscriber.next({ index, value });
        index++;
      },
      error: (e) => subscriber.error(e),
      complete: () => subscriber.complete(),
    });
  });
}

/**
 * Emits RecordBatches from batches or Tables (a Table emits its batches in
 * order). Accepts one RecordBatch/Table, or an iterable, async iterable or
 * Observable of them; iterables are pulled lazily (with `backpressure`, no
 * faster than the consumer), and leaving early calls the iterator's `return()`.
 * @example
 * ```ts
 * fromBatches(tableFromIPC(bytes)).pipe(microBatch({ maxRows: 100_000 }));
 * ```
 */
export function fromBatches(source: BatchLike | SourceInput<BatchLike>, options: FromBatchesOptions = {}): Observable<arrow.RecordBatch> {
  const items: SourceInput<unknown> = source instanceof arrow.RecordBatch || source instanceof arrow.Table ? [source] : source;
  const input: SourceInput<Item> = isObservable(items)
    ? expandObservable(items)
    : typeof (items as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function'
      ? { [Symbol.asyncIterator]: () => expandAsync(items as AsyncIterable<unknown>) }
      : { [Symbol.iterator]: () => expand(items as Iterable<unknown>) };
  const s = options.schema;
  const expected = s === undefined ? undefined : s instanceof arrow.Schema ? s : s.toArrow();
  return pump<Item>(input, () => new BatchAccumulator(expected), { ...options, maxDelayMs: Infinity });
}
