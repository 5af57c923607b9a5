// Shared by the per-tool writer processes: load the workload, time only the
// write (median of `reps` runs), print one JSON report line for the harness.
import { readFileSync, rmSync } from 'node:fs';
import { tableFromIPC, type Table } from 'apache-arrow';
import { peakRssMB } from '../lib/harness.ts';

export type BenchCodec = 'snappy' | 'zstd';

export interface ChildArgs {
  /** Arrow IPC file holding the orders table. */
  ipcPath: string;
  /** Uncompressed Parquet copy of the same data (for tools that load Parquet). */
  parquetPath: string;
  outPath: string;
  codec: BenchCodec;
  reps: number;
  /** Tool-specific option (e.g. writer threads). */
  option?: string;
}

/** Current resident set size, in the unit of the harness's peakRssMB (2^20 bytes). */
const rssMB = (): number => Math.round((process.memoryUsage.rss() / 2 ** 20) * 10) / 10;

// RSS once the tool's code is loaded but no data (set by parseChildArgs, which
// every writer calls first), and once the data is loaded and prepared (set
// just before the first timed write): peak − loaded is the writer's own memory.
let startRssMB: number | undefined;
let loadedRssMB: number | undefined;

/** argv: ipcPath parquetPath outPath codec reps [option] */
export function parseChildArgs(argv: string[] = process.argv.slice(2)): ChildArgs {
  startRssMB ??= rssMB();
  const [ipcPath, parquetPath, outPath, codec, reps, option] = argv;
  if (!ipcPath || !parquetPath || !outPath || (codec !== 'snappy' && codec !== 'zstd')) {
    throw new Error(`usage: <ipcPath> <parquetPath> <outPath> <snappy|zstd> <reps> [option], got ${argv.join(' ')}`);
  }
  return { ipcPath, parquetPath, outPath, codec, reps: Math.max(1, Number(reps) || 1), option };
}

/**
 * The orders table. Arrow JS's IPC reader makes every column a view into the file's bytes (no copy), so
 * the table costs the file's size once.
 */
export function loadOrders(ipcPath: string): Table {
  return tableFromIPC(readFileSync(ipcPath));
}

/** Median wall-clock and CPU (user + system, all threads of this process) seconds of the timed writes. */
export interface WriteTimes {
  seconds: number;
  cpuSeconds: number;
}

const lowerMedian = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

/**
 * Runs `prepare` (untimed) then `write` (timed) `reps` times and returns the
 * median times (the lower median, as the Python writer reports). The output
 * file is removed before each run; the last run's file stays for verification.
 */
export async function timeWrites<T>(
  args: ChildArgs,
  prepare: () => T | Promise<T>,
  write: (input: T) => void | Promise<void>,
): Promise<WriteTimes> {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < args.reps; i++) {
    rmSync(args.outPath, { force: true });
    const input = await prepare();
    loadedRssMB ??= rssMB();
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await write(input);
    wall.push(Number(process.hrtime.bigint() - t0) / 1e9);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e6);
  }
  return { seconds: lowerMedian(wall), cpuSeconds: lowerMedian(cpu) };
}

/**
 * Prints the report line the harness parses (always the last stdout line). `bytes` is left to the
 * orchestrator, which reports the same Arrow input size for every tool.
 */
export function printReport(times: WriteTimes, rows: number, extra: Record<string, unknown> = {}): void {
  const cpuSeconds = Math.round(times.cpuSeconds * 1e4) / 1e4;
  const peak = peakRssMB();
  const memory = loadedRssMB === undefined ? {} : { startRssMB, loadedRssMB, overheadMB: Math.round((peak - loadedRssMB) * 10) / 10 };
  console.log(JSON.stringify({ seconds: times.seconds, rows, cpuSeconds, ...extra, ...memory, peakRssMB: peak }));
}
