// expectUnique: first row per key passes, later duplicates fail; checked
// against DuckDB's row_number() over random keys with NULLs, across batches,
// and against the keys of a real Delta table.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { catchError, from, lastValueFrom, map, of, Subject, toArray } from 'rxjs';
import { DeltaTable } from '../../../src/delta/index.ts';
import { expectOrDrop, expectUnique, ExpectationDefinitionError, type ExpectationMetrics } from '../../../src/reactive/expectations/index.ts';
import { KeySet } from '../../../src/reactive/expectations/keySet.ts';
import { query } from '../support/duckdb.ts';
import { idsOf, makeBatch, newScheduler, orders } from './helpers.ts';
import { prng } from '../../support/prng.ts';

const root = mkdtempSync(join(tmpdir(), 'tributary-unique-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));

const rand = prng(Number(process.env.FUZZ_SEED ?? 51125));
const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));

interface Row { rid: number; k: number | null; s: string | null }
const randomRows = (count: number, from: number): Row[] =>
  Array.from({ length: count }, (_, i) => ({ rid: from + i, k: rand() < 0.1 ? null : int(0, 15), s: rand() < 0.1 ? null : ['a', 'b', 'c'][int(0, 2)]! }));
const toBatch = (rows: Row[]) => makeBatch({
  rid: [new arrow.Int32(), rows.map((r) => r.rid)], k: [new arrow.Int32(), rows.map((r) => r.k)], s: [new arrow.Utf8(), rows.map((r) => r.s)],
});
const values = (rows: Row[]) => rows.map((r) => `(${r.rid}, ${r.k ?? 'NULL'}, ${r.s === null ? 'NULL' : `'${r.s}'`})`).join(', ');
const ridsOf = (b: arrow.RecordBatch) => Array.from(b.getChild('rid')!.toArray() as Int32Array);

test('duplicates within a batch: all but the first row of a key fail (NULL is a key value), as row_number() = 1 in DuckDB', async () => {
  for (let round = 0; round < 4; round++) {
    const rows = randomRows(int(20, 80), 0);
    const expected = (await query(`SELECT rid FROM (SELECT rid, row_number() OVER (PARTITION BY k, s ORDER BY rid) AS rn FROM (VALUES ${values(rows)}) t(rid, k, s)) WHERE rn = 1 ORDER BY rid`)).map((r) => r[0]);
    const metrics = new Subject<ExpectationMetrics>();
    const seen: ExpectationMetrics[] = [];
    metrics.subscribe((m) => seen.push(m));
    const out = await lastValueFrom(from([toBatch(rows)]).pipe(expectUnique(['k', 's'], { action: 'drop', metrics })));
    assert.equal(ridsOf(out), expected);
    assert.equal(seen[0]!.data_quality.expectations[0], { name: 'unique_k_s', dataset: 'unnamed', passed_records: expected.length, failed_records: rows.length - expected.length });
  }
});

