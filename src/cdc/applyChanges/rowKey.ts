// Row identity for APPLY CHANGES: the key columns' values as one JavaScript
// value a Map can hash. Unlike a MERGE join, NULL is an ordinary key value
// (DLT inserts a NULL-key row and later NULL-key events update it).
import type * as arrow from 'apache-arrow';
import { contiguous, keyReader, type KeyValue } from '../merge/keys.ts';

/** A hashable row key: the value itself for one column, tagged text for several; null is the NULL key. */
export type RowKey = KeyValue | null;

/**
 * The key of every row of `batch` over the columns `keys`.
 * @example rowKeys(batch, ['id']) // [1, 2, null]
 */
export function rowKeys(batch: arrow.RecordBatch, keys: readonly string[]): RowKey[] {
  const readers = keys.map((k) => {
    const i = batch.schema.fields.findIndex((f) => f.name === k);
    if (i < 0) throw new Error(`key column '${k}' is missing (columns: ${batch.schema.fields.map((f) => f.name).join(', ')})`);
    return keyReader(contiguous(batch.data.children[i]));
  });
  const n = batch.numRows;
  const out = new Array<RowKey>(n);
  if (readers.length === 1) {
    const r = readers[0];
    for (let i = 0; i < n; i++) out[i] = r(i);
    return out;
  }
  for (let i = 0; i < n; i++) {
    let s = '';
    for (const r of readers) {
      const v = r(i);
      // Tagged and length-prefixed: no two different tuples share a text.
      if (v === null) s += 'n;';
      else {
        const t = String(v);
        s += `${typeof v === 'string' ? 's' : 'v'}${t.length}:${t}`;
      }
    }
    out[i] = s;
  }
  return out;
}

/** Text of a key for messages. */
export function keyText(keys: readonly string[], key: RowKey): string {
  if (keys.length === 1) return `${keys[0]}=${key === null ? 'NULL' : typeof key === 'string' ? `'${key}'` : String(key)}`;
  return `(${keys.join(', ')})=${String(key)}`;
}

/** Text of the key of row `row` of `batch`, for messages. */
export function keyTextAt(batch: arrow.RecordBatch, keys: readonly string[], row: number): string {
  return keyText(keys, rowKeys(batch.slice(row, row + 1), keys)[0]);
}
