import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { catchError, from, lastValueFrom, map, throwError, toArray } from 'rxjs';
import { where } from '../../../src/reactive/operators/where.ts';
import { OperatorError } from '../../../src/reactive/operators/operatorError.ts';
import { float64, int32, int64, schema, utf8, type RowOf } from '../../../src/reactive/schema/index.ts';
import { queryBatches } from '../support/duckdb.ts';
import { batchOf, newScheduler, norm, random, rowsOf } from './support.ts';

const orders = schema({ id: int64(), amount: float64(), status: utf8(), qty: int32().nullable() }, { name: 'orders' });
type Order = RowOf<typeof orders>;
const rows: Order[] = [
  { id: 1, amount: 50, status: 'paid', qty: 1 },
  { id: 2, amount: 150, status: 'void', qty: null },
  { id: 3, amount: 250, status: 'paid', qty: 3 },
  { id: 4, amount: 99.5, status: 'open', qty: 2 },
  { id: 5, amount: 120, status: 'paid' },
  { id: 6, amount: 10, status: 'void', qty: 0 },
];
const a = batchOf(orders, rows.slice(0, 2));
const b = batchOf(orders, rows.slice(2, 4));
const c = batchOf(orders, rows.slice(4));
/** Errors as their message, so marble comparisons check the text (Error messages are not enumerable). */
const asMessage = catchError((e: Error) => throwError(() => `${e.name}: ${e.message}`));
const ids = map((batch: arrow.RecordBatch) => rowsOf(batch).map((r) => Number(r.id)));
/** The ids of `rs` that pass `keep`, computed in plain JS as the reference. */
const idsWhere = (rs: Order[], keep: (r: Order) => boolean): number[] => rs.filter(keep).map((r) => Number(r.id));

test('a SQL predicate keeps TRUE rows per batch; batches left empty are not emitted', () => {
  newScheduler().run(({ cold, expectObservable }) => {
    const src = cold('a-b-c-|', { a, b, c });
    const keep = (r: Order) => r.amount > 100 && r.status === 'paid';
    // a has no paid order over 100, so frame 0 emits nothing.
    expectObservable(src.pipe(where("amount > 100 AND status = 'paid'"), ids)).toBe('--x-y-|', {
      x: idsWhere(rows.slice(2, 4), keep),
      y: idsWhere(rows.slice(4), keep),
    });
  });
});

test('NULL and FALSE are both dropped, as in SQL WHERE', async () => {
  const all = batchOf(orders, rows);
  const run = async (sql: string) => (await lastValueFrom(from([all]).pipe(where(sql), toArray()))).flatMap((batch) => rowsOf(batch).map((r) => Number(r.id)));
  // qty is NULL for ids 2 and 5: neither the predicate nor its negation keeps them.
  assert.equal(await run('qty > 1'), idsWhere(rows, (r) => r.qty != null && r.qty > 1));
  assert.equal(await run('NOT (qty > 1)'), idsWhere(rows, (r) => r.qty != null && !(r.qty > 1)));
  assert.equal(await run('qty IS NULL'), idsWhere(rows, (r) => r.qty == null));
  assert.equal(await run('NULL'), []);
});

test('a batch whose rows all pass is emitted as is; empty input batches are dropped', async () => {
  const empty = batchOf(orders, []);
  const out = await lastValueFrom(from([a, empty, b]).pipe(where('amount > 0'), toArray()));
  assert.equal(out.length, 2);
  assert.ok(out[0] === a && out[1] === b, 'same batch objects');
});

test('function predicates: Uint8Array, boolean[] and Bool Vector masks, typed from the schema', async () => {
  const run = async (p: Parameters<typeof where<typeof orders>>[0]) =>
    (await lastValueFrom(from([a, b, c]).pipe(where(p, { schema: orders }), toArray()))).flatMap((batch) => rowsOf(batch).map((r) => Number(r.id)));
  const cheap = idsWhere(rows, (r) => r.amount < 100);
  assert.equal(await run((cols) => Uint8Array.from(cols.amount, (x) => (x !== null && x < 100 ? 7 : 0))), cheap, 'any non-zero byte keeps');
  assert.equal(await run((cols) => Array.from(cols.amount, (x) => x !== null && x < 100)), cheap);
  // A Bool Vector with NULLs: NULL drops, like SQL.
  assert.equal(
    await run((cols) => arrow.vectorFromArray(Array.from(cols.qty, (q) => (q === null ? null : q >= 1)), new arrow.Bool())),
    idsWhere(rows, (r) => r.qty != null && r.qty >= 1),
  );
  // The batch is the second argument.
  assert.equal(await run((_cols, batch) => new Uint8Array(batch.numRows).fill(1)), rows.map((r) => Number(r.id)));
  // @ts-expect-error — 'amont' is not a column of orders.
  const typo = where((cols) => Array.from(cols.amont, () => true), { schema: orders });
  const err = await lastValueFrom(from([a]).pipe(typo)).catch((e: unknown) => e);
  assert.instance(err, OperatorError);
  assert.match((err as Error).message, "Column 'amont' not found in the batch [id, amount, status, qty]");
});

test('the type argument alone also types the columns', async () => {
  const out = await lastValueFrom(from([a, b, c]).pipe(where<typeof orders>((cols) => Array.from(cols.status, (s) => s === 'void')), toArray()));
  assert.equal(out.flatMap((batch) => rowsOf(batch).map((r) => Number(r.id))), idsWhere(rows, (r) => r.status === 'void'));
});

