// bench/parquet: Parquet write throughput of Tributary's native writer against
// DuckDB, parquet-wasm (arrow-rs), hyparquet-writer (`js`) and pyarrow
// (`python`, when a Python with pyarrow is found), on the same 2M-row orders
// table, snappy and zstd.
//   npm run bench -- parquet [--rows N] [--reps R] [--tools a,b] [--keep]
// Every tool×case runs in its own process which loads the data untimed and
// times only the write. Each output is then read back with DuckDB (untimed)
// and checked against values computed from the Arrow data, so a writer that
// drops rows or ignores the codec fails the bench instead of looking fast.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC, tableToIPC, type Table } from 'apache-arrow';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { Compression, Table as WasmTable, WriterPropertiesBuilder, writeParquet } from 'parquet-wasm/node';
import { report, round, runChild, runNodeChild, toResult, type BenchResult } from '../lib/harness.ts';
import { arrowByteLength, generateOrders } from '../lib/orders.ts';
import type { BenchCodec } from './child.ts';

const here = new URL('.', import.meta.url).pathname;
const root = new URL('../..', import.meta.url).pathname;

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const rows = Number(flag('rows') ?? 2_000_000);
const reps = Number(flag('reps') ?? 3);
const only = flag('tools')?.split(',');
const keep = process.argv.includes('--keep');

interface Expected {
  rows: number;
  notes: number;
  sumCustomer: number;
  sumId: number;
  minTs: number;
  maxTs: number;
  sumAmount: number;
  statusBytes: number;
  countryBytes: number;
  noteBytes: number;
}

/** Values every correct output must reproduce, computed from the Arrow data itself. */
function expectedFrom(table: Table): Expected {
  const col = (name: string) => {
    const c = table.getChild(name);
    if (!c) throw new Error(`orders table has no column ${name}`);
    return c.data[0];
  };
  const sum = (a: ArrayLike<number | bigint>) => {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += Number(a[i]);
    return s;
  };
  const ts = col('ts').values as BigInt64Array;
  const utf8Bytes = (name: string) => {
    const d = col(name);
    return Number(d.valueOffsets[d.length]) - Number(d.valueOffsets[0]);
  };
  return {
    rows: table.numRows,
    notes: table.numRows - col('note').nullCount,
    sumCustomer: sum(col('customer_id').values as Int32Array),
    sumId: sum(col('id').values as BigInt64Array),
    minTs: Number(ts.reduce((a, b) => (b < a ? b : a))),
    maxTs: Number(ts.reduce((a, b) => (b > a ? b : a))),
    sumAmount: sum(col('amount').values as Float64Array),
    statusBytes: utf8Bytes('status'),
    countryBytes: utf8Bytes('country'),
    noteBytes: utf8Bytes('note'),
  };
}

const sqlString = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/** Reads `path` back with DuckDB and throws unless it holds exactly the expected data and codec. */
async function verify(conn: DuckDBConnection, path: string, codec: BenchCodec | 'uncompressed', e: Expected, label: string): Promise<void> {
  const p = sqlString(path);
  const got = (
    await conn.runAndReadAll(`SELECT count(*)::DOUBLE, count(note)::DOUBLE, sum(customer_id)::DOUBLE, sum(id)::DOUBLE,
      min(epoch_us(ts))::DOUBLE, max(epoch_us(ts))::DOUBLE, sum(amount)::DOUBLE,
      sum(strlen(status))::DOUBLE, sum(strlen(country))::DOUBLE, coalesce(sum(strlen(note)), 0)::DOUBLE
      FROM read_parquet(${p})`)
  ).getRows()[0].map(Number);
  const want = [e.rows, e.notes, e.sumCustomer, e.sumId, e.minTs, e.maxTs, e.sumAmount, e.statusBytes, e.countryBytes, e.noteBytes];
  const names = ['rows', 'non-null notes', 'sum(customer_id)', 'sum(id)', 'min(ts)', 'max(ts)', 'sum(amount)', 'status bytes', 'country bytes', 'note bytes'];
  for (let i = 0; i < want.length; i++) {
    const ok = i === 6 ? Math.abs(got[i] - want[i]) <= 1e-9 * Math.abs(want[i]) : got[i] === want[i];
    if (!ok) throw new Error(`${label}: ${names[i]} read back as ${got[i]}, expected ${want[i]}`);
  }
  const codecs = (await conn.runAndReadAll(`SELECT DISTINCT compression FROM parquet_metadata(${p})`)).getRows().map((r) => String(r[0]));
  if (codecs.length !== 1 || codecs[0].toUpperCase() !== codec.toUpperCase()) {
    throw new Error(`${label}: column chunks use ${codecs.join(', ')}, expected only ${codec.toUpperCase()}`);
  }
}

/** A Python interpreter with pyarrow, or undefined (the `python` tool is then skipped). */
function findPython(): string | undefined {
  const candidates = [process.env.TRIBUTARY_BENCH_PYTHON, join(root, '.venv/interop/bin/python'), join(root, '.venv/bin/python'), 'python3'];
  for (const c of candidates) {
    if (!c) continue;
    const r = spawnSync(c, ['-c', 'import pyarrow'], { stdio: 'ignore' });
    if (r.status === 0) return c;
  }
  return undefined;
}

interface Case {
  tool: BenchResult['tool'];
  name: string;
  codec: BenchCodec;
  run: (args: string[]) => ReturnType<typeof runChild>;
  option?: string;
}

