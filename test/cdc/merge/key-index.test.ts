// KeyIndex against a brute-force reference built on keys.ts (the JavaScript
// key equality MERGE has always used): for every native layout, with NULLs,
// duplicates, -0/NaN floats, non-ASCII strings, sliced columns, composite
// keys, null-safe and SQL equality, and probes whose types differ from the
// build's (they fall back to JavaScript keys).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { KeyIndex } from '../../../src/cdc/merge/key-index.ts';
import { compositeReader, contiguous, keyReader, type KeyValue } from '../../../src/cdc/merge/keys.ts';
import { native } from '../../../src/native/addon.ts';
import { prng } from '../../support/prng.ts';
import { decodeRows, planColumns } from '../../../src/delta/maintenance/native-read.ts';
import { readFooter } from '../../../src/delta/maintenance/rowgroup-copy.ts';
import { writeParquet } from '../../../src/parquet/write.ts';

/** first/next/probe as keys.ts's Map keys define them. */
function reference(build: arrow.Data[], probe: arrow.Data[], nullSafe: boolean) {
  const bk = compositeReader(build.map((d) => keyReader(contiguous(d))), nullSafe);
  const pk = compositeReader(probe.map((d) => keyReader(contiguous(d))), nullSafe);
  const n = build[0].length;
  const firstOf = new Map<KeyValue, number>();
  const first = new Int32Array(n);
  const next = new Int32Array(n).fill(-1);
  const last = new Map<KeyValue, number>();
  for (let i = 0; i < n; i++) {
    const k = bk(i);
    if (k === null) {
      first[i] = -1;
      continue;
    }
    if (!firstOf.has(k)) firstOf.set(k, i);
    first[i] = firstOf.get(k)!;
    if (last.has(k)) next[last.get(k)!] = i;
    last.set(k, i);
  }
  const hit = Int32Array.from({ length: probe[0].length }, (_, i) => {
    const k = pk(i);
    return k === null ? -1 : firstOf.get(k) ?? -1;
  });
  return { first, next, hit, distinct: firstOf.size };
}

function check(name: string, build: arrow.Data[], probe: arrow.Data[]) {
  for (const nullSafe of [false, true]) {
    const index = KeyIndex.build(build, { nullSafe });
    const want = reference(build, probe, nullSafe);
    const what = `${name} (nullSafe ${nullSafe})`;
    assert.equal([...index.first], [...want.first], `${what}: first`);
    assert.equal([...index.next], [...want.next], `${what}: next`);
    assert.is(index.distinct, want.distinct, `${what}: distinct`);
    assert.equal([...index.probe(probe)], [...want.hit], `${what}: probe`);
  }
}

const r = prng(42);
const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
const withNulls = <T>(xs: T[]) => xs.map((x) => (r() < 0.1 ? null : x));
const column = (values: unknown[], type: arrow.DataType) => arrow.vectorFromArray(values, type).data[0];

const generators: [string, arrow.DataType, () => unknown][] = [
  ['int8', new arrow.Int8(), () => Math.floor(r() * 20) - 10],
  ['int16', new arrow.Int16(), () => Math.floor(r() * 50) - 25],
  ['int32', new arrow.Int32(), () => Math.floor(r() * 200) - 100],
  ['uint32', new arrow.Uint32(), () => Math.floor(r() * 200)],
  ['int64', new arrow.Int64(), () => BigInt(Math.floor(r() * 200) - 100) * 4_000_000_000n],
  ['date', new arrow.DateDay(), () => new Date(Date.UTC(2024, 0, 1 + Math.floor(r() * 60)))],
  ['timestamp', new arrow.TimestampMicrosecond('UTC'), () => Date.UTC(2024, 0, 1) + Math.floor(r() * 100) * 1000],
  ['float32', new arrow.Float32(), () => pick([0, -0, 1.5, -2.25, NaN, Infinity, 3])],
  ['float64', new arrow.Float64(), () => pick([0, -0, 0.1, 0.2, NaN, -Infinity, 1e300, 0.30000000000000004])],
  ['bool', new arrow.Bool(), () => r() < 0.5],
  ['utf8', new arrow.Utf8(), () => pick(['', 'a', 'ab', 'é', 'naïve', 'a much longer key than eight bytes', 'ñ'.repeat(9), '\u0000'])],
  ['binary', new arrow.Binary(), () => Uint8Array.from({ length: Math.floor(r() * 12) }, () => Math.floor(r() * 3))],
];

