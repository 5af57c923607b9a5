// Helpers of the APPLY CHANGES tests: the documented `users` change feed,
// running a flow over micro-batches, and reading the target back with DuckDB
// (read_parquet over the files the Delta log lists) as the independent reader.
import { readDeletionVector } from '../../../src/delta/deletion-vector.ts';
import * as arrow from 'apache-arrow';
import { lastValueFrom, from, toArray } from 'rxjs';
import { loadSnapshot } from '../../../src/delta/snapshot.ts';
import { LocalStorage } from '../../../src/delta/storage/local-storage.ts';
import { applyChanges, type ApplyChangesOptions, type ApplyChangesResult } from '../../../src/cdc/applyChanges/applyChanges.ts';
import { duckRows, tempTableDir } from '../../delta/write-helpers.ts';
import { fromAddPath } from '../../../src/delta/partition-values.ts';
import { join } from 'node:path';

export { tempTableDir, duckRows };

/** One row of the `users` feed of the DLT CDC documentation (§3.8 of the spec). */
export type UserEvent = [userId: number | null, name: string | null, city: string | null, operation: string, sequenceNum: number];

/** The documented feed, in arrival order. */
export const USERS: UserEvent[] = [
  [124, 'Raul', 'Oaxaca', 'INSERT', 1],
  [123, 'Isabel', 'Monterrey', 'INSERT', 1],
  [125, 'Mercedes', 'Tijuana', 'INSERT', 2],
  [126, 'Lily', 'Cancun', 'INSERT', 2],
  [123, null, null, 'DELETE', 6],
  [125, 'Mercedes', 'Guadalajara', 'UPDATE', 6],
  [125, 'Mercedes', 'Mexicali', 'UPDATE', 5],
  [123, 'Isabel', 'Chihuahua', 'UPDATE', 5],
];

/** The optional TRUNCATE row of the documented feed. */
export const USERS_TRUNCATE: UserEvent = [null, null, null, 'TRUNCATE', 3];

export const usersSchema = new arrow.Schema([
  new arrow.Field('userId', new arrow.Int32(), true),
  new arrow.Field('name', new arrow.Utf8(), true),
  new arrow.Field('city', new arrow.Utf8(), true),
  new arrow.Field('operation', new arrow.Utf8(), true),
  new arrow.Field('sequenceNum', new arrow.Int32(), true),
]);

/** A record batch of user events. */
export function usersBatch(events: readonly UserEvent[]): arrow.RecordBatch {
  return batchOf(usersSchema, events.map((e) => ({ userId: e[0], name: e[1], city: e[2], operation: e[3], sequenceNum: e[4] })));
}

/** A record batch of `schema` from row objects. */
export function batchOf(schema: arrow.Schema, rows: readonly Record<string, unknown>[]): arrow.RecordBatch {
  const children = schema.fields.map((f) => arrow.vectorFromArray(rows.map((r) => r[f.name] ?? null), f.type).data[0]);
  return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: rows.length, nullCount: 0, children }));
}

/** Options of the documented flow (SCD1 with truncates). */
export function usersOptions(extra: Partial<ApplyChangesOptions> = {}): ApplyChangesOptions {
  return {
    keys: ['userId'],
    sequenceBy: 'sequenceNum',
    applyAsDeletes: "operation = 'DELETE'",
    exceptColumnList: ['operation', 'sequenceNum'],
    ...extra,
  };
}

/** Runs one subscription of the flow over `batches`. */
export async function run(dir: string, batches: arrow.RecordBatch[], options: ApplyChangesOptions): Promise<ApplyChangesResult[]> {
  return lastValueFrom(from(batches).pipe(applyChanges(dir, options), toArray()));
}

/**
 * The target's rows as DuckDB reads the data files of its latest snapshot,
 * sorted, with `columns` in order; rows a file's deletion vector deletes are
 * left out by their Parquet row number.
 */
export async function targetRows(dir: string, columns: string[]): Promise<unknown[][]> {
  const storage = new LocalStorage(dir);
  const snapshot = await loadSnapshot(storage);
  const out: unknown[][] = [];
  for (const add of snapshot.files()) {
    const file = join(dir, fromAddPath(add.path)).replaceAll("'", "''");
    const deleted = add.deletionVector ? [...(await readDeletionVector(storage, add.deletionVector))] : [];
    const where = deleted.length > 0 ? ` WHERE file_row_number NOT IN (${deleted.join(', ')})` : '';
    const rows = await duckRows(`SELECT ${columns.map((c) => `"${c}"`).join(', ')} FROM read_parquet('${file}', file_row_number = true)${where}`);
    for (const r of rows) out.push(columns.map((c) => (r[c] === undefined ? null : r[c])));
  }
  return out.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0));
}

/** Sorted like {@link targetRows}. */
export function sorted(rows: unknown[][]): unknown[][] {
  return [...rows].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0));
}
