// Small helpers to make and inspect RecordBatches in tests.
import * as arrow from 'apache-arrow';

/** A batch with one int32 column `id` holding `ids`. */
export function idBatch(ids: number[]): arrow.RecordBatch {
  return arrow.tableFromArrays({ id: Int32Array.from(ids) }).batches[0]!;
}

/** A batch of `n` consecutive ids starting at `from`. */
export function rangeBatch(from: number, n: number): arrow.RecordBatch {
  return idBatch(Array.from({ length: n }, (_, i) => from + i));
}

/** The `id` column of a batch as a plain array. */
export function ids(b: arrow.RecordBatch): number[] {
  return Array.from(b.getChild('id')!.toArray() as Int32Array);
}

/** All rows of some batches as JSON text, through Arrow JS's own getters (bigints as strings). */
export function rowsJSON(batches: arrow.RecordBatch[] | arrow.Table): string {
  const table = batches instanceof arrow.Table ? batches : new arrow.Table(batches);
  return JSON.stringify(table.toArray(), (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}
