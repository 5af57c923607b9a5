// bench/maintenance: OPTIMIZE (bin-pack, Z-order) and VACUUM, Tributary
// against delta-rs (Python deltalake 1.6.6), on copies of the same tables.
//   npm run bench -- maintenance [--commits N] [--rows N] [--vacuum-files N]
//                                [--target-mb N] [--reps R] [--vacuum-reps R] [--case compact|zorder|vacuum|vacuum-lite] [--keep]
// Cases (each tool×case×rep in its own process, on a fresh copy):
//   compact  the table of `commits` appends of `rows` orders rows → bin-pack
//   zorder   the same table → Z-order by (customer_id, ts)
//   vacuum   a table whose `vacuum-files` files were overwritten → VACUUM, 0 h retention, full
//            mode for both (list the table; Spark's default, delta-rs `full=True`)
//   vacuum-lite  the same in lite mode for both (files of expired tombstones only, no listing;
//            delta-rs's default `full=False`, Spark's VACUUM LITE)
// Both tools get the same target file size (default 4 MB). Every result is
// checked with DuckDB (row count and sum of ids over the files the log lists)
// and data skipping is measured: over 20 seeded `customer_id BETWEEN x AND
// x+2000` ranges, the mean fraction of files whose stats overlap the range.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { positiveIntFlag } from '../lib/flags.ts';
import { DELTALAKE_VERSION } from '../lib/deltalake-python.ts';
import { medianRun, report, round, runChild, runNodeChild, runTsChild, type BenchResult, type ChildReport } from '../lib/harness.ts';
import { loadSnapshot } from '../../src/delta/snapshot.ts';
import { LocalStorage } from '../../src/delta/storage/local-storage.ts';
import { parseStats } from '../../src/delta/stats.ts';
import { fromAddPath } from '../../src/delta/partition-values.ts';
import { prng } from '../lib/prng.ts';

const here = new URL('.', import.meta.url).pathname;
const root = new URL('../..', import.meta.url).pathname;
const TOOLS = ['tributary', 'delta-rs'] as const;
type Tool = (typeof TOOLS)[number];
const CASES = ['compact', 'zorder', 'vacuum', 'vacuum-lite'] as const;
type Case = (typeof CASES)[number];

const flag = (name: string, fallback: number): number => positiveIntFlag('bench/maintenance', name, fallback);
const commits = flag('commits', 200);
const rowsPerCommit = flag('rows', 10_000);
const vacuumFiles = flag('vacuum-files', 1000);
const targetBytes = flag('target-mb', 4) * 1024 * 1024;
const reps = flag('reps', 3);
// A vacuum takes tens of milliseconds, most of it waiting on the filesystem: single runs swing by a
// third, so its median is taken over more runs (they cost seconds).
const vacuumReps = flag('vacuum-reps', 9);
const isVacuum = (kind: Case) => kind === 'vacuum' || kind === 'vacuum-lite';
const repsOf = (kind: Case) => (isVacuum(kind) ? vacuumReps : reps);
const keep = process.argv.includes('--keep');
const caseAt = process.argv.indexOf('--case');
const selected: readonly Case[] = caseAt < 0 ? CASES : CASES.filter((c) => c === process.argv[caseAt + 1]);
if (selected.length === 0) throw new Error(`bench/maintenance: --case needs one of ${CASES.join(', ')}, got ${process.argv[caseAt + 1]}`);
const log = (m: string) => process.stderr.write(`bench/maintenance: ${m}\n`);

function findPython(): string {
  const candidates = [process.env.TRIBUTARY_BENCH_PYTHON, join(root, '.venv/interop/bin/python'), join(root, '.venv/bench/bin/python')];
  for (const c of candidates) {
    if (!c || !existsSync(c)) continue;
    const r = spawnSync(c, ['-c', 'import deltalake; print(deltalake.__version__)'], { encoding: 'utf8' });
    if (r.status === 0 && String(r.stdout).trim() === DELTALAKE_VERSION) return c;
  }
  const setup = spawnSync('bash', [join(root, 'bench/delta/setup.sh')], { stdio: ['ignore', 'inherit', 'inherit'] });
  const venv = join(root, '.venv/bench/bin/python');
  if (setup.status === 0 && existsSync(venv)) return venv;
  throw new Error(`bench/maintenance: no Python with deltalake ${DELTALAKE_VERSION} (tried .venv/interop, .venv/bench, bench/delta/setup.sh)`);
}

