// Data-quality expectations over Arrow micro-batches (DLT's expect*, plus
// quarantine, uniqueness and row-count checks) and their metrics.
//
// Semantics follow shared/spec/dlt-semantics.md §2: a row passes only when its
// constraint is TRUE (NULL fails); expectation operators piped back to back
// on one dataset evaluate the same input rows, `dropped_records` counts each
// row once, a failed batch reports no metrics. Where Tributary differs from
// or goes beyond DLT (all documented on the operators):
// - a fail-expectation also checks rows an earlier drop-expectation of the
//   chain removed (DLT evaluates all expectations on the same rows; its order
//   of evaluation is not documented);
// - EXPECTATION_VIOLATION's `inputData` is the row the operator received
//   (no lineage back to the source), equal to `outputRecord`;
// - metrics come one value per micro-batch and chain (`metrics` option or the
//   `expectations(dataset).metrics$` stream), with `metrics.num_input_rows`
//   and `num_output_rows` next to `data_quality`;
// - a batch whose rows are all dropped is emitted with 0 rows;
// - quarantine, expectUnique and expectRowCount have no DLT counterpart.
export { expect } from './expect.ts';
export { expectOrDrop } from './expectOrDrop.ts';
export { expectOrFail } from './expectOrFail.ts';
export { expectAll, expectAllOrDrop, expectAllOrFail, type ExpectAllOrDropOptions } from './expectAll.ts';
export { expectUnique, type ExpectUniqueOptions } from './expectUnique.ts';
export { expectRowCount, type ExpectRowCountOptions, type RowCountBounds } from './expectRowCount.ts';
export {
  quarantine, quarantineSchema, quarantineBatch, FAILED_EXPECTATIONS_COLUMN, QUARANTINED_AT_COLUMN,
  type QuarantineOptions, type QuarantineTarget, type QuarantineSink,
} from './quarantine.ts';
export { expectations, type DatasetExpectations } from './expectations.ts';
export { sumMetrics, addMetrics, emptyTotals, type ExpectationMetrics, type ExpectationResult, type DataQuality, type DataQualityTotals, type MetricsObserver } from './metrics.ts';
export { ExpectationViolationError, ExpectationDefinitionError, type ExpectationViolation } from './errors.ts';
export { UNNAMED_DATASET, type ExpectationAction, type ExpectationOptions, type ExpectationRules } from './expectation.ts';
export { rowValues, type JsonValue } from './rowValues.ts';
