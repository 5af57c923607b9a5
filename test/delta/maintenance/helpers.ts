// Helpers of the maintenance tests: a small seeded table of mixed types, and
// DuckDB as the independent reader of data files.
import * as arrow from 'apache-arrow';
import { join } from 'node:path';
import { DeltaTable } from '../../../src/delta/table.ts';
import type { Storage } from '../../../src/delta/storage/storage.ts';
import { fromAddPath } from '../../../src/delta/partition-values.ts';
import type { Add } from '../../../src/delta/actions.ts';
import { duckRows } from '../write-helpers.ts';

export { duckRows, tempTableDir } from '../write-helpers.ts';

export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0), s / 2 ** 32);
}

export const schema = new arrow.Schema([
  new arrow.Field('id', new arrow.Int64(), false),
  new arrow.Field('customer', new arrow.Int32(), true),
  new arrow.Field('amount', new arrow.Float64(), true),
  new arrow.Field('name', new arrow.Utf8(), true),
  new arrow.Field('ts', new arrow.Timestamp(arrow.TimeUnit.MICROSECOND, 'UTC'), true),
  new arrow.Field('flag', new arrow.Bool(), true),
  new arrow.Field('country', new arrow.Utf8(), true),
]);
export const COLS = ['id', 'customer', 'amount', 'name', 'ts', 'flag', 'country'];

export interface Row {
  id: bigint;
  customer: number | null;
  amount: number | null;
  name: string | null;
  ts: bigint | null;
  flag: boolean | null;
  country: string;
}

/** `n` rows with ids from `first`, ~10% nulls in nullable columns. */
export function makeRows(n: number, first: number, seed: number, countries = ['US', 'FR']): Row[] {
  const r = prng(seed);
  return Array.from({ length: n }, (_, i) => ({
    id: BigInt(first + i),
    customer: r() < 0.1 ? null : Math.floor(r() * 100_000),
    amount: r() < 0.1 ? null : Math.round(r() * 1e6) / 100,
    name: r() < 0.1 ? null : `n-${Math.floor(r() * 5000)}-é`,
    ts: r() < 0.1 ? null : 1_700_000_000_000_000n + BigInt(Math.floor(r() * 1e12)),
    flag: r() < 0.1 ? null : r() < 0.5,
    country: countries[Math.floor(r() * countries.length)],
  }));
}

export function toArrow(rows: Row[]): arrow.Table {
  return new arrow.Table({
    id: arrow.vectorFromArray(rows.map((x) => x.id), new arrow.Int64()),
    customer: arrow.vectorFromArray(rows.map((x) => x.customer), new arrow.Int32()),
    amount: arrow.vectorFromArray(rows.map((x) => x.amount), new arrow.Float64()),
    name: arrow.vectorFromArray(rows.map((x) => x.name), new arrow.Utf8()),
    ts: timestampVector(rows.map((x) => x.ts)),
    flag: arrow.vectorFromArray(rows.map((x) => x.flag), new arrow.Bool()),
    country: arrow.vectorFromArray(rows.map((x) => x.country), new arrow.Utf8()),
  });
}

/** A µs timestamp vector from bigints (Arrow's builder takes ms numbers). */
export function timestampVector(values: (bigint | null)[]): arrow.Vector {
  const data = BigInt64Array.from(values, (v) => v ?? 0n);
  const bitmap = new Uint8Array((values.length + 7) >> 3);
  let nulls = 0;
  values.forEach((v, i) => {
    if (v === null) nulls++;
    else bitmap[i >> 3] |= 1 << (i & 7);
  });
  const type = new arrow.Timestamp(arrow.TimeUnit.MICROSECOND, 'UTC');
  return arrow.makeVector(arrow.makeData({ type, length: values.length, nullCount: nulls, nullBitmap: bitmap, data }));
}

/** A table with `commits` appends of `rowsPer` rows each; returns it and all rows written. */
export async function buildTable(
  location: string | Storage,
  commits: number,
  rowsPer: number,
  options: { partitionBy?: string[]; properties?: Record<string, string>; countries?: string[] } = {},
): Promise<{ table: DeltaTable; rows: Row[] }> {
  const table = await DeltaTable.create(location, { schema, partitionBy: options.partitionBy, properties: options.properties });
  const rows: Row[] = [];
  for (let c = 0; c < commits; c++) {
    const batch = makeRows(rowsPer, c * rowsPer, c + 1, options.countries);
    rows.push(...batch);
    await table.append(toArrow(batch));
  }
  return { table, rows };
}

/** A row rendered as DuckDB renders it in JSON (ints/timestamps as text), for order-free comparison. */
export function rowKey(r: Record<string, unknown>): string {
  return JSON.stringify(COLS.map((c) => {
    const v = r[c];
    if (v === null || v === undefined) return null;
    if (c === 'ts') return String(v);
    return String(v);
  }));
}

/** Every row of the given data files as DuckDB reads them (partition values from the log), as sorted keys. */
export async function duckTableRows(dir: string, files: readonly Add[]): Promise<string[]> {
  const out: string[] = [];
  for (const add of files) {
    const file = join(dir, fromAddPath(add.path));
    const parts = Object.entries(add.partitionValues).map(([k, v]) => `${v === null ? 'NULL' : `'${v}'`} AS "${k}"`);
    const rows = await duckRows(
      `SELECT id, customer, amount, name, epoch_us(ts) AS ts, flag${parts.length ? ', ' + parts.join(', ') : ', country'} FROM read_parquet('${file}')`,
    );
    for (const r of rows) out.push(rowKey(r));
  }
  return out.sort();
}

/** The rows we wrote, rendered like {@link duckTableRows}. */
export function expectedKeys(rows: Row[]): string[] {
  return rows.map((r) => rowKey(r as unknown as Record<string, unknown>)).sort();
}
