// The operator shape of a committing sink (toDelta, applyChanges): open once
// per subscription, then write batches strictly one after another.
import { concatMap, defer, filter, from, switchMap, type OperatorFunction } from 'rxjs';
import type { Backpressure } from '../sources/backpressure.ts';

/** The state of one subscription: opened before the source is subscribed, then fed batch by batch. */
export interface SerialSink<I, R> {
  open(): Promise<void>;
  /** Writes one batch; null when there was nothing to write (dropped from the output). */
  write(batch: I, index: number): Promise<R | null>;
}

/**
 * An operator that, per subscription, creates and opens a sink before
 * subscribing to the source, then writes batches in order, each only after
 * the previous one finished — through `backpressure` when given, so sources
 * sharing it pause while writes are slow. Null results are dropped.
 * @example `serialSink(() => new DeltaSink(table, options), options.backpressure)`
 */
export function serialSink<I, R>(create: () => SerialSink<I, R>, backpressure?: Backpressure): OperatorFunction<I, R> {
  return (source) =>
    defer(() => {
      const sink = create();
      const write = (batch: I, index: number) => sink.write(batch, index);
      const serial: OperatorFunction<I, R | null> = backpressure ? backpressure.sink(write) : concatMap(write);
      return from(sink.open()).pipe(
        switchMap(() => source.pipe(serial)),
        filter((r): r is R => r !== null),
      );
    });
}