test('bad SQL and unknown columns error at the first batch, naming operator, expression, dataset and columns', () => {
  newScheduler().run(({ cold, expectObservable }) => {
    const src = cold('-a-b|', { a, b });
    const unknown = "OperatorError: where `amount > 100 AND stat = 1` on dataset orders: Column 'stat' not found in table orders [id, amount, status, qty]\n  amount > 100 AND stat = 1\n                   ^";
    expectObservable(src.pipe(where('amount > 100 AND stat = 1', { dataset: 'orders' }), asMessage)).toBe('-#', undefined, unknown);
  });
  const messages: string[] = [];
  for (const sql of ['amount >', 'amount + 1', "status = 'x' AND"]) {
    from([a]).pipe(where(sql, { dataset: 'orders' })).subscribe({ error: (e: Error) => messages.push(e.message) });
  }
  assert.match(messages[0]!, /^where `amount >` on dataset orders: Syntax error at position 8/);
  assert.match(messages[1]!, /^where `amount \+ 1` on dataset orders: A predicate must be boolean/);
  assert.match(messages[1]!, 'columns: [id: Int64, amount: Float64, status: Utf8, qty: Int32]');
  assert.match(messages[2]!, /^where `status = 'x' AND` on dataset orders: Syntax error/);
});

test('function predicates: wrong lengths, bad entries and throws become OperatorErrors; source errors pass unchanged', async () => {
  const fail = async (p: Parameters<typeof where>[0]) => (await lastValueFrom(from([a]).pipe(where(p as never, { dataset: 'orders' }))).catch((e: unknown) => e)) as Error;
  let e = await fail(() => [true]);
  assert.instance(e, OperatorError);
  assert.is(e.message, 'where (function) on dataset orders: the predicate returned 1 entries for a batch of 2 rows');
  e = await fail(() => [1, 0] as never);
  assert.is(e.message, 'where (function) on dataset orders: the predicate\'s entry for row 0 is 1 (number); expected true, false or null');
  e = await fail(() => { throw new Error('boom'); });
  assert.is(e.message, 'where (function) on dataset orders: boom');
  assert.is((e.cause as Error).message, 'boom');
  e = await fail(() => 'yes' as never);
  assert.match(e.message, 'the predicate returned "yes" (string)');

  newScheduler().run(({ cold, expectObservable }) => {
    const boom = new Error('upstream');
    expectObservable(cold('a#', { a }, boom).pipe(where('amount > 100'), ids)).toBe('x#', { x: [2] }, boom);
  });
});

test('the schema may change mid-stream: the predicate is recompiled for the new one', () => {
  const v2 = schema({ id: int64(), amount: utf8(), status: utf8(), region: utf8() });
  const d = batchOf(v2, [{ id: 7, amount: '500', status: 'paid', region: 'eu' }, { id: 8, amount: '5', status: 'paid', region: 'us' }]);
  const noStatus = batchOf(schema({ id: int64(), amount: float64() }), [{ id: 9, amount: 1000 }]);
  newScheduler().run(({ cold, expectObservable }) => {
    // amount is a string in d: Spark compares it as a number against 100.
    expectObservable(cold('a-d-b|', { a, d, b }).pipe(where('amount > 100'), ids)).toBe('x-y-z|', { x: [2], y: [7], z: [3] });
    const err = "OperatorError: where `status = 'paid'`: Column 'status' not found in [id, amount]\n  status = 'paid'\n  ^";
    expectObservable(cold('a-n-b|', { a, n: noStatus, b }).pipe(where("status = 'paid'"), ids, asMessage)).toBe('x-#', { x: [1] }, err);
  });
});

test('with options.schema, a batch of another shape is an error naming the column', async () => {
  const other = batchOf(schema({ id: int64(), amount: utf8(), status: utf8(), qty: int32() }), [{ id: 1, amount: '1', status: 's', qty: 1 }]);
  const e = (await lastValueFrom(from([a, other]).pipe(where((cols) => Array.from(cols.id, () => true), { schema: orders }))).catch((x: unknown) => x)) as Error;
  assert.is(e.message, "where (function): the batch does not match options.schema: column 'amount' is Utf8 in the batch but Float64 in the declared schema orders");
});

test('predicates agree with DuckDB WHERE on random data', async () => {
  const r = random(20261125);
  const s = schema({ id: int64(), i: int32().nullable(), d: float64().nullable(), s: utf8().nullable() });
  const words = ['a', 'ab', 'b', 'abc', 'B', '', 'zz', 'a_c'];
  const data = Array.from({ length: 400 }, (_, k) => ({
    id: k,
    i: r.chance(0.15) ? null : r.int(-50, 50),
    d: r.chance(0.15) ? null : r.int(-4000, 4000) / 8,
    s: r.chance(0.15) ? null : r.pick(words),
  }));
  const input = batchOf(s, data);
  const predicates = [
    "i > 10 AND s LIKE 'a%'",
    'd IS NULL OR d < -100',
    'NOT (i BETWEEN -5 AND 5)',
    "s IN ('a', 'b', 'zz') OR i % 7 = 0",
    'coalesce(i, 0) * 2 > d',
    "CASE WHEN i > 0 THEN s = 'ab' ELSE d > 0 END",
  ];
  for (const p of predicates) {
    const ours = (await lastValueFrom(from([input.slice(0, 150), input.slice(150)]).pipe(where(p), toArray()))).flatMap((batch) => rowsOf(batch).map((x) => norm(x.id)));
    const theirs = (await queryBatches([input], `SELECT id FROM t WHERE ${p} ORDER BY id`)).map((row) => norm(row[0]));
    assert.ok(theirs.length > 0 && theirs.length < data.length, `${p}: the data exercises both outcomes`);
    assert.equal(ours, theirs, p);
  }
});

test.run();
