// The Tributary pipelines the ingest bench times, shared by its child
// processes: a batch source → the two drop-expectations → microBatch (as
// uncopied chunks) → toDelta, with backpressure from the Delta sink back to the source.
import type * as arrow from 'apache-arrow';
import { lastValueFrom, reduce, type Observable } from 'rxjs';
import {
  addMetrics,
  backpressure,
  emptyTotals,
  expectAllOrDrop,
  float64,
  int32,
  int64,
  microBatch,
  schema,
  timestamp,
  toDelta,
  utf8,
  type Backpressure,
  type DataQualityTotals,
} from '../../src/reactive/index.ts';
import { RULES } from './workload.ts';

/** The typed schema of the object cases (the same columns and types as the Arrow table). */
export const ordersSchema = schema(
  {
    id: int64(),
    customer_id: int32(),
    amount: float64(),
    status: utf8(),
    country: utf8(),
    ts: timestamp('us', 'UTC'),
    note: utf8().nullable(),
  },
  { name: 'orders' },
);

/** What one pipeline run did. */
export interface LandingReport {
  commits: number;
  /** Version of the last commit. */
  version: number;
  files: number;
  /** Rows that reached the table. */
  landed: number;
  /** Data-quality totals of the expectations. */
  quality: DataQualityTotals;
}

/** Options of {@link land}. */
export interface LandOptions {
  /** Rows per commit (microBatch maxRows). */
  commitRows: number;
  /** Called after each commit with the rows landed so far. */
  onCommit?: (landed: number) => void;
}

/**
 * Runs `source` (built around the given Backpressure) through the expectations
 * and microBatch into a new Delta table at `table`, resolving once the last
 * commit is done.
 * @example
 * const r = await land('/tmp/t', (bp) => fromBatches(table, { backpressure: bp }), { commitRows: 1 << 20 });
 */
export async function land(table: string, source: (bp: Backpressure) => Observable<arrow.RecordBatch>, options: LandOptions): Promise<LandingReport> {
  // Two batches in flight: one being committed while the next is filtered and coalesced.
  const bp = backpressure({ highWaterMark: 2 });
  let quality = emptyTotals();
  const metrics = { next: (m: Parameters<typeof addMetrics>[1]) => void (quality = addMetrics(quality, m)) };
  const seed = { commits: 0, version: -1, files: 0, landed: 0 };
  const done = await lastValueFrom(
    source(bp).pipe(
      expectAllOrDrop(RULES, { dataset: 'orders', metrics }),
      // Chunks, not one copied batch: the sink's Parquet writer reads the pieces in place.
      microBatch({ maxRows: options.commitRows, output: 'table' }),
      toDelta(table, { appId: 'bench-ingest', backpressure: bp }),
      reduce((acc, c) => {
        const next = { commits: acc.commits + 1, version: c.version, files: acc.files + c.addedFiles, landed: acc.landed + c.numRows };
        options.onCommit?.(next.landed);
        return next;
      }, seed),
    ),
    { defaultValue: seed },
  );
  return { ...done, quality };
}
