// bench/cdc: APPLY CHANGES (SCD1, SCD2) against delta-rs MERGE on the same
// target and change batch, each timed in its own process.
//   npm run bench -- cdc [--rows N] [--changes N] [--runs N] [--big] [--keep] [--only a,b]
// Cases: scd1-2M-cow (copy-on-write), scd1-2M-dv (deletion vectors: the
// target has delta.enableDeletionVectors=true), scd2-2M and scd2-2M-dv (Tributary only:
// delta-rs has no SCD2; its SCD1 MERGE result is the reference for the
// current rows), scd1-10M (with --big: 10M target, 1M changes, deletion
// vectors), scd1-2M-seqcol-cow (the sequence column stays in the target, so
// live keys' sequences are read from it; the others keep them in state
// files). `--only cow,dv` runs the cases whose names contain a listed part. Each tool applies the
// batch `--runs` times (default 3), alternating, each time to a fresh copy of the same prepared
// table; the median time is reported (peak RSS: the largest). Both tools' results are
// read by DuckDB (read_parquet over the files each log lists) and compared by
// row count and checksum; a mismatch fails the bench.
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import * as arrow from 'apache-arrow';
import { from, lastValueFrom, toArray } from 'rxjs';
import { DuckDBInstance } from '@duckdb/node-api';
import { applyChanges } from '../../src/cdc/applyChanges/applyChanges.ts';
import { loadSnapshot } from '../../src/delta/snapshot.ts';
import { LocalStorage } from '../../src/delta/storage/local-storage.ts';
import { fromAddPath } from '../../src/delta/partition-values.ts';
import { medianRun, report, runChild, runNodeChild, toResult, type BenchResult } from '../lib/harness.ts';
import { changeBatch, ordersSchema, targetBatches } from './workload.ts';

const here = new URL('.', import.meta.url).pathname;
const root = new URL('../..', import.meta.url).pathname;
const flag = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
};
const rows = flag('rows', 2_000_000);
const changes = flag('changes', 200_000);
const runs = Math.max(1, flag('runs', 3));
const big = process.argv.includes('--big');
const keep = process.argv.includes('--keep');
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt < 0 ? null : process.argv[onlyAt + 1].split(',');
const wanted = (name: string) => !only || only.some((o) => name.includes(o));
const python = [process.env.TRIBUTARY_BENCH_PYTHON, join(root, '.venv/interop/bin/python')].find((p) => p && existsSync(p));
if (!python || spawnSync(python, ['-c', 'import deltalake'], { encoding: 'utf8' }).status !== 0) {
  throw new Error('bench/cdc needs Python deltalake: run scripts/interop/setup.sh (or set TRIBUTARY_BENCH_PYTHON)');
}

const work = mkdtempSync(join(tmpdir(), 'tributary-bench-cdc-'));
const db = await (await DuckDBInstance.create()).connect();

/**
 * Row count and an order-independent checksum of the current rows, as DuckDB
 * reads the files the log lists — or, for tables with deletion vectors
 * (which plain read_parquet would ignore), the rows delta-rs reads.
 */
async function summary(dir: string, scd2: boolean): Promise<string> {
  const snapshot = await loadSnapshot(new LocalStorage(dir));
  let files = snapshot.files().map((a) => `'${join(dir, fromAddPath(a.path))}'`);
  if (snapshot.files().some((a) => a.deletionVector)) {
    const out = join(work, `current-${Math.random().toString(36).slice(2)}.parquet`);
    const r = spawnSync(python!, [join(here, 'current_rows.py'), dir, out], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`bench/cdc: delta-rs read of ${dir} failed: ${r.stderr}`);
    files = [`'${out}'`];
  }
  const where = scd2 ? 'WHERE __END_AT IS NULL' : '';
  const r = await db.runAndReadAll(`SELECT count(*) AS n, sum(hash(id, customer, amount, status)::HUGEINT) AS h FROM read_parquet([${files.join(', ')}]) ${where}`);
  return JSON.stringify(r.getRowObjectsJson()[0]);
}

