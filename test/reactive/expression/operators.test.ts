// Comparisons, arithmetic and Spark's type coercion.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { batchOf, run, scalar, typeOf } from './helpers.ts';

test('result types follow Spark coercion', () => {
  const b = batchOf({
    i: { type: new arrow.Int32(), values: [1] }, l: { type: new arrow.Int64(), values: [1n] },
    d: { type: new arrow.Float64(), values: [1] }, f: { type: new arrow.Float32(), values: [1] },
    s: { type: new arrow.Int16(), values: [1] }, dec: { type: new arrow.Decimal(2, 10, 128), values: [new Uint32Array([100, 0, 0, 0])] },
  });
  assert.is(typeOf('i + d', b), 'Float64');
  assert.is(typeOf('i + l', b), 'Int64');
  assert.is(typeOf('s + s', b), 'Int16');
  assert.is(typeOf('i + f', b), 'Float32');
  assert.is(typeOf('i / i', b), 'Float64');
  assert.is(typeOf('i DIV i', b), 'Int64');
  assert.is(typeOf('i % l', b), 'Int64');
  assert.is(typeOf("'1' + i", b), 'Float64');
  assert.is(typeOf('dec + i', b), 'Decimal[13e+2]');
  assert.is(typeOf('dec * dec', b), 'Decimal[21e+4]');
  assert.is(typeOf('i > d', b), 'Bool');
});

test('arithmetic values, division by zero is NULL, DIV truncates', () => {
  const b = batchOf({ x: { type: new arrow.Int32(), values: [7, -7, 0, null] }, y: { type: new arrow.Int32(), values: [2, 2, 0, 1] } });
  assert.equal(run('x + y', b), [9, -5, 0, null]);
  assert.equal(run('x - y', b), [5, -9, 0, null]);
  assert.equal(run('x * y', b), [14, -14, 0, null]);
  assert.equal(run('x / y', b), [3.5, -3.5, null, null]);
  assert.equal(run('x DIV y', b), [3n, -3n, null, null]);
  assert.equal(run('x % y', b), [1, -1, null, null]);
  assert.equal(run('pmod(x, y)', b), [1, 1, null, null]);
  assert.equal(run('-x', b), [-7, 7, 0, null]);
  assert.equal(run('x & 3', b), [3, 1, 0, null]);
  assert.equal(run('x | 8', b), [15, -7, 8, null]);
  assert.equal(run('x ^ 1', b), [6, -8, 1, null]);
  assert.equal(run('~x', b), [-8, 6, -1, null]);
});

test('int overflow wraps like Spark non-ANSI; bigint stays exact beyond 2^53', () => {
  assert.is(scalar('2147483647 + 1'), -2147483648);
  assert.is(scalar('127Y + 1Y'), -128);
  const big = 2n ** 60n;
  const b = batchOf({ l: { type: new arrow.Int64(), values: [big, 5n, null] } });
  assert.equal(run('l + 1', b), [big + 1n, 6n, null]);
  assert.equal(run('l * 2', b), [big * 2n, 10n, null]);
  assert.equal(run('l > 1152921504606846976', b), [false, false, null]);
  assert.equal(run('l >= 1152921504606846976', b), [true, false, null]);
  assert.equal(run('l = 1152921504606846977L', b), [false, false, null]);
  assert.equal(run('l DIV 3', b), [big / 3n, 1n, null]);
  // 9223372036854775807 + 1 wraps to the minimum, as a Java long.
  assert.is(scalar('9223372036854775807L + 1'), -(2n ** 63n));
});

test('comparisons across numeric types, strings, dates and timestamps', () => {
  const b = batchOf({
    i: { type: new arrow.Int32(), values: [1, 2, 3] },
    d: { type: new arrow.Float64(), values: [1.0, 2.5, NaN] },
    s: { type: new arrow.Utf8(), values: ['a', 'B', 'é'] },
  });
  assert.equal(run('i = d', b), [true, false, false]);
  assert.equal(run('i < d', b), [false, true, true]);
  // NaN equals NaN and is larger than any other value (Spark).
  assert.equal(run("d = CAST('NaN' AS DOUBLE)", b), [false, false, true]);
  assert.equal(run('d > 1e308', b), [false, false, true]);
  // A string compared with a number is cast to the number's type.
  assert.equal(run("i = '2'", b), [false, true, false]);
  assert.equal(run("i < '2.5'", b), [true, false, false]);
  // Binary (code point) order: 'B' < 'a' < 'é'.
  assert.equal(run("s < 'a'", b), [false, true, false]);
  assert.equal(run("s > 'z'", b), [false, false, true]);
  assert.is(scalar("DATE '2024-01-02' > DATE '2024-01-01'"), true);
  assert.is(scalar("TIMESTAMP '2024-01-01 00:00:00' = DATE '2024-01-01'"), true);
  assert.is(scalar("DATE '2024-03-01' = '2024-03-01'"), true);
});

