// bench/delta: Tributary's Delta log (src/delta) against delta-rs (Python
// deltalake 1.6.6), side by side on the same data and machine.
//   npm run bench -- delta [--commits N] [--rows-per-commit N] [--open-commits N]
//                          [--open-rows N] [--opens N] [--reps R] [--keep]
// Cases, each tool×case in its own process (so peak RSS is per process):
//   commit       N appends of `rows-per-commit` orders rows to a fresh table
//                (default 100 × 10k), all appends timed together (median of R runs);
//   commit-small the 1,000 appends of 10 rows that build the `open` tables;
//   open         open the latest snapshot of a 1,000-commit table and list its
//                files, averaged over `opens` opens after a first one;
//   open-cold    that first open in a fresh process.
// Both tools use delta.checkpointInterval = 10 and write Snappy Parquet with
// column statistics. Every table is read back (untimed) by both tools and
// checked against aggregates of the input; a mismatch fails the bench.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { positiveIntFlag } from '../lib/flags.ts';
import { DELTALAKE_VERSION, findDeltalakePython } from '../lib/deltalake-python.ts';
import { report, round, runChild, runNodeChild, type BenchResult, type ChildReport } from '../lib/harness.ts';
import { assertSummary, expectedOf, type Expected, type TableSummary } from './expected.ts';
import { commitBatches, writeIpcFile } from './workload.ts';

const here = new URL('.', import.meta.url).pathname;
const root = new URL('../..', import.meta.url).pathname;
const TOOLS = ['tributary', 'delta-rs'] as const;
type Tool = (typeof TOOLS)[number];

const flag = (name: string, fallback: number): number => positiveIntFlag('bench/delta', name, fallback);
const commits = flag('commits', 100);
const rowsPerCommit = flag('rows-per-commit', 10_000);
const openCommits = flag('open-commits', 1000);
const openRows = flag('open-rows', 10);
const opens = flag('opens', 20);
const reps = flag('reps', 3);
const keep = process.argv.includes('--keep');


const { python, pyarrow } = findDeltalakePython('bench/delta');
const tsChild = (file: string) => (args: string[]) => runNodeChild(join(here, file), args, { cwd: root });
const pyChild = (file: string) => (args: string[]) => runChild(python, [join(here, file), ...args], { cwd: root });
const children: Record<Tool, Record<'commit' | 'open' | 'verify', (args: string[]) => ChildReport & { peakRssMB: number }>> = {
  tributary: { commit: tsChild('commit-tributary.ts'), open: tsChild('open-tributary.ts'), verify: tsChild('verify-tributary.ts') },
  'delta-rs': { commit: pyChild('commit_deltars.py'), open: pyChild('open_deltars.py'), verify: pyChild('verify_deltars.py') },
};

const log = (msg: string) => process.stderr.write(`bench/delta: ${msg}\n`);
const num = (r: ChildReport, key: string): number => {
  const v = r[key];
  if (typeof v !== 'number') throw new Error(`bench/delta: child report has no number '${key}': ${JSON.stringify(r)}`);
  return v;
};

