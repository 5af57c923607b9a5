// Helpers of the Delta write tests: temporary table directories, and DuckDB
// as the independent reader of the data files a snapshot lists.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { Snapshot } from '../../src/delta/snapshot.ts';
import { fromAddPath } from '../../src/delta/partition-values.ts';

const root = mkdtempSync(join(tmpdir(), 'tributary-delta-write-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));
let counter = 0;

/** A fresh, empty directory for a table (removed at exit). */
export function tempTableDir(name = 't'): string {
  return join(root, `${name}-${counter++}`);
}

let connection: Promise<DuckDBConnection> | undefined;
export function duck(): Promise<DuckDBConnection> {
  connection ??= DuckDBInstance.create().then((db) => db.connect());
  return connection;
}

/** Rows of an SQL query, as DuckDB's JSON-friendly objects. */
export async function duckRows(sql: string): Promise<Record<string, unknown>[]> {
  const reader = await (await duck()).runAndReadAll(sql);
  return reader.getRowObjectsJson() as Record<string, unknown>[];
}

const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;

/**
 * Every row of the snapshot as DuckDB reads it: read_parquet on each data
 * file the snapshot lists, plus that file's partition values from the log
 * (as strings), each row rendered as a JSON string of `columns` and sorted.
 */
export async function tableRowsViaDuckDB(dir: string, snapshot: Snapshot, columns: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const add of snapshot.files()) {
    const file = join(dir, fromAddPath(add.path));
    const partitions = Object.entries(add.partitionValues).map(([k, v]) => `${v === null ? 'NULL' : quote(v)} AS "${k}"`);
    const rows = await duckRows(`SELECT *${partitions.length ? ', ' + partitions.join(', ') : ''} FROM read_parquet(${quote(file)})`);
    for (const r of rows) out.push(JSON.stringify(columns.map((c) => normalize(r[c]))));
  }
  return out.sort();
}

/** Rows given as objects, rendered the way {@link tableRowsViaDuckDB} renders them. */
export function expectedRows(rows: Record<string, unknown>[], columns: string[]): string[] {
  return rows.map((r) => JSON.stringify(columns.map((c) => normalize(r[c])))).sort();
}

/** Values to strings (DuckDB renders bigints and decimals as strings in JSON). */
function normalize(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return String(v);
}
