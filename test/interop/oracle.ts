// Talks to scripts/interop/oracle.py: independent Delta engines (Python
// deltalake, pyspark + delta-spark) that read and write tables for the interop
// tests. One long-lived `oracle.py spark-server` per test file, so the file pays
// Spark's JVM start (~8-15 s) once; deltalake requests go through the same
// process and never start Spark.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const root = new URL('../..', import.meta.url).pathname;

/** A Delta schema type as Delta's JSON spells it: "long", "decimal(10,2)", or a struct/array/map object. */
export type DeltaType =
  | string
  | { type: 'struct'; fields: DeltaField[] }
  | { type: 'array'; elementType: DeltaType; containsNull: boolean }
  | { type: 'map'; keyType: DeltaType; valueType: DeltaType; valueContainsNull: boolean };

export interface DeltaField {
  name: string;
  type: DeltaType;
  nullable: boolean;
  metadata?: Record<string, unknown>;
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Row = Record<string, Json>;

/** A table as the oracle prints it: version, schema (no field metadata) and normalised rows, sorted. */
export interface OracleTable {
  version: number;
  schema: { type: 'struct'; fields: DeltaField[] };
  rows: Row[];
}

/** One row of Spark's DESCRIBE HISTORY (timestamps as ISO text). */
export interface SparkHistoryRow {
  version: number;
  timestamp: string;
  operation: string;
  operationParameters: Record<string, string | null>;
  operationMetrics: Record<string, string> | null;
  readVersion: number | null;
  isBlindAppend: boolean | null;
  engineInfo: string | null;
  [key: string]: Json;
}

/** What `deltalake-write` / `spark-write` take; values in the oracle's normalised forms. */
export interface WriteSpec {
  schema: DeltaField[];
  rows: Row[];
  partitionBy?: string[];
  mode?: 'append' | 'overwrite';
  properties?: Record<string, string>;
  replaceWhere?: string;
}

/** The Python that has deltalake and pyspark: `TRIBUTARY_PYTHON`, else the venv setup.sh makes. */
export function oraclePython(): string {
  const python = process.env.TRIBUTARY_PYTHON ?? join(root, '.venv/interop/bin/python');
  if (!existsSync(python)) {
    throw new Error(`interop: no oracle Python at ${python}; run scripts/interop/setup.sh (or bash scripts/interop.sh)`);
  }
  return python;
}

/** Sorts rows by their JSON text, so the order never depends on an engine's file layout. */
export function sortRows(rows: Row[]): Row[] {
  const keyed = rows.map((r) => [JSON.stringify(r), r] as const);
  keyed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return keyed.map(([, r]) => r);
}

interface Pending {
  resolve: (lines: Json[]) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
  argv: string[];
}

/**
 * A running oracle server. Requests are answered in order; each gets a timeout
 * so a wedged JVM fails the test instead of hanging CI.
 *
 * @example
 * const oracle = new Oracle();
 * const t = await oracle.sparkRead('/tmp/t');
 * await oracle.close();
 */
export class Oracle {
  #child: ChildProcess | null = null;
  #pending = new Map<number, Pending>();
  #nextId = 1;
  #stderr: string[] = [];
  #exited: Error | null = null;
  readonly timeoutMs: number;

  constructor(options: { timeoutMs?: number } = {}) {
    this.timeoutMs = options.timeoutMs ?? Number(process.env.TRIBUTARY_ORACLE_TIMEOUT_MS ?? 300_000);
  }

  #start(): ChildProcess {
    if (this.#child) return this.#child;
    const child = spawn(oraclePython(), [join(root, 'scripts/interop/oracle.py'), 'spark-server'], {
      cwd: root,
      env: { ...process.env, SPARK_LOCAL_IP: '127.0.0.1', PYTHONUNBUFFERED: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.#child = child;
    // Keep the last lines of the server's stderr (Spark's log) for error messages.
    createInterface({ input: child.stderr! }).on('line', (line) => {
      this.#stderr.push(line);
      if (this.#stderr.length > 40) this.#stderr.shift();
      if (process.env.TRIBUTARY_ORACLE_VERBOSE) process.stderr.write(`[oracle] ${line}\n`);
    });
    createInterface({ input: child.stdout! }).on('line', (line) => this.#answer(line));
    child.on('exit', (code, signal) => {
      this.#exited = new Error(`oracle server exited (code ${code}, signal ${signal})\n${this.#stderr.join('\n')}`);
      for (const [id, p] of this.#pending) {
        clearTimeout(p.timer);
        p.reject(this.#exited);
        this.#pending.delete(id);
      }
    });
    this.#idle();
    return child;
  }

  #answer(line: string): void {
    let msg: { id?: number; ok?: boolean; lines?: Json[]; error?: string; ready?: boolean };
    try {
      msg = JSON.parse(line);
    } catch {
      this.#stderr.push(`(stdout) ${line}`);
      return;
    }
    if (msg.ready || msg.id === undefined) return;
    const p = this.#pending.get(msg.id);
    if (!p) return;
    this.#pending.delete(msg.id);
    clearTimeout(p.timer);
    if (msg.ok) p.resolve(msg.lines ?? []);
    else p.reject(new Error(`oracle ${p.argv.slice(0, 2).join(' ')}: ${msg.error}`));
    this.#idle();
  }

  // An idle server must not keep the test process alive; a busy one must.
  #idle(): void {
    const child = this.#child;
    if (!child) return;
    const busy = this.#pending.size > 0;
    for (const h of [child, child.stdin, child.stdout, child.stderr] as Array<{ ref(): void; unref(): void } | null>) {
      if (h) busy ? h.ref() : h.unref();
    }
  }

  /** Sends one command (argv as on the command line) and resolves to the printed JSON lines. */
  request(argv: string[]): Promise<Json[]> {
    if (this.#exited) return Promise.reject(this.#exited);
    const child = this.#start();
    const id = this.#nextId++;
    return new Promise<Json[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`oracle ${argv.slice(0, 2).join(' ')}: no answer in ${this.timeoutMs} ms\n${this.#stderr.join('\n')}`));
        this.#idle();
      }, this.timeoutMs);
      this.#pending.set(id, { resolve, reject, timer, argv });
      this.#idle();
      child.stdin!.write(JSON.stringify({ id, argv }) + '\n');
    });
  }

