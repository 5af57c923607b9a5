// Shared plumbing for bench/<name>: every tool×case runs in its own child
// process so that its peak RSS is its own; the child reports one JSON line.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join, relative } from 'node:path';

/** One measured tool×case, as it appears in the bench's closing JSON line. */
export interface BenchResult {
  tool: 'tributary' | 'duckdb' | 'delta-rs' | 'spark' | 'python' | 'js' | (string & {});
  case: string;
  seconds: number;
  rowsPerSec?: number;
  MBps?: number;
  peakRssMB?: number;
  [extra: string]: unknown;
}

/** What a child process prints as its last stdout line. */
export interface ChildReport {
  seconds: number;
  bytes?: number;
  rows?: number;
  [extra: string]: unknown;
}

/**
 * Peak RSS of the current process in MB (2^20 bytes). On Linux this is VmHWM: getrusage's maxRSS
 * survives exec, so a child spawned by a large bench process would report its parent's RSS.
 */
export function peakRssMB(): number {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return Math.round((Number(hwm[1]) / 1024) * 10) / 10;
  } catch {
    // not Linux: fall back to getrusage
  }
  return Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
}

/** Current RSS of this process in the unit of {@link peakRssMB} (2^20 bytes). */
export function rssMB(): number {
  return Math.round((process.memoryUsage.rss() / 2 ** 20) * 10) / 10;
}

/**
 * Collects the garbage a child's imports left, when it runs with `--expose-gc`
 * (see {@link runNodeChild}), so that an operation timed right after the
 * imports does not pay V8's deferred collection of it — a service embedding
 * the library collected it long before; Python peers free theirs as they go,
 * by reference counting. Call it before reading the baseline RSS and the clock.
 */
export function settleHeap(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/**
 * Runs a command whose last stdout line is a JSON ChildReport and returns it.
 * A child that fails throws with its stderr, so a broken peer is never reported as fast.
 */
export function runChild(cmd: string, args: string[], options: SpawnSyncOptions = {}): ChildReport & { peakRssMB: number } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status ?? r.signal}:\n${String(r.stderr).slice(-4000)}`);
  }
  const lines = String(r.stdout).trim().split('\n');
  const report = JSON.parse(lines[lines.length - 1]!) as ChildReport & { peakRssMB: number };
  if (typeof report.peakRssMB !== 'number') throw new Error(`${cmd}: report has no peakRssMB`);
  return report;
}

/** Runs a TypeScript child (through tsx) the same way. */
export function runTsChild(file: string, args: string[] = [], options: SpawnSyncOptions = {}) {
  return runChild(process.execPath, ['--import', 'tsx', file, ...args], options);
}

const repoRoot = new URL('../..', import.meta.url).pathname;
// Two levels below the repo root on purpose: src/native/addon.ts finds the addon at
// `../../build/Release/tributary.node` relative to its module URL, which in a bundle is the bundle's.
const bundleDir = join(repoRoot, '.tmp', 'bench-bundles');
const bundles = new Map<string, string>();

/**
 * Bundles a TypeScript child into one ESM file (once per bench process) and returns its path.
 * npm packages stay external so they load from node_modules exactly as in production; only the
 * repo's own TypeScript is compiled in. esbuild is required lazily: children import this module
 * (for peakRssMB) and must not load a bundler.
 */
export function bundleChild(file: string): string {
  const cached = bundles.get(file);
  if (cached) return cached;
  const { buildSync } = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
  // The pid keeps concurrent bench runs from overwriting each other's bundles.
  const name = `${relative(repoRoot, file).replace(/\.ts$/, '').replace(/[^\w.-]+/g, '_')}.${process.pid}.mjs`;
  const outfile = join(bundleDir, name);
  mkdirSync(bundleDir, { recursive: true });
  if (bundles.size === 0) process.on('exit', () => bundles.forEach((f) => rmSync(f, { force: true })));
  buildSync({
    entryPoints: [file],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
    // Keeps `// src/...` path comments, so a child's stack trace can be traced back to its source.
    minify: false,
  });
  bundles.set(file, outfile);
  return outfile;
}

/**
 * Runs a TypeScript child as plain `node bundle.mjs` — no tsx loader, as users run compiled JS —
 * so its start-up time and memory are the program's own (tsx adds ~50 MB RSS to every child).
 * @example runNodeChild(join(here, 'write-tributary.ts'), [ipcPath, outPath], { cwd: root })
 */
export function runNodeChild(file: string, args: string[] = [], options: SpawnSyncOptions = {}, nodeFlags: readonly string[] = []) {
  const bundle = bundleChild(file);
  try {
    return runChild(process.execPath, [...nodeFlags, bundle, ...args], options);
  } catch (e) {
    // Name the source, not only the bundle, in the error.
    throw new Error(`${basename(file)} (bundled as ${bundle}): ${(e as Error).message}`);
  }
}

/**
 * One report for several runs of a child on the same input: the run with the
 * median time (its other fields too), the median `cpuSeconds`, and the
 * largest peak RSS of the runs.
 */
export function medianRun(runs: readonly (ChildReport & { peakRssMB: number })[]): ChildReport & { peakRssMB: number } {
  if (runs.length === 0) throw new Error('medianRun: no runs');
  const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
  const seconds = mid(runs.map((r) => r.seconds));
  const out: ChildReport & { peakRssMB: number } = { ...runs.find((r) => r.seconds === seconds)!, peakRssMB: Math.max(...runs.map((r) => r.peakRssMB)) };
  if (runs.every((r) => typeof r.cpuSeconds === 'number')) out.cpuSeconds = mid(runs.map((r) => Number(r.cpuSeconds)));
  return out;
}

/** Builds a BenchResult from a child report, deriving rates from rows and bytes. */
export function toResult(tool: BenchResult['tool'], name: string, report: ChildReport & { peakRssMB: number }): BenchResult {
  const { seconds, bytes, rows, peakRssMB: rss, ...extra } = report;
  const out: BenchResult = { tool, case: name, seconds: round(seconds, 4) };
  if (rows) out.rowsPerSec = Math.round(rows / seconds);
  if (bytes) out.MBps = round(bytes / 1e6 / seconds, 1);
  out.peakRssMB = rss;
  return Object.assign(out, extra);
}

/** Prints a readable table, then the closing JSON line (which must be the last stdout line). */
export function report(bench: string, rows: number, results: BenchResult[], notes: string[] = []): void {
  const cols = ['tool', 'case', 'seconds', 'rowsPerSec', 'MBps', 'peakRssMB'];
  const extra = [...new Set(results.flatMap((r) => Object.keys(r)))].filter((k) => !cols.includes(k));
  const header = [...cols, ...extra];
  const cells = results.map((r) => header.map((h) => (r[h] === undefined ? '' : String(r[h]))));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((x, i) => x.padEnd(widths[i]!)).join('  ');
  console.log(`\nbench/${bench}: ${rows} rows`);
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const c of cells) console.log(line(c));
  for (const n of notes) console.log(n);
  console.log(JSON.stringify({ bench, rows, results }));
}

export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Times an async function in the current process. */
export async function time<T>(fn: () => Promise<T> | T): Promise<{ seconds: number; value: T }> {
  const t0 = process.hrtime.bigint();
  const value = await fn();
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, value };
}
