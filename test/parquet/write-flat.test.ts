// Flat columns of every supported type, through every codec, read back by
// hyparquet and DuckDB and compared with the values the Arrow table was built from.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  Binary,
  Bool,
  DateDay,
  DateMillisecond,
  Decimal,
  Dictionary,
  Field,
  FixedSizeBinary,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  LargeUtf8,
  Schema,
  Table,
  TimestampMicrosecond,
  TimestampMillisecond,
  TimestampNanosecond,
  TimestampSecond,
  Uint16,
  Uint32,
  Uint64,
  Uint8,
  Utf8,
  makeData,
  makeVector,
  vectorFromArray,
  type DataType,
  type Vector,
} from 'apache-arrow';
import { writeParquet } from '../../src/parquet/index.ts';
import type { ParquetCompression, StatValue } from '../../src/parquet/index.ts';
import { canon, decimalVector, minMax, prng, queryDuckDB, readHyparquet } from './helpers.ts';

const N = 3000;
const rand = prng(42);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
/** Every 7th value null, except in the first rows, which hold the extremes. */
const gen = <T>(first: readonly (T | null)[], f: (i: number) => T): (T | null)[] =>
  Array.from({ length: N }, (_, i) => (i < first.length ? first[i]! : i % 7 === 3 ? null : f(i)));

const words = ['alpha', 'beta', 'gamma', 'héllo wörld', '日本語', 'emoji 🎉🦀', '', 'z', 'Ω≈ç√'];
const utf8Bytes = (s: string) => Buffer.from(s, 'utf8');
const byteLess = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) < 0;
const strLess = (a: string, b: string) => Buffer.compare(utf8Bytes(a), utf8Bytes(b)) < 0;

function validity(values: readonly unknown[]): Uint8Array {
  const bits = new Uint8Array(Math.ceil(values.length / 8));
  values.forEach((v, i) => {
    if (v !== null) bits[i >> 3]! |= 1 << (i & 7);
  });
  return bits;
}

/** A vector from raw values laid out exactly as given (BigInt64 for timestamps, Int32 days for dates). */
function rawVector<T extends DataType>(type: T, values: readonly (bigint | number | null)[], Array_: typeof BigInt64Array | typeof Int32Array): Vector<T> {
  const data = new Array_(values.length);
  values.forEach((v, i) => {
    if (v !== null) (data as unknown as (number | bigint)[])[i] = v;
  });
  return makeVector(makeData({ type, length: values.length, data, nullBitmap: validity(values) } as never)) as Vector<T>;
}

