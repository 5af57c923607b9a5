// Delta per-file statistics: rendering of every type, truncation bounds,
// indexed-column selection, and the JSON round trip used for file skipping.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import type { FileStats } from '../../src/parquet/types.ts';
import {
  buildStats,
  collectionNullCounts,
  parseColumnList,
  parseStats,
  statAt,
  statsLeaves,
  statsOptionsFromConfiguration,
  statToComparable,
  truncateMaxString,
  truncateMinString,
} from '../../src/delta/stats.ts';
import { parseJson, stringifyJson } from '../../src/delta/json.ts';

const enc = new TextEncoder();
/** Byte-wise (UTF-8) comparison, the order Parquet and Spark use for strings. */
function cmpUtf8(a: string, b: string): number {
  const x = enc.encode(a);
  const y = enc.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

test('string max truncation is an upper bound of the original in UTF-8 order, min a lower bound', () => {
  // Deterministic pseudo-random strings over ASCII, 2-byte, 3-byte, astral and U+10FFFF characters.
  const alphabet = ['a', 'z', '~', '\u007f', 'é', 'ž', '€', '\uffff', '😀', '\u{10ffff}'];
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed);
  for (let n = 0; n < 2000; n++) {
    let s = '';
    const len = rnd() % 80;
    for (let i = 0; i < len; i++) s += alphabet[rnd() % alphabet.length];
    for (const prefix of [1, 4, 32]) {
      const min = truncateMinString(s, prefix);
      const max = truncateMaxString(s, prefix);
      assert.ok(min !== null && cmpUtf8(min, s) <= 0 && s.startsWith(min), `min of ${JSON.stringify(s)}`);
      // No lone surrogates: the truncated strings must survive UTF-8 encoding unchanged.
      assert.is(new TextDecoder().decode(enc.encode(min)), min);
      if (max !== null) {
        assert.ok(cmpUtf8(max, s) >= 0, `max ${JSON.stringify(max)} < ${JSON.stringify(s)}`);
        assert.ok(max.length <= 2 * prefix + 2 || max === s);
        assert.is(new TextDecoder().decode(enc.encode(max)), max);
      }
      if (s.length <= prefix) {
        assert.is(min, s);
        assert.is(max, s);
      }
    }
  }
  assert.is(truncateMaxString('abcdef', 3), 'abc\u007f');
  assert.is(truncateMaxString('abcé', 3), 'abc\u{10ffff}');
});

test('renders each type as Spark does and keeps int64/decimal digits exact', () => {
  const schema = new arrow.Schema([
    new arrow.Field('i', new arrow.Int32()),
    new arrow.Field('l', new arrow.Int64()),
    new arrow.Field('d', new arrow.Float64()),
    new arrow.Field('dec', new arrow.Decimal(2, 20, 128)),
    new arrow.Field('day', new arrow.DateDay()),
    new arrow.Field('ts', new arrow.TimestampMicrosecond('UTC')),
    new arrow.Field('ntz', new arrow.TimestampMicrosecond()),
    new arrow.Field('s', new arrow.Utf8()),
    new arrow.Field('b', new arrow.Binary()),
    new arrow.Field('flag', new arrow.Bool()),
  ]);
  // Values chosen so the expected text follows from JS's own Date/BigInt arithmetic.
  const tsMicros = BigInt(Date.UTC(2024, 1, 29, 13, 5, 9, 123)) * 1000n + 456n;
  const day = Date.UTC(1999, 11, 31) / 86_400_000;
  const long = 9_007_199_254_740_993n; // 2^53 + 1: not representable as a double
  const fileStats: FileStats = {
    numRows: 4,
    columns: [
      { path: ['i'], nullCount: 1, min: -5, max: 7 },
      { path: ['l'], nullCount: 0, min: -long, max: long },
      { path: ['d'], nullCount: 0, min: -0.5, max: 1e300 },
      { path: ['dec'], nullCount: 2, min: -12345n, max: 123456789012345678901n },
      { path: ['day'], nullCount: 0, min: day, max: day + 1 },
      { path: ['ts'], nullCount: 0, min: tsMicros, max: tsMicros + 1000n },
      { path: ['ntz'], nullCount: 0, min: -1n, max: tsMicros },
      { path: ['s'], nullCount: 0, min: 'x'.repeat(40), max: 'y'.repeat(40) },
      { path: ['b'], nullCount: 3, min: new Uint8Array([0]), max: new Uint8Array([255]) },
      { path: ['flag'], nullCount: 0, min: false, max: true },
    ],
  };
  const json = buildStats(fileStats, schema);
  // Exact digits of the int64 and the decimal appear verbatim in the text.
  assert.ok(json.includes(`"l":${long}`));
  assert.ok(json.includes('"dec":1234567890123456789.01'));
  assert.ok(json.includes('"dec":-123.45'));
  const parsed = parseStats(json)!;
  assert.is(parsed.numRecords, 4);
  assert.equal(parsed.minValues.i, -5);
  assert.equal(parsed.maxValues.l, long);
  assert.equal(parsed.minValues.l, -long);
  assert.equal(parsed.maxValues.d, 1e300);
  const iso = new Date(Date.UTC(2024, 1, 29, 13, 5, 9, 123)).toISOString(); // ...T13:05:09.123Z
  assert.is(parsed.minValues.ts, iso);
  assert.is(parsed.maxValues.ts, new Date(Date.UTC(2024, 1, 29, 13, 5, 9, 124)).toISOString());
  // timestamp_ntz: same wall clock, no zone suffix; -1µs floors to the previous millisecond.
  assert.is(parsed.maxValues.ntz, iso.slice(0, -1));
  assert.is(parsed.minValues.ntz, new Date(-1).toISOString().slice(0, -1));
  assert.is(parsed.minValues.day, new Date(day * 86_400_000).toISOString().slice(0, 10));
  assert.is(parsed.minValues.s, 'x'.repeat(32));
  assert.is(parsed.maxValues.s, 'y'.repeat(32) + '\u007f');
  // Binary and boolean: null counts only.
  assert.is(parsed.minValues.b, undefined);
  assert.is(parsed.minValues.flag, undefined);
  assert.is(parsed.nullCount.b, 3);
  assert.is(parsed.nullCount.flag, 0);
  // Comparable forms for skipping.
  const tsField = schema.fields[5];
  assert.is(statToComparable(parsed.minValues.ts, tsField.type), (tsMicros / 1000n) * 1000n);
  assert.is(statToComparable(parsed.minValues.day, schema.fields[4].type), day);
});