  async #read(cmd: string, path: string, version?: number): Promise<OracleTable> {
    const argv = [cmd, path, ...(version === undefined ? [] : ['--version', String(version)])];
    const [head, ...rows] = await this.request(argv);
    const h = head as unknown as { version: number; schema: OracleTable['schema']; numRows: number };
    if (rows.length !== h.numRows) throw new Error(`oracle ${cmd}: header says ${h.numRows} rows, got ${rows.length}`);
    return { version: h.version, schema: h.schema, rows: sortRows(rows as Row[]) };
  }

  /** The table as Python deltalake (delta-rs) reads it. */
  deltalakeRead(path: string, version?: number): Promise<OracleTable> {
    return this.#read('deltalake-read', path, version);
  }

  /** The table as Spark + delta-spark reads it. */
  sparkRead(path: string, version?: number): Promise<OracleTable> {
    return this.#read('spark-read', path, version);
  }

  async #write(cmd: string, path: string, spec: WriteSpec): Promise<number> {
    const [res] = await this.request([cmd, path, JSON.stringify(spec)]);
    return (res as { version: number }).version;
  }

  /** Writes with Python deltalake; resolves to the new table version. */
  deltalakeWrite(path: string, spec: WriteSpec): Promise<number> {
    return this.#write('deltalake-write', path, spec);
  }

  /** Writes with Spark (creating the table first when `properties` are given); resolves to the new version. */
  sparkWrite(path: string, spec: WriteSpec): Promise<number> {
    return this.#write('spark-write', path, spec);
  }

  /** Spark's DESCRIBE HISTORY, oldest first. */
  async sparkHistory(path: string): Promise<SparkHistoryRow[]> {
    return (await this.request(['spark-history', path])) as unknown as SparkHistoryRow[];
  }

  /** Runs one Spark SQL statement (e.g. DELETE FROM delta.`path` ...) and returns its result rows. */
  async sparkSql(statement: string): Promise<Row[]> {
    return (await this.request(['spark-sql', statement])) as Row[];
  }

  /** Stops the server (Spark stops when its stdin closes); kills it if it lingers. */
  async close(): Promise<void> {
    const child = this.#child;
    if (!child || this.#exited) return;
    child.ref();
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.stdin!.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  }
}

/** Backtick-quotes a path for Spark SQL: delta.`/tmp/t`. */
export function deltaPath(path: string): string {
  return 'delta.`' + path.replaceAll('`', '``') + '`';
}

/** A fresh scratch directory for one test file; `cleanup()` removes it. */
export function scratchDir(name: string): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), `tributary-interop-${name}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Asserts two sorted row lists are equal, naming the first row that differs
 * (uvu's whole-array diff of hundreds of normalised rows is unreadable).
 */
export function assertSameRows(actual: Row[], expected: Row[], label: string): void {
  const a = actual.map((r) => JSON.stringify(r));
  const e = expected.map((r) => JSON.stringify(r));
  const missing = e.filter((x) => !a.includes(x));
  const extra = a.filter((x) => !e.includes(x));
  if (a.length === e.length && missing.length === 0 && extra.length === 0 && a.every((x, i) => x === e[i])) return;
  const show = (xs: string[]) => xs.slice(0, 3).join('\n    ') + (xs.length > 3 ? `\n    ... ${xs.length - 3} more` : '');
  throw new Error(
    `${label}: ${a.length} rows, expected ${e.length}` +
      (missing.length ? `\n  missing (${missing.length}):\n    ${show(missing)}` : '') +
      (extra.length ? `\n  unexpected (${extra.length}):\n    ${show(extra)}` : '') +
      (!missing.length && !extra.length ? '\n  same rows, different order' : ''),
  );
}
