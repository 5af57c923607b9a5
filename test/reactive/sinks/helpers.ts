// Helpers of the streaming sink/source tests: temporary tables, id batches,
// and independent checks of what a table holds (DuckDB over the snapshot's
// Parquet files, and Tributary's own scan).
import * as arrow from 'apache-arrow';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSnapshot } from '../../../src/delta/snapshot.ts';
import { readTable } from '../../../src/delta/scan.ts';
import { LocalStorage } from '../../../src/delta/storage/local-storage.ts';
import { fromAddPath } from '../../../src/delta/partition-values.ts';
import { query } from '../support/duckdb.ts';

/** A fresh directory for a table; `cleanup()` removes it. */
export function tempDir(prefix = 'tributary-sink-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** One RecordBatch of named columns. */
export function batchOf(columns: Record<string, arrow.Vector>): arrow.RecordBatch {
  return new arrow.Table(columns).batches[0]!;
}

/** A batch with int64 `id` = from..from+n-1 and a utf8 `name`. */
export function rows(from: number, n: number): arrow.RecordBatch {
  const ids = Array.from({ length: n }, (_, i) => BigInt(from + i));
  return batchOf({
    id: arrow.vectorFromArray(ids, new arrow.Int64()),
    name: arrow.vectorFromArray(ids.map((i) => `n${i}`), new arrow.Utf8()),
  });
}

/** Absolute paths of the data files of the table's latest snapshot. */
export async function dataFiles(dir: string): Promise<string[]> {
  const snap = await loadSnapshot(new LocalStorage(dir));
  return snap.files().map((f) => join(dir, fromAddPath(f.path)));
}

/** What DuckDB finds in the latest snapshot's files: count(*), count(distinct id), min(id), max(id). */
export async function duckIdStats(dir: string): Promise<{ count: number; distinct: number; min: number; max: number }> {
  const files = await dataFiles(dir);
  const list = files.map((f) => `'${f.replaceAll("'", "''")}'`).join(', ');
  const [[count, distinct, min, max]] = (await query(
    `SELECT count(*)::INT, count(DISTINCT id)::INT, min(id)::INT, max(id)::INT FROM read_parquet([${list}], union_by_name = true)`,
  )) as [[number, number, number, number]];
  return { count, distinct, min, max };
}

/** The same statistics through Tributary's scan of the latest version. */
export async function scanIdStats(dir: string): Promise<{ count: number; distinct: number; min: number; max: number }> {
  const t = await readTable(new LocalStorage(dir), { columns: ['id'] });
  const ids = Array.from(t.getChild('id')!.toArray() as BigInt64Array, Number);
  let min = Infinity;
  let max = -Infinity;
  for (const id of ids) {
    if (id < min) min = id;
    if (id > max) max = id;
  }
  return { count: ids.length, distinct: new Set(ids).size, min, max };
}
