// bench/ingest: landing the orders workload in a Delta table with two
// drop-expectations (amount >= 0, customer_id > 0; exactly 1% of rows break
// one), Tributary against delta-rs and a pure-JS baseline.
//   npm run bench -- ingest [--rows N] [--stream-rows N] [--reps R] [--commit-rows N]
//                           [--stream-commit-rows N] [--stream-batch-rows N] [--cases a,b] [--keep]
// Cases, each tool×case in its own process (so peak RSS is per process):
//   arrow-2M     Arrow record batches (65,536 rows each, loaded untimed from an
//                IPC file): tributary fromBatches → expectAllOrDrop → microBatch
//                → toDelta; delta-rs = pyarrow.compute filter + write_deltalake.
//   objects-2M   plain JS objects (generated untimed into an array): tributary
//                fromRows with the typed schema → same pipeline; js = Array.filter
//                + tableFromJSON + hyparquet-writer + a hand-written Delta commit.
//   objects-10M  a generator of 10M objects pulled through fromRows under
//                backpressure (generation inside the timed run), the same
//                pipeline; also run with 2M rows (objects-stream-2M) to show
//                peak RSS does not grow with the row count.
// Times run from the first row pulled to the last commit (median of R runs for
// the 2M cases). Every table is then read back (untimed) by DuckDB (over the
// files of the snapshot Tributary's log replay lists) and by delta-rs, and must
// hold exactly the generated rows minus the violators, with no violating row,
// and the same aggregates as every other table of the same rows.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { DeltaTable } from '../../src/delta/index.ts';
import { positiveIntFlag } from '../lib/flags.ts';
import { DELTALAKE_VERSION, findDeltalakePython } from '../lib/deltalake-python.ts';
import { report, round, runChild, runNodeChild, toResult, type BenchResult, type ChildReport } from '../lib/harness.ts';
import { arrowByteLength } from '../lib/orders.ts';
import { expectedOf, inBatches, ordersTable, writeIpcFile, type Expected } from './workload.ts';

const here = new URL('.', import.meta.url).pathname;
const root = new URL('../..', import.meta.url).pathname;
const IPC_BATCH_ROWS = 65_536;
const ALL_CASES = ['arrow-2M', 'objects-2M', 'objects-10M'] as const;

const flag = (name: string, fallback: number): number => positiveIntFlag('bench/ingest', name, fallback);
const rows = flag('rows', 2_000_000);
const streamRows = flag('stream-rows', 10_000_000);
const reps = flag('reps', 3);
const commitRows = flag('commit-rows', 1_000_000);
const streamCommitRows = flag('stream-commit-rows', 250_000);
// Smaller source batches for the stream: fewer live row objects get promoted out of V8's young generation.
const streamBatchRows = flag('stream-batch-rows', 16_384);
const casesArg = process.argv.indexOf('--cases');
const cases = casesArg < 0 ? [...ALL_CASES] : process.argv[casesArg + 1]!.split(',');
for (const c of cases) if (!(ALL_CASES as readonly string[]).includes(c)) throw new Error(`bench/ingest: unknown case ${c} (one of ${ALL_CASES.join(', ')})`);
const keep = process.argv.includes('--keep');
const log = (msg: string) => process.stderr.write(`bench/ingest: ${msg}\n`);


/** Aggregates of a landed table; every reader must produce exactly these for the same rows. */
interface TableSummary {
  version: number;
  files: number;
  rows: number;
  sumId: number;
  minId: number;
  maxId: number;
  sumCustomer: number;
  sumCents: number;
  minTs: number;
  maxTs: number;
  notes: number;
  statusBytes: number;
  countryBytes: number;
  noteBytes: number;
  violating: number;
}