const python = findPython();
const run = (tool: Tool, kind: Case, table: string): ChildReport & { peakRssMB: number } =>
  tool === 'tributary'
    ? runNodeChild(join(here, 'run-tributary.ts'), [kind, table, String(targetBytes)], { cwd: root }, ['--expose-gc'])
    : runChild(python, [join(here, 'run_deltars.py'), kind, table, String(targetBytes)], { cwd: root });

/** Mean fraction of files whose customer_id min/max overlap 20 seeded ranges of width 2000. */
async function filesTouchedFraction(table: string): Promise<number> {
  const snap = await loadSnapshot(new LocalStorage(table));
  const ranges = snap.files().map((f) => {
    const s = parseStats(f.stats);
    const lo = s?.minValues.customer_id;
    const hi = s?.maxValues.customer_id;
    // A file without bounds can never be skipped.
    return typeof lo === 'number' && typeof hi === 'number' ? [lo, hi] : [-Infinity, Infinity];
  });
  let max = 0;
  for (const [, hi] of ranges) if (Number.isFinite(hi)) max = Math.max(max, hi);
  const rand = prng(2026);
  let sum = 0;
  for (let q = 0; q < 20; q++) {
    const x = Math.floor(rand() * Math.max(1, max - 2000));
    sum += ranges.filter(([lo, hi]) => lo <= x + 2000 && hi >= x).length / ranges.length;
  }
  return round(sum / 20, 4);
}

