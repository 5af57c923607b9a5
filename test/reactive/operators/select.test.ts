import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { catchError, from, lastValueFrom, map, throwError, toArray } from 'rxjs';
import { select } from '../../../src/reactive/operators/select.ts';
import { splitAlias } from '../../../src/reactive/operators/splitAlias.ts';
import { OperatorError } from '../../../src/reactive/operators/operatorError.ts';
import { binary, date32, float64, int32, int64, list, schema, struct, utf8, type RowOf } from '../../../src/reactive/schema/index.ts';
import { schemaMismatch } from '../../../src/reactive/batch/schemaMismatch.ts';
import { queryBatches } from '../support/duckdb.ts';
import { batchOf, namesOf, newScheduler, norm, randomMixedBatch, rowsOf, same } from './support.ts';

const orders = schema({ id: int64(), amount: float64(), status: utf8(), qty: int32().nullable() }, { name: 'orders' });
type Order = RowOf<typeof orders>;
const rows: Order[] = [
  { id: 1, amount: 50, status: 'paid', qty: 1 },
  { id: 2, amount: 150.25, status: 'void', qty: null },
  { id: 3, amount: 250, status: 'open', qty: 3 },
];
const a = batchOf(orders, rows.slice(0, 2));
const b = batchOf(orders, rows.slice(2));
const asMessage = catchError((e: Error) => throwError(() => `${e.name}: ${e.message}`));
const asRows = map(rowsOf);
const all = async (batches: arrow.RecordBatch[], ...exprs: Parameters<typeof select>) => lastValueFrom(from(batches).pipe(select(...exprs), toArray()));

test('projects expressions with aliases, batch by batch', () => {
  const expected = (rs: Order[]) => rs.map((r) => ({ id: BigInt(r.id), doubled: r.amount * 2, s: r.status.toUpperCase(), q: r.qty == null ? null : r.qty + 1 }));
  newScheduler().run(({ cold, expectObservable }) => {
    const src = cold('a--b|', { a, b });
    expectObservable(src.pipe(select('id', 'amount * 2 AS doubled', 'upper(status) as s', 'qty + 1 AS `q`'), asRows)).toBe('x--y|', {
      x: expected(rows.slice(0, 2)),
      y: expected(rows.slice(2)),
    });
  });
});

test('names: column keeps its own name (not the spelling used), s.f is f, other expressions their text', async () => {
  const nested = schema({ id: int64(), s: struct({ f: int32(), g: utf8() }) });
  const batch = batchOf(nested, [{ id: 1, s: { f: 7, g: 'x' } }]);
  const [out] = await all([batch], 'ID', 's.f', 'CAST(id AS INT)', 'CAST(id AS INT) AS i', '  id + 1 ');
  assert.equal(namesOf(out!), ['id', 'f', 'CAST(id AS INT)', 'i', 'id + 1']);
  assert.equal(rowsOf(out!), [{ id: 1n, f: 7, 'CAST(id AS INT)': 1, i: 1, 'id + 1': 2n }]);
});

test('* expands to every input column, in order, and mixes with expressions', () => {
  newScheduler().run(({ cold, expectObservable }) => {
    expectObservable(cold('a|', { a }).pipe(select('amount > 100 AS big', '*'), asRows)).toBe('x|', {
      x: rows.slice(0, 2).map((r) => ({ big: r.amount > 100, id: BigInt(r.id), amount: r.amount, status: r.status, qty: r.qty ?? null })),
    });
  });
});

test('plain columns pass through zero-copy with type, nullability and metadata; computed ones are nullable', async () => {
  const wide = schema({ id: int64(), tags: list(utf8()), raw: binary(), day: date32() });
  const batch = batchOf(wide, [{ id: 1, tags: ['a', 'b'], raw: new Uint8Array([1, 2]), day: '2026-11-25' }, { id: 2, tags: [], raw: new Uint8Array(0), day: '2024-02-29' }]);
  const [out] = await all([batch], 'tags', 'raw AS bytes', 'day', 'id * 2 AS twice');
  assert.ok(out!.getChild('tags')!.data[0] === batch.getChild('tags')!.data[0], 'list column shared, not copied');
  assert.ok(out!.getChild('bytes')!.data[0] === batch.getChild('raw')!.data[0]);
  assert.equal(out!.schema.fields.map((f) => [f.name, String(f.type), f.nullable]), [
    ['tags', String(batch.schema.fields[1]!.type), false],
    ['bytes', 'Binary', false],
    ['day', 'Date32<DAY>', false],
    ['twice', 'Int64', true],
  ]);
  assert.equal(Array.from(out!.getChild('twice')!), [2n, 4n]);
});

test('every output batch of one input schema has the same output schema; empty batches are projected', async () => {
  const out = await all([a, batchOf(orders, []), b], 'id', 'amount AS x');
  assert.equal(out.map((o) => o.numRows), [2, 0, 1]);
  assert.is(schemaMismatch(out[0]!.schema, out[1]!.schema), undefined);
  assert.is(schemaMismatch(out[0]!.schema, out[2]!.schema), undefined);
});