for (const [name, type, gen] of generators) {
  test(`${name} keys match the JavaScript equality`, () => {
    const build = column(withNulls(Array.from({ length: 700 }, gen)), type);
    const probe = column(withNulls(Array.from({ length: 900 }, gen)), type);
    check(name, [build], [probe]);
    // Sliced columns (offset ≠ 0) index the same rows.
    check(`${name} sliced`, [build.slice(13, 500)], [probe.slice(7, 300)]);
  });
}

test('decimal keys compare by unscaled value', () => {
  const type = new arrow.Decimal(2, 38, 128);
  const n = 400;
  const words = new Uint32Array(n * 4);
  const words2 = new Uint32Array(n * 4);
  for (let i = 0; i < n; i++) {
    const v = BigInt.asUintN(128, BigInt(Math.floor(r() * 30) - 15) * (1n << 70n));
    const v2 = BigInt.asUintN(128, BigInt(Math.floor(r() * 30) - 15) * (1n << 70n));
    for (let w = 0; w < 4; w++) {
      words[i * 4 + w] = Number((v >> BigInt(32 * w)) & 0xffffffffn);
      words2[i * 4 + w] = Number((v2 >> BigInt(32 * w)) & 0xffffffffn);
    }
  }
  const d = (w: Uint32Array) => arrow.makeData({ type, length: n, nullCount: 0, data: w });
  check('decimal', [d(words)], [d(words2)]);
});

test('composite keys (string, int, bool) with NULL parts', () => {
  const n = 1500;
  const s = column(withNulls(Array.from({ length: n }, () => pick(['x', 'y', 'xy', '']))), new arrow.Utf8());
  const i = column(withNulls(Array.from({ length: n }, () => Math.floor(r() * 5))), new arrow.Int32());
  const b = column(withNulls(Array.from({ length: n }, () => r() < 0.5)), new arrow.Bool());
  check('composite', [s, i, b], [s.slice(100, n - 100), i.slice(100, n - 100), b.slice(100, n - 100)]);
});

test('a probe of another type falls back to JavaScript keys (int32 into int64, ms into µs timestamps)', () => {
  const build = column([1n, 2n, 3n, 2n, null], new arrow.Int64());
  const probe = column([2, 5, null, 1, 3], new arrow.Int32());
  check('int32 → int64', [build], [probe]);
  const us = column([1000, 2000, 3000], new arrow.TimestampMicrosecond());
  const ms = column([2000, 9000, 1000], new arrow.TimestampMillisecond());
  check('ms → µs', [us], [ms]);
});

test('many rows: the native table grows and chains duplicates in row order', () => {
  const n = 200_000;
  const ids = new BigInt64Array(n);
  for (let i = 0; i < n; i++) ids[i] = BigInt(Math.floor(r() * 50_000));
  const probeIds = new BigInt64Array(n);
  for (let i = 0; i < n; i++) probeIds[i] = BigInt(Math.floor(r() * 100_000));
  const d = (v: BigInt64Array) => arrow.makeData({ type: new arrow.Int64(), length: v.length, nullCount: 0, data: v });
  check('200k int64', [d(ids)], [d(probeIds)]);
});