function ipcFile(name: string, batches: arrow.RecordBatch[]): string {
  const file = join(work, name);
  writeFileSync(file, arrow.tableToIPC(new arrow.Table(ordersSchema, batches), 'file'));
  return file;
}

async function runCase(name: string, n: number, m: number, scd2: boolean, dv = false, seqInTarget = false): Promise<BenchResult[]> {
  if (!wanted(name)) return [];
  const target = targetBatches(n);
  const changesFile = ipcFile(`${name}-changes.arrow`, [changeBatch(n, m)]);
  const properties = dv ? { 'delta.enableDeletionVectors': 'true' } : undefined;
  const opts = { keys: ['id'], sequenceBy: 'seq', applyAsDeletes: "op = 'D'", exceptColumnList: seqInTarget ? ['op'] : ['op', 'seq'], storedAs: (scd2 ? 2 : 1) as 1 | 2, properties };
  const tDir = join(work, `${name}-tributary`);
  await lastValueFrom(from(target).pipe(applyChanges(tDir, opts), toArray()));
  const dDir = join(work, `${name}-deltars`);
  const targetFile = ipcFile(`${name}-target.arrow`, target);
  const setup = spawnSync(python!, [join(here, 'setup_deltars.py'), dDir, targetFile], { encoding: 'utf8' });
  if (setup.status !== 0) throw new Error(`bench/cdc: delta-rs setup failed: ${setup.stderr}`);
  // Each run changes a fresh copy of the prepared tables; the last run's tables are compared.
  const fresh = (dir: string) => {
    const copy = `${dir}-run`;
    rmSync(copy, { recursive: true, force: true });
    cpSync(dir, copy, { recursive: true });
    return copy;
  };
  const trib: ReturnType<typeof runChild>[] = [];
  const dr: ReturnType<typeof runChild>[] = [];
  // delta-rs has no SCD2: one run gives the reference rows.
  for (let r = 0; r < runs; r++) {
    trib.push(runNodeChild(join(here, 'apply-tributary.ts'), [fresh(tDir), changesFile, scd2 ? '2' : '1', seqInTarget ? 'seq' : ''], { cwd: root }));
    if (!scd2 || r === 0) dr.push(runChild(python!, [join(here, 'merge_deltars.py'), fresh(dDir), changesFile]));
  }
  const out = [toResult('tributary', name, medianRun(trib))];
  if (!scd2) out.push(toResult('delta-rs', name, medianRun(dr)));
  const a = await summary(`${tDir}-run`, scd2);
  const b = await summary(`${dDir}-run`, false);
  if (a !== b) throw new Error(`bench/cdc ${name}: results differ: tributary ${a} vs delta-rs ${b}`);
  out.forEach((r) => (r.checked = a));
  for (const r of out) console.error(`  ${name} ${r.tool}: ${JSON.stringify(r)}`);
  return out;
}

const results: BenchResult[] = [];
const label = (x: number) => (x >= 1e6 ? `${x / 1e6}M` : `${x / 1e3}k`);
try {
  results.push(...(await runCase(`scd1-${label(rows)}-cow`, rows, changes, false)));
  results.push(...(await runCase(`scd1-${label(rows)}-dv`, rows, changes, false, true)));
  results.push(...(await runCase(`scd1-${label(rows)}-seqcol-cow`, rows, changes, false, false, true)));
  results.push(...(await runCase(`scd2-${label(rows)}`, rows, changes, true)));
  results.push(...(await runCase(`scd2-${label(rows)}-dv`, rows, changes, true, true)));
  if (big) results.push(...(await runCase('scd1-10M', 10_000_000, 1_000_000, false, true)));
} finally {
  if (!keep) rmSync(work, { recursive: true, force: true });
}
report('cdc', rows, results, [
  `changes per case: ${changes} (60% update, 30% insert, 10% delete); delta-rs ${python}; median of ${runs} runs per tool (peak RSS: max)`,
  'scd1-*-dv and scd1-10M: deletion vectors (mode auto on a table with delta.enableDeletionVectors=true); delta-rs merges a copy-on-write table.',
  'scd2: delta-rs has no SCD2; its SCD1 MERGE result must equal the current (__END_AT IS NULL) rows.',
]);
