// Built-in functions: string, math, date/time, conditional; NULL in → NULL out.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { compileExpression } from '../../../src/reactive/expression/index.ts';
import { batchOf, run, scalar, typeOf } from './helpers.ts';

const strings = batchOf({ s: { type: new arrow.Utf8(), values: ['  Hello ', 'héllo', '', null] } });

test('string functions', () => {
  assert.equal(run('length(s)', strings), [8, 5, 0, null]);
  assert.equal(run('char_length(s)', strings), [8, 5, 0, null]);
  assert.equal(run('upper(s)', strings), ['  HELLO ', 'HÉLLO', '', null]);
  assert.equal(run('lower(s)', strings), ['  hello ', 'héllo', '', null]);
  assert.equal(run('trim(s)', strings), ['Hello', 'héllo', '', null]);
  assert.equal(run('ltrim(s)', strings), ['Hello ', 'héllo', '', null]);
  assert.equal(run('rtrim(s)', strings), ['  Hello', 'héllo', '', null]);
  assert.equal(run("btrim(s, ' Ho')", strings), ['ell', 'héll', '', null]);
  assert.equal(run("concat_ws('/', s, NULL, 'x')", strings), ['  Hello /x', 'héllo/x', '/x', 'x']);
  assert.equal(run("replace(s, 'l', 'L')", strings), ['  HeLLo ', 'héLLo', '', null]);
  assert.equal(run("replace(s, 'l')", strings), ['  Heo ', 'héo', '', null]);
  assert.equal(run("instr(s, 'l')", strings), [5, 3, 0, null]);
  assert.equal(run("locate('l', s, 5)", strings), [5, 0, 0, null]);
  assert.equal(run("contains(s, 'll')", strings), [true, true, false, null]);
  assert.equal(run("starts_with(s, 'hé')", strings), [false, true, false, null]);
  assert.equal(run("endswith(s, 'o')", strings), [false, true, false, null]);
  assert.equal(run("lpad(s, 7, 'ab')", strings), ['  Hello', 'abhéllo', 'abababa', null]);
  assert.equal(run("rpad(s, 3)", strings), ['  H', 'hél', '   ', null]);
  assert.equal(run("reverse(s)", strings), [' olleH  ', 'olléh', '', null]);
  assert.equal(run("initcap('hello wORLD')", strings)[0], 'Hello World');
  assert.equal(run("regexp_extract(s, '(h|H)(é|e)', 2)", strings), ['e', 'é', '', null]);
  assert.equal(run("regexp_replace(s, '(l+)', '[$1]')", strings), ['  He[ll]o ', 'hé[ll]o', '', null]);
  assert.equal(run("repeat('ab', 3)", strings)[0], 'ababab');
  assert.equal(run("left(s, 3)", strings), ['  H', 'hél', '', null]);
  assert.equal(run("right(s, 2)", strings), ['o ', 'lo', '', null]);
});

test('substring follows Spark for zero, negative and out-of-range positions', () => {
  assert.is(scalar("substring('hello', 2, 3)"), 'ell');
  assert.is(scalar("substring('hello', 0, 2)"), 'he');
  assert.is(scalar("substring('hello', -3, 2)"), 'll');
  assert.is(scalar("substring('hello', -10, 8)"), 'hel');
  assert.is(scalar("substring('hello', 3)"), 'llo');
  assert.is(scalar("substr('hello', 9)"), '');
  assert.is(scalar("substring('hello', 2, -1)"), '');
  assert.is(scalar("substring('h😀llo', 2, 2)"), '😀l');
  assert.is(scalar('substring(NULL, 1, 2)'), null);
});

test('math functions', () => {
  const b = batchOf({ x: { type: new arrow.Float64(), values: [2.5, -2.5, 0.125, null] }, i: { type: new arrow.Int32(), values: [-3, 4, 0, null] } });
  assert.equal(run('abs(x)', b), [2.5, 2.5, 0.125, null]);
  assert.equal(run('abs(i)', b), [3, 4, 0, null]);
  assert.is(typeOf('abs(i)', b), 'Int32');
  // HALF_UP: away from zero at .5.
  assert.equal(run('round(x)', b), [3, -3, 0, null]);
  assert.equal(run('round(x, 2)', b), [2.5, -2.5, 0.13, null]);
  assert.is(scalar('round(2.675D, 2)'), 2.68);
  assert.is(scalar('round(1234, -2)'), 1200);
  assert.equal(run('floor(x)', b), [2n, -3n, 0n, null]);
  assert.equal(run('ceil(x)', b), [3n, -2n, 1n, null]);
  assert.equal(run('sign(i)', b), [-1, 1, 0, null]);
  assert.equal(run('sqrt(i)', b).slice(1), [2, 0, null]);
  assert.ok(Number.isNaN(run('sqrt(i)', b)[0] as number));
  assert.equal(run('ln(i)', b), [null, Math.log(4), null, null]);
  assert.is(scalar('log10(1000)'), 3);
  assert.is(scalar('log(2, 8)'), 3);
  assert.is(scalar('pow(2, 10)'), 1024);
  assert.is(scalar('exp(0)'), 1);
  assert.equal(run('greatest(i, x, 1)', b), [2.5, 4, 1, 1]);
  assert.equal(run('least(i, x)', b), [-3, -2.5, 0, null]);
  assert.equal(run('mod(i, 3)', b), [0, 1, 0, null]);
  assert.is(scalar('pmod(-7, 3)'), 2);
  assert.is(scalar('pmod(7, -3)'), 1);
});

