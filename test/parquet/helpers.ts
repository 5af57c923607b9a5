// Independent readers for the Parquet writer's tests: hyparquet (pure JS) and
// DuckDB, plus helpers to build Arrow columns and compare values.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { Decimal, makeData, makeVector, type Vector } from 'apache-arrow';

const dir = mkdtempSync(join(tmpdir(), 'tributary-parquet-test-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
let fileCounter = 0;

/** Writes bytes to a fresh temporary file (removed at exit) and returns its path. */
export function tempFile(bytes: Uint8Array): string {
  const path = join(dir, `f${fileCounter++}.parquet`);
  writeFileSync(path, bytes);
  return path;
}

function arrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** Rows as hyparquet reads them, with timestamps/dates left as raw numbers (no Date rounding). */
export async function readHyparquet(bytes: Uint8Array): Promise<Record<string, unknown>[]> {
  return (await parquetReadObjects({
    file: arrayBuffer(bytes),
    compressors,
    utf8: false,
    parsers: {
      timestampFromMilliseconds: (v: bigint) => v,
      timestampFromMicroseconds: (v: bigint) => v,
      timestampFromNanoseconds: (v: bigint) => v,
      dateFromDays: (v: number) => v,
    } as never,
  })) as Record<string, unknown>[];
}

/** hyparquet's view of the footer. */
export function readFooter(bytes: Uint8Array) {
  return parquetMetadata(arrayBuffer(bytes));
}

let connection: Promise<DuckDBConnection> | undefined;
function duck(): Promise<DuckDBConnection> {
  connection ??= DuckDBInstance.create().then((db) => db.connect());
  return connection;
}

/** Runs SQL where `$file` stands for read_parquet of the bytes; rows as DuckDB's JSON-friendly objects. */
export async function queryDuckDB(bytes: Uint8Array, sql: string): Promise<Record<string, unknown>[]> {
  const path = tempFile(bytes);
  const conn = await duck();
  const reader = await conn.runAndReadAll(sql.replaceAll('$file', `read_parquet('${path}')`).replaceAll('$path', `'${path}'`));
  return reader.getRowObjectsJson() as Record<string, unknown>[];
}

/** JSON-comparable form: bigint → decimal string, bytes → hex, Map → entries, undefined → null. */
export function canon(v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return !Number.isFinite(v) ? String(v) : Object.is(v, -0) ? 0 : v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (v instanceof Map) return [...v.entries()].map(([k, x]) => [canon(k), canon(x)]);
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return Array.from(v as ArrayLike<unknown>, canon);
  if (typeof v === 'object') {
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, canon(x)]));
  }
  return v;
}

/** A decimal128 vector from unscaled values (Arrow JS cannot build these from numbers). */
export function decimalVector(values: readonly (bigint | null)[], precision: number, scale: number): Vector<Decimal> {
  const words = new Uint32Array(values.length * 4);
  const valid = new Uint8Array(Math.ceil(values.length / 8));
  values.forEach((v, i) => {
    if (v === null) return;
    valid[i >> 3]! |= 1 << (i & 7);
    let x = BigInt.asUintN(128, v);
    for (let w = 0; w < 4; w++) {
      words[i * 4 + w] = Number(x & 0xffffffffn);
      x >>= 32n;
    }
  });
  return makeVector(
    makeData({ type: new Decimal(scale, precision, 128), length: values.length, data: words, nullBitmap: valid }),
  );
}

/** The tests' seeded PRNG, re-exported for the parquet tests that import it from here. */
export { prng } from '../support/prng.ts';

/** Min/max of the non-null values under `less`, as the writer should report them. */
export function minMax<T>(values: readonly (T | null)[], less: (a: T, b: T) => boolean = (a, b) => a < b) {
  let min: T | undefined;
  let max: T | undefined;
  for (const v of values) {
    if (v === null || (typeof v === 'number' && Number.isNaN(v))) continue;
    if (min === undefined || less(v, min)) min = v;
    if (max === undefined || less(max, v)) max = v;
  }
  return { min, max, nullCount: values.filter((v) => v === null).length };
}

interface PageHeaderLike {
  type: string;
  compressed_page_size: number;
  data_page_header?: { num_values: number; encoding: string };
  dictionary_page_header?: { num_values: number; encoding: string };
}

/** Page headers of one column chunk, decoded by hyparquet's own Thrift reader. */
export async function pageHeaders(bytes: Uint8Array, rowGroup: number, column: number): Promise<PageHeaderLike[]> {
  const modulePath = new URL('../../node_modules/hyparquet/src/column.js', import.meta.url).href;
  const { parquetHeader } = (await import(modulePath)) as {
    parquetHeader: (reader: { view: DataView; offset: number }) => PageHeaderLike;
  };
  const meta = readFooter(bytes);
  const chunk = meta.row_groups[rowGroup]!.columns[column]!.meta_data!;
  const start = Number(chunk.dictionary_page_offset ?? chunk.data_page_offset);
  const end = start + Number(chunk.total_compressed_size);
  const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: start };
  const headers: PageHeaderLike[] = [];
  while (reader.offset < end) {
    const h = parquetHeader(reader);
    headers.push(h);
    reader.offset += h.compressed_page_size;
  }
  return headers;
}