test('nested struct stats nest; partition columns and non-indexed leaves are left out', () => {
  const schema = new arrow.Schema([
    new arrow.Field('date', new arrow.Utf8()),
    new arrow.Field('a', new arrow.Struct([new arrow.Field('b', new arrow.Struct([new arrow.Field('c', new arrow.Int64())])), new arrow.Field('d', new arrow.Utf8())])),
    new arrow.Field('e', new arrow.Int32()),
  ]);
  const fileStats: FileStats = {
    numRows: 2,
    columns: [
      { path: ['date'], nullCount: 0, min: '2020', max: '2021' },
      { path: ['a', 'b', 'c'], nullCount: 1, min: 1n, max: 9n },
      { path: ['a', 'd'], nullCount: 0, min: 'p', max: 'q' },
      { path: ['e'], nullCount: 0, min: 3, max: 4 },
    ],
  };
  const all = parseStats(buildStats(fileStats, schema, { partitionColumns: ['date'] }))!;
  assert.equal(all.minValues, { a: { b: { c: 1 }, d: 'p' }, e: 3 });
  assert.equal(all.nullCount, { a: { b: { c: 1 }, d: 0 }, e: 0 });
  assert.is(statAt(all.maxValues, ['a', 'b', 'c']), 9);

  // numIndexedCols counts leaves in schema order (partition columns excluded).
  const two = parseStats(buildStats(fileStats, schema, statsOptionsFromConfiguration({ 'delta.dataSkippingNumIndexedCols': '2' }, ['date'])))!;
  assert.equal(two.minValues, { a: { b: { c: 1 }, d: 'p' } });
  assert.equal(two.nullCount, { a: { b: { c: 1 }, d: 0 } });

  // dataSkippingStatsColumns overrides the count; a struct name selects its leaves.
  const named = parseStats(
    buildStats(fileStats, schema, statsOptionsFromConfiguration({ 'delta.dataSkippingNumIndexedCols': '1', 'delta.dataSkippingStatsColumns': 'e, a.b' }, ['date'])),
  )!;
  assert.equal(named.minValues, { a: { b: { c: 1 } }, e: 3 });

  const none = parseStats(buildStats(fileStats, schema, { partitionColumns: ['date'], numIndexedCols: 0 }))!;
  assert.equal(none.minValues, {});
  assert.is(none.numRecords, 2);
  assert.equal(statsLeaves(schema, { numIndexedCols: -1 }).map((l) => l.path.join('.')), ['date', 'a.b.c', 'a.d', 'e']);
});

test('array and map null counts are counted per row from the data', () => {
  const data = arrow.tableFromArrays({ id: Int32Array.from([1, 2, 3]) });
  const list = arrow.vectorFromArray([[1, 2], null, []], new arrow.List(new arrow.Field('element', new arrow.Int32(), true)));
  const withList = data.assign(new arrow.Table({ tags: list }));
  const counts = collectionNullCounts(withList);
  assert.is(counts.get('tags'), 1);
  const json = buildStats({ numRows: 3, columns: [{ path: ['id'], nullCount: 0, min: 1, max: 3 }] }, withList.schema, {
    collectionNullCounts: counts,
  });
  assert.equal(parseStats(json)!.nullCount, { id: 0, tags: 1 });
});

test('column lists parse dotted and back-quoted names', () => {
  assert.equal(parseColumnList('id, `weird.name`, address.city'), [['id'], ['weird.name'], ['address', 'city']]);
  assert.equal(parseColumnList('`a``b`.c'), [['a`b', 'c']]);
  assert.throws(() => parseColumnList('a,,b'), /empty column name/);
});