test('probing a Parquet key column page by page finds what probing its decoded values finds', async () => {
  const cases: [string, arrow.DataType, () => unknown][] = [
    ['int64', new arrow.Int64(), () => BigInt(Math.floor(r() * 3000))],
    ['int32', new arrow.Int32(), () => Math.floor(r() * 3000)],
    ['utf8', new arrow.Utf8(), () => `k${Math.floor(r() * 3000)}`],
    ['float64', new arrow.Float64(), () => pick([0, -0, NaN, 1.5, 2.5, Math.floor(r() * 100)])],
    ['date', new arrow.DateDay(), () => new Date(Date.UTC(2024, 0, 1 + Math.floor(r() * 400)))],
    ['bool', new arrow.Bool(), () => r() < 0.5],
  ];
  for (const [name, type, gen] of cases) {
    for (const dictionary of [false, true]) {
      const n = 20_000;
      const schema = new arrow.Schema([new arrow.Field('k', type, true)]);
      const col = column(withNulls(Array.from({ length: n }, gen)), type);
      const table = new arrow.Table(schema, [new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children: [col] }))]);
      const { bytes } = await writeParquet(table, { dictionary, dataPageSize: 8 * 1024, rowGroupSize: 6_000 });
      const plan = planColumns(readFooter(bytes, 'f').meta, schema)!;
      const decoded = (await decodeRows(bytes, schema, plan)).data.children[0];
      for (const nullSafe of [false, true]) {
        const build = column(withNulls(Array.from({ length: 500 }, gen)), type);
        const index = KeyIndex.build([build], { nullSafe });
        const paged = await index.probePages(bytes, plan.columns[0], type);
        assert.ok(paged, `${name}: pages probed`);
        const hit = index.probe([decoded]);
        const rows = [...hit.keys()].filter((i) => hit[i] >= 0);
        const what = `${name} (dictionary ${dictionary}, nullSafe ${nullSafe})`;
        assert.equal([...paged.rows], rows, `${what}: rows`);
        assert.equal([...paged.first], rows.map((i) => hit[i]), `${what}: first`);
      }
    }
  }
});

test('a page probe declines key types whose pages have another layout', async () => {
  const schema = new arrow.Schema([new arrow.Field('k', new arrow.Int16(), false)]);
  const table = new arrow.Table(schema, [new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: 3, nullCount: 0, children: [column([1, 2, 3], new arrow.Int16())] }))]);
  const { bytes } = await writeParquet(table);
  const plan = planColumns(readFooter(bytes, 'f').meta, schema)!;
  // INT32 pages hold 4-byte values; an int16 index compares 2-byte ones.
  assert.is(await KeyIndex.build([column([1, 2], new arrow.Int16())], { nullSafe: false }).probePages(bytes, plan.columns[0], new arrow.Int16()), null);
  // Several key columns never probe pages.
  const two = KeyIndex.build([column([1n], new arrow.Int64()), column([1n], new arrow.Int64())], { nullSafe: false });
  assert.is(await two.probePages(bytes, plan.columns[0], new arrow.Int64()), null);
});

test('the native boundary refuses buffers shorter than the rows', () => {
  const core = native as unknown as { keyTableBuild(...args: unknown[]): number };
  const slots = new Int32Array(64);
  const filter = new BigUint64Array(2);
  const small = new Int32Array(4);
  assert.throws(() => core.keyTableBuild([{ kind: 0, width: 8, values: new BigInt64Array(2) }], 4, false, slots, filter, small, small), /values holds 16 bytes, 32 needed/);
  assert.throws(
    () => core.keyTableBuild([{ kind: 4, width: 0, values: new Uint8Array(3), offsets: Int32Array.from([0, 2, 9]) }], 2, false, slots, filter, small, small),
    /offsets out of range/,
  );
  assert.throws(() => core.keyTableBuild([{ kind: 0, width: 4, values: new Int32Array(40) }], 40, false, slots, filter, new Int32Array(40), new Int32Array(40)), /power of two above/);
  assert.throws(() => core.keyTableBuild([{ kind: 0, width: 4, values: new Int32Array(4) }], 4, false, slots, new BigUint64Array(0), small, small), /filter must hold 2 entries/);
});

test.run();