/** Checkpoint versions in a table's log, ascending. */
function checkpointVersions(table: string): number[] {
  return readdirSync(join(table, '_delta_log'))
    .map((f) => /^(\d{20})\.checkpoint(\.\d+\.\d+)?\.parquet$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .filter((v, i, all) => all.indexOf(v) === i)
    .sort((a, b) => a - b);
}

/** Data files (Parquet outside _delta_log) of an unpartitioned table. */
function dataFiles(table: string): string[] {
  return readdirSync(table)
    .filter((f) => f.endsWith('.parquet'))
    .map((f) => join(table, f));
}

const dataMB = (table: string) => round(dataFiles(table).reduce((s, f) => s + statSync(f).size, 0) / 1e6, 1);

/** What a commit process reports, plus the checkpoints found in its table's log. */
interface CommitReport {
  seconds: number;
  cpuSeconds: number;
  msP50: number;
  msP95: number;
  startRssMB: number;
  peakRssMB: number;
  checkpoints: number;
}

/** Runs `appends` commits into a fresh `table` and checks the version and checkpoints the log then has. */
function runCommits(tool: Tool, ipcPath: string, table: string, appends: number): CommitReport {
  rmSync(table, { recursive: true, force: true });
  const r = children[tool].commit([ipcPath, table]);
  if (num(r, 'version') !== appends || num(r, 'commits') !== appends) {
    throw new Error(`bench/delta: ${tool} ended at version ${r.version} after ${r.commits} commits, expected ${appends}`);
  }
  // Both tools checkpoint every 10 versions (Tributary after versions 10, 20, …; delta-rs after 9, 19, …).
  const cps = checkpointVersions(table);
  const due = tool === 'tributary' ? Math.floor(appends / 10) : Math.floor((appends + 1) / 10);
  if (cps.length !== due) throw new Error(`bench/delta: ${tool} wrote checkpoints at versions [${cps.join(', ')}] over ${appends} commits, expected ${due}`);
  return {
    seconds: r.seconds,
    cpuSeconds: num(r, 'cpuSeconds'),
    msP50: num(r, 'msP50'),
    msP95: num(r, 'msP95'),
    startRssMB: num(r, 'startRssMB'),
    peakRssMB: r.peakRssMB,
    checkpoints: cps.length,
  };
}

const lowerMedianBy = <T>(xs: T[], key: (x: T) => number): T => [...xs].sort((a, b) => key(a) - key(b))[Math.floor((xs.length - 1) / 2)]!;

/** Reads every table back with both tools and checks each against `want` (and the two tools against each other). */
function verifyTables(tables: { label: string; path: string; want: Expected & { version: number; files: number } }[]): void {
  const seen = new Map<string, TableSummary>();
  for (const tool of TOOLS) {
    log(`reading ${tables.length} tables back with ${tool} ...`);
    const r = children[tool].verify(tables.map((t) => t.path));
    const summaries = r.tables as TableSummary[];
    tables.forEach((t, i) => {
      const label = `${t.label} read by ${tool}`;
      assertSummary(label, summaries[i]!, t.want);
      const other = seen.get(t.path);
      if (other) assertSummary(label, summaries[i]!, other);
      seen.set(t.path, summaries[i]!);
    });
  }
}

/** The codecs DuckDB finds in each table's data files ('SNAPPY', or e.g. 'SNAPPY+UNCOMPRESSED'). */
async function codecsOf(tables: string[]): Promise<string[]> {
  const duck = await DuckDBInstance.create(':memory:');
  const conn = await duck.connect();
  try {
    const out: string[] = [];
    for (const t of tables) {
      const list = dataFiles(t).map((f) => `'${f.replaceAll("'", "''")}'`);
      const rows = (await conn.runAndReadAll(`SELECT DISTINCT compression FROM parquet_metadata([${list.join(',')}])`)).getRows();
      out.push(rows.map((row) => String(row[0])).sort().join('+'));
    }
    return out;
  } finally {
    conn.closeSync();
  }
}

/** `LAST_CHECKPOINT version, JSON commits after it` of a table, for the notes. */
function logShape(table: string, version: number): string {
  const path = join(table, '_delta_log', '_last_checkpoint');
  // Small runs (fewer commits than the checkpoint interval) have no checkpoint yet.
  if (!existsSync(path)) return `no checkpoint + ${version + 1} JSON commit(s)`;
  const last = JSON.parse(readFileSync(path, 'utf8')) as { version: number };
  return `checkpoint ${last.version} + ${version - last.version} JSON commit(s)`;
}

const dir = mkdtempSync(join(tmpdir(), 'tributary-bench-delta-'));
const results: BenchResult[] = [];
const notes: string[] = [];
const totalRows = commits * rowsPerCommit;
try {
  log(`generating ${commits} × ${rowsPerCommit} and ${openCommits} × ${openRows} orders rows ...`);
  const big = commitBatches(commits, rowsPerCommit);
  const small = commitBatches(openCommits, openRows, 7);
  const bigIpc = join(dir, 'commit.arrow');
  const smallIpc = join(dir, 'small.arrow');
  writeIpcFile(bigIpc, big);
  writeIpcFile(smallIpc, small);
  const bigWant = expectedOf(big);
  const smallWant = expectedOf(small);

  // commit: R runs per tool, alternating which tool goes first so load drift hits both.
  const runs: Record<Tool, CommitReport[]> = { tributary: [], 'delta-rs': [] };
  const commitTable = (tool: Tool) => join(dir, `commit-${tool}`);
  for (let rep = 0; rep < reps; rep++) {
    for (const tool of rep % 2 === 0 ? TOOLS : [...TOOLS].reverse()) {
      log(`commit ${tool} run ${rep + 1}/${reps} ...`);
      runs[tool].push(runCommits(tool, bigIpc, commitTable(tool), commits));
    }
  }
  for (const tool of TOOLS) {
    const r = lowerMedianBy(runs[tool], (x) => x.seconds);
    results.push({
      tool,
      case: 'commit',
      seconds: round(r.seconds, 3),
      rowsPerSec: Math.round(totalRows / r.seconds),
      peakRssMB: r.peakRssMB,
      cpuSeconds: r.cpuSeconds,
      msP50: r.msP50,
      msP95: r.msP95,
      checkpoints: r.checkpoints,
      dataMB: dataMB(commitTable(tool)),
      startRssMB: r.startRssMB,
    });
  }

  // commit-small builds the two `open` tables: one written by each tool.
  const openTable = (tool: Tool) => join(dir, `open-${tool}-built`);
  for (const tool of TOOLS) {
    log(`commit-small ${tool} (${openCommits} commits of ${openRows} rows) ...`);
    const r = runCommits(tool, smallIpc, openTable(tool), openCommits);
    results.push({
      tool,
      case: 'commit-small',
      seconds: round(r.seconds, 3),
      rowsPerSec: Math.round((openCommits * openRows) / r.seconds),
      peakRssMB: r.peakRssMB,
      cpuSeconds: r.cpuSeconds,
      msP50: r.msP50,
      msP95: r.msP95,
      checkpoints: r.checkpoints,
      dataMB: dataMB(openTable(tool)),
      startRssMB: r.startRssMB,
    });
  }

  // Correctness (untimed): every table read back by both tools.
  verifyTables([
    ...TOOLS.map((tool) => ({ label: `commit table written by ${tool}`, path: commitTable(tool), want: { ...bigWant, version: commits, files: commits } })),
    ...TOOLS.map((tool) => ({ label: `open table written by ${tool}`, path: openTable(tool), want: { ...smallWant, version: openCommits, files: openCommits } })),
  ]);
  const codecs = await codecsOf(TOOLS.map(commitTable));

  // open: both tools open both tables; they must agree on version and file count.
  for (const builder of TOOLS) {
    const table = openTable(builder);
    const seen: string[] = [];
    for (const tool of TOOLS) {
      log(`open ${tool} on the ${builder}-built table ...`);
      const r = children[tool].open([table, String(opens)]);
      seen.push(`${tool}: version ${r.version}, ${r.files} files`);
      if (r.version !== openCommits || r.files !== openCommits) {
        throw new Error(`bench/delta: opening the ${builder}-built table, ${seen.join('; ')} (expected version ${openCommits} with ${openCommits} files)`);
      }
      const tableLabel = `${builder}-built`;
      results.push({ tool, case: 'open', seconds: round(r.seconds, 4), peakRssMB: r.peakRssMB, cpuSeconds: r.cpuSeconds, startRssMB: r.startRssMB, table: tableLabel, files: r.files });
      results.push({ tool, case: 'open-cold', seconds: round(num(r, 'coldSeconds'), 4), peakRssMB: r.peakRssMB, table: tableLabel, files: r.files });
    }
  }

  // Ratios and what each side did.
  const ratio = (c: string, table?: string) => {
    const [t, d] = TOOLS.map((tool) => results.find((r) => r.tool === tool && r.case === c && r.table === table));
    if (!t || !d) return '';
    const cpu = typeof t.cpuSeconds === 'number' && typeof d.cpuSeconds === 'number' ? `, CPU ${round(t.cpuSeconds / d.cpuSeconds, 2)}x` : '';
    return `${c}${table ? ` (${table} table)` : ''} ${round(t.seconds / d.seconds, 2)}x${cpu}`;
  };
  notes.push(
    `tributary/delta-rs seconds (lower is better for tributary): ` +
      [ratio('commit'), ratio('commit-small'), ...TOOLS.flatMap((b) => [ratio('open', `${b}-built`), ratio('open-cold', `${b}-built`)])].filter(Boolean).join('; '),
  );
  notes.push(
    `commit: ${reps} runs per tool, each a fresh table (created untimed) and ${commits} appends of ${rowsPerCommit} rows timed together; the median run is shown ` +
      `(all runs: ${TOOLS.map((t) => `${t} ${runs[t].map((r) => round(r.seconds, 2)).join('/')} s`).join(', ')}). msP50/msP95 = per-append latency; ` +
      `cpuSeconds = user+system CPU of the whole process (all threads) during the appends; startRssMB = RSS before the measured work (commit: after loading the input; open: after imports).`,
  );
  notes.push(
    `checkpoints: both tables set delta.checkpointInterval=10 (Tributary's default; delta-rs's default is 100, and its post-commit hook honours the property). ` +
      `Tributary checkpoints after versions 10, 20, …; delta-rs after 9, 19, … (when (version+1) % interval = 0); both classic single-file checkpoints, written inside the timed append.`,
  );
  notes.push(
    `data files: one per append for both (Parquet codec per DuckDB: tributary ${codecs[0]}, delta-rs ${codecs[1]}; statistics on all columns for both). ` +
      `Tributary appends through DeltaTable.append on one handle; delta-rs through write_deltalake(DeltaTable handle, batch, mode='append').`,
  );
  notes.push(
    `open: DeltaTable.open(path)+files() vs DeltaTable(path)+file_uris() on ${openCommits}-commit tables of ${openRows}-row appends; warm = mean of ${opens} opens after the cold one in the same process; ` +
      `cold = first open in a fresh process after imports (OS page cache warm). Log shapes at version ${openCommits}: ` +
      TOOLS.map((b) => `${b}-built ${logShape(openTable(b), openCommits)}`).join(', ') +
      '. Both tools saw the same version and file count on both tables.',
  );
  notes.push(
    `verified: all 4 tables read back by both Tributary and delta-rs (rows, sum/min/max id, non-null notes, sum amount, min/max ts, version, files) and matched the input.`,
  );
  notes.push(`versions: deltalake ${DELTALAKE_VERSION}, pyarrow ${pyarrow} (${python}); Node ${process.versions.node}.`);
  notes.push(`machine: ${availableParallelism()} cores, 1-minute load average ${loadavg()[0].toFixed(1)} at the end (other processes skew wall-clock timings; CPU seconds are steadier).`);
} finally {
  if (!keep) rmSync(dir, { recursive: true, force: true });
  else notes.push(`kept inputs and tables in ${dir}`);
}
report('delta', totalRows, results, notes);
