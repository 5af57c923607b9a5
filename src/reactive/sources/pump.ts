// The engine shared by all sources: reads input units (rows, text chunks,
// batches) from an iterable, async iterable or Observable into an accumulator
// that emits RecordBatches. Iterables are pulled lazily: one unit at a time,
// never ahead of a Backpressure-signalled consumer, and `return()` is called
// on the iterator when the subscriber leaves early or an error occurs.
import type { RecordBatch } from 'apache-arrow';
import { asyncScheduler, isObservable, Observable, type SchedulerLike, type Subscription } from 'rxjs';
import type { Backpressure } from './backpressure.ts';

/** Collects input units and emits batches (one accumulator per subscription). */
export interface Accumulator<T> {
  /** Consumes one unit, emitting every batch that became complete. */
  push(unit: T, emit: (batch: RecordBatch) => void): void;
  /** Emits whatever is buffered (end of input, or the delay expired). */
  flush(emit: (batch: RecordBatch) => void): void;
  /** End of input: consume any incomplete tail (e.g. a last line without newline) before the final flush. */
  end?(emit: (batch: RecordBatch) => void): void;
  /** Whether anything is buffered (arms the delay timer). */
  readonly buffered: boolean;
}

/** Options every source takes. */
export interface PumpOptions {
  /** Pause pulling while this consumer is busy (iterables and streams only). */
  backpressure?: Backpressure;
  /**
   * Emit a partial batch this long after its first buffered row when the input
   * is slow (async iterables, streams, Observables). Default 100 ms.
   */
  maxDelayMs?: number;
  /** Drives the delay timer (tests pass a TestScheduler). Default asyncScheduler. */
  scheduler?: SchedulerLike;
}

export type SourceInput<T> = Iterable<T> | AsyncIterable<T> | Observable<T>;

const STOP = Symbol('stop');

/** Resolves after pending I/O callbacks have run (setImmediate), not just microtasks. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Runs `input` through a fresh accumulator per subscription.
 * @example `pump(rows, () => new RowAccumulator(schema, 1024), { backpressure: bp })`
 */
export function pump<T>(input: SourceInput<T>, makeAccumulator: () => Accumulator<T>, options: PumpOptions = {}): Observable<RecordBatch> {
  return isObservable(input) ? pumpObservable(input, makeAccumulator, options) : pumpIterable(input, makeAccumulator, options);
}

/** Arms and disarms the partial-batch timer. */
function delayTimer(options: PumpOptions, acc: Accumulator<unknown>, emit: (b: RecordBatch) => void, fail: (e: unknown) => void) {
  const delay = options.maxDelayMs ?? 100;
  const scheduler = options.scheduler ?? asyncScheduler;
  let timer: Subscription | null = null;
  return {
    arm(): void {
      if (timer === null && acc.buffered && Number.isFinite(delay)) {
        timer = scheduler.schedule(() => {
          timer = null;
          try {
            acc.flush(emit); // a bad value in the buffered rows surfaces here
          } catch (e) {
            fail(e);
          }
        }, delay);
      }
    },
    disarm(): void {
      timer?.unsubscribe();
      timer = null;
    },
  };
}

function pumpObservable<T>(input: Observable<T>, makeAccumulator: () => Accumulator<T>, options: PumpOptions): Observable<RecordBatch> {
  return new Observable<RecordBatch>((subscriber) => {
    const acc = makeAccumulator();
    const emit = (b: RecordBatch) => {
      timer.disarm();
      subscriber.next(b);
    };
    const timer = delayTimer(options, acc as Accumulator<unknown>, emit, (e) => subscriber.error(e));
    const sub = input.subscribe({
      next: (unit) => {
        try {
          acc.push(unit, emit);
        } catch (e) {
          subscriber.error(e);
          return;
        }
        timer.arm();
      },
      error: (e) => subscriber.error(e),
      complete: () => {
        timer.disarm();
        try {
          acc.end?.(emit);
          acc.flush(emit);
        } catch (e) {
          subscriber.error(e);
          return;
        }
        subscriber.complete();
      },
    });
    return () => {
      timer.disarm();
      sub.unsubscribe();
    };
  });
}

function pumpIterable<T>(input: Iterable<T> | AsyncIterable<T>, makeAccumulator: () => Accumulator<T>, options: PumpOptions): Observable<RecordBatch> {
  return new Observable<RecordBatch>((subscriber) => {
    const isAsync = typeof (input as AsyncIterable<T>)[Symbol.asyncIterator] === 'function';
    let iterator: Iterator<T> | AsyncIterator<T>;
    try {
      iterator = isAsync ? (input as AsyncIterable<T>)[Symbol.asyncIterator]() : (input as Iterable<T>)[Symbol.iterator]();
    } catch (e) {
      subscriber.error(e);
      return;
    }
    const acc = makeAccumulator();
    let closed = false;
    let finished = false; // the iterator is done or has been returned
    let emitted = false;
    // Wakes the loop from its current await on teardown. One settle-once promise
    // per await (never a long-lived promise collecting a reaction per item).
    let wake: ((v: typeof STOP) => void) | null = null;
    const stop = () => wake?.(STOP);
    const cancellable = <R>(p: PromiseLike<R>): Promise<R | typeof STOP> =>
      new Promise<R | typeof STOP>((resolve, reject) => {
        wake = resolve;
        p.then(resolve, reject);
      }).finally(() => (wake = null));
    const emit = (b: RecordBatch) => {
      timer.disarm();
      emitted = true;
      subscriber.next(b);
    };
    const timer = delayTimer(options, acc as Accumulator<unknown>, emit, (e) => {
      release();
      subscriber.error(e);
    });
    const bp = options.backpressure;

    const release = () => {
      if (finished) return;
      try {
        const r = iterator.return?.();
        finished = true;
        if (r && typeof (r as Promise<unknown>).then === 'function') (r as Promise<unknown>).then(undefined, () => {});
      } catch {
        // A sync generator that is running cannot be returned; the loop retries once it yields.
      }
    };

    // The loop may run to its first await before the teardown below is even
    // registered (synchronous iterables), so it watches subscriber.closed too.
    const isClosed = () => closed || subscriber.closed;
    const loop = async () => {
      try {
        for (;;) {
          if (isClosed()) return release();
          let r: IteratorResult<T> | typeof STOP;
          if (isAsync) {
            r = await cancellable(iterator.next() as Promise<IteratorResult<T>>);
            if (r === STOP || isClosed()) return release();
          } else {
            r = (iterator as Iterator<T>).next();
            if (isClosed()) return release();
          }
          if (r.done) {
            finished = true;
            break;
          }
          emitted = false;
          acc.push(r.value, emit);
          if (isClosed()) return release();
          timer.arm();
          if (emitted && bp) {
            // While the consumer holds batches, give the event loop a turn per emitted batch: its
            // I/O and native-encode completions only run then, so it works while this loop keeps pulling.
            const wait = bp.ready() ?? (bp.inFlight > 0 ? nextTurn() : null);
            if (wait && (await cancellable(wait)) === STOP) return release();
          }
        }
        timer.disarm();
        acc.end?.(emit);
        acc.flush(emit);
        if (!isClosed()) subscriber.complete();
      } catch (e) {
        timer.disarm();
        release();
        subscriber.error(e);
      }
    };
    void loop();

    return () => {
      closed = true;
      timer.disarm();
      stop();
      release();
    };
  });
}
