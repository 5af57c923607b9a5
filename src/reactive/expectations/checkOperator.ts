// The operator every expectation operator is made of: evaluates a Check on
// each micro-batch (on the chain's shared input rows, see flowBatch.ts),
// counts, drops or fails, runs the optional side output (quarantine) and
// emits. Batches are handled strictly in order (concatMap); a check that
// returns a promise (a quarantine write, loading keys from a table) holds the
// following batches back until it settles, and completion waits for queued
// work and for the metrics of the batches this operator started.
import type { RecordBatch } from 'apache-arrow';
import { concatMap, concatWith, defer, map, Observable, type MonoTypeOperatorFunction } from 'rxjs';
import { countOnes, type Check, type ExpectationOptions } from './expectation.ts';
import { ExpectationDefinitionError, ExpectationViolationError } from './errors.ts';
import { FlowBatch, flowBatchOf, tagBatch } from './flowBatch.ts';
import { rowValues } from './rowValues.ts';

const isPromise = <T>(x: T | Promise<T>): x is Promise<T> => typeof (x as { then?: unknown } | null)?.then === 'function';

/** Index of the first row failing any mask, or -1. */
function firstViolation(masks: Uint8Array[], n: number): number {
  for (let i = 0; i < n; i++) for (const m of masks) if (m[i] === 0) return i;
  return -1;
}

/**
 * Applies the outcome of `check` (pass masks `masks` over `fb.input`) to the
 * micro-batch: records counts, throws for fail, removes rows for drop and
 * diverts them, and returns the batch to emit (`batch` itself when this check
 * removed nothing).
 */
function apply(check: Check, fb: FlowBatch, batch: RecordBatch, masks: Uint8Array[]): RecordBatch | Promise<RecordBatch> {
  const { names, action, dataset } = check;
  const input = fb.input;
  const n = input.numRows;
  for (const name of names) {
    if (fb.results.some((r) => r.name === name && r.dataset === dataset)) {
      throw new ExpectationDefinitionError(name, dataset, 'is declared more than once; expectation names must be unique per dataset');
    }
  }
  if (action === 'fail') {
    const detail = check.batchLevel?.(input);
    const row = check.batchLevel ? -1 : firstViolation(masks, n);
    if (detail !== undefined || row >= 0) {
      const record = row >= 0 ? rowValues(input, row) : null;
      throw new ExpectationViolationError({
        flowName: dataset,
        expectationsViolated: row >= 0 ? names.filter((_, k) => masks[k]![row] === 0) : [...names],
        inputData: record,
        outputRecord: record,
        missingInputData: record === null,
        batchId: fb.batchId,
        rowIndex: row,
        ...(detail !== undefined ? { detail } : {}),
      });
    }
  }
  const results = names.map((name, k) => {
    const passed = countOnes(masks[k]!, n);
    return { name, dataset, passed_records: passed, failed_records: n - passed };
  });
  let removed: Uint8Array | null = null;
  if (action === 'drop') {
    // Only rows still kept can be removed here, so each dropped row is counted once.
    const keep = fb.keep ?? new Uint8Array(n).fill(1);
    const out = new Uint8Array(n);
    let count = 0;
    for (let i = 0; i < n; i++) {
      if (keep[i] === 0) continue;
      for (const m of masks) {
        if (m[i] === 0) {
          out[i] = 1;
          keep[i] = 0;
          count++;
          break;
        }
      }
    }
    if (count > 0) {
      removed = out;
      fb.keep = keep;
      fb.dropped += count;
    }
  }
  fb.results.push(...results);
  const output = (): RecordBatch => {
    check.accept?.(input, fb.keep);
    const out = removed ? fb.output() : batch;
    tagBatch(out, fb);
    return out;
  };
  if (removed && check.divert) {
    const side = check.divert(input, removed, masks);
    if (isPromise(side)) return side.then(output);
  }
  return output();
}

function run(check: Check, fb: FlowBatch, batch: RecordBatch): RecordBatch | Promise<RecordBatch> {
  const masks = check.evaluate(fb.input);
  return isPromise(masks) ? masks.then((m) => apply(check, fb, batch, m)) : apply(check, fb, batch, masks);
}

/**
 * Turns a Check into an operator over RecordBatches. A function is called
 * once per subscription, for checks that keep state (seen keys).
 * @example
 * const op = checkOperator(sqlCheck([new SqlRule('ok', 'x > 0', 'd')], 'drop', 'd'), { dataset: 'd' });
 */
export function checkOperator(checkOrFactory: Check | (() => Check), options: ExpectationOptions = {}): MonoTypeOperatorFunction<RecordBatch> {
  const sink = options.metrics;

  return (source) =>
    defer(() => {
      const check = typeof checkOrFactory === 'function' ? checkOrFactory() : checkOrFactory;
      const { dataset } = check;
      // One identity per subscription: a FlowBatch records which operators already evaluated it.
      const member = {};
      let nextBatchId = 0;
      let openHeads = 0;
      let allClosed: (() => void) | null = null;

      // Runs on arrival, even while an earlier batch is still being processed, so that
      // the head of the chain knows this operator holds the batch before it publishes.
      const arrive = (batch: RecordBatch) => {
        let fb = flowBatchOf(batch, member, dataset);
        if (!fb) {
          openHeads++;
          fb = new FlowBatch(batch, dataset, nextBatchId++, () => {
            if (--openHeads === 0) allClosed?.();
          });
        }
        fb.join(member, sink);
        return { fb, batch };
      };

      const handle = ({ fb, batch }: { fb: FlowBatch; batch: RecordBatch }) =>
        new Observable<RecordBatch>((out) => {
          const failed = (err: unknown) => {
            fb.failed = true;
            out.error(err);
            fb.done();
          };
          const emit = (batchOut: RecordBatch) => {
            out.next(batchOut);
            fb.done();
            out.complete();
          };
          let result: RecordBatch | Promise<RecordBatch>;
          try {
            result = run(check, fb, batch);
          } catch (err) {
            failed(err);
            return;
          }
          if (!isPromise(result)) {
            emit(result);
            return;
          }
          let live = true;
          // Unsubscribed meanwhile: the batch is never emitted, so it gets no report either.
          const abandon = () => {
            fb.failed = true;
            fb.done();
          };
          result.then((b) => (live ? emit(b) : abandon()), (err: unknown) => (live ? failed(err) : abandon()));
          return () => {
            live = false;
          };
        });

      // A head waits for the reports of its batches, so metrics precede completion.
      const reportsPublished = new Observable<never>((out) => {
        if (openHeads === 0) out.complete();
        else allClosed = () => out.complete();
      });

      return source.pipe(map(arrive), concatMap(handle), concatWith(reportsPublished));
    });
}