const sqlString = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/** Reads a table with DuckDB over the data files Tributary's snapshot lists. */
async function duckSummary(conn: DuckDBConnection, path: string): Promise<TableSummary> {
  const table = await DeltaTable.open(path);
  const files = table.files().map((a) => sqlString(join(path, decodeURIComponent(a.path))));
  const [r] = (
    await conn.runAndReadAll(`SELECT count(*), sum(id), min(id), max(id), sum(customer_id), sum(round(amount * 100)::BIGINT),
      min(epoch_us(ts)), max(epoch_us(ts)), count(note), sum(strlen(status)), sum(strlen(country)), coalesce(sum(strlen(note)), 0),
      count(*) FILTER (WHERE amount < 0 OR customer_id <= 0)
      FROM read_parquet([${files.join(',')}])`)
  ).getRows();
  const n = r!.map((v) => Number(v));
  return {
    version: table.version(),
    files: files.length,
    rows: n[0]!,
    sumId: n[1]!,
    minId: n[2]!,
    maxId: n[3]!,
    sumCustomer: n[4]!,
    sumCents: n[5]!,
    minTs: n[6]!,
    maxTs: n[7]!,
    notes: n[8]!,
    statusBytes: n[9]!,
    countryBytes: n[10]!,
    noteBytes: n[11]!,
    violating: n[12]!,
  };
}

/** Throws unless `got` equals `want` on every field `want` has. */
function assertSame(label: string, got: Partial<TableSummary>, want: Partial<TableSummary>): void {
  for (const [k, v] of Object.entries(want)) {
    const g = got[k as keyof TableSummary];
    if (g !== v) throw new Error(`bench/ingest: ${label}: ${k} is ${g}, expected ${v}`);
  }
}

/** Counts the violating rows of the Arrow input directly (plain loops, no expression engine). */
function countViolators(ipcPath: string): number {
  const t = tableFromIPC(readFileSync(ipcPath));
  let bad = 0;
  for (const b of t.batches) {
    const amount = b.getChild('amount')!.toArray() as Float64Array;
    const customer = b.getChild('customer_id')!.toArray() as Int32Array;
    for (let i = 0; i < b.numRows; i++) if (!(amount[i]! >= 0 && customer[i]! > 0)) bad++;
  }
  return bad;
}

const dataMB = (table: string) =>
  round(
    readdirSync(table)
      .filter((f) => f.endsWith('.parquet'))
      .reduce((s, f) => s + statSync(join(table, f)).size, 0) / 1e6,
    1,
  );

const lowerMedianBy = <T>(xs: T[], key: (x: T) => number): T => [...xs].sort((a, b) => key(a) - key(b))[Math.floor((xs.length - 1) / 2)]!;

interface Run {
  tool: BenchResult['tool'];
  case: string;
  /** Runs the child once into `table` and returns its report. */
  child: (table: string) => ChildReport & { peakRssMB: number };
  expected: Expected;
  reps: number;
  /** Arrow bytes of the input rows (for MB/s), when comparable. */
  bytes?: number;
  /** Tables holding the same rows share a group; their summaries must be equal. */
  group: string;
}