test('JSON helpers keep integers beyond 2^53 exact and reject garbage', () => {
  const v = parseJson('{"a":[1,-9223372036854775808,2.5e3,"x\\"y"],"b":null,"c":true}');
  assert.equal(v, { a: [1, -9223372036854775808n, 2500, 'x"y'], b: null, c: true });
  assert.is(stringifyJson(v), '{"a":[1,-9223372036854775808,2500,"x\\"y"],"b":null,"c":true}');
  assert.throws(() => parseJson('{"a":1'), /Invalid JSON/);
  // Texts without 16 digits in a row go to the engine's parser; any 16-digit run to the exact one.
  assert.equal(parseJson('{"t":123456789012345,"f":0.5}'), { t: 123456789012345, f: 0.5 });
  assert.equal(parseJson('{"s":9007199254740993,"n":9007199254740991,"u":"1234567890123456789"}'), { s: 9007199254740993n, n: 9007199254740991, u: '1234567890123456789' });
  assert.throws(() => parseJson('{"a":}'), /Invalid JSON/);
  assert.throws(() => parseJson('{"a":12345678901234567,}'), /Invalid JSON/);
  assert.is(parseStats('not json'), null);
  assert.is(parseStats(null), null);
  assert.is(parseStats('{"minValues":{}}'), null);
});

test('end to end: the writer\'s statistics of a real file become the stats Spark would write', async () => {
  const { writeParquet } = await import('../../src/parquet/write.ts');
  const n = 500;
  let seed = 11;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed / 0x7fffffff);
  const longs = Array.from({ length: n }, () => BigInt(Math.floor((rnd() - 0.5) * 2 ** 62)) * 3n);
  const micros = Array.from({ length: n }, () => BigInt(Math.floor(rnd() * 4e15)) - 10n ** 15n);
  const days = Array.from({ length: n }, () => Math.floor((rnd() - 0.3) * 40000));
  const strs = Array.from({ length: n }, (_, i) => (i % 7 === 0 ? null : `${String.fromCharCode(97 + Math.floor(rnd() * 26))}${'x'.repeat(Math.floor(rnd() * 50))}é`));
  const inner = Array.from({ length: n }, () => (rnd() < 0.2 ? null : Math.floor(rnd() * 1000) - 500));
  const table = new arrow.Table({
    l: arrow.vectorFromArray(longs, new arrow.Int64()),
    ts: arrow.makeVector(arrow.makeData({ type: new arrow.TimestampMicrosecond('UTC'), length: n, data: BigInt64Array.from(micros) })),
    ntz: arrow.makeVector(arrow.makeData({ type: new arrow.TimestampMicrosecond(), length: n, data: BigInt64Array.from(micros) })),
    d: arrow.makeVector(arrow.makeData({ type: new arrow.DateDay(), length: n, data: Int32Array.from(days) })),
    s: arrow.vectorFromArray(strs, new arrow.Utf8()),
    st: arrow.vectorFromArray(inner.map((x) => ({ x })), new arrow.Struct([new arrow.Field('x', new arrow.Int32(), true)])),
  });
  const { stats } = await writeParquet(table);
  const parsed = parseStats(buildStats(stats, table.schema))!;
  const minB = (xs: bigint[]) => xs.reduce((a, b) => (b < a ? b : a));
  const maxB = (xs: bigint[]) => xs.reduce((a, b) => (b > a ? b : a));
  // Expected values from the input, rendered by JS's own Date (floor to ms).
  const isoMs = (us: bigint) => new Date(Number((us - (((us % 1000n) + 1000n) % 1000n)) / 1000n)).toISOString();
  assert.is(parsed.numRecords, n);
  assert.equal(parsed.minValues.l, minB(longs));
  assert.equal(parsed.maxValues.l, maxB(longs));
  assert.is(parsed.minValues.ts, isoMs(minB(micros)));
  assert.is(parsed.maxValues.ts, isoMs(maxB(micros)));
  assert.is(parsed.minValues.ntz, isoMs(minB(micros)).slice(0, -1));
  assert.is(parsed.minValues.d, new Date(Math.min(...days) * 86_400_000).toISOString().slice(0, 10));
  assert.is(parsed.maxValues.d, new Date(Math.max(...days) * 86_400_000).toISOString().slice(0, 10));
  const present = strs.filter((x): x is string => x !== null);
  const sorted = [...present].sort(cmpUtf8);
  assert.is(parsed.minValues.s, sorted[0].slice(0, 32));
  assert.ok(cmpUtf8(parsed.maxValues.s as string, sorted[sorted.length - 1]) >= 0);
  assert.ok((parsed.maxValues.s as string).startsWith(sorted[sorted.length - 1].slice(0, 32)));
  assert.is(parsed.nullCount.s, strs.length - present.length);
  const xs = inner.filter((x): x is number => x !== null);
  assert.equal(parsed.minValues.st, { x: Math.min(...xs) });
  assert.equal(parsed.maxValues.st, { x: Math.max(...xs) });
  assert.equal(parsed.nullCount.st, { x: inner.length - xs.length });
});

test.run();
