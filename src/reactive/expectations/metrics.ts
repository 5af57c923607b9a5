// Data-quality metrics of expectation operators, shaped like the event log's
// `flow_progress` details (`metrics.num_output_rows`, `data_quality`), and an
// operator that totals them across micro-batches.
import { scan, type OperatorFunction } from 'rxjs';

/** One expectation's counts, as in `flow_progress.data_quality.expectations[]`. */
export interface ExpectationResult {
  name: string;
  dataset: string;
  /** Rows on which the constraint evaluated to TRUE. */
  passed_records: number;
  /** Rows on which it evaluated to FALSE or NULL. */
  failed_records: number;
}

/** `flow_progress.data_quality`. */
export interface DataQuality {
  /** Rows removed by drop-expectations (and quarantine), each row once however many rules it broke. */
  dropped_records: number;
  expectations: ExpectationResult[];
}

/**
 * What one micro-batch of a flow reports: one value per batch and chain of
 * expectation operators (see {@link MetricsObserver}), shaped like the
 * `details.flow_progress` object of a DLT `flow_progress` event.
 */
export interface ExpectationMetrics {
  /** The dataset (flow) name of the operator that started the chain. */
  dataset: string;
  /** 0-based sequence number of the micro-batch within the chain's subscription (`origin.batch_id`). */
  batch_id: number;
  metrics: {
    /** Rows the expectations were evaluated on. */
    num_input_rows: number;
    /** Rows the chain passed downstream. */
    num_output_rows: number;
  };
  data_quality: DataQuality;
}

/**
 * Receives metrics; an RxJS `Subject<ExpectationMetrics>` or any observer
 * with `next` fits.
 */
export interface MetricsObserver {
  next(metrics: ExpectationMetrics): void;
}

/** Totals of {@link sumMetrics}: counts summed over every batch seen so far. */
export interface DataQualityTotals extends DataQuality {
  /** Batches summed. */
  batches: number;
  num_input_rows: number;
  num_output_rows: number;
}

/**
 * Adds one batch's metrics to running totals (per dataset and expectation
 * name, in order of first appearance), as published DLT monitoring queries
 * do with `SUM(passed_records)` grouped by dataset and name.
 * @example
 * addMetrics(emptyTotals(), m).expectations[0].failed_records;
 */
export function addMetrics(totals: DataQualityTotals, m: ExpectationMetrics): DataQualityTotals {
  const expectations = totals.expectations.map((e) => ({ ...e }));
  for (const e of m.data_quality.expectations) {
    const seen = expectations.find((x) => x.name === e.name && x.dataset === e.dataset);
    if (seen) {
      seen.passed_records += e.passed_records;
      seen.failed_records += e.failed_records;
    } else expectations.push({ ...e });
  }
  return {
    batches: totals.batches + 1,
    num_input_rows: totals.num_input_rows + m.metrics.num_input_rows,
    num_output_rows: totals.num_output_rows + m.metrics.num_output_rows,
    dropped_records: totals.dropped_records + m.data_quality.dropped_records,
    expectations,
  };
}

/** Totals before any batch. */
export function emptyTotals(): DataQualityTotals {
  return { batches: 0, num_input_rows: 0, num_output_rows: 0, dropped_records: 0, expectations: [] };
}

/**
 * Running totals of a metrics stream: emits the sums after every batch.
 * @example
 * const metrics = new Subject<ExpectationMetrics>();
 * metrics.pipe(sumMetrics()).subscribe((t) => console.log(t.dropped_records));
 * rows$.pipe(expectOrDrop('valid_id', 'id IS NOT NULL', { dataset: 'orders', metrics })).subscribe();
 */
export function sumMetrics(): OperatorFunction<ExpectationMetrics, DataQualityTotals> {
  return scan(addMetrics, emptyTotals());
}
