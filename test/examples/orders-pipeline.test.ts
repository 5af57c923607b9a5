// Runs examples/orders-pipeline.ts in a child process and checks the four
// tables it leaves: read back through Tributary's Delta log and, for the
// values, through DuckDB over the data files the log lists. Every expected
// count is derived here from the rows read back, not taken from the example.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeltaTable } from '../../src/delta/index.ts';
import { query } from '../reactive/support/duckdb.ts';

const root = new URL('../..', import.meta.url).pathname;
const ROWS = 5_000;
const DAY_US = 86_400_000_000;

/** Every row of a Delta table as a plain object (DuckDB over the snapshot's data files). */
async function readRows(path: string, columns: string): Promise<Record<string, unknown>[]> {
  const table = await DeltaTable.open(path);
  const files = table.files().map((a) => `'${join(path, decodeURIComponent(a.path)).replaceAll("'", "''")}'`);
  const names = columns.split(',').map((c) => c.trim().split(/\s+/).at(-1)!);
  const rows = await query(`SELECT ${columns} FROM read_parquet([${files.join(',')}]) ORDER BY 1`);
  return rows.map((r) => Object.fromEntries(names.map((n, i) => [n, r[i]])));
}

const num = (v: unknown): number => Number(v);

test('npm start example: exits 0 and leaves consistent bronze, quarantine, silver and gold tables', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-example-'));
  try {
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'examples/orders-pipeline.ts'), dir, '--rows', String(ROWS)], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.is(run.status, 0, `example exited ${run.status ?? run.signal}: ${run.stderr}`);
    assert.ok(run.stdout.includes(`writing Delta tables under ${dir}`), 'prints where it writes');

    const cols = 'id, customer_id, amount, status, country, epoch_us(ts) AS ts';
    const bronze = await readRows(join(dir, 'bronze_orders'), cols);
    const quarantine = await readRows(join(dir, 'bronze_orders_quarantine'), `${cols}, _failed_expectations`);
    // Each generated order lands in exactly one of bronze and quarantine.
    const ids = [...bronze, ...quarantine].map((r) => num(r.id)).sort((a, b) => a - b);
    assert.equal(ids, Array.from({ length: ROWS }, (_, i) => i + 1));
    assert.ok(quarantine.length > 0, 'the generator breaks a few rows');

    const broken = (r: Record<string, unknown>) => [
      ...(r.customer_id === null ? ['has_customer'] : []),
      ...(num(r.amount) < 0 ? ['non_negative_amount'] : []),
    ];
    for (const r of bronze) assert.equal(broken(r), [], `bronze row ${r.id} breaks an expectation`);
    for (const r of quarantine) {
      const listed = (r._failed_expectations as { items: unknown[] }).items.map(String).sort();
      assert.equal(listed, broken(r).sort(), `quarantine row ${r.id} lists the rules it broke`);
    }

    // Silver: bronze minus cancelled orders minus implausible amounts, with the derived columns.
    const silver = await readRows(join(dir, 'silver_orders'), `${cols}, amount_eur, order_date - DATE '1970-01-01' AS day`);
    const wantSilver = bronze.filter((r) => r.status !== 'cancelled' && num(r.amount) < 50_000);
    assert.ok(wantSilver.length < bronze.length, 'the silver filters remove rows');
    assert.equal(silver.map((r) => num(r.id)), wantSilver.map((r) => num(r.id)));
    for (const r of silver) {
      assert.ok(Math.abs(num(r.amount_eur) - Math.round(num(r.amount) * 92) / 100) < 0.0051, `amount_eur of row ${r.id}`);
      assert.is(num(r.day), Math.floor(num(r.ts) / DAY_US), `order_date of row ${r.id}`);
    }

    // Gold: one row per country with the count and euro total of its silver rows.
    const gold = await readRows(join(dir, 'gold_revenue_by_country'), 'country, orders, revenue_eur');
    const want = new Map<string, { orders: number; cents: number }>();
    for (const r of silver) {
      const g = want.get(String(r.country)) ?? { orders: 0, cents: 0 };
      g.orders++;
      g.cents += Math.round(num(r.amount_eur) * 100);
      want.set(String(r.country), g);
    }
    assert.equal(gold.map((r) => r.country).sort(), [...want.keys()].sort());
    for (const r of gold) {
      const w = want.get(String(r.country))!;
      assert.is(num(r.orders), w.orders, `orders of ${r.country}`);
      assert.ok(Math.abs(num(r.revenue_eur) - w.cents / 100) < 1e-6, `revenue of ${r.country}`);
    }
    assert.is((await DeltaTable.open(join(dir, 'gold_revenue_by_country'))).version(), 1, 'gold: created, then one overwrite');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