test("scope 'stream' and `against` a Delta table: keys already emitted or already in the table fail", async () => {
  const existing = randomRows(30, 1000);
  const path = join(root, 'target');
  // The table keys are int64 while the stream's are int32: keys compare by value.
  const schema = new arrow.Schema([new arrow.Field('rid', new arrow.Int32(), true), new arrow.Field('k', new arrow.Int64(), true), new arrow.Field('s', new arrow.Utf8(), true)]);
  const target = await DeltaTable.create(path, { schema });
  await target.append(makeBatch({
    rid: [new arrow.Int32(), existing.map((r) => r.rid)], k: [new arrow.Int64(), existing.map((r) => (r.k === null ? null : BigInt(r.k)))], s: [new arrow.Utf8(), existing.map((r) => r.s)],
  }));
  const batches = [randomRows(40, 0), randomRows(40, 40), randomRows(40, 80)];
  const all = batches.flat();
  const firstOverall = `SELECT rid FROM (SELECT rid, row_number() OVER (PARTITION BY k, s ORDER BY rid) AS rn FROM (VALUES ${values(all)}) t(rid, k, s)) WHERE rn = 1`;
  const streamExpected = (await query(`${firstOverall} ORDER BY rid`)).map((r) => r[0]);
  const againstExpected = (await query(
    `SELECT rid FROM (${firstOverall}) f JOIN (VALUES ${values(all)}) t(rid2, k, s) ON f.rid = t.rid2
     WHERE NOT EXISTS (SELECT 1 FROM (VALUES ${values(existing)}) e(rid, k, s) WHERE e.k IS NOT DISTINCT FROM t.k AND e.s IS NOT DISTINCT FROM t.s) ORDER BY rid`)).map((r) => r[0]);

  const stream = await lastValueFrom(from(batches.map(toBatch)).pipe(expectUnique(['k', 's'], { action: 'drop', scope: 'stream' }), map(ridsOf), toArray()));
  assert.equal(stream.flat(), streamExpected);
  const against = await lastValueFrom(from(batches.map(toBatch)).pipe(expectUnique(['K', 'S'], { action: 'drop', against: target }), map(ridsOf), toArray()));
  assert.equal(against.flat(), againstExpected);
  assert.ok(againstExpected.length < streamExpected.length, 'the table removed some keys');
});

test('warn keeps duplicates and counts them; fail names the first duplicate row', () => {
  newScheduler().run(({ cold, expectObservable }) => {
    const a = orders([[1, 1], [1, 2], [2, 3], [1, 4]]);
    expectObservable(cold('a|', { a }).pipe(expectUnique('id'), map(idsOf))).toBe('a|', { a: [1, 1, 2, 1] });
    const fail = cold('a|', { a }).pipe(expectUnique('id', { action: 'fail', dataset: 'orders' }), map(() => ''), catchError((e: Error) => of(e.message)));
    expectObservable(fail).toBe('(e|)', {
      e: `Flow 'orders' failed to meet the expectation. Violated expectations: 'unique_id'. Input data: '{"id":1,"amount":2}'. Output record: '{"id":1,"amount":2}'. Missing input data: false`,
    });
  });
});

test('in a chain, the key set only learns keys of rows that were emitted', async () => {
  // Batch 1: id 1 dropped by has_amount before… but uniqueness is counted on the same input rows (first id 1 row wins).
  const out = await lastValueFrom(from([orders([[1, null], [2, 1]]), orders([[1, 5]])]).pipe(
    expectOrDrop('has_amount', 'amount IS NOT NULL'), expectUnique('id', { action: 'drop', scope: 'stream' }), map(idsOf), toArray()));
  assert.equal(out, [[2], [1]], 'id 1 was never emitted, so its later row passes');
});

test('bad keys: missing column on the first batch, empty key list at construction', async () => {
  const error = await lastValueFrom(from([orders([[1, 1]])]).pipe(expectUnique('order_id', { dataset: 'orders' }), map(() => null), catchError((e: Error) => of(e))));
  assert.instance(error, ExpectationDefinitionError);
  assert.match((error as Error).message, "Expectation 'unique_order_id' on dataset 'orders': key column 'order_id' is not in the batch (columns: id, amount)");
  assert.throws(() => expectUnique([]), /one or more key column/);
});

test("each subscription has its own key set (scope 'stream')", async () => {
  const op = expectUnique('id', { action: 'drop', scope: 'stream' });
  const source = from([orders([[1, 1], [2, 2]]), orders([[2, 3], [3, 4]])]);
  const first = await lastValueFrom(source.pipe(op, map(idsOf), toArray()));
  const second = await lastValueFrom(source.pipe(op, map(idsOf), toArray()));
  assert.equal(first, [[1, 2], [3]]);
  assert.equal(second, first);
});

test('KeySet grows past the per-Set limit', () => {
  const s = new KeySet(3);
  for (const k of [1, 2, 3, 4, 5, 1, 4, 'x', null, null]) s.add(k);
  assert.is(s.size, 7);
  assert.ok([1, 2, 3, 4, 5, 'x', null].every((k) => s.has(k)));
  assert.not.ok(s.has(6) || s.has('1'));
});

test.run();
