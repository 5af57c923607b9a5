// compileExpression / compilePredicate: column resolution, error messages,
// Arrow input types (dictionary, struct, sliced, timestamp units, decimals).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { compileExpression, compilePredicate, ExpressionTypeError, parseExpression } from '../../../src/reactive/expression/index.ts';
import { batchOf, run, values } from './helpers.ts';

const orders = batchOf({
  id: { type: new arrow.Int32(), values: [1, 2, 3, 4] },
  amount: { type: new arrow.Float64(), values: [50, 150, null, 300] },
  status: { type: new arrow.Utf8(), values: ['a', 'b', 'a', null] },
});

function typeError(fn: () => unknown): ExpressionTypeError {
  try { fn(); } catch (err) { assert.instance(err, ExpressionTypeError); return err as ExpressionTypeError; }
  throw new Error('expected an ExpressionTypeError');
}

test('unknown column names it and lists the available ones', () => {
  const e = typeError(() => compileExpression('amout > 1', orders.schema));
  assert.ok(e.message.startsWith("Column 'amout' not found in [id, amount, status]"), e.message);
  assert.ok(e.message.includes('\n  amout > 1\n  ^'), e.message);
  const t = typeError(() => compileExpression('x', orders.schema, { table: 'orders' }));
  assert.ok(t.message.startsWith("Column 'x' not found in table orders [id, amount, status]"), t.message);
});

test('columns match case-insensitively; exact case wins; ambiguity is an error', () => {
  assert.equal(compileExpression('AMOUNT + ID', orders.schema).columns, ['amount', 'id']);
  const b = batchOf({ a: { type: new arrow.Int32(), values: [1] }, A: { type: new arrow.Int32(), values: [2] } });
  assert.equal(run('A', b), [2]);
  assert.equal(run('`a`', b), [1]);
  assert.ok(typeError(() => compileExpression('aa + 1', b.schema)).message.includes('not found'));
  const c = batchOf({ Ab: { type: new arrow.Int32(), values: [1] }, aB: { type: new arrow.Int32(), values: [2] } });
  assert.ok(typeError(() => compileExpression('ab', c.schema)).message.includes('ambiguous'));
});

test('type errors and unknown functions are clear', () => {
  assert.ok(typeError(() => compileExpression("'a' + DATE '2024-01-01'", orders.schema)).message.includes("Cannot apply '+' to string and date"));
  assert.ok(typeError(() => compileExpression('id AND TRUE', orders.schema)).message.includes('AND expects boolean but got int'));
  assert.ok(typeError(() => compileExpression("id = DATE '2024-01-01'", orders.schema)).message.includes('Cannot compare int with date'));
  const f = typeError(() => compileExpression('uper(status)', orders.schema));
  assert.ok(f.message.startsWith("Unknown function 'uper' (did you mean upper"), f.message);
  assert.ok(typeError(() => compileExpression('substring(status)', orders.schema)).message.includes('takes 2 to 3 arguments but got 1'));
  assert.ok(typeError(() => compileExpression("CASE WHEN id > 1 THEN 1 ELSE DATE '2024-01-01' END", orders.schema)).message.includes('CASE values must share a type'));
  assert.ok(typeError(() => compileExpression("status RLIKE '('", orders.schema)).message.includes("Invalid RLIKE pattern '('"));
  assert.ok(typeError(() => compileExpression('CAST(DATE \'2024-01-01\' AS INT)', orders.schema)).message.includes('Cannot cast date to int'));
});

test('compilePredicate requires a boolean and counts TRUE/FALSE/NULL', () => {
  const e = typeError(() => compilePredicate('amount + 1', orders.schema));
  assert.ok(e.message.includes('A predicate must be boolean, but `amount + 1` is double'), e.message);
  const p = compilePredicate("amount > 100 AND status IN ('a', 'b')", orders.schema);
  // Rows: 50/a → false; 150/b → true; null/a → null; 300/null → null.
  const m = p.mask(orders);
  assert.equal([...m.mask], [0, 1, 0, 0]);
  assert.equal([m.trueCount, m.falseCount, m.nullCount], [1, 1, 2]);
  assert.equal(p.columns, ['amount', 'status']);
  assert.is(String(p.type), 'Bool');
  assert.equal(values(p.evaluate(orders)), [false, true, null, null]);
  const always = compilePredicate('TRUE', orders.schema).mask(orders);
  assert.equal([always.trueCount, always.falseCount, always.nullCount], [4, 0, 0]);
  const unknown = compilePredicate('NULL', orders.schema).mask(orders);
  assert.equal([unknown.trueCount, unknown.nullCount], [0, 4]);
});