test('date and time functions (UTC)', () => {
  const b = batchOf({
    d: { type: new arrow.DateDay(), values: [new Date(Date.UTC(2024, 1, 29)), new Date(Date.UTC(1969, 11, 31)), null] },
    ts: { type: new arrow.TimestampMillisecond(), values: [Date.UTC(2024, 1, 29, 13, 45, 30, 250), Date.UTC(1969, 11, 31, 23, 59, 59), null] },
  });
  assert.equal(run('year(d)', b), [2024, 1969, null]);
  assert.equal(run('month(d)', b), [2, 12, null]);
  assert.equal(run('day(d)', b), [29, 31, null]);
  assert.equal(run('dayofweek(d)', b), [5, 4, null]); // Thursday, Wednesday (1 = Sunday)
  assert.equal(run('quarter(d)', b), [1, 4, null]);
  assert.equal(run('dayofyear(d)', b), [60, 365, null]);
  assert.equal(run('hour(ts)', b), [13, 23, null]);
  assert.equal(run('minute(ts)', b), [45, 59, null]);
  assert.equal(run('second(ts)', b), [30, 59, null]);
  assert.equal(run('year(ts)', b), [2024, 1969, null]);
  assert.equal(run('date_add(d, 1)', b), ['2024-03-01', '1970-01-01', null]);
  assert.equal(run('d - 1', b), ['2024-02-28', '1969-12-30', null]);
  assert.equal(run('date_sub(d, 366)', b), ['2023-02-28', '1968-12-30', null]);
  assert.equal(run("datediff(d, DATE '2024-01-01')", b), [59, -19724, null]);
  assert.equal(run('add_months(d, 12)', b), ['2025-02-28', '1970-12-31', null]);
  assert.equal(run('last_day(d)', b), ['2024-02-29', '1969-12-31', null]);
  assert.equal(run("trunc(d, 'MM')", b), ['2024-02-01', '1969-12-01', null]);
  assert.equal(run("date_trunc('hour', ts)", b), ['2024-02-29T13:00:00.000000', '1969-12-31T23:00:00.000000', null]);
  assert.equal(run("date_trunc('year', ts)", b), ['2024-01-01T00:00:00.000000', '1969-01-01T00:00:00.000000', null]);
  assert.equal(run('to_date(ts)', b), ['2024-02-29', '1969-12-31', null]);
  assert.equal(run('ts + INTERVAL 1 DAY', b), ['2024-03-01T13:45:30.250000', '1970-01-01T23:59:59.000000', null]);
  assert.equal(run('d + INTERVAL 1 MONTH', b), ['2024-03-29', '1970-01-31', null]);
  assert.equal(run("date_format(ts, 'yyyy/MM/dd HH:mm:ss.SSS')", b), ['2024/02/29 13:45:30.250', '1969/12/31 23:59:59.000', null]);
  assert.equal(run('unix_timestamp(ts)', b), [BigInt(Date.UTC(2024, 1, 29, 13, 45, 30) / 1000), -1n, null]);
  assert.is(scalar("to_date('2024-03-05')"), '2024-03-05');
  assert.is(scalar("to_date('05/03/2024', 'dd/MM/yyyy')"), '2024-03-05');
  assert.is(scalar("to_date('nonsense')"), null);
  assert.is(scalar("to_timestamp('2024-03-05 01:02:03', 'yyyy-MM-dd HH:mm:ss')"), '2024-03-05T01:02:03.000000');
  assert.is(scalar("to_timestamp('2024-03-05T01:02:03+02:00')"), '2024-03-04T23:02:03.000000');
  assert.is(scalar("from_unixtime(0)"), '1970-01-01 00:00:00');
});

