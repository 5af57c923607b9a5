import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { catchError, from, lastValueFrom, map, throwError, toArray } from 'rxjs';
import { withColumns, type ColumnDefinitions } from '../../../src/reactive/operators/withColumns.ts';
import { schemaMismatch } from '../../../src/reactive/batch/schemaMismatch.ts';
import { float64, int32, int64, schema, utf8, type RowOf, type Schema } from '../../../src/reactive/schema/index.ts';
import { queryBatches } from '../support/duckdb.ts';
import { batchOf, namesOf, newScheduler, norm, randomMixedBatch, rowsOf, same } from './support.ts';

const orders = schema({ id: int64(), amount: float64(), status: utf8(), qty: int32().nullable() }, { name: 'orders' });
type Order = RowOf<typeof orders>;
const rows: Order[] = [
  { id: 1, amount: 50, status: 'paid', qty: 2 },
  { id: 2, amount: 150.25, status: 'void', qty: null },
  { id: 3, amount: 250, status: 'open', qty: 3 },
];
const a = batchOf(orders, rows.slice(0, 2));
const b = batchOf(orders, rows.slice(2));
const asMessage = catchError((e: Error) => throwError(() => `${e.name}: ${e.message}`));
const asRows = map(rowsOf);
const run = async <S extends Schema>(batches: arrow.RecordBatch[], defs: ColumnDefinitions<S>, options?: { schema?: S; dataset?: string }) =>
  lastValueFrom(from(batches).pipe(withColumns(defs, options), toArray()));
const failure = async <S extends Schema>(batches: arrow.RecordBatch[], defs: ColumnDefinitions<S>, options?: { schema?: S; dataset?: string }) =>
  (await run(batches, defs, options).catch((e: unknown) => e)) as Error;

test('adds columns after the existing ones and replaces matching ones in place', () => {
  const expected = (rs: Order[]) => rs.map((r) => ({
    id: BigInt(r.id),
    amount: r.amount * 2, // replaced in place, evaluated on the input
    status: r.status,
    qty: r.qty ?? null,
    total: r.qty == null ? null : r.amount * r.qty, // sees the input amount, not the doubled one
    label: `${r.status}:${r.id}`,
  }));
  newScheduler().run(({ cold, expectObservable }) => {
    const src = cold('a-b|', { a, b });
    const op = withColumns({ amount: 'amount * 2', total: 'amount * qty', label: "status || ':' || id" });
    expectObservable(src.pipe(op, asRows)).toBe('x-y|', { x: expected(rows.slice(0, 2)), y: expected(rows.slice(2)) });
  });
});

test('names match input columns ignoring case; the new spelling is used', async () => {
  const [out] = await run([a], { AMOUNT: 'amount + 1', Id2: 'id' });
  assert.equal(namesOf(out!), ['id', 'AMOUNT', 'status', 'qty', 'Id2']);
  assert.equal(Array.from(out!.getChild('AMOUNT')!), rows.slice(0, 2).map((r) => r.amount + 1));
  assert.ok(out!.getChild('Id2')!.data[0] === a.getChild('id')!.data[0], 'a bare column is copied zero-copy');
  assert.ok(out!.getChild('status')!.data[0] === a.getChild('status')!.data[0], 'untouched columns are shared');
});

test('function columns: typed arrays zero-copy, Vectors as given, plain arrays typed from their values', async () => {
  const doubled = new Float64Array([1, 2]);
  const [out] = await run([a], {
    f: () => doubled,
    i: () => Int32Array.of(7, 8),
    big: () => BigInt64Array.of(2n ** 60n, -1n),
    v: () => arrow.vectorFromArray([1, null], new arrow.Int16()),
    n: (c) => Array.from(c.qty, (q) => (q === null ? null : q / 4)),
    s: (c) => Array.from(c.status, (s) => s?.toUpperCase()),
    flag: (c) => Array.from(c.amount, (x) => x !== null && x > 100),
    when: () => [new Date('2026-11-25T10:00:00.123Z'), null],
    bi: () => [5n, null],
  });
  assert.ok(out!.getChild('f')!.data[0]!.values === doubled, 'typed array used without copying');
  assert.equal(out!.schema.fields.slice(4).map((f) => `${f.name}:${String(f.type)}:${f.nullable}`), [
    'f:Float64:true', 'i:Int32:true', 'big:Int64:true', 'v:Int16:true', 'n:Float64:true', 's:Utf8:true', 'flag:Bool:true', 'when:Timestamp<MICROSECOND, UTC>:true', 'bi:Int64:true',
  ]);
  const r = rowsOf(out!);
  assert.equal(r.map((x) => [x.i, x.big, x.v, x.n, x.s, x.flag, x.bi]), [[7, 2n ** 60n, 1, 0.5, 'PAID', false, 5n], [8, -1n, null, null, 'VOID', true, null]]);
  assert.equal(Array.from(out!.getChild('when')!.data[0]!.values as BigInt64Array), [BigInt(Date.parse('2026-11-25T10:00:00.123Z')) * 1000n, 0n]);
  assert.is(out!.getChild('when')!.nullCount, 1);
});

test('a plain array type is fixed by the first batch, so later all-null or batch-specific arrays keep the schema', async () => {
  const out = await run([a, b], { note: (c) => (c.id.length === 2 ? ['x', 'y'] : [null]) });
  assert.is(schemaMismatch(out[0]!.schema, out[1]!.schema), undefined);
  assert.equal(out.flatMap(rowsOf).map((r) => r.note), ['x', 'y', null]);
  const e = await failure([a], { note: () => [null, undefined] });
  assert.match(e.message, "withColumns note = (function): Column 'note': cannot infer a type from an array of only nulls");
  const mixed = await failure([a, b], { n: (c) => (c.id.length === 2 ? [1, 2] : ['3']) });
  assert.is(mixed.message, `withColumns n = (function): Column 'n': row 0 is "3" (string), but the column holds number values (Float64)`);
});

