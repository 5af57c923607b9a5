import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  escapePathName, formatDecimal, fromAddPath, parseDecimalString, parsePartitionValue, partitionDirectory,
  serializePartitionValue, toAddPath, unescapePathName, HIVE_DEFAULT_PARTITION,
} from '../../src/delta/partition-values.ts';

test('PROTOCOL.md examples parse', () => {
  assert.is(parsePartitionValue('1970-01-01', 'date'), 0);
  assert.is(parsePartitionValue('1970-01-01 00:00:00', 'timestamp'), 0n);
  assert.is(parsePartitionValue('1970-01-01 00:00:00.123456', 'timestamp'), 123456n);
  assert.is(parsePartitionValue('1970-01-01T00:00:00.123456Z', 'timestamp'), 123456n);
  assert.is(parsePartitionValue('1970-01-01 00:00:00.123456', 'timestamp_ntz'), 123456n);
  assert.is(parsePartitionValue('true', 'boolean'), true);
  assert.equal([...(parsePartitionValue('\u0001\u0002\u0003', 'binary') as Uint8Array)], [1, 2, 3]);
  // An empty string is null for any type.
  assert.is(parsePartitionValue('', 'integer'), null);
  assert.is(parsePartitionValue(null, 'string'), null);
});

test('values independent of Tributary: Date.UTC and known epoch days', () => {
  assert.is(parsePartitionValue('2021-09-08', 'date'), Date.UTC(2021, 8, 8) / 86_400_000);
  assert.is(parsePartitionValue('2021-09-08 11:11:11', 'timestamp'), BigInt(Date.UTC(2021, 8, 8, 11, 11, 11)) * 1000n);
  assert.is(parsePartitionValue('2024-01-01T10:00:00.000000Z', 'timestamp'), BigInt(Date.UTC(2024, 0, 1, 10)) * 1000n);
  assert.is(parsePartitionValue('2024-01-01T12:00:00+02:00', 'timestamp'), BigInt(Date.UTC(2024, 0, 1, 10)) * 1000n);
  assert.is(parsePartitionValue('9223372036854775807', 'long'), 9223372036854775807n);
  assert.is(parsePartitionValue('-128', 'byte'), -128);
  assert.is(parsePartitionValue('1.0', 'double'), 1);
  assert.is(parsePartitionValue('123.45', 'decimal(10,2)'), 12345n);
});

test('round trips', () => {
  const cases: [unknown, string, string][] = [
    [19000, 'date', '2022-01-08'],
    [-1, 'date', '1969-12-31'],
    [1_000_000n, 'timestamp', '1970-01-01 00:00:01'],
    [1_000_001n, 'timestamp', '1970-01-01 00:00:01.000001'],
    [-1n, 'timestamp', '1969-12-31 23:59:59.999999'],
    [12345n, 'decimal(10,2)', '123.45'],
    [-5n, 'decimal(10,3)', '-0.005'],
    [42, 'integer', '42'],
    [2n ** 62n, 'long', '4611686018427387904'],
    [1.5, 'double', '1.5'],
    [1, 'double', '1.0'],
    [1e7, 'double', '1.0E7'],
    [false, 'boolean', 'false'],
    ['a/b=c', 'string', 'a/b=c'],
  ];
  for (const [value, type, text] of cases) {
    assert.is(serializePartitionValue(value as never, type), text, `${type} ${String(value)}`);
    assert.equal(parsePartitionValue(text, type), value, `parse ${text}`);
  }
  assert.is(serializePartitionValue(0.1, 'float'), '0.1');
  assert.is(serializePartitionValue(new TextEncoder().encode('😈'), 'binary'), '😈');
  assert.is(serializePartitionValue('', 'string'), null);
  assert.is(serializePartitionValue(null, 'long'), null);
});

test('bad values are refused, naming the column', () => {
  assert.throws(() => parsePartitionValue('abc', 'integer', 'year'), /'abc'.*'year'/);
  assert.throws(() => parsePartitionValue('300', 'byte', 'b'), /out of range/);
  assert.throws(() => parsePartitionValue('2021-13', 'date', 'd'), /Invalid partition value/);
  assert.throws(() => serializePartitionValue('x', 'long', 'id'), /column 'id'/);
  assert.throws(() => serializePartitionValue(12345678901n, 'decimal(10,2)', 'amt'), /overflows/);
  assert.throws(() => parseDecimalString('1.234', 2, 'amt'), /fractional digits/);
});

test('Hive path escaping matches the directories Spark wrote in the fixtures', () => {
  // dat-pr25/multi_partitioned: value "/%20%f" was written to directory "letter=%2F%2520%25f".
  assert.is(partitionDirectory(['letter'], { letter: '/%20%f' }), 'letter=%2F%2520%25f/');
  // delta-golden/data-reader-escaped-chars: value "bar+%21" → "_2=bar+%2521".
  assert.is(partitionDirectory(['_2'], { _2: 'bar+%21' }), '_2=bar+%2521/');
  assert.is(partitionDirectory(['a', 'b'], { a: null, b: '' }), `a=${HIVE_DEFAULT_PARTITION}/b=${HIVE_DEFAULT_PARTITION}/`);
  assert.is(escapePathName('a:b=c?d#e'), 'a%3Ab%3Dc%3Fd%23e');
  assert.is(unescapePathName(escapePathName('x/y%z"\u0001')), 'x/y%z"\u0001');
  // add.path is a URI: the escaped directory is percent-encoded again, as in the fixture's log.
  assert.is(toAddPath('letter=%2F%2520%25f/part-0.parquet'), 'letter=%252F%252520%2525f/part-0.parquet');
  assert.is(fromAddPath('letter=%252F%252520%2525f/part-0.parquet'), 'letter=%2F%2520%25f/part-0.parquet');
  assert.is(formatDecimal(5n, 3), '0.005');
});

test.run();