test('compiling from a tree keeps the tree and renders SQL', () => {
  const tree = parseExpression('id * 2 > amount');
  const c = compileExpression(tree, orders.schema);
  assert.is(c.expr, tree);
  assert.is(c.sql, '((id * 2) > amount)');
  assert.equal(values(c.evaluate(orders)), [false, false, null, false]);
});

test('evaluates batches with reordered columns by name, rejects changed types', () => {
  const c = compileExpression('id + 1', orders.schema);
  const swapped = batchOf({ status: { type: new arrow.Utf8(), values: ['x'] }, id: { type: new arrow.Int32(), values: [41] } });
  assert.equal(values(c.evaluate(swapped)), [42]);
  const wrong = batchOf({ id: { type: new arrow.Utf8(), values: ['x'] } });
  assert.throws(() => c.evaluate(wrong), /Column 'id' is string in the batch but was int/);
  const missing = batchOf({ other: { type: new arrow.Int32(), values: [1] } });
  assert.throws(() => c.evaluate(missing), /Column 'id' used by expression `id \+ 1` is missing/);
});

test('Arrow inputs: dictionary strings, structs, sliced data, timestamp units, decimals, small ints', () => {
  const dict = arrow.vectorFromArray(['x', 'y', null, 'x'], new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()));
  const struct = arrow.vectorFromArray([{ k: 1, s: 'p' }, null, { k: 3, s: null }, { k: 4, s: 'q' }], new arrow.Struct([new arrow.Field('k', new arrow.Int32()), new arrow.Field('s', new arrow.Utf8())]));
  const tsNs = arrow.makeVector(arrow.makeData({ type: new arrow.TimestampNanosecond(), length: 4, nullCount: 0, data: BigInt64Array.from([1_500n, -1_500n, 86_400_000_000_000n, 0n]) }));
  const tsS = arrow.makeVector(arrow.makeData({ type: new arrow.TimestampSecond(), length: 4, nullCount: 0, data: BigInt64Array.from([1n, -1n, 86_400n, 0n]) }));
  // decimal(10,2) values 1.23, -4.50, 0.07, 100.00 as 128-bit little-endian words.
  const dec = arrow.makeVector(arrow.makeData({ type: new arrow.Decimal(2, 10, 128), length: 4, nullCount: 0, data: Uint32Array.from([123, 0, 0, 0, (-450) >>> 0, 0xffffffff, 0xffffffff, 0xffffffff, 7, 0, 0, 0, 10000, 0, 0, 0]) }));
  const u8 = arrow.vectorFromArray([255, 0, 1, 2], new arrow.Uint8());
  const table = new arrow.Table({ dict, struct, tsNs, tsS, dec, u8 });
  const b = table.batches[0];
  assert.equal(run("dict = 'x'", b), [true, false, null, true]);
  assert.equal(run('upper(dict)', b), ['X', 'Y', null, 'X']);
  assert.equal(run('struct.k + 1', b), [2, null, 4, 5]);
  assert.equal(run("STRUCT.S || '!'", b), ['p!', null, null, 'q!']);
  assert.equal(run("struct['k']", b), [1, null, 3, 4]);
  // ns floors to µs (−1500 ns is −2 µs); seconds scale up.
  assert.equal(run('unix_micros(tsNs)', b), [1n, -2n, 86_400_000_000n, 0n]);
  assert.equal(run('unix_micros(tsS)', b), [1_000_000n, -1_000_000n, 86_400_000_000n, 0n]);
  assert.equal(run('dec', b), [1.23, -4.5, 0.07, 100]);
  assert.equal(run('dec > 1', b), [true, false, false, true]);
  assert.equal(run('u8 + 1', b), [256, 1, 2, 3]);
  const sliced = b.slice(1, 4);
  assert.equal(run('struct.k', sliced), [null, 3, 4]);
  assert.equal(run("dict || '.'", sliced), ['y.', null, 'x.']);
  assert.equal(run('dec * 2', sliced), [-9, 0.14, 200]);
});

test('results of every type come back as valid Arrow vectors', () => {
  const c = compileExpression("DATE '2024-01-01' + id", orders.schema);
  assert.is(String(c.type), 'Date32<DAY>');
  const v = c.evaluate(orders);
  assert.is(v.length, 4);
  assert.equal(values(v), ['2024-01-02', '2024-01-03', '2024-01-04', '2024-01-05']);
  const s = compileExpression("CASE WHEN amount IS NULL THEN NULL ELSE status END", orders.schema).evaluate(orders);
  assert.equal(s.toArray(), ['a', 'b', null, null]);
  assert.is(s.nullCount, 2);
  const n = compileExpression('NULL', orders.schema).evaluate(orders);
  assert.is(n.length, 4);
  assert.is(n.get(0), null);
});

test.run();