function decimalString(unscaled: bigint, scale: number): string {
  const neg = unscaled < 0n;
  const digits = (neg ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const int = digits.slice(0, digits.length - scale);
  const frac = digits.slice(digits.length - scale);
  return `${neg ? '-' : ''}${int}${scale > 0 ? `.${frac}` : ''}`;
}

interface Column {
  name: string;
  vector: Vector;
  values: readonly unknown[];
  /** hyparquet value → canonical, when it differs from canon(source). */
  hyp?: (v: unknown) => unknown;
  /** DuckDB select expression for `c` and the expected canonical value of a source value. */
  duckExpr?: (c: string) => string;
  duck?: (v: unknown) => unknown;
  stats: { min?: StatValue; max?: StatValue; nullCount: number };
}

const columns: Column[] = [];
function add(c: Omit<Column, 'stats'> & { stats?: Column['stats']; less?: (a: never, b: never) => boolean }) {
  const stats = c.stats ?? (minMax(c.values as never[], c.less as never) as Column['stats']);
  columns.push({ ...c, stats });
}

const bools = gen([true, false, null], () => rand() < 0.5);
add({ name: 'bool', vector: vectorFromArray(bools, new Bool()), values: bools });
for (const [name, type, lo, hi] of [
  ['i8', new Int8(), -128, 127],
  ['i16', new Int16(), -32768, 32767],
  ['i32', new Int32(), -2147483648, 2147483647],
  ['u8', new Uint8(), 0, 255],
  ['u16', new Uint16(), 0, 65535],
  ['u32', new Uint32(), 0, 4294967295],
] as const) {
  const values = gen([lo, hi, null], () => lo + Math.floor(rand() * (hi - lo + 1)));
  add({ name, vector: vectorFromArray(values, type as DataType as Int32), values });
}
const i64 = gen([-(2n ** 63n), 2n ** 63n - 1n, null], () => BigInt(Math.floor((rand() - 0.5) * 2 ** 53)) * 1000n);
add({ name: 'i64', vector: vectorFromArray(i64, new Int64()), values: i64 });
const u64 = gen([0n, 2n ** 64n - 1n, null], (i) => BigInt(i) * 2n ** 40n);
add({ name: 'u64', vector: vectorFromArray(u64, new Uint64()), values: u64 });
const f32 = gen([1.5, -2.25, null, NaN], () => Math.fround((rand() - 0.5) * 1e6));
add({ name: 'f32', vector: vectorFromArray(f32, new Float32()), values: f32, duckExpr: (c) => `cast(${c} as double)` });
const f64 = gen([Math.PI, -Infinity, null, NaN, Infinity, -0], () => (rand() - 0.5) * 1e12);
add({ name: 'f64', vector: vectorFromArray(f64, new Float64()), values: f64 });
const strs = gen(['', null, 'emoji 🎉🦀', '\u{10FFFF}'], (i) => `${pick(words)}-${i % 97}`);
add({ name: 'utf8', vector: vectorFromArray(strs, new Utf8()), values: strs, less: strLess });
const large = gen(['ü', null], (i) => pick(words) + String(i));
add({ name: 'large_utf8', vector: vectorFromArray(large, new LargeUtf8()), values: large, less: strLess });
const dict = gen([null, 'β'], () => pick(words));
add({ name: 'dict_utf8', vector: vectorFromArray(dict, new Dictionary(new Utf8(), new Int32())), values: dict, less: strLess });
const bins = gen([new Uint8Array([]), null, new Uint8Array([255, 0])], (i) => new Uint8Array([i & 255, (i >> 8) & 255, 7]));
add({
  name: 'binary',
  vector: vectorFromArray(bins, new Binary()),
  values: bins,
  less: byteLess,
  duckExpr: (c) => `lower(hex(${c}))`,
});
const fixed = gen([new Uint8Array([0, 0, 0]), new Uint8Array([255, 255, 255]), null], (i) => new Uint8Array([i & 255, 1, 2]));
{
  const data = new Uint8Array(N * 3);
  fixed.forEach((v, i) => v && data.set(v, i * 3));
  const vector = makeVector(makeData({ type: new FixedSizeBinary(3), length: N, data, nullBitmap: validity(fixed) }));
  add({ name: 'fixed3', vector, values: fixed, less: byteLess, duckExpr: (c) => `lower(hex(${c}))` });
}
const days = gen([-719162, 2932896, null, -1, 0], () => Math.floor((rand() - 0.5) * 40000));
add({
  name: 'date32',
  vector: rawVector(new DateDay(), days, Int32Array),
  values: days,
  duckExpr: (c) => `cast(${c} - date '1970-01-01' as integer)`,
});
const ms = gen([-86400000 * 3, null], (i) => (i - 1500) * 86400000);
add({
  name: 'date64',
  vector: vectorFromArray(ms.map((v) => (v === null ? null : new Date(v))), new DateMillisecond()),
  values: ms,
  hyp: (v) => (v as number) / 86400000,
  duckExpr: (c) => `cast(${c} - date '1970-01-01' as integer)`,
  duck: (v) => (v as number) / 86400000,
  stats: { ...minMax(ms.map((v) => (v === null ? null : v / 86400000))) },
});
for (const [name, type, unit, tz] of [
  ['ts_s', new TimestampSecond(), 's', false],
  ['ts_ms_utc', new TimestampMillisecond('UTC'), 'ms', true],
  ['ts_us', new TimestampMicrosecond(), 'us', false],
  ['ts_us_utc', new TimestampMicrosecond('UTC'), 'us', true],
  ['ts_ns', new TimestampNanosecond(), 'ns', false],
  ['ts_ns_tz', new TimestampNanosecond('Europe/Paris'), 'ns', true],
] as const) {
  const values = gen([-(10n ** 11n), 10n ** 11n, null], () => BigInt(Math.floor((rand() - 0.3) * 2 ** 40)));
  const epoch = unit === 's' ? 'epoch_ms' : unit === 'ms' ? 'epoch_ms' : unit === 'us' ? 'epoch_us' : 'epoch_ns';
  add({
    name,
    vector: rawVector(type as DataType, values, BigInt64Array),
    values,
    // Parquet has no seconds: hyparquet and DuckDB see milliseconds.
    hyp: unit === 's' ? (v) => (v as bigint) * 1000n : undefined,
    duckExpr: (c) => `${epoch}(${c})`,
    // DuckDB reads NANOS adjusted to UTC as TIMESTAMPTZ, which holds microseconds (truncated toward zero).
    duck: unit === 's' ? (v) => (v as bigint) * 1000n : unit === 'ns' && tz ? (v) => ((v as bigint) / 1000n) * 1000n : undefined,
  });
}
const decs = gen([-(10n ** 10n) + 1n, 10n ** 10n - 1n, null, 0n, -1n], () => BigInt(Math.floor((rand() - 0.5) * 1e9)));
add({
  name: 'dec10_2',
  vector: decimalVector(decs, 10, 2),
  values: decs,
  hyp: (v) => Number(v) * 10 ** -2, // hyparquet returns decimals as numbers
  duckExpr: (c) => `cast(${c} as varchar)`,
  duck: (v) => decimalString(v as bigint, 2),
});
const big = gen([-(10n ** 38n) + 1n, 10n ** 38n - 1n, null], (i) => BigInt(i) * 10n ** 30n - 7n);
add({
  name: 'dec38_0',
  vector: decimalVector(big, 38, 0),
  values: big,
  hyp: (v) => Number(v),
  duckExpr: (c) => `cast(${c} as varchar)`,
  duck: (v) => decimalString(v as bigint, 0),
});

const table = new Table(
  new Schema(columns.map((c) => new Field(c.name, c.vector.type, true))),
  // One batch built from all vectors.
  Object.fromEntries(columns.map((c) => [c.name, c.vector])) as never,
);

async function checkReaders(bytes: Uint8Array, label: string) {
  let t = performance.now();
  const hyp = await readHyparquet(bytes);
  if (process.env.TIMING) console.log(label, 'hyparquet', performance.now() - t);
  assert.is(hyp.length, N, `${label}: hyparquet row count`);
  for (const c of columns) {
    const got = hyp.map((r) => canon(r[c.name]));
    const want = c.values.map((v) => (v === null ? null : canon(c.hyp ? c.hyp(v) : v)));
    assert.equal(got, want, `${label}: hyparquet column ${c.name}`);
  }
  const select = columns.map((c) => `${c.duckExpr ? c.duckExpr(`"${c.name}"`) : `"${c.name}"`} as "${c.name}"`).join(', ');
  t = performance.now();
  const duck = await queryDuckDB(bytes, `select ${select} from $file`);
  if (process.env.TIMING) console.log(label, 'duckdb', performance.now() - t);
  assert.is(duck.length, N, `${label}: DuckDB row count`);
  for (const c of columns) {
    const got = duck.map((r) => canon(r[c.name]));
    const want = c.values.map((v) => (v === null ? null : canon(c.duck ? c.duck(v) : v)));
    assert.equal(got, want, `${label}: DuckDB column ${c.name}`);
  }
}

for (const compression of ['uncompressed', 'snappy', 'gzip', 'brotli', 'zstd'] as ParquetCompression[]) {
  test(`every flat type round-trips through ${compression}`, async () => {
    const t = performance.now();
    const { bytes } = await writeParquet(table, { compression });
    if (process.env.TIMING) console.log(compression, 'write', performance.now() - t);
    await checkReaders(bytes, compression);
  });
}

test('without dictionaries (all PLAIN) the values are the same', async () => {
  const { bytes } = await writeParquet(table, { dictionary: false, compression: 'zstd', compressionLevel: 5 });
  await checkReaders(bytes, 'plain');
  const meta = await queryDuckDB(bytes, `select distinct unnest(string_split(encodings, ', ')) as e from parquet_metadata($path)`);
  assert.not.ok(meta.some((r) => String(r.e).includes('DICTIONARY')), 'no dictionary encodings');
});

test('statistics match min/max/null counts computed from the input', async () => {
  const { stats } = await writeParquet(table);
  assert.is(stats.numRows, N);
  assert.equal(
    stats.columns.map((c) => c.path),
    columns.map((c) => [c.name]),
  );
  for (const [i, c] of columns.entries()) {
    const s = stats.columns[i]!;
    assert.is(s.nullCount, c.stats.nullCount, `${c.name} nullCount`);
    assert.equal(canon(s.min), canon(c.stats.min), `${c.name} min`);
    assert.equal(canon(s.max), canon(c.stats.max), `${c.name} max`);
  }
});

test('DuckDB sees the footer statistics and encodings', async () => {
  const { bytes } = await writeParquet(table);
  const rows = await queryDuckDB(
    bytes,
    `select path_in_schema as p, stats_min_value as lo, stats_max_value as hi, stats_null_count as nulls, encodings
     from parquet_metadata($path)`,
  );
  const byName = new Map(rows.map((r) => [String(r.p), r]));
  for (const c of columns) {
    const r = byName.get(c.name)!;
    assert.ok(r, `metadata row for ${c.name}`);
    assert.is(Number(r.nulls), c.stats.nullCount, `${c.name} null count in footer`);
  }
  // DuckDB renders min/max in the logical type; spot-check types with an unambiguous text form.
  const text = (name: string) => [byName.get(name)!.lo, byName.get(name)!.hi];
  assert.equal(text('i8'), ['-128', '127']);
  assert.equal(text('i32'), ['-2147483648', '2147483647']);
  assert.equal(text('i64'), ['-9223372036854775808', '9223372036854775807']);
  assert.equal(text('u32'), ['0', '4294967295']);
  assert.equal(text('u64'), ['0', '18446744073709551615']);
  assert.equal(text('utf8'), [columns.find((c) => c.name === 'utf8')!.stats.min, columns.find((c) => c.name === 'utf8')!.stats.max]);
  assert.equal(text('dec10_2'), ['-99999999.99', '99999999.99']);
  // Low-cardinality strings are dictionary-encoded, mostly-distinct int64s are not.
  assert.ok(String(byName.get('dict_utf8')!.encodings).includes('RLE_DICTIONARY'));
  assert.ok(String(byName.get('bool')!.encodings).includes('PLAIN'));
  assert.not.ok(String(byName.get('i64')!.encodings).includes('RLE_DICTIONARY'));
});

test('an empty table gives a file both readers accept', async () => {
  const empty = table.slice(0, 0);
  const { bytes, stats } = await writeParquet(empty);
  assert.is(stats.numRows, 0);
  assert.equal((await readHyparquet(bytes)).length, 0);
  const rows = await queryDuckDB(bytes, 'select count(*)::integer as n from $file');
  assert.is(rows[0]!.n, 0);
  for (const s of stats.columns) {
    assert.is(s.nullCount, 0);
    assert.is(s.min, undefined);
  }
});

test('a table without record batches gives an empty file', async () => {
  const empty = new Table(new Schema([new Field('a', new Int32(), true), new Field('s', new Utf8(), false)]));
  const { bytes, stats } = await writeParquet(empty);
  assert.equal(stats, { numRows: 0, columns: [{ path: ['a'], nullCount: 0 }, { path: ['s'], nullCount: 0 }] });
  const rows = await queryDuckDB(bytes, 'select count(*)::integer as n from $file');
  assert.is(rows[0]!.n, 0);
});

test('decimal256 beyond 38 digits (hyparquet; DuckDB reads at most DECIMAL(38))', async () => {
  const values = [10n ** 49n - 1n, -(10n ** 45n) - 7n, 0n, null, 123456789012345678901234567890n];
  const words = new Uint32Array(values.length * 8);
  values.forEach((v, i) => {
    let x = BigInt.asUintN(256, v ?? 0n);
    for (let w = 0; w < 8; w++) {
      words[i * 8 + w] = Number(x & 0xffffffffn);
      x >>= 32n;
    }
  });
  const type = new Decimal(3, 50, 256);
  const t = new Table({ d: makeVector(makeData({ type, length: values.length, data: words, nullBitmap: validity(values) })) });
  const { bytes, stats } = await writeParquet(t);
  assert.equal(
    (await readHyparquet(bytes)).map((r) => r.d ?? null),
    values.map((v) => (v === null ? null : Number(v) * 10 ** -3)),
  );
  assert.equal(stats.columns[0], { path: ['d'], nullCount: 1, min: -(10n ** 45n) - 7n, max: 10n ** 49n - 1n });
});

test('a sliced table (non-zero Arrow offsets) writes exactly the slice', async () => {
  const slice = table.slice(1001, 1777);
  const { bytes, stats } = await writeParquet(slice, { compression: 'snappy' });
  const hyp = await readHyparquet(bytes);
  assert.is(hyp.length, 776);
  for (const name of ['bool', 'i32', 'utf8', 'dict_utf8', 'fixed3', 'ts_us']) {
    const c = columns.find((x) => x.name === name)!;
    const want = c.values.slice(1001, 1777).map((v) => canon(v));
    assert.equal(hyp.map((r) => canon(r[name])), want, `slice ${name}`);
    const s = stats.columns.find((x) => x.path[0] === name)!;
    assert.is(s.nullCount, c.values.slice(1001, 1777).filter((v) => v === null).length);
  }
});

test.run();
