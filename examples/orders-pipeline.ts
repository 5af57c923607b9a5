// A medallion pipeline on local disk, end to end:
//   bronze  generated orders (a few broken on purpose) → fromRows with a typed
//           schema → expectations whose violators go to a quarantine table →
//           toDelta(bronze)
//   silver  readStream(bronze) → where (no cancelled orders) → withColumns
//           (euro amount, order date) → expectOrDrop (plausible amount) →
//           toDelta(silver)
//   gold    revenue per country, reduced in JS over silver's batches, written
//           as a small summary table (overwrite)
// Every step prints its data-quality metrics; the end prints each table's row
// count as read back from its Delta log.
//   npm start [-- <dir>] [--rows N]     (default dir ./.tmp/example, 20,000 rows)
// The four table directories are removed first, so every run starts from scratch.
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import * as arrow from 'apache-arrow';
import { lastValueFrom, Subject, takeWhile, tap, toArray } from 'rxjs';
import { DeltaTable } from '../src/delta/index.ts';
import {
  backpressure,
  deltaStreamOffset,
  expectAllOrDrop,
  expectOrDrop,
  float64,
  fromRows,
  int32,
  int64,
  readStream,
  schema,
  sumMetrics,
  timestamp,
  toDelta,
  utf8,
  where,
  withColumns,
  type DataQualityTotals,
  type ExpectationMetrics,
  type RowOf,
} from '../src/reactive/index.ts';

const args = process.argv.slice(2);
const rowsFlag = args.indexOf('--rows');
const rows = rowsFlag >= 0 ? Number(args[rowsFlag + 1]) : 20_000;
if (!Number.isInteger(rows) || rows < 1) throw new Error(`orders-pipeline: --rows needs a positive integer, got ${args[rowsFlag + 1]}`);
const dirArg = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--rows');
const dir = resolve(dirArg ?? '.tmp/example');
const paths = {
  bronze: `${dir}/bronze_orders`,
  quarantine: `${dir}/bronze_orders_quarantine`,
  silver: `${dir}/silver_orders`,
  gold: `${dir}/gold_revenue_by_country`,
};

/** Raw orders as an upstream system sends them: customer_id may be missing. */
const orders = schema(
  {
    id: int64(),
    customer_id: int32().nullable(),
    amount: float64(),
    status: utf8(),
    country: utf8(),
    ts: timestamp('us', 'UTC'),
  },
  { name: 'orders' },
);
type Order = RowOf<typeof orders>;

/** Deterministic orders; about 1 in 250 lacks a customer or has a negative amount, a few are implausibly large. */
function* generateOrders(n: number): Generator<Order> {
  let seed = 42;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const statuses = ['paid', 'shipped', 'delivered', 'cancelled'];
  const countries = ['US', 'GB', 'DE', 'FR', 'NL', 'JP', 'BR', 'IN'];
  const start = Date.UTC(2026, 10, 1);
  for (let i = 0; i < n; i++) {
    const broken = rand();
    yield {
      id: i + 1,
      customer_id: broken < 0.002 ? null : 1 + Math.floor(rand() * 5_000),
      amount: broken > 0.998 ? -5 : broken > 0.997 ? 95_000 : Math.round(rand() * 500_00) / 100,
      status: statuses[Math.floor(rand() * statuses.length)]!,
      country: countries[Math.floor(rand() * countries.length)]!,
      ts: start + i * 60_000,
    };
  }
}

/** Collects an expectation chain's metrics over a run. */
function metricsTotals(): { observer: Subject<ExpectationMetrics>; totals: () => DataQualityTotals | undefined } {
  const observer = new Subject<ExpectationMetrics>();
  let last: DataQualityTotals | undefined;
  observer.pipe(sumMetrics()).subscribe((t) => (last = t));
  return { observer, totals: () => last };
}

function printQuality(step: string, t: DataQualityTotals | undefined): void {
  if (!t) return console.log(`  ${step}: no batches`);
  console.log(`  ${step}: ${t.batches} batch(es), ${t.num_input_rows} in, ${t.num_output_rows} out, ${t.dropped_records} dropped`);
  for (const e of t.expectations) console.log(`    expectation ${e.dataset}.${e.name}: ${e.passed_records} passed, ${e.failed_records} failed`);
}