test('typed columns from options.schema or the type argument', async () => {
  const [out] = await run([a], { cents: (c) => Float64Array.from(c.amount, (x) => Math.round((x ?? 0) * 100)) }, { schema: orders });
  assert.equal(Array.from(out!.getChild('cents')!), rows.slice(0, 2).map((r) => Math.round(r.amount * 100)));
  const typed = withColumns<typeof orders>({ st: (c) => Array.from(c.status, (s) => s?.length ?? 0) });
  const [out2] = await lastValueFrom(from([a]).pipe(typed, toArray()));
  assert.equal(Array.from(out2!.getChild('st')!), [4, 4]);
  // @ts-expect-error — 'amout' is not a column of orders.
  const e = await failure([a], { x: (c) => Float64Array.from(c.amout) }, { schema: orders });
  assert.match(e.message, "Column 'amout' not found in the batch [id, amount, status, qty]");
});

test('errors name the column, expression, dataset and columns; arguments are checked up front', async () => {
  newScheduler().run(({ cold, expectObservable }) => {
    expectObservable(cold('-a|', { a }).pipe(withColumns({ ok: 'id', cost: 'amount * rate' }, { dataset: 'orders' }), asMessage)).toBe('-#', undefined,
      "OperatorError: withColumns cost = `amount * rate` on dataset orders: Column 'rate' not found in table orders [id, amount, status, qty]\n  amount * rate\n           ^");
  });
  let e = await failure([a], { x: () => [1] }, { dataset: 'orders' });
  assert.is(e.message, "withColumns x = (function) on dataset orders: Column 'x': the function returned 1 values for a batch of 2 rows");
  e = await failure([a], { x: () => new Uint8Array(2) as never });
  assert.match(e.message, "Column 'x': a Uint8Array has no Delta type");
  e = await failure([a], { x: () => { throw new RangeError('nope'); } });
  assert.is(e.message, 'withColumns x = (function): nope');
  assert.instance(e.cause, RangeError);
  e = await failure([a], { x: "regexp_extract(status, '(', 1)" });
  assert.match(e.message, /^withColumns x = `regexp_extract\(status, '\(', 1\)`: /);
  assert.throws(() => withColumns({}), /at least one column/);
  assert.throws(() => withColumns({ a: 'id', A: 'id' }), /columns 'a' and 'A' differ only in case/);
  assert.throws(() => withColumns({ a: 42 as never }), /column 'a' must be a SQL string or a function, got 42 \(number\)/);
  const other = batchOf(schema({ id: int32() }), [{ id: 1 }]);
  e = await failure([other], { x: (c) => c.id }, { schema: orders });
  assert.is(e.message, "withColumns: the batch does not match options.schema: column 'id' is Int32 in the batch but Int64 in the declared schema orders");
});

test('the schema may change mid-stream: definitions are recompiled', () => {
  const v2 = schema({ id: int64(), amount: utf8(), extra: utf8() });
  const c = batchOf(v2, [{ id: 4, amount: '10', extra: 'e' }]);
  newScheduler().run(({ cold, expectObservable }) => {
    const op = withColumns({ amount: 'CAST(amount AS DOUBLE) + 0.5' });
    expectObservable(cold('a-c-b|', { a, b, c }).pipe(op, map((batch) => [namesOf(batch), rowsOf(batch).map((r) => r.amount)]))).toBe('x-y-z|', {
      x: [['id', 'amount', 'status', 'qty'], rows.slice(0, 2).map((r) => r.amount + 0.5)],
      y: [['id', 'amount', 'extra'], [10.5]],
      z: [['id', 'amount', 'status', 'qty'], [250.5]],
    });
  });
});

test('SQL columns agree with DuckDB on random data', async () => {
  const input = randomMixedBatch(11_20261125, ['a', 'ab', 'b', 'abc', 'Hello', '', 'zz', ' pad ']);
  const defs: Record<string, string> = {
    i: 'coalesce(i, -1) * 3', // replaces i in place
    d2: 'round(d, 1)',
    t: 'trim(s)',
    big: "CASE WHEN d > 100 THEN 'big' WHEN d IS NULL THEN 'none' ELSE 'small' END",
    yr: 'year(dt) * 100 + month(dt)',
    mix: 'i + d',
    ok: "s LIKE '%a%' AND i > 0",
  };
  const ours = (await lastValueFrom(from([input.slice(0, 120), input.slice(120)]).pipe(withColumns(defs), toArray()))).flatMap(rowsOf);
  const cols = ['id', 'i', 'd', 's', 'dt', 'd2', 't', 'big', 'yr', 'mix', 'ok'];
  assert.equal(Object.keys(ours[0]!), cols);
  const sql = `SELECT ${cols.filter((c) => c !== 'dt').map((c) => (c in defs ? `${defs[c]} AS ${c}` : c)).join(', ')} FROM t ORDER BY id`;
  const theirs = await queryBatches([input], sql);
  const compared = cols.filter((c) => c !== 'dt');
  const mismatches: string[] = [];
  ours.forEach((row, k) => {
    compared.forEach((c, j) => {
      const x = norm(row[c]);
      const y = norm(theirs[k]![j]);
      if (!same(x, y)) mismatches.push(`${c} at id ${k}: ours=${String(x)} duckdb=${String(y)}`);
    });
  });
  assert.equal(mismatches.slice(0, 5), []);
  assert.ok(ours.filter((row) => row.ok === true).length > 10 && ours.filter((row) => row.big === 'big').length > 10, 'the data exercises the branches');
});

test.run();
