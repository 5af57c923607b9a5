// Explicit backpressure for push-based RxJS pipelines. RxJS has no demand
// signal, so a Backpressure object connects the two ends a pipeline has: the
// source (fromRows / fromBatches / fromNdjson / fromCsv over iterables or
// streams) asks `ready()` before pulling the next chunk, and the consumer
// (`bp.sink(fn)` or `bp.toAsyncIterable(obs)`) counts the batches it holds but
// has not finished. Synchronous operators in between (map, filter, microBatch)
// need no changes: a batch they drop or buffer never reaches the consumer, so
// it never blocks the source, and what microBatch buffers is bounded by maxRows.
import { Observable, type OperatorFunction, type Subscription } from 'rxjs';

/** Options of `backpressure()`. */
export interface BackpressureOptions {
  /**
   * Batches the consumer may hold (queued or in progress) before sources
   * pause; 2 lets the source build the next batch while one is being written.
   */
  highWaterMark?: number;
}

/** A demand channel between pull-based sources and an async consumer. */
export class Backpressure {
  readonly highWaterMark: number;
  private held = 0;
  /** Active {@link hold}s: sources wait while any is open. */
  private holds = 0;
  private waiters: Array<() => void> = [];

  constructor(options: BackpressureOptions = {}) {
    const hwm = options.highWaterMark ?? 2;
    if (!Number.isInteger(hwm) || hwm < 1) throw new RangeError(`backpressure: highWaterMark must be a positive integer, got ${hwm}`);
    this.highWaterMark = hwm;
  }

  /** Batches accepted by the consumer and not yet finished. */
  get inFlight(): number {
    return this.held;
  }