test('errors at the first batch name the expression, dataset and columns', () => {
  newScheduler().run(({ cold, expectObservable }) => {
    const src = cold('-a|', { a });
    expectObservable(src.pipe(select('id', 'amount * rate AS cost', { dataset: 'orders' }), asMessage)).toBe('-#', undefined,
      "OperatorError: select `amount * rate AS cost` on dataset orders: Column 'rate' not found in table orders [id, amount, status, qty]\n  amount * rate\n           ^");
    expectObservable(src.pipe(select('id', 'amount AS ID'), asMessage)).toBe('-#', undefined,
      "OperatorError: select `amount AS ID`: duplicate output column 'ID' (also produced by `id`); add an alias");
    expectObservable(src.pipe(select('*', 'status'), asMessage)).toBe('-#', undefined,
      "OperatorError: select `status`: duplicate output column 'status' (also produced by `*`); add an alias");
    expectObservable(src.pipe(select('upper(amount, 2) AS x'), asMessage)).toBe('-#', undefined, (() => {
      // The engine's own message, prefixed, with the columns appended because it does not list them.
      let inner = '';
      from([a]).pipe(select('upper(amount, 2)')).subscribe({ error: (e: OperatorError) => (inner = (e.cause as Error).message) });
      return `OperatorError: select \`upper(amount, 2) AS x\`: ${inner}\n  columns: [id: Int64, amount: Float64, status: Utf8, qty: Int32]`;
    })());
  });
  assert.throws(() => select(), /give at least one expression/);
  assert.throws(() => select('id', ''), /non-empty SQL strings/);
});

test('the schema may change mid-stream: the projection is recompiled', () => {
  const v2 = schema({ id: int32(), status: utf8(), amount: utf8() });
  const c = batchOf(v2, [{ id: 9, status: 'new', amount: '12.5' }]);
  newScheduler().run(({ cold, expectObservable }) => {
    expectObservable(cold('a-c-b|', { a, b, c }).pipe(select('id', 'amount * 2 AS x'), asRows)).toBe('p-q-r|', {
      p: rows.slice(0, 2).map((r) => ({ id: BigInt(r.id), x: r.amount * 2 })),
      // A string times an integer is a double in Spark.
      q: [{ id: 9, x: 25 }],
      r: rows.slice(2).map((r) => ({ id: BigInt(r.id), x: r.amount * 2 })),
    });
  });
});

test('splitAlias only takes a trailing top-level AS name', () => {
  assert.equal(splitAlias('a + 1 AS b'), { sql: 'a + 1', alias: 'b' });
  assert.equal(splitAlias('CAST(a AS INT)'), { sql: 'CAST(a AS INT)', alias: undefined });
  assert.equal(splitAlias('CAST(a AS INT) as `my col`'), { sql: 'CAST(a AS INT)', alias: 'my col' });
  assert.equal(splitAlias("'x AS y'"), { sql: "'x AS y'", alias: undefined });
  assert.equal(splitAlias('a AS'), { sql: 'a AS', alias: undefined });
  assert.equal(splitAlias("'unterminated"), { sql: "'unterminated", alias: undefined });
});

test('projections agree with DuckDB on random data', async () => {
  const input = randomMixedBatch(7_20261125, ['a', 'ab', 'b', 'abc', 'Hello', '', 'zz', 'x y']);
  const exprs = [
    'i + 1 AS e0', 'd * 2 - i AS e1', 'upper(s) AS e2', 'coalesce(i, 0) AS e3', "CASE WHEN d > 0 THEN 'pos' WHEN d < 0 THEN 'neg' END AS e4",
    'length(s) AS e5', 'abs(d) AS e6', 'substring(s, 2, 3) AS e7', 'i % 7 AS e8', 'year(dt) AS e9', 'i / 4 AS e10',
    "s || '-' || CAST(i AS STRING) AS e11", 'i IS NULL AS e12', 'month(dt) + day(dt) AS e13',
  ];
  const ours = (await lastValueFrom(from([input.slice(0, 100), input.slice(100)]).pipe(select('id', ...exprs), toArray()))).flatMap(rowsOf);
  const theirs = await queryBatches([input], `SELECT id, ${exprs.join(', ')} FROM t ORDER BY id`);
  assert.is(ours.length, input.numRows);
  const mismatches: string[] = [];
  ours.forEach((row, k) => {
    const values = Object.values(row).map(norm);
    theirs[k]!.map(norm).forEach((v, j) => {
      if (!same(values[j], v)) mismatches.push(`${j === 0 ? 'id' : exprs[j - 1]} at id ${k}: ours=${String(values[j])} duckdb=${String(v)}`);
    });
  });
  assert.equal(mismatches.slice(0, 5), []);
  const nonNull = exprs.map((_, j) => ours.filter((row) => Object.values(row)[j + 1] != null).length);
  assert.ok(nonNull.every((n) => n > 100), `every expression yields values: ${nonNull}`);
});

test.run();