const { python, pyarrow } = findDeltalakePython('bench/ingest');
const dir = mkdtempSync(join(tmpdir(), 'tributary-bench-ingest-'));
const results: BenchResult[] = [];
const notes: string[] = [];
try {
  // Input: one IPC file of the 2M-row Arrow table; objects are generated by each child from the same generator.
  const ipcPath = join(dir, 'orders.arrow');
  const arrowTable = ordersTable(rows);
  const bytes = arrowByteLength(arrowTable);
  writeIpcFile(ipcPath, inBatches(arrowTable, IPC_BATCH_ROWS));
  const want = expectedOf(rows);
  const violators = countViolators(ipcPath);
  if (violators !== want.violators) throw new Error(`bench/ingest: the Arrow input has ${violators} violating rows, the generator marked ${want.violators}`);
  log(`input: ${rows} rows, ${want.violators} violating (${round((100 * want.violators) / rows, 3)}%), ${round(bytes / 1e6, 1)} MB of Arrow buffers`);

  const ts = (file: string, args: string[]) => runNodeChild(join(here, file), args, { cwd: root });
  const runs: Run[] = [];
  const label = (n: number) => (n % 1_000_000 === 0 ? `${n / 1_000_000}M` : String(n));
  if (cases.includes('arrow-2M')) {
    const c = `arrow-${label(rows)}`;
    runs.push({ tool: 'tributary', case: c, child: (t) => ts('ingest-tributary.ts', ['arrow', t, ipcPath, String(commitRows), String(IPC_BATCH_ROWS)]), expected: want, reps, bytes, group: 'main' });
    runs.push({ tool: 'delta-rs', case: c, child: (t) => runChild(python, [join(here, 'ingest_deltars.py'), ipcPath, t], { cwd: root }), expected: want, reps, bytes, group: 'main' });
  }
  if (cases.includes('objects-2M')) {
    const c = `objects-${label(rows)}`;
    runs.push({ tool: 'tributary', case: c, child: (t) => ts('ingest-tributary.ts', ['objects', t, String(rows), String(commitRows), String(IPC_BATCH_ROWS)]), expected: want, reps, bytes, group: 'main' });
    runs.push({ tool: 'js', case: c, child: (t) => ts('ingest-js.ts', [t, String(rows)]), expected: want, reps, bytes, group: 'main' });
  }
  if (cases.includes('objects-10M')) {
    const stream = (n: number) => (t: string) => ts('ingest-tributary.ts', ['stream', t, String(n), String(streamCommitRows), String(streamBatchRows)]);
    runs.push({ tool: 'tributary', case: `objects-stream-${label(rows)}`, child: stream(rows), expected: want, reps: 1, group: 'main' });
    runs.push({ tool: 'tributary', case: `objects-${label(streamRows)}`, child: stream(streamRows), expected: expectedOf(streamRows), reps: 1, group: 'stream' });
  }

  // Alternate the order of the tools across repetitions so that load drift hits both.
  const reports = new Map<Run, (ChildReport & { peakRssMB: number })[]>(runs.map((r) => [r, []]));
  const tableOf = (r: Run) => join(dir, `${r.tool}-${r.case}`);
  const maxReps = Math.max(...runs.map((r) => r.reps));
  for (let rep = 0; rep < maxReps; rep++) {
    for (const r of rep % 2 === 0 ? runs : [...runs].reverse()) {
      if (rep >= r.reps) continue;
      log(`${r.tool} ${r.case} run ${rep + 1}/${r.reps} ...`);
      rmSync(tableOf(r), { recursive: true, force: true });
      const rep0 = r.child(tableOf(r));
      if (rep0.landed !== r.expected.rows || rep0.dropped !== r.expected.violators) {
        throw new Error(`bench/ingest: ${r.tool} ${r.case} landed ${rep0.landed} rows and dropped ${rep0.dropped}, expected ${r.expected.rows} and ${r.expected.violators}`);
      }
      reports.get(r)!.push(rep0);
    }
  }

  // Correctness (untimed): every table (the last run's) read back by DuckDB and delta-rs.
  log('reading every table back with DuckDB and delta-rs ...');
  const duck = await DuckDBInstance.create(':memory:', { threads: String(availableParallelism()) });
  const conn = await duck.connect();
  const viaDeltaRs = runChild(python, [join(here, 'verify_deltars.py'), ...runs.map(tableOf)], { cwd: root }).tables as TableSummary[];
  const byGroup = new Map<string, { label: string; summary: Partial<TableSummary> }>();
  for (const [i, r] of runs.entries()) {
    const name = `${r.tool} ${r.case}`;
    const viaDuck = await duckSummary(conn, tableOf(r));
    const last = reports.get(r)!.at(-1)!;
    const exact = { rows: r.expected.rows, sumId: r.expected.sumId, violating: 0, version: Number(last.version), files: Number(last.files) };
    assertSame(`${name} read by DuckDB`, viaDuck, exact);
    assertSame(`${name} read by delta-rs`, viaDeltaRs[i]!, viaDuck);
    const { version: _v, files: _f, ...data } = viaDuck;
    const seen = byGroup.get(r.group);
    if (seen) assertSame(`${name} against ${seen.label}`, data, seen.summary);
    else byGroup.set(r.group, { label: name, summary: data });
  }
  conn.closeSync();

  for (const r of runs) {
    const all = reports.get(r)!;
    const med = lowerMedianBy(all, (x) => x.seconds);
    const { landed: _l, dropped: _d, failed: _f, ...rest } = med;
    const result = toResult(r.tool, r.case, { ...rest, bytes: r.bytes });
    result.dataMB = dataMB(tableOf(r));
    if (all.length > 1) result.runs = all.map((x) => round(x.seconds, 2)).join('/');
    results.push(result);
  }

  const ratio = (c: string, a: string, b: string) => {
    const x = results.find((r) => r.tool === a && r.case === c);
    const y = results.find((r) => r.tool === b && r.case === c);
    if (!x || !y) return undefined;
    return `${c}: ${a} ${round(y.seconds / x.seconds, 2)}x the speed of ${b} (wall clock), ${round(Number(y.cpuSeconds) / Number(x.cpuSeconds), 2)}x by CPU seconds`;
  };
  for (const n of [ratio(`arrow-${label(rows)}`, 'tributary', 'delta-rs'), ratio(`objects-${label(rows)}`, 'tributary', 'js')]) if (n) notes.push(n);
  notes.push(
    `workload: ${rows} orders rows (bench/parquet's seeded generator), exactly 1 row per 100 broken (${want.violators} rows: half amount < 0, half customer_id = 0), ` +
      `dropped by expectAllOrDrop({ non_negative_amount: 'amount >= 0', known_customer: 'customer_id > 0' }); ${want.rows} rows land.`,
  );
  notes.push(
    `tributary: source → expectAllOrDrop → microBatch(maxRows ${commitRows}; streaming: fromRows batches of ${streamBatchRows}, maxRows ${streamCommitRows}; output 'table': chunks, not copied) → toDelta with backpressure (highWaterMark 2), ` +
      `Snappy Parquet from the native writer on ${availableParallelism()} threads, min/max/null stats; version 0 = table creation from the first batch.`,
  );
  notes.push(
    `delta-rs: deltalake ${DELTALAKE_VERSION}, pyarrow ${pyarrow} (${python}); js: Array.filter + apache-arrow tableFromJSON + hyparquet-writer (Snappy, ` +
      `parquet statistics) + a hand-written Delta commit (numRecords stats only). MBps = Arrow bytes of the ${rows} input rows / seconds.`,
  );
  notes.push(
    `timed: first row pulled → last commit done; arrow input loaded and objects generated before the clock (objects-stream-*/objects-${label(streamRows)}: generated inside it). ` +
      `2M cases: median of ${reps} runs, tools alternating. cpuSeconds = user+system of the whole process (all threads) during the timed part; steadier than wall clock on a busy machine. ` +
      `rssAt2MRowsMB/rssEndMB = RSS after the commit reaching 2M rows / after the last commit.`,
  );
  notes.push(
    `verified: every table read back by DuckDB (read_parquet over the snapshot's files) and delta-rs: ${want.rows} rows (${expectedOf(streamRows).rows} for ${label(streamRows)}), ` +
      `sum(id) from the generator, no violating row, and identical aggregates (ids, customer ids, amount in cents, ts range, string bytes, non-null notes) across all tables of the same rows.`,
  );
  notes.push(`machine: ${availableParallelism()} cores, 1-minute load average ${loadavg()[0].toFixed(1)} at the end; Node ${process.versions.node}.`);
} finally {
  if (!keep) rmSync(dir, { recursive: true, force: true });
  else notes.push(`kept inputs and tables in ${dir}`);
}
report('ingest', rows, results, notes);