const dir = mkdtempSync(join(tmpdir(), 'tributary-bench-parquet-'));
const notes: string[] = [];
const results: BenchResult[] = [];
try {
  const table = generateOrders(rows);
  const ipcPath = join(dir, 'orders.arrow');
  const ipc = tableToIPC(table, 'file');
  writeFileSync(ipcPath, ipc);
  // Measured on the table as the writer processes load it, and reported for every tool alike.
  const inputBytes = arrowByteLength(tableFromIPC(ipc));
  const expected = expectedFrom(table);
  // An uncompressed Parquet copy for the tools that load Parquet (DuckDB), checked like every output.
  const parquetPath = join(dir, 'orders-uncompressed.parquet');
  writeFileSync(
    parquetPath,
    writeParquet(WasmTable.fromIPCStream(tableToIPC(table, 'stream')), new WriterPropertiesBuilder().setCompression(Compression.UNCOMPRESSED).build()),
  );

  const cores = availableParallelism();
  // Every Node-hosted writer runs as plain node on a bundle (no tsx loader), so none carries a dev-time loader's memory.
  const ts = (file: string) => (args: string[]) => runNodeChild(join(here, file), args, { cwd: root });
  const cases: Case[] = [];
  const tributaryReady = existsSync(join(root, 'src/parquet/write.ts')) && existsSync(join(here, 'write-tributary.ts'));
  if (!tributaryReady) notes.push('tributary: not measured (src/parquet/write.ts is not there yet)');
  const python = findPython();
  if (!python) notes.push('python: not measured (no Python with pyarrow found; set TRIBUTARY_BENCH_PYTHON)');
  for (const codec of ['snappy', 'zstd'] as const) {
    if (tributaryReady) {
      cases.push({ tool: 'tributary', name: codec, codec, run: ts('write-tributary.ts'), option: '1' });
      if (cores > 1) cases.push({ tool: 'tributary', name: `${codec}-${cores}threads`, codec, run: ts('write-tributary.ts'), option: String(cores) });
      // arrow-rs and pyarrow default to zstd level 1; this row compares like with like.
      if (codec === 'zstd') cases.push({ tool: 'tributary', name: 'zstd-level1', codec, run: ts('write-tributary.ts'), option: '1:1' });
    }
    cases.push({ tool: 'duckdb', name: codec, codec, run: ts('write-duckdb.ts') });
    cases.push({ tool: 'parquet-wasm', name: codec, codec, run: ts('write-parquet-wasm.ts') });
    if (codec === 'snappy') cases.push({ tool: 'js', name: codec, codec, run: ts('write-hyparquet.ts') });
    if (python) {
      cases.push({ tool: 'python', name: codec, codec, run: (args) => runChild(python, [join(here, 'write_pyarrow.py'), ...args]) });
    }
  }

  const duck = await DuckDBInstance.create(':memory:', { threads: String(cores) });
  const conn = await duck.connect();
  await verify(conn, parquetPath, 'uncompressed', expected, 'uncompressed source copy');

  for (const c of cases) {
    if (only && !only.includes(c.tool)) continue;
    const label = `${c.tool} ${c.name}`;
    const outPath = join(dir, `${c.tool}-${c.name}.parquet`);
    process.stderr.write(`bench/parquet: ${label} ...\n`);
    const childReport = c.run([ipcPath, parquetPath, outPath, c.codec, String(reps), ...(c.option ? [c.option] : [])]);
    await verify(conn, outPath, c.codec, expected, label);
    const result = toResult(c.tool, c.name, { ...childReport, bytes: inputBytes, rows: expected.rows });
    result.fileMB = round(statSync(outPath).size / 1e6, 1);
    results.push(result);
    rmSync(outPath, { force: true });
  }
  conn.closeSync();

  notes.push(
    `input: ${rows} rows, ${round(inputBytes / 1e6, 1)} MB of Arrow buffers in memory; MBps = that / write seconds ` +
      `(median of ${reps} runs, file write included; cpuSeconds = the process's user+system CPU during the write, steadier on a busy machine); each row is its own process; DuckDB runs with threads=1; ` +
      `every output was read back by DuckDB and checked (row count, sums, string bytes, codec).`,
  );
  notes.push(`machine: ${availableParallelism()} cores, 1-minute load average ${loadavg()[0].toFixed(1)} at the end (other processes skew timings).`);
  notes.push(
    'memory in MB of 2^20 bytes: startRssMB = RSS with the tool loaded but no data, loadedRssMB = RSS with the data loaded ' +
      '(and prepared, e.g. copied into wasm or a DuckDB table) just before the first write, overheadMB = peakRssMB − loadedRssMB, ' +
      'the writer\'s own memory; peakRssMB is the process\'s VmHWM. Node-hosted tools run as plain node on an esbuild ' +
      'bundle of their child (no tsx loader, as compiled JS runs in production): node + apache-arrow start at ~60 MB.',
  );
  notes.push('zstd levels are each tool\'s default (tributary 3) except tributary zstd-level1.');
  notes.push('js = hyparquet-writer (ships only a Snappy compressor, so no zstd case); parquet-wasm = arrow-rs compiled to wasm.');
  if (python) notes.push(`python = pyarrow.parquet.write_table, run by ${python}`);
  for (const codec of ['snappy', 'zstd']) {
    const trib = results.find((r) => r.tool === 'tributary' && r.case === codec);
    const duckdb = results.find((r) => r.tool === 'duckdb' && r.case === codec);
    if (trib?.MBps && duckdb?.MBps) {
      const cpuRatio = Number(duckdb.cpuSeconds) / Number(trib.cpuSeconds);
      notes.push(
        `tributary/duckdb, ${codec}, 1 thread each: ${round(trib.MBps / duckdb.MBps, 2)}x the MB/s (wall clock), ` +
          `${round(cpuRatio, 2)}x by CPU seconds`,
      );
    }
  }
} finally {
  if (!keep) rmSync(dir, { recursive: true, force: true });
  else notes.push(`kept inputs and outputs in ${dir}`);
}
report('parquet', rows, results, notes);
