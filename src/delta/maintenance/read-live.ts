// The live rows of one data file (deletion vector applied) as batches of
// chosen table columns, for rewriting: decoded natively where possible
// (native-read.ts), else by the JS scan, which handles every type, column
// mapping and type widening.

import * as arrow from 'apache-arrow';
import type { Add } from '../actions.ts';
import type { Storage } from '../storage/storage.ts';
import { scanSnapshot } from '../scan.ts';
import type { Snapshot } from '../snapshot.ts';
import { forEachLimit } from '../for-each-limit.ts';
import { readFileNative } from './native-read.ts';

/**
 * The live rows of `add` as batches of `schema` (table data columns, in any
 * order and subset); no batch is empty.
 */
export async function readLiveRows(storage: Storage, snapshot: Snapshot, add: Add, schema: arrow.Schema): Promise<arrow.RecordBatch[]> {
  const batch = await readFileNative(storage, snapshot, add, schema);
  if (batch) return batch.numRows > 0 ? [batch] : [];
  // A view of the snapshot holding just this file, so the regular scan applies.
  const view = Object.create(snapshot, { files: { value: () => [add] } }) as Snapshot;
  const out: arrow.RecordBatch[] = [];
  for await (const b of scanSnapshot(storage, view)) {
    if (b.numRows === 0) continue;
    const children = schema.fields.map((f) => b.getChild(f.name)!.data[0]);
    out.push(new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: b.numRows, nullCount: 0, children })));
  }
  return out;
}

/**
 * The live rows of each of `files` (see {@link readLiveRows}), per file in
 * file order, `concurrency` files read at once.
 */
export async function readLiveFiles(storage: Storage, snapshot: Snapshot, files: readonly Add[], schema: arrow.Schema, concurrency = 2): Promise<arrow.RecordBatch[][]> {
  const perFile: arrow.RecordBatch[][] = [];
  await forEachLimit(files, concurrency, async (add, i) => {
    perFile[i] = await readLiveRows(storage, snapshot, add, schema);
  });
  return perFile;
}
