// Keeps the rows of a record batch selected by a byte mask. The mask is read
// as runs of kept rows and each column is gathered run by run (see
// batch/gatherRuns.ts): one buffer copy per run and buffer, no per-row
// objects; a batch that keeps every row, or one contiguous range, is not copied.
import * as arrow from 'apache-arrow';
import { gatherRuns } from '../batch/gatherRuns.ts';
import { runsOfIndices, runsOfMask } from '../batch/rowRuns.ts';

/** Row indices where mask[i] === 1. */
export function maskIndices(mask: Uint8Array, length: number): Int32Array {
  let count = 0;
  for (let i = 0; i < length; i++) count += mask[i] === 1 ? 1 : 0;
  const out = new Int32Array(count);
  let k = 0;
  for (let i = 0; i < length; i++) if (mask[i] === 1) out[k++] = i;
  return out;
}

/**
 * Keeps rows where `mask[i] === 1` (e.g. the mask from {@link CompiledPredicate.mask}).
 * Columns of every Arrow type are gathered buffer by buffer; the schema is unchanged.
 * When every row is kept the batch itself is returned, and when the kept rows
 * are one contiguous range a zero-copy slice of it.
 * @throws Error when the mask is shorter than the batch.
 * @example
 * const { mask } = compilePredicate('amount > 100', batch.schema).mask(batch);
 * const big = filterBatch(batch, mask);
 */
export function filterBatch(batch: arrow.RecordBatch, mask: Uint8Array): arrow.RecordBatch {
  const n = batch.numRows;
  if (mask.length < n) throw new Error(`filterBatch: the mask has ${mask.length} entries but the batch has ${n} rows`);
  const runs = runsOfMask(mask, n);
  if (runs.rows === n) return batch;
  if (runs.count === 1) return batch.slice(runs.starts[0]!, runs.ends[0]!);
  const children = batch.data.children.map((d) => gatherRuns(d, runs));
  const data = arrow.makeData({ type: new arrow.Struct(batch.schema.fields), length: runs.rows, nullCount: 0, children });
  return new arrow.RecordBatch(batch.schema, data);
}

/**
 * Gathers the rows `idx` of `d` (in that order, repeats allowed) into new Data of the same type.
 * @example `gatherData(vector.data[0], Int32Array.of(2, 0)).length === 2`
 */
export function gatherData(d: arrow.Data, idx: Int32Array): arrow.Data {
  return gatherRuns(d, runsOfIndices(idx));
}
