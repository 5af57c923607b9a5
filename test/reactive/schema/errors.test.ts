// Bad values: every rejection names the schema, the column (with its nested
// path), the row and the value; nothing is silently coerced.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { binary, bool, date32, decimal, float64, int16, int32, int64, list, map, schema, struct, timestamp, utf8 } from '../../../src/reactive/schema/index.ts';
import { RowBatchBuilder } from '../../../src/reactive/sources/rowBatchBuilder.ts';
import type { Schema } from '../../../src/reactive/schema/schema.ts';

function errorOf(s: Schema, rows: unknown[]): string {
  try {
    new RowBatchBuilder(s).build(rows, rows.length, (i) => `row ${i}`);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

const one = <T>(type: T) => schema({ v: type as never }, { name: 'orders' });

test('wrong types name schema, column, row and value', () => {
  const s = schema({ id: int64(), amount: float64(), status: utf8() }, { name: 'orders' });
  const ok = { id: 1, amount: 1.5, status: 'paid' };
  assert.is(errorOf(s, [ok, ok, { ...ok, amount: '12.5' }]), 'orders: column "amount", row 2: expected float64 (a number), got "12.5" (string)');
  assert.is(errorOf(s, [ok, { id: 1, amount: 2 }]), 'orders: column "status", row 1: expected utf8 (a string), got undefined (missing)');
  assert.is(errorOf(s, [{ ...ok, status: null }]), 'orders: column "status", row 0: expected utf8 (a string), got null');
  assert.match(errorOf(s, [ok, 'not a row']), /^orders: row 1: expected a row object, got "not a row" \(string\)$/);
});

test('strings are never coerced into numbers, booleans or binary', () => {
  assert.match(errorOf(one(int32()), [{ v: '12' }]), /column "v", row 0: expected int32 .* got "12" \(string\)/);
  assert.match(errorOf(one(int64()), [{ v: '12' }]), /got "12" \(string\)/);
  assert.match(errorOf(one(bool()), [{ v: 'true' }]), /got "true" \(string\)/);
  assert.match(errorOf(one(bool()), [{ v: 1 }]), /got 1 \(number\)/);
  assert.match(errorOf(one(binary()), [{ v: 'AAE=' }]), /got "AAE=" \(string\)/);
});

test('integers out of range or not exact are rejected', () => {
  assert.match(errorOf(one(int32()), [{ v: 2 ** 31 }]), /got 2147483648 \(number\)/);
  assert.match(errorOf(one(int32()), [{ v: 1.5 }]), /got 1\.5 \(number\)/);
  assert.match(errorOf(one(int16()), [{ v: 40000 }]), /expected int16/);
  assert.match(errorOf(one(int64()), [{ v: 2 ** 53 }]), /got 9007199254740992 \(number\)/);
  assert.match(errorOf(one(int64()), [{ v: 2n ** 63n }]), /got 9223372036854775808n \(bigint\)/);
  assert.match(errorOf(one(int64()), [{ v: NaN }]), /got NaN/);
});

test('decimals, dates and timestamps reject inexact or invalid values', () => {
  assert.match(errorOf(one(decimal(10, 2)), [{ v: '1.234' }]), /expected decimal\(10, 2\).*got "1\.234"/);
  assert.match(errorOf(one(decimal(4, 2)), [{ v: '100.00' }]), /got "100\.00"/);
  assert.match(errorOf(one(decimal(10, 2)), [{ v: 0.1 + 0.2 }]), /got 0\.30000000000000004 \(number\)/);
  assert.match(errorOf(one(decimal(10, 2)), [{ v: 'abc' }]), /got "abc"/);
  assert.match(errorOf(one(date32()), [{ v: '2026-02-30' }]), /expected date32.*got "2026-02-30"/);
  assert.match(errorOf(one(date32()), [{ v: 1.5 }]), /got 1\.5/);
  assert.match(errorOf(one(timestamp('us')), [{ v: '2026-11-25T10:00:00.1234567Z' }]), /expected timestamp\(us, UTC\).*got "2026-11-25T10:00:00\.1234567Z"/);
  assert.match(errorOf(one(timestamp('us', null)), [{ v: '2026-11-25T10:00:00+01:00' }]), /without offset.*got "2026-11-25T10:00:00\+01:00"/);
  assert.match(errorOf(one(timestamp()), [{ v: new Date('nope') }]), /got Date\(Invalid Date\)/);
  assert.match(errorOf(one(timestamp()), [{ v: '2026-13-01' }]), /got "2026-13-01"/);
});

test('nested errors carry the path into structs, lists and maps', () => {
  const s = schema(
    {
      addr: struct({ city: utf8(), geo: struct({ lat: float64() }) }),
      tags: list(utf8()),
      attrs: map(utf8(), int32()),
    },
    { name: 'customers' },
  );
  const ok = { addr: { city: 'Oslo', geo: { lat: 1 } }, tags: ['a'], attrs: { a: 1 } };
  assert.is(errorOf(s, [ok, { ...ok, addr: { city: 'X', geo: { lat: 'north' } } }]), 'customers: column "addr.geo.lat", row 1: expected float64 (a number), got "north" (string)');
  assert.is(errorOf(s, [{ ...ok, tags: ['a', 'b', 3] }]), 'customers: column "tags[2]", row 0: expected utf8 (a string), got 3 (number)');
  assert.is(errorOf(s, [{ ...ok, attrs: { a: 1, b: 'two' } }]), 'customers: column "attrs[b]", row 0: expected int32 (an integer number in [-2147483648, 2147483647]), got "two" (string)');
  assert.match(errorOf(s, [{ ...ok, tags: 'a,b' }]), /column "tags", row 0: expected list<utf8> \(an array\), got "a,b"/);
  assert.match(errorOf(s, [{ ...ok, addr: null }]), /column "addr", row 0: expected struct .* got null/);
});

test('a builder is reusable after an error', () => {
  const s = schema({ a: int32(), b: utf8() });
  const b = new RowBatchBuilder(s);
  assert.throws(() => b.build([{ a: 1, b: 'x' }, { a: 'bad', b: 'y' }], 2, (i) => `row ${i}`));
  const batch = b.build([{ a: 5, b: 'z' }], 1, (i) => `row ${i}`);
  assert.is(batch.numRows, 1);
  assert.equal(batch.get(0)!.toJSON(), { a: 5, b: 'z' });
});

test.run();