test('strings compare by code point, not UTF-16 unit', () => {
  // U+FFFD sorts before U+1F600 by code point, though its UTF-16 unit is larger than the surrogate 0xD83D.
  const b = batchOf({ s: { type: new arrow.Utf8(), values: ['\uFFFD', '\u{1F600}'] } });
  assert.equal(run("s < '\u{1F600}'", b), [true, false]);
  assert.equal(run("upper(s) < '\u{1F600}'", b), [true, false]);
  assert.equal(run("greatest(s, 'a')", b), ['\uFFFD', '\u{1F600}']);
});

test('string concatenation and implicit casts to string', () => {
  const b = batchOf({ s: { type: new arrow.Utf8(), values: ['x', null] }, i: { type: new arrow.Int32(), values: [1, 2] } });
  assert.equal(run("s || '-' || i", b), ['x-1', null]);
  assert.equal(run("concat(s, i, 1.5)", b), ['x11.5', null]);
  assert.is(scalar("1.5D || ''"), '1.5');
  assert.is(scalar("1e20 || ''"), '1.0E20');
  assert.is(scalar("TRUE || ''"), 'true');
  assert.is(scalar("DATE '2024-01-05' || ''"), '2024-01-05');
  assert.is(scalar("TIMESTAMP '2024-01-05 10:00:00.25' || ''"), '2024-01-05 10:00:00.25');
});

test('LIKE, ILIKE, RLIKE including escapes and multi-byte characters', () => {
  const b = batchOf({ s: { type: new arrow.Utf8(), values: ['abc', 'a_c', 'ABC', 'éxé', '', null] } });
  assert.equal(run("s LIKE 'a%'", b), [true, true, false, false, false, null]);
  assert.equal(run("s LIKE '%c'", b), [true, true, false, false, false, null]);
  assert.equal(run("s LIKE '%x%'", b), [false, false, false, true, false, null]);
  assert.equal(run("s LIKE 'a_c'", b), [true, true, false, false, false, null]);
  assert.equal(run("s LIKE 'a\\_c'", b), [false, true, false, false, false, null]);
  assert.equal(run("s LIKE 'a!_c' ESCAPE '!'", b), [false, true, false, false, false, null]);
  assert.equal(run("s LIKE '_x_'", b), [false, false, false, true, false, null]);
  assert.equal(run("s LIKE '%'", b), [true, true, true, true, true, null]);
  assert.equal(run("s NOT LIKE 'abc'", b), [false, true, true, true, true, null]);
  assert.equal(run("s ILIKE 'abc'", b), [true, false, true, false, false, null]);
  assert.equal(run("s RLIKE 'b|x'", b), [true, false, false, true, false, null]);
  assert.equal(run("s LIKE s", b), [true, true, true, true, true, null]);
});

test('tinyint and smallint widen to int with their values (comparisons, arithmetic, casts)', () => {
  const b = batchOf({
    t: { type: new arrow.Int8(), values: [-128, -1, 0, 2, 127, null] },
    s: { type: new arrow.Int16(), values: [-32768, -1, 0, 2, 32767, null] },
  });
  assert.equal(run('t = 2', b), [false, false, false, true, false, null]);
  assert.equal(run('t <= 1', b), [true, true, true, false, false, null]);
  assert.equal(run('t + 1000', b), [872, 999, 1000, 1002, 1127, null]);
  assert.equal(run('s * 2', b), [-65536, -2, 0, 4, 65534, null]);
  assert.equal(run('CAST(t AS INT)', b), [-128, -1, 0, 2, 127, null]);
  assert.equal(run('CAST(s AS TINYINT)', b), [0, -1, 0, 2, -1, null]);
  // The source column is read, never written.
  assert.equal(run('t', b), [-128, -1, 0, 2, 127, null]);
});

test.run();
