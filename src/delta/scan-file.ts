// Reads one data file of a snapshot with selected columns, and says which
// physical row of the file every returned row is. Writers that change files
// (MERGE, UPDATE, DELETE) need that position: a deletion vector names rows
// by their index in the Parquet file, not by their position among the rows
// that survive an earlier deletion vector.

import * as arrow from 'apache-arrow';
import type { Add } from './actions.ts';
import type { Storage } from './storage/storage.ts';
import { readDeletionVector } from './deletion-vector.ts';
import { readFileNative } from './maintenance/native-read.ts';
import { scanSnapshot } from './scan.ts';
import type { Snapshot } from './snapshot.ts';

/** Rows of one data file, as {@link scanFileRows} returns them. */
export interface FileRows {
  /** Live rows (those not deleted by the file's deletion vector), in file order. */
  data: arrow.Table;
  /** Physical row index in the Parquet file of each row of `data` (ascending). */
  rowIndexes: Uint32Array;
  /** Rows already deleted by the file's deletion vector (ascending), empty without one. */
  deleted: Uint32Array;
  /** Rows in the Parquet file, deleted ones included. */
  physicalRows: number;
}

/**
 * Reads `add` (an active file of `snapshot`) with the given top-level columns
 * (all when omitted; partition columns come from the log), applying its
 * deletion vector, and maps every row to its physical index in the file.
 *
 * @example
 * const { data, rowIndexes } = await scanFileRows(storage, snapshot, add, ['id']);
 * // rowIndexes[i] is the index of data row i in the Parquet file
 */
export async function scanFileRows(storage: Storage, snapshot: Snapshot, add: Add, columns?: string[]): Promise<FileRows> {
  const schema = columns
    ? new arrow.Schema(columns.map((c) => snapshot.arrowSchema.fields.find((f) => f.name === c)!))
    : snapshot.arrowSchema;
  const data = (await readNative(storage, snapshot, add, schema)) ?? (await readScan(storage, snapshot, add, schema, columns));
  const deleted = add.deletionVector ? await readDeletionVector(storage, add.deletionVector) : new Uint32Array(0);
  const live = data.numRows;
  const rowIndexes = new Uint32Array(live);
  // The i-th live row is the i-th index not in the (ascending) deleted list.
  let d = 0;
  let row = 0;
  for (let i = 0; i < live; i++, row++) {
    while (d < deleted.length && deleted[d] === row) {
      d++;
      row++;
    }
    rowIndexes[i] = row;
  }
  return { data, rowIndexes, deleted, physicalRows: live + deleted.length };
}

/**
 * The columnar fast path: flat columns decoded natively straight into Arrow
 * buffers (no per-row JS values, which made GC dominate MERGE on large
 * files). Null when a column is a partition column or the file needs the
 * general reader (nested types, column mapping, widened types, missing columns).
 */
async function readNative(storage: Storage, snapshot: Snapshot, add: Add, schema: arrow.Schema): Promise<arrow.Table | null> {
  const partitions = new Set(snapshot.partitionColumns);
  if (schema.fields.some((f) => partitions.has(f.name))) return null;
  const batch = await readFileNative(storage, snapshot, add, schema);
  return batch ? new arrow.Table(schema, [batch]) : null;
}

/** The general path: the regular scan over a view of the snapshot holding just this file (column mapping, type widening, partition values). */
async function readScan(storage: Storage, snapshot: Snapshot, add: Add, schema: arrow.Schema, columns?: string[]): Promise<arrow.Table> {
  const one = Object.create(snapshot, { files: { value: () => [add] } }) as Snapshot;
  const batches: arrow.RecordBatch[] = [];
  for await (const b of scanSnapshot(storage, one, { columns })) batches.push(b);
  return new arrow.Table(schema, batches);
}
