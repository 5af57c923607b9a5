// Building output rows by gathering values from a pool of rows: each output
// column has its own row indexes (so one output row can combine an event's
// values with the target's current ones), and -1 gathers NULL.
import * as arrow from 'apache-arrow';
import { concatData } from '../../reactive/batch/concatBatches.ts';
import { gatherData } from '../../reactive/expression/filter-batch.ts';
import { alignToSchema } from '../../delta/operations/align.ts';
import { contiguous } from '../merge/keys.ts';
import { takeColumn } from '../../delta/maintenance/gather.ts';
import { takesNatively } from '../../delta/operations/take.ts';

/** Rows `idx` of `data` (offset 0), natively when the column is flat and the rows many. */
function take(data: arrow.Data, idx: Int32Array): arrow.Data {
  return takesNatively(data, idx.length) ? takeColumn(data, new Uint32Array(idx.buffer, idx.byteOffset, idx.length)) : gatherData(data, idx);
}

/** Rows `idx` of `data`; -1 gives NULL. */
export function gatherNullable(data: arrow.Data, idx: Int32Array): arrow.Data {
  let nulls = 0;
  for (let k = 0; k < idx.length; k++) if (idx[k] < 0) nulls++;
  const src = contiguous(data);
  if (nulls === 0) return take(src, idx);
  if (src.length === 0) return arrow.vectorFromArray(new Array(idx.length).fill(null), src.type).data[0] as arrow.Data;
  const safe = idx.map((i) => (i < 0 ? 0 : i));
  const g = take(src, safe);
  const bitmap = new Uint8Array(((idx.length + 63) & ~63) >> 3);
  let nullCount = 0;
  for (let k = 0; k < idx.length; k++) {
    if (idx[k] >= 0 && (g.nullCount === 0 || g.getValid(k))) bitmap[k >> 3] |= 1 << (k & 7);
    else nullCount++;
  }
  return g.clone(g.type, 0, g.length, nullCount, [g.valueOffsets, g.values, bitmap, g.typeIds] as never, g.children);
}

/** One contiguous batch of `schema` from several (empty when none). */
export function concatAs(schema: arrow.Schema, batches: readonly arrow.RecordBatch[]): arrow.RecordBatch {
  const type = new arrow.Struct(schema.fields);
  const parts = batches.filter((b) => b.numRows > 0).map((b) => b.data);
  if (parts.length === 0) return emptyBatch(schema);
  const data = parts.length === 1 ? contiguous(parts[0]) : concatData(type, parts);
  return new arrow.RecordBatch(schema, arrow.makeData({ type, length: data.length, nullCount: 0, children: data.children }));
}

/** A batch of `schema` with no rows. */
export function emptyBatch(schema: arrow.Schema): arrow.RecordBatch {
  const children = schema.fields.map((f) => arrow.vectorFromArray([], f.type).data[0] as arrow.Data);
  return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: 0, nullCount: 0, children }));
}

/** `batch` converted to `schema` (column order and types, e.g. ms → µs timestamps) as one contiguous batch. */
export function alignBatch(batch: arrow.RecordBatch, schema: arrow.Schema, table: string): arrow.RecordBatch {
  const { data } = alignToSchema(new arrow.Table(batch.schema, [batch]), schema, { table });
  return concatAs(schema, data.batches);
}

/**
 * Output rows of `schema`: column c gathered from `pool` column c at `cols[c]`
 * (`pool` has `schema`'s first columns in order), and extra columns given as Data.
 */
export function assembleRows(schema: arrow.Schema, pool: arrow.RecordBatch, cols: readonly Int32Array[], extra: readonly arrow.Data[], length: number): arrow.RecordBatch {
  const children = cols.map((idx, c) => gatherNullable(pool.data.children[c], idx));
  const all = [...children, ...extra];
  return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length, nullCount: 0, children: all }));
}