/** Rows, sum of ids and files of the latest version, read by DuckDB from the files the log lists. */
async function checkTable(table: string): Promise<{ rows: number; idSum: bigint; files: number }> {
  const snap = await loadSnapshot(new LocalStorage(table));
  const list = snap.files().map((f) => `'${join(table, fromAddPath(f.path)).replaceAll("'", "''")}'`);
  const duck = await DuckDBInstance.create(':memory:');
  const conn = await duck.connect();
  try {
    const rows = (await conn.runAndReadAll(`SELECT count(*)::BIGINT, sum(id)::HUGEINT FROM read_parquet([${list.join(',')}])`)).getRows();
    return { rows: Number(rows[0][0]), idSum: BigInt(String(rows[0][1])), files: snap.files().length };
  } finally {
    conn.closeSync();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

const dir = mkdtempSync(join(tmpdir(), 'tributary-bench-maintenance-'));
const results: BenchResult[] = [];
const notes: string[] = [];
const totalRows = commits * rowsPerCommit;
try {
  log(`building ${commits} appends × ${rowsPerCommit} rows and a table of ${vacuumFiles} overwritten files (Tributary, untimed) ...`);
  const built = runTsChild(join(here, 'build-tables.ts'), [dir, String(commits), String(rowsPerCommit), String(vacuumFiles)], { cwd: root });
  if (built.appendFiles !== commits || built.vacuumFiles !== vacuumFiles) {
    throw new Error(`bench/maintenance: built ${built.appendFiles} append files and ${built.vacuumFiles} vacuum files, expected ${commits} and ${vacuumFiles}`);
  }
  const source: Record<Case, string> = {
    compact: join(dir, 'appends'),
    zorder: join(dir, 'appends'),
    vacuum: join(dir, 'overwritten'),
    'vacuum-lite': join(dir, 'overwritten'),
  };
  const want = await checkTable(source.compact);
  if (want.rows !== totalRows) throw new Error(`bench/maintenance: source table has ${want.rows} rows, expected ${totalRows}`);
  const touchedBefore = await filesTouchedFraction(source.compact);
  const inputMB = round((await loadSnapshot(new LocalStorage(source.compact))).files().reduce((s, f) => s + f.size, 0) / 1e6, 1);

  for (const kind of selected) {
    const per: Record<Tool, (ChildReport & { peakRssMB: number })[]> = { tributary: [], 'delta-rs': [] };
    let lastCopy: Record<Tool, string> = { tributary: '', 'delta-rs': '' };
    for (let rep = 0; rep < repsOf(kind); rep++) {
      for (const tool of rep % 2 === 0 ? TOOLS : [...TOOLS].reverse()) {
        const copy = join(dir, `${kind}-${tool}-${rep}`);
        cpSync(source[kind], copy, { recursive: true });
        // Flush the copy, so neither tool pays for writing it back (a commit's fsync would otherwise).
        spawnSync('sync');
        log(`${kind} ${tool} run ${rep + 1}/${repsOf(kind)} ...`);
        per[tool].push(run(tool, kind, copy));
        if (lastCopy[tool]) rmSync(lastCopy[tool], { recursive: true, force: true });
        lastCopy[tool] = copy;
      }
    }
    for (const tool of TOOLS) {
      const table = lastCopy[tool];
      const got = await checkTable(table);
      const runs = per[tool];
      // The median run (its fields), the median CPU time and the largest peak RSS.
      const r = medianRun(runs);
      const out: BenchResult = {
        tool,
        case: kind,
        seconds: round(r.seconds, 4),
        cpuSeconds: round(Number(r.cpuSeconds), 4),
        peakRssMB: round(r.peakRssMB, 1),
        baselineRssMB: round(median(runs.map((x) => Number(x.baselineRssMB))), 1),
        // Peak net of the runtime and the imports: what the operation itself added.
        netPeakRssMB: round(Math.max(...runs.map((x) => x.peakRssMB - Number(x.baselineRssMB))), 1),
      };
      if (isVacuum(kind)) {
        if (r.filesDeleted !== vacuumFiles || got.rows !== 10) {
          throw new Error(`bench/maintenance: ${tool} vacuum deleted ${r.filesDeleted} files (expected ${vacuumFiles}); table reads ${got.rows} rows (expected 10)`);
        }
        out.filesDeleted = r.filesDeleted;
      } else {
        if (got.rows !== want.rows || got.idSum !== want.idSum) {
          throw new Error(`bench/maintenance: after ${kind} by ${tool} DuckDB reads ${got.rows} rows (id sum ${got.idSum}), expected ${want.rows} (${want.idSum})`);
        }
        out.rowsPerSec = Math.round(totalRows / r.seconds);
        out.MBps = round(inputMB / r.seconds, 1);
        out.filesBefore = commits;
        out.filesAfter = got.files;
        out.filesTouchedBefore = touchedBefore;
        out.filesTouchedFraction = await filesTouchedFraction(table);
      }
      results.push(out);
    }
    for (const tool of TOOLS) rmSync(lastCopy[tool], { recursive: true, force: true });
  }

  for (const kind of selected) {
    const t = results.find((r) => r.tool === 'tributary' && r.case === kind)!;
    const d = results.find((r) => r.tool === 'delta-rs' && r.case === kind)!;
    notes.push(
      `${kind}: Tributary ${round(d.seconds / t.seconds, 2)}× delta-rs speed (${round(Number(d.cpuSeconds) / Number(t.cpuSeconds), 2)}× by CPU seconds), ` +
        `peak RSS ${round(t.peakRssMB! / d.peakRssMB!, 2)}× delta-rs (net of the RSS before the operation: ${t.netPeakRssMB} vs ${d.netPeakRssMB} MB)`,
    );
  }
  notes.push(`input: ${commits} files, ${inputMB} MB, ${totalRows} rows; target file size ${targetBytes} bytes; median of ${reps} runs, vacuum of ${vacuumReps} (peak RSS: max)`);
  notes.push(
    'cpuSeconds: user+system CPU of the whole process (all threads) during the operation (median); baselineRssMB: RSS right before the operation, ' +
      'after imports (median); netPeakRssMB: the largest peak RSS − baseline of the runs',
  );
  notes.push('tributary children collect the garbage of their imports before the timer starts (settleHeap, --expose-gc), as a service has long before');
  notes.push(`machine: ${availableParallelism()} cores, 1-minute load average ${loadavg()[0].toFixed(1)} at the end (other processes skew wall-clock times)`);
  notes.push('filesTouchedFraction: mean share of files whose customer_id stats overlap 20 seeded ranges of width 2000 (filesTouchedBefore: the appended table)');
  report('maintenance', totalRows, results, notes);
} finally {
  if (keep) log(`tables kept in ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
