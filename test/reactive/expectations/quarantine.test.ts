// quarantine: failing rows land in a real Delta table (read back through the
// src/delta scan and, independently, DuckDB over the data files) before the
// valid rows are emitted; write failures error the stream.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { catchError, from, lastValueFrom, map, of, Subject, toArray } from 'rxjs';
import { DeltaTable } from '../../../src/delta/index.ts';
import {
  expectAllOrDrop, expectOrDrop, quarantine, quarantineSchema, type ExpectationMetrics,
} from '../../../src/reactive/expectations/index.ts';
import { idsOf, newScheduler, orders, rowsOf } from './helpers.ts';

const root = mkdtempSync(join(tmpdir(), 'tributary-quarantine-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));
let n = 0;
const dir = () => join(root, `q${n++}`);
const rules = { has_id: 'id IS NOT NULL', positive: 'amount > 0' };
const at = new Date('2026-11-25T10:00:00.123Z');
const clock = () => at;

const a = orders([[1, 10], [2, -1], [null, 5], [null, null]]);
const b = orders([[3, 1], [4, 2]]);
const c = orders([[5, 0]]);

/** Rows of a table through src/delta's scan, sorted by a JSON rendering. */
async function scanRows(path: string): Promise<string[]> {
  const t = await (await DeltaTable.open(path)).toArrow();
  const rows = t.toArray().map((r) => {
    const o = r.toJSON() as Record<string, unknown>;
    return JSON.stringify({ ...o, _failed_expectations: [...(o._failed_expectations as arrow.Vector)] });
  });
  return rows.sort();
}

test('failing rows go to the quarantine table with the rules they broke; valid rows go on', async () => {
  const path = dir();
  const q = await DeltaTable.create(path, { schema: quarantineSchema(a.schema) });
  const metrics = new Subject<ExpectationMetrics>();
  const seen: ExpectationMetrics[] = [];
  metrics.subscribe((m) => seen.push(m));
  const out = await lastValueFrom(from([a, b, c]).pipe(quarantine({ rules, to: q, dataset: 'orders', metrics, clock }), map(idsOf), toArray()));
  assert.equal(out, [[1], [3, 4], []]);
  // The NULL-amount row breaks `positive` through a NULL outcome: quarantined, not lost between outputs (spec §2.6).
  assert.equal(await scanRows(path), [
    { id: 2, amount: -1, _failed_expectations: ['positive'] },
    { id: 5, amount: 0, _failed_expectations: ['positive'] },
    { id: null, amount: 5, _failed_expectations: ['has_id'] },
    { id: null, amount: null, _failed_expectations: ['has_id', 'positive'] },
  ].map((r) => JSON.stringify({ ...r, _quarantined_at: at.getTime() })).sort());
  // Two quarantine commits (b had nothing to quarantine).
  assert.is((await DeltaTable.open(path)).version(), 2);
  assert.equal(seen.map((m) => m.data_quality.dropped_records), [3, 0, 1]);
  assert.equal(seen[0]!.data_quality.expectations.map((e) => [e.name, e.passed_records, e.failed_records]), [['has_id', 2, 2], ['positive', 2, 2]]);

  // DuckDB reads the data files on its own: list column and microsecond UTC timestamps.
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const files = (await DeltaTable.open(path)).files().map((f) => `'${join(path, f.path)}'`);
  const r = await conn.runAndReadAll(`SELECT id, array_to_string(_failed_expectations, '|') AS f, epoch_us(_quarantined_at) AS us FROM read_parquet([${files.join(', ')}]) ORDER BY id NULLS LAST, f`);
  assert.equal(r.getRows().map((x) => x.map((v) => (typeof v === 'bigint' ? Number(v) : v))), [
    [2, 'positive', at.getTime() * 1000], [5, 'positive', at.getTime() * 1000],
    [null, 'has_id', at.getTime() * 1000], [null, 'has_id|positive', at.getTime() * 1000],
  ]);
  conn.closeSync();
});

test('the quarantine write completes before the batch is emitted', async () => {
  const events: string[] = [];
  const sink = async (rows: arrow.RecordBatch) => {
    events.push(`write start ${rows.numRows}`);
    await new Promise((r) => setTimeout(r, 20));
    events.push('write done');
  };
  await lastValueFrom(from([a, b, c]).pipe(quarantine({ rules, to: sink }), map((x) => events.push(`emit ${x.numRows}`)), toArray()));
  assert.equal(events, ['write start 3', 'write done', 'emit 1', 'emit 2', 'write start 1', 'write done', 'emit 0']);

  // With a Delta table: when the valid rows arrive downstream, the quarantine commit is already on disk.
  const path = dir();
  const q = await DeltaTable.create(path, { schema: quarantineSchema(a.schema) });
  const committed: boolean[] = [];
  await lastValueFrom(from([a]).pipe(quarantine({ rules, to: q }), map(() => committed.push(existsSync(join(path, '_delta_log', '00000000000000000001.json'))))));
  assert.equal(committed, [true]);
});

test('a failed quarantine write errors the stream, the batch is not emitted and the table is unchanged', async () => {
  const path = dir();
  // A table whose schema cannot take the quarantined rows (amount is a string there).
  const wrong = new arrow.Schema([new arrow.Field('id', new arrow.Int32()), new arrow.Field('amount', new arrow.Utf8())]);
  const q = await DeltaTable.create(path, { schema: wrong });
  const emitted: number[] = [];
  const error = await lastValueFrom(from([b, a, b]).pipe(quarantine({ rules, to: q, dataset: 'orders' }), map((x) => { emitted.push(x.numRows); return ''; }), catchError((e: Error) => of(e.message))));
  assert.equal(emitted, [2], 'only the batch before the failing one');
  assert.match(error, "Quarantine of dataset 'orders': writing 3 row(s) to Delta table");
  assert.is((await DeltaTable.open(path)).version(), 0);

  const rejected = await lastValueFrom(from([a]).pipe(quarantine({ rules, to: () => Promise.reject(new Error('disk full')) }), map(() => 'emitted'), catchError((e: Error) => of(e.message))));
  assert.is(rejected, 'disk full');
});

test('a table path is created on the first quarantined batch; expectAllOrDrop({ quarantine }) does the same', async () => {
  const path = dir();
  const out = await lastValueFrom(from([b, a]).pipe(expectAllOrDrop(rules, { quarantine: path, clock }), map(idsOf), toArray()));
  assert.equal(out, [[3, 4], [1]]);
  const t = await DeltaTable.open(path);
  assert.equal(t.schema().fields.map((f) => `${f.name}:${f.type}`), ['id:Int32', 'amount:Float64', '_failed_expectations:List<Utf8>', '_quarantined_at:Timestamp<MICROSECOND, UTC>']);
  assert.is((await scanRows(path)).length, 3);
});

test('marble: a synchronous sink keeps the operator synchronous; rows dropped upstream in the chain are not quarantined', () => {
  const written: unknown[][] = [];
  const sink = (rows: arrow.RecordBatch) => void written.push(rowsOf(rows).map((r) => [r.id, [...(r._failed_expectations as arrow.Vector)]]));
  newScheduler().run(({ cold, expectObservable }) => {
    const src = cold('a-b-|', { a, b });
    const out = src.pipe(expectOrDrop('not_null_amount', 'amount IS NOT NULL'), quarantine({ rules, to: sink, clock }), map(idsOf));
    expectObservable(out).toBe('x-y-|', { x: [1], y: [3, 4] });
  });
  assert.equal(written, [[[2, ['positive']], [null, ['has_id']]]]);
});

test('unsubscribing during a write: the batch is not emitted afterwards', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const emitted: number[] = [];
  const sub = from([a, b]).pipe(quarantine({ rules, to: () => gate })).subscribe((x) => emitted.push(x.numRows));
  sub.unsubscribe();
  release();
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(emitted, []);
});

test('an asynchronous quarantine inside a chain: one report per batch with every expectation, published before completion', async () => {
  const metrics = new Subject<ExpectationMetrics>();
  const seen: ExpectationMetrics[] = [];
  metrics.subscribe((m) => seen.push(m));
  const slow = () => new Promise((r) => setTimeout(r, 5));
  const opts = { dataset: 'orders', metrics };
  const out = await lastValueFrom(from([a, b]).pipe(
    expectOrDrop('small_id', 'id < 4', opts),
    quarantine({ ...opts, rules, to: slow }),
    expectOrDrop('big_amount', 'amount > 1', opts),
    map(idsOf), toArray()));
  assert.equal(out, [[1], []]);
  // a: small_id T T N N → drops the 2 NULL ids; positive quarantines id 2; big_amount (10) keeps id 1.
  // b: small_id T F → drops id 4; id 3 (amount 1) fails big_amount.
  assert.equal(seen.map((m) => [m.batch_id, m.data_quality.dropped_records, m.data_quality.expectations.map((e) => [e.name, e.passed_records, e.failed_records])]), [
    [0, 3, [['small_id', 2, 2], ['has_id', 2, 2], ['positive', 2, 2], ['big_amount', 2, 2]]],
    [1, 2, [['small_id', 1, 1], ['has_id', 2, 0], ['positive', 2, 0], ['big_amount', 1, 1]]],
  ]);
});

test('data with a quarantine column name is refused', () => {
  const schema = new arrow.Schema([new arrow.Field('_failed_expectations', new arrow.Utf8())]);
  assert.throws(() => quarantineSchema(schema), /already has a column named '_failed_expectations'/);
});

test.run();