async function bronze(): Promise<void> {
  const quality = metricsTotals();
  const bp = backpressure();
  const commits = await lastValueFrom(
    fromRows(generateOrders(rows), { schema: orders, batchSize: 5_000, backpressure: bp }).pipe(
      expectAllOrDrop(
        { has_customer: 'customer_id IS NOT NULL', non_negative_amount: 'amount >= 0' },
        { dataset: 'bronze_orders', metrics: quality.observer, quarantine: paths.quarantine },
      ),
      toDelta(paths.bronze, { appId: 'bronze-ingest', backpressure: bp }),
      toArray(),
    ),
  );
  const landed = commits.reduce((s, c) => s + c.numRows, 0);
  console.log(`bronze: ${rows} orders generated, ${landed} landed in ${commits.length} commit(s) (version ${commits.at(-1)?.version})`);
  printQuality('expectations', quality.totals());
}

async function silver(): Promise<void> {
  // Stream bronze as it stands now, and stop after the batch holding its last data file.
  const source = await DeltaTable.open(paths.bronze);
  const lastVersion = source.version();
  const lastIndex = source.files().length - 1;
  const isLast = (b: arrow.RecordBatch) => {
    const o = deltaStreamOffset(b);
    return o !== undefined && o.version === lastVersion && o.index >= lastIndex;
  };
  const quality = metricsTotals();
  let read = 0;
  let kept = 0;
  const commits = await lastValueFrom(
    readStream(paths.bronze, { maxFilesPerBatch: 2, pollIntervalMs: 50 }).pipe(
      takeWhile((b) => !isLast(b), true),
      tap((b) => (read += b.numRows)),
      where("status <> 'cancelled'"),
      tap((b) => (kept += b.numRows)),
      withColumns({ amount_eur: 'round(amount * 0.92, 2)', order_date: 'CAST(ts AS DATE)' }),
      expectOrDrop('plausible_amount', 'amount < 50000', { dataset: 'silver_orders', metrics: quality.observer }),
      toDelta(paths.silver, { appId: 'silver-refine' }),
      toArray(),
    ),
  );
  const landed = commits.reduce((s, c) => s + c.numRows, 0);
  console.log(`silver: ${read} bronze rows streamed, ${read - kept} cancelled filtered out, ${landed} landed in ${commits.length} commit(s)`);
  printQuality('expectations', quality.totals());
}

/** Revenue per country (count and euro total), reduced in JS over silver's batches. */
async function gold(): Promise<void> {
  const perCountry = new Map<string, { orders: number; cents: number }>();
  for await (const batch of (await DeltaTable.open(paths.silver)).scan({ columns: ['country', 'amount_eur'] })) {
    const country = batch.getChild('country')!;
    const amount = batch.getChild('amount_eur')!.toArray() as Float64Array;
    for (let i = 0; i < batch.numRows; i++) {
      const c = country.get(i) as string;
      const g = perCountry.get(c) ?? { orders: 0, cents: 0 };
      g.orders += 1;
      g.cents += Math.round(amount[i]! * 100); // integer cents: the total does not depend on batch order
      perCountry.set(c, g);
    }
  }
  const summary = schema({ country: utf8(), orders: int64(), revenue_eur: float64() }, { name: 'gold_revenue_by_country' });
  const rowsOut = [...perCountry]
    .sort((a, b) => b[1].cents - a[1].cents)
    .map(([country, g]) => ({ country, orders: g.orders, revenue_eur: g.cents / 100 }));
  const [commit] = await lastValueFrom(
    fromRows(rowsOut, { schema: summary }).pipe(toDelta(paths.gold, { appId: 'gold-summary', mode: 'overwrite' }), toArray()),
  );
  console.log(`gold: ${rowsOut.length} countries written (version ${commit?.version}); top 3:`);
  for (const r of rowsOut.slice(0, 3)) console.log(`  ${r.country}  ${r.orders} orders  EUR ${r.revenue_eur.toFixed(2)}`);
}

const t0 = performance.now();
for (const path of Object.values(paths)) rmSync(path, { recursive: true, force: true });
console.log(`orders-pipeline: writing Delta tables under ${dir}`);
await bronze();
await silver();
await gold();
console.log('final row counts (read back from each Delta log):');
for (const [name, path] of Object.entries(paths)) {
  const t = await DeltaTable.open(path);
  const n = (await t.toArrow()).numRows;
  console.log(`  ${name.padEnd(10)} ${String(n).padStart(6)} rows  version ${t.version()}  ${path}`);
}
console.log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
