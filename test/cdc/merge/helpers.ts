// Helpers of the MERGE tests: random target tables and sources (as plain rows
// and Arrow), DuckDB as the oracle (MERGE INTO on the same rows) and as the
// independent reader of the data files a snapshot lists (deletion vectors
// applied by row number), plus Python deltalake when TRIBUTARY_PYTHON is set.

import * as arrow from 'apache-arrow';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { DeltaTable } from '../../../src/delta/table.ts';
import { loadSnapshot, type Snapshot } from '../../../src/delta/snapshot.ts';
import { LocalStorage } from '../../../src/delta/storage/local-storage.ts';
import { readDeletionVector } from '../../../src/delta/deletion-vector.ts';
import { fromAddPath } from '../../../src/delta/partition-values.ts';

const root = mkdtempSync(join(tmpdir(), 'tributary-merge-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));
let counter = 0;

/** A fresh directory for a table (removed at exit). */
export function tempDir(name = 't'): string {
  return join(root, `${name}-${counter++}`);
}

/** A row of the test tables. */
export interface Row {
  id: number;
  part: string;
  v: number | null;
  s: string | null;
  amt: number;
}

/** A source row: a target row plus the operation. */
export interface SourceRow extends Row {
  op: 'U' | 'D' | 'I';
}

export const COLUMNS = ['id', 'part', 'v', 's', 'amt'] as const;

export const targetSchema = new arrow.Schema([
  new arrow.Field('id', new arrow.Int64(), false),
  new arrow.Field('part', new arrow.Utf8(), true),
  new arrow.Field('v', new arrow.Int32(), true),
  new arrow.Field('s', new arrow.Utf8(), true),
  new arrow.Field('amt', new arrow.Float64(), true),
]);

/** Deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PARTS = ['a', 'b', 'c'];

export function randomRow(r: () => number, id: number): Row {
  return {
    id,
    part: PARTS[Math.floor(r() * PARTS.length)],
    v: r() < 0.1 ? null : Math.floor(r() * 200) - 50,
    s: r() < 0.1 ? null : `s${Math.floor(r() * 1000)}`,
    amt: Math.round(r() * 10000) / 4,
  };
}

/** Arrow table of rows (plus an `op` column for source rows). */
export function toArrow(rows: readonly (Row | SourceRow)[], withOp = false): arrow.Table {
  const fields = [...targetSchema.fields.map((f) => new arrow.Field(f.name, f.type, true))];
  if (withOp) fields.push(new arrow.Field('op', new arrow.Utf8(), true));
  const schema = new arrow.Schema(fields);
  const cols = [
    arrow.vectorFromArray(rows.map((x) => BigInt(x.id)), new arrow.Int64()),
    arrow.vectorFromArray(rows.map((x) => x.part), new arrow.Utf8()),
    arrow.vectorFromArray(rows.map((x) => x.v), new arrow.Int32()),
    arrow.vectorFromArray(rows.map((x) => x.s), new arrow.Utf8()),
    arrow.vectorFromArray(rows.map((x) => x.amt), new arrow.Float64()),
  ];
  if (withOp) cols.push(arrow.vectorFromArray(rows.map((x) => (x as SourceRow).op), new arrow.Utf8()));
  const data = arrow.makeData({ type: new arrow.Struct(fields), length: rows.length, nullCount: 0, children: cols.map((c) => c.data[0]) });
  return new arrow.Table([new arrow.RecordBatch(schema, data)]);
}

export interface TableSpec {
  partitioned?: boolean;
  properties?: Record<string, string>;
  /** Number of appends (files per partition). */
  appends?: number;
  rows?: number;
  seed?: number;
  /** Give each append a disjoint id range (so min/max statistics can prune). */
  rangeByAppend?: boolean;
}

/** Creates a table of random rows written in several appends; returns it and its rows. */
export async function randomTable(dir: string, spec: TableSpec = {}): Promise<{ table: DeltaTable; rows: Row[] }> {
  const r = rng(spec.seed ?? 1);
  const appends = spec.appends ?? 4;
  const n = spec.rows ?? 800;
  const table = await DeltaTable.create(dir, {
    schema: targetSchema,
    partitionBy: spec.partitioned ? ['part'] : [],
    properties: spec.properties,
  });
  const rows: Row[] = [];
  const ids = Array.from({ length: n }, (_, i) => i * 2);
  if (!spec.rangeByAppend) shuffle(ids, r);
  const per = Math.ceil(n / appends);
  for (let a = 0; a < appends; a++) {
    const chunk = ids.slice(a * per, (a + 1) * per).map((id) => randomRow(r, id));
    rows.push(...chunk);
    await table.append(toArrow(chunk));
  }
  return { table, rows };
}

/** A source of unique ids: some existing (updates/deletes), some new (inserts). */
export function randomSource(target: readonly Row[], seed: number, size = 150, idRange?: [number, number]): SourceRow[] {
  const r = rng(seed);
  const existing = target.map((x) => x.id).filter((id) => !idRange || (id >= idRange[0] && id < idRange[1]));
  const used = new Set<number>();
  const out: SourceRow[] = [];
  while (out.length < size) {
    const pickExisting = r() < 0.7 && existing.length > 0;
    const id = pickExisting ? existing[Math.floor(r() * existing.length)] : 1 + 2 * Math.floor(r() * (idRange ? (idRange[1] - idRange[0]) / 2 : target.length)) + (idRange ? idRange[0] : 0);
    if (used.has(id)) continue;
    used.add(id);
    const base = randomRow(r, id);
    const old = target.find((x) => x.id === id);
    // Mostly keep the row's partition, so partition-qualified joins match.
    if (old && r() < 0.85) base.part = old.part;
    const op = !old ? 'I' : r() < 0.3 ? 'D' : 'U';
    out.push({ ...base, op });
  }
  return out;
}

function shuffle<T>(a: T[], r: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
}

let connection: Promise<DuckDBConnection> | undefined;
/** A shared in-memory DuckDB connection. */
export function duck(): Promise<DuckDBConnection> {
  connection ??= DuckDBInstance.create(':memory:').then((db) => db.connect());
  return connection;
}

const lit = (v: unknown): string => (v === null || v === undefined ? 'NULL' : typeof v === 'string' ? `'${v.replaceAll("'", "''")}'` : String(v));

const loaded = new WeakMap<readonly (Row | SourceRow)[], string>();
let cacheId = 0;

/** Loads rows into a DuckDB table `name` with the test schema (plus `op` for sources). */
export async function loadDuck(name: string, rows: readonly (Row | SourceRow)[], withOp = false): Promise<void> {
  const c = await duck();
  // The same rows again (a base table merged by several tests): copy the table loaded the first time.
  const cached = loaded.get(rows);
  if (cached) {
    await c.run(`DROP TABLE IF EXISTS ${name}; CREATE TABLE ${name} AS SELECT * FROM ${cached}`);
    return;
  }
  if (rows.length >= 100) {
    const keep = `cache_${cacheId++}`;
    await insertRows(keep, rows, withOp);
    loaded.set(rows, keep);
    return loadDuck(name, rows, withOp);
  }
  await insertRows(name, rows, withOp);
}

async function insertRows(name: string, rows: readonly (Row | SourceRow)[], withOp: boolean): Promise<void> {
  const c = await duck();
  const opCol = withOp ? ', op VARCHAR' : '';
  await c.run(`DROP TABLE IF EXISTS ${name}; CREATE TABLE ${name} (id BIGINT, part VARCHAR, v INTEGER, s VARCHAR, amt DOUBLE${opCol})`);
  for (let i = 0; i < rows.length; i += 500) {
    const values = rows
      .slice(i, i + 500)
      .map((x) => `(${[x.id, x.part, x.v, x.s, x.amt, ...(withOp ? [(x as SourceRow).op] : [])].map(lit).join(', ')})`)
      .join(', ');
    await c.run(`INSERT INTO ${name} VALUES ${values}`);
  }
}

/** Rows of a DuckDB query as sorted canonical strings. */
export async function duckCanonical(sql: string, columns: readonly string[] = COLUMNS): Promise<string[]> {
  const rows = (await (await duck()).runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  return rows.map((r) => canonical(columns.map((c) => r[c]))).sort();
}

/** Runs the oracle: DuckDB's MERGE INTO on copies of the rows; returns the resulting rows. */
export async function oracleMerge(target: readonly Row[], source: readonly SourceRow[], mergeSql: string): Promise<string[]> {
  await loadDuck('tgt', target);
  await loadDuck('src', source, true);
  await (await duck()).run(mergeSql);
  return duckCanonical('SELECT * FROM tgt');
}

/** One row as a canonical string (numbers and bigints as decimal text). */
export function canonical(values: readonly unknown[]): string {
  return JSON.stringify(values.map((v) => (v === null || v === undefined ? null : typeof v === 'number' || typeof v === 'bigint' ? String(Number(v)) : String(v))));
}

/** The table's rows as this project reads them, canonical and sorted. */
export async function ourRows(table: DeltaTable, columns: readonly string[] = COLUMNS): Promise<string[]> {
  await table.refresh();
  const t = await table.toArrow();
  return t.toArray().map((r) => canonical(columns.map((c) => (r as Record<string, unknown>)[c]))).sort();
}

/**
 * The table's live rows as DuckDB reads the data files of its latest
 * snapshot: read_parquet with file row numbers, rows in the file's deletion
 * vector left out, partition values from the log.
 */
export async function duckTableRows(dir: string, columns: readonly string[] = COLUMNS): Promise<string[]> {
  const storage = new LocalStorage(dir);
  const snapshot: Snapshot = await loadSnapshot(storage);
  const out: string[] = [];
  for (const add of snapshot.files()) {
    const file = join(dir, fromAddPath(add.path));
    const partitions = Object.entries(add.partitionValues).map(([k, v]) => `${lit(v)} AS "${k}"`);
    const deleted = add.deletionVector ? [...(await readDeletionVector(storage, add.deletionVector))] : [];
    const where = deleted.length > 0 ? ` WHERE file_row_number NOT IN (${deleted.join(', ')})` : '';
    const sql = `SELECT *${partitions.length ? ', ' + partitions.join(', ') : ''} FROM read_parquet(${lit(file)}, file_row_number = true)${where}`;
    const rows = (await (await duck()).runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
    for (const r of rows) out.push(canonical(columns.map((c) => r[c])));
  }
  return out.sort();
}

/** Every file under a directory (relative paths), to prove a failed merge left nothing behind. */
export function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[]).map(String).filter((p) => !p.endsWith('/')).map((p) => relative(dir, join(dir, p))).sort();
}

/** The Python with deltalake named by TRIBUTARY_PYTHON (or the interop venv's), or null. */
export function deltalakePython(): string | null {
  const candidates = [process.env.TRIBUTARY_PYTHON, join(process.cwd(), '.venv/interop/bin/python')].filter((p): p is string => !!p);
  for (const p of candidates) {
    if (!existsSync(p)) continue;
    const r = spawnSync(p, ['-c', 'import deltalake'], { encoding: 'utf8' });
    if (r.status === 0) return p;
  }
  return null;
}

/** Runs Python code with deltalake; returns its stdout parsed as JSON. */
export function runPython(python: string, code: string, args: string[]): unknown {
  const r = spawnSync(python, ['-c', code, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** The table's rows as Python deltalake (delta-rs, DataFusion) reads them, canonical and sorted. */
export function deltalakeRows(python: string, dir: string, columns: readonly string[] = COLUMNS): string[] {
  const code = `
import sys, json
import pyarrow as pa
from deltalake import DeltaTable, QueryBuilder
dt = DeltaTable(sys.argv[1])
t = pa.RecordBatchReader.from_stream(QueryBuilder().register("t", dt).execute("SELECT * FROM t")).read_all()
print(json.dumps(t.to_pylist(), default=str))
`;
  const rows = runPython(python, code, [dir]) as Record<string, unknown>[];
  return rows.map((r) => canonical(columns.map((c) => r[c]))).sort();
}