  /**
   * For sources: `null` when the consumer has room now, else a Promise that
   * resolves when it has (no allocation on the fast path).
   */
  ready(): Promise<void> | null {
    if (this.held < this.highWaterMark && this.holds === 0) return null;
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /**
   * Pauses sources (from their next batch) until the returned function is
   * called, for a consumer about to do latency-bound work — a chain of small
   * I/O steps that each need a turn of the event loop, which a busy
   * synchronous source would otherwise hand out one per batch. Calling the
   * returned function again does nothing.
   * @example
   * ```ts
   * const resume = bp.hold();
   * try { await createTable(); } finally { resume(); }
   * ```
   */
  hold(): () => void {
    this.holds++;
    let open = true;
    return () => {
      if (!open) return;
      open = false;
      this.holds--;
      this.release(0);
    };
  }

  private acquire(): void {
    this.held++;
  }

  private release(n = 1): void {
    this.held -= n;
    if (this.held < this.highWaterMark && this.holds === 0 && this.waiters.length > 0) {
      const w = this.waiters;
      this.waiters = [];
      for (const resolve of w) resolve();
    }
  }

  /**
   * An operator that runs `fn` on each element one at a time, in order, and
   * emits its results; the elements it holds count against `highWaterMark`, so
   * a source sharing this Backpressure waits while `fn` is slow.
   * @example
   * ```ts
   * const bp = backpressure({ highWaterMark: 2 });
   * await lastValueFrom(
   *   fromRows(readOrders(), { schema: orders, backpressure: bp }).pipe(
   *     microBatch({ maxRows: 65_536, maxDelayMs: 200 }),
   *     bp.sink((batch) => table.append(batch)),
   *   ),
   *   { defaultValue: undefined },
   * );
   * ```
   */
  sink<T, R>(fn: (value: T, index: number) => R | PromiseLike<R>): OperatorFunction<T, Awaited<R>> {
    return (source) =>
      new Observable<Awaited<R>>((subscriber) => {
        const queue: T[] = [];
        let busy = false;
        let done = false;
        let index = 0;
        let mine = 0; // batches this subscription holds, returned on teardown
        const finishOne = (r: Awaited<R>) => {
          busy = false;
          mine--;
          this.release();
          subscriber.next(r);
        };
        const fail = (e: unknown) => subscriber.error(e);
        const run = (): void => {
          while (!busy && queue.length > 0 && !subscriber.closed) {
            const v = queue.shift() as T;
            busy = true;
            let out: R | PromiseLike<R>;
            try {
              out = fn(v, index++);
            } catch (e) {
              return fail(e);
            }
            if (isPromiseLike(out)) {
              out.then((r) => {
                if (subscriber.closed) return;
                finishOne(r as Awaited<R>);
                run();
              }, fail);
              return;
            }
            finishOne(out as Awaited<R>);
          }
          if (done && !busy && queue.length === 0) subscriber.complete();
        };
        const sub: Subscription = source.subscribe({
          next: (v) => {
            mine++;
            this.acquire();
            queue.push(v);
            run();
          },
          error: fail,
          complete: () => {
            done = true;
            run();
          },
        });
        return () => {
          sub.unsubscribe();
          queue.length = 0;
          if (mine > 0) this.release(mine);
          mine = 0;
        };
      });
  }

  /**
   * Bridges an Observable into an AsyncIterable consumed with `for await`. An
   * element counts as held from its arrival until the loop asks for the next
   * one, so a source sharing this Backpressure never runs more than
   * `highWaterMark` batches ahead of the loop body. Leaving the loop early
   * unsubscribes. (A source without the same Backpressure is buffered
   * unboundedly, as RxJS cannot pause it.)
   * @example
   * ```ts
   * const bp = backpressure();
   * for await (const batch of bp.toAsyncIterable(fromRows(gen(), { schema, backpressure: bp }))) {
   *   await write(batch);
   * }
   * ```
   */
  toAsyncIterable<T>(source: Observable<T>): AsyncIterableIterator<T> {
    const buffer: T[] = [];
    let error: { e: unknown } | null = null;
    let done = false;
    let sub: Subscription | null = null;
    let handedOut = false;
    let mine = 0;
    let wake: (() => void) | null = null;
    const notify = () => {
      const w = wake;
      wake = null;
      w?.();
    };
    const stop = () => {
      sub?.unsubscribe();
      done = true;
      buffer.length = 0;
      if (mine > 0) this.release(mine);
      mine = 0;
    };
    const iterator: AsyncIterableIterator<T> = {
      next: async (): Promise<IteratorResult<T>> => {
        if (handedOut) {
          handedOut = false;
          mine--;
          this.release();
        }
        sub ??= source.subscribe({
          next: (v) => {
            mine++;
            this.acquire();
            buffer.push(v);
            notify();
          },
          error: (e) => {
            error = { e };
            notify();
          },
          complete: () => {
            done = true;
            notify();
          },
        });
        for (;;) {
          if (buffer.length > 0) {
            handedOut = true;
            return { value: buffer.shift() as T, done: false };
          }
          if (error) {
            const e = (error as { e: unknown }).e;
            stop();
            throw e;
          }
          if (done) {
            stop();
            return { value: undefined, done: true };
          }
          await new Promise<void>((resolve) => (wake = resolve));
        }
      },
      return: async (): Promise<IteratorResult<T>> => {
        if (handedOut) {
          handedOut = false;
          mine--;
          this.release();
        }
        stop();
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }
}

function isPromiseLike<T>(x: unknown): x is PromiseLike<T> {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
}

/**
 * Creates a Backpressure: pass it to a source's `backpressure` option and
 * consume with `bp.sink(fn)` or `bp.toAsyncIterable(obs)`.
 * @example
 * ```ts
 * const bp = backpressure({ highWaterMark: 2 });
 * fromRows(hugeGenerator(), { schema, backpressure: bp })
 *   .pipe(bp.sink(async (batch) => { await slowWrite(batch); }))
 *   .subscribe();
 * ```
 */
export function backpressure(options?: BackpressureOptions): Backpressure {
  return new Backpressure(options);
}