test('current_date / current_timestamp are fixed per evaluation', () => {
  const b = batchOf({ x: { type: new arrow.Int32(), values: [1, 2] } });
  const now = new Date(Date.UTC(2026, 10, 25, 12, 0, 0));
  const e = compileExpression('current_timestamp()', b.schema);
  const v = e.evaluate(b, { now });
  assert.equal([...(v.data[0].values as BigInt64Array)], [BigInt(now.getTime()) * 1000n, BigInt(now.getTime()) * 1000n]);
  const d = compileExpression('current_date = DATE \'2026-11-25\'', b.schema).evaluate(b, { now });
  assert.equal(d.toArray(), [true, true]);
});

test('conditional functions', () => {
  const b = batchOf({ x: { type: new arrow.Int32(), values: [1, null, 3] }, y: { type: new arrow.Float64(), values: [null, 2.5, null] } });
  assert.equal(run('coalesce(x, y, 0)', b), [1, 2.5, 3]);
  assert.is(typeOf('coalesce(x, y)', b), 'Float64');
  assert.equal(run('nvl(x, -1)', b), [1, -1, 3]);
  assert.equal(run('ifnull(y, x)', b), [1, 2.5, 3]);
  assert.equal(run("nvl2(x, 'set', 'unset')", b), ['set', 'unset', 'set']);
  assert.equal(run('nullif(x, 3)', b), [1, null, null]);
  assert.equal(run("iff(x > 1, 'big', 'small')", b), ['small', 'small', 'big']);
  assert.equal(run("CASE x WHEN 1 THEN 'one' WHEN 3 THEN 'three' ELSE 'other' END", b), ['one', 'other', 'three']);
  assert.equal(run("CASE WHEN x > 2 THEN x WHEN y > 2 THEN y END", b), [null, 2.5, 3]);
  assert.equal(run('isnan(y)', b), [false, false, false]);
});

test('casts (non-ANSI: impossible conversions are NULL)', () => {
  assert.is(scalar("CAST('12' AS INT)"), 12);
  assert.is(scalar("CAST(' 12 ' AS INT)"), 12);
  assert.is(scalar("CAST('1.9' AS INT)"), 1);
  assert.is(scalar("CAST('abc' AS INT)"), null);
  assert.is(scalar("CAST('99999999999' AS INT)"), null);
  assert.is(scalar("CAST('99999999999' AS BIGINT)"), 99999999999n);
  assert.is(scalar('CAST(3.99D AS INT)'), 3);
  assert.is(scalar('CAST(-3.99D AS INT)'), -3);
  assert.is(scalar('CAST(1e20 AS INT)'), 2147483647);
  assert.is(scalar('CAST(300 AS TINYINT)'), 44);
  assert.is(scalar("CAST('yes' AS BOOLEAN)"), true);
  assert.is(scalar("CAST('0' AS BOOLEAN)"), false);
  assert.is(scalar("CAST('maybe' AS BOOLEAN)"), null);
  assert.is(scalar('CAST(2 AS BOOLEAN)'), true);
  assert.is(scalar("CAST('2024-02-30' AS DATE)"), null);
  assert.is(scalar("CAST('2024-02-29 10:00' AS TIMESTAMP)"), '2024-02-29T10:00:00.000000');
  assert.is(scalar("CAST(TIMESTAMP '2024-02-29 10:00:00' AS DATE)"), '2024-02-29');
  assert.is(scalar("CAST(DATE '2024-02-29' AS TIMESTAMP)"), '2024-02-29T00:00:00.000000');
  assert.is(scalar("CAST(0 AS TIMESTAMP) = TIMESTAMP '1970-01-01 00:00:00'"), true);
  assert.is(scalar("CAST(TIMESTAMP '1970-01-01 00:01:00' AS BIGINT)"), 60n);
  assert.is(scalar("CAST('1.005' AS DECIMAL(5,2))"), 1.01);
  assert.is(scalar("CAST(12345.6 AS DECIMAL(5,2))"), null);
  assert.is(scalar("CAST(1.5 AS STRING)"), '1.5');
  assert.is(scalar("CAST(CAST(2.50 AS DECIMAL(4,2)) AS STRING)"), '2.50');
  assert.is(scalar("CAST(0.0001D AS STRING)"), '1.0E-4');
  assert.is(scalar("CAST(100.0D AS STRING)"), '100.0');
  assert.is(scalar("try_cast('x' AS DOUBLE)"), null);
  assert.is(scalar("CAST('1e3' AS DOUBLE)"), 1000);
  assert.is(scalar("CAST('Infinity' AS DOUBLE)"), Infinity);
});

test.run();
