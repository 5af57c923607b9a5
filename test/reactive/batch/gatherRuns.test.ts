// Run-based gathering (filterBatch, gatherData) against Arrow JS's own row
// getters on the source, for every column type the gather handles, on masks
// with every run shape (all, none, alternating, single rows, long runs, one
// range) and on sliced inputs; plus the bit helpers against a bit-by-bit loop.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { filterBatch, gatherData } from '../../../src/reactive/expression/filter-batch.ts';
import { copyBits, countSetBits, setBits } from '../../../src/reactive/batch/bits.ts';
import { runsOfIndices, runsOfMask } from '../../../src/reactive/batch/rowRuns.ts';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 1 | s) + 0x6d2b79f5) >>> 0;
    return s / 4294967296;
  };
}
const rand = rng(20261125);
const N = 700;
const int = (n: number) => Math.floor(rand() * n);
const maybe = <T>(v: T, p = 0.2): T | null => (rand() < p ? null : v);
const col = <T extends arrow.DataType>(type: T, make: () => unknown) => arrow.vectorFromArray(Array.from({ length: N }, make), type);

/** A fixed-width column built from raw values (types vectorFromArray cannot build). */
function raw<T extends arrow.DataType>(type: T, values: ArrayBufferView, nullable = true): arrow.Vector<T> {
  const valid = Array.from({ length: N }, () => !nullable || rand() > 0.25);
  const bitmap = new Uint8Array(((N + 63) & ~63) >> 3);
  valid.forEach((v, i) => v && (bitmap[i >> 3]! |= 1 << (i & 7)));
  return arrow.makeVector(new arrow.Data(type, 0, N, valid.filter((v) => !v).length, [undefined, values, bitmap, undefined] as never));
}

const struct = new arrow.Struct([new arrow.Field('x', new arrow.Int32(), true), new arrow.Field('y', new arrow.Utf8(), true)]);
const columns: Record<string, arrow.Vector> = {
  null: arrow.makeVector(arrow.makeData({ type: new arrow.Null(), length: N })),
  i8: col(new arrow.Int8(), () => maybe(int(256) - 128)),
  u16: col(new arrow.Uint16(), () => maybe(int(65536))),
  i32: col(new arrow.Int32(), () => maybe(int(2 ** 31))),
  i32dense: col(new arrow.Int32(), () => int(1000)),
  i64: col(new arrow.Int64(), () => maybe(BigInt(int(2 ** 52)) - 2n ** 51n)),
  u64: col(new arrow.Uint64(), () => maybe(BigInt(int(2 ** 52)) * 4096n)),
  f32: col(new arrow.Float32(), () => maybe(Math.fround(rand() * 100))),
  f64: col(new arrow.Float64(), () => maybe(rand() < 0.1 ? NaN : rand() * 1e6)),
  bool: col(new arrow.Bool(), () => maybe(rand() < 0.5)),
  booldense: col(new arrow.Bool(), () => rand() < 0.5),
  utf8: col(new arrow.Utf8(), () => maybe('ab€'.repeat(int(40)))),
  binary: col(new arrow.Binary(), () => maybe(Uint8Array.from({ length: int(70) }, () => int(256)))),
  large: col(new arrow.LargeUtf8(), () => maybe(`é${'z'.repeat(int(9))}`)),
  day: col(new arrow.DateDay(), () => maybe(new Date(int(20000) * 86_400_000))),
  ms: col(new arrow.DateMillisecond(), () => maybe(new Date(int(2 ** 40)))),
  time: col(new arrow.TimeMillisecond(), () => maybe(int(86_400_000))),
  ts: col(new arrow.TimestampMicrosecond('UTC'), () => maybe(int(2 ** 45))),
  decimal: raw(new arrow.Decimal(2, 30, 128), Uint32Array.from({ length: N * 4 }, () => int(2 ** 32))),
  interval: raw(new arrow.IntervalDayTime(), Int32Array.from({ length: N * 2 }, () => int(2 ** 31))),
  fsb: raw(new arrow.FixedSizeBinary(3), Uint8Array.from({ length: N * 3 }, () => int(256))),
  fsl: col(new arrow.FixedSizeList(2, new arrow.Field('v', new arrow.Int16(), true)), () => maybe([maybe(int(100)), int(100)])),
  list: col(new arrow.List(new arrow.Field('item', new arrow.Utf8(), true)), () => maybe(Array.from({ length: int(4) }, () => maybe(`v${int(99)}`)))),
  map: col(new arrow.Map_<arrow.Utf8, arrow.Float64>(new arrow.Field('entries', new arrow.Struct<{ key: arrow.Utf8; value: arrow.Float64 }>([new arrow.Field('key', new arrow.Utf8(), false), new arrow.Field('value', new arrow.Float64(), true)]))), () =>
    maybe(new Map(Array.from({ length: int(3) }, (_, j) => [`k${j}`, maybe(rand())]))),
  ),
  struct: col(struct, () => maybe({ x: maybe(int(9)), y: maybe('s'.repeat(int(60))) })),
  dict: col(new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()), () => maybe(['red', 'green', 'blue'][int(3)]!)),
};
const batch = new arrow.Table(columns).batches[0]!;
assert.is(batch.numRows, N);

/** A value in a comparable plain form, read through Arrow JS's getters. */
function plain(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number' && Number.isNaN(v)) return 'NaN';
  if (v instanceof Date) return v.getTime();
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number | bigint>, plain);
  if (v instanceof Map) return [...v].map(([k, x]) => [plain(k), plain(x)]);
  if (typeof v === 'object' && typeof (v as { toArray?: unknown }).toArray === 'function') return Array.from((v as { toArray(): ArrayLike<unknown> }).toArray(), plain);
  if (typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') return plain((v as { toJSON(): unknown }).toJSON());
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, plain(x)]));
  return v;
}
const rowsOf = (v: arrow.Vector, rows: number[]) => rows.map((i) => plain(v.get(i)));

/** `out` must hold exactly rows `rows` of `source`, column by column, and survive an IPC round trip. */
function assertRows(out: arrow.RecordBatch, source: arrow.RecordBatch, rows: number[], label: string): void {
  assert.is(out.numRows, rows.length, `${label}: row count`);
  const back = arrow.tableFromIPC(arrow.tableToIPC(new arrow.Table([out])));
  for (const f of source.schema.fields) {
    const want = rowsOf(source.getChild(f.name)!, rows);
    const got = out.getChild(f.name)!;
    const all = Array.from({ length: got.length }, (_, k) => k);
    assert.equal(rowsOf(got, all), want, `${label}: column ${f.name}`);
    // Arrow JS reports nullCount -1 (unknown) for any slice of a Null-typed column, so only values are compared there.
    if (f.typeId !== arrow.Type.Null) assert.is(got.nullCount, want.filter((x) => x === null).length, `${label}: null count of ${f.name}`);
    assert.equal(rowsOf(back.getChild(f.name)!, all), want, `${label}: column ${f.name} after IPC`);
  }
}

const kept = (mask: Uint8Array, n: number) => Array.from({ length: n }, (_, i) => i).filter((i) => mask[i] === 1);

const masks: Record<string, (n: number) => Uint8Array> = {
  'all rows': (n) => new Uint8Array(n).fill(1),
  'no rows': (n) => new Uint8Array(n),
  alternating: (n) => Uint8Array.from({ length: n }, (_, i) => (i + 1) % 2),
  'single rows (10%)': (n) => Uint8Array.from({ length: n }, () => (rand() < 0.1 ? 1 : 0)),
  'long runs (1% dropped)': (n) => Uint8Array.from({ length: n }, () => (rand() < 0.99 ? 1 : 0)),
  'random runs': (n) => {
    const m = new Uint8Array(n);
    for (let i = 0, on = 1; i < n; on ^= 1) {
      const len = 1 + int(rand() < 0.5 ? 4 : 120);
      m.fill(on, i, Math.min(n, i + len));
      i += len;
    }
    return m;
  },
  'one inner range': (n) => Uint8Array.from({ length: n }, (_, i) => (i >= 5 && i < n - 7 ? 1 : 0)),
  'first and last row': (n) => Uint8Array.from({ length: n }, (_, i) => (i === 0 || i === n - 1 ? 1 : 0)),
};

for (const [name, make] of Object.entries(masks)) {
  test(`filterBatch keeps exactly the masked rows, every type: ${name}`, () => {
    const mask = make(N);
    assertRows(filterBatch(batch, mask), batch, kept(mask, N), name);
  });
}

test('filterBatch on sliced batches (odd offsets into bits, offsets and children)', () => {
  for (const [a, b] of [
    [1, 2],
    [3, 610],
    [13, 14 + 64],
    [N - 9, N],
  ] as const) {
    const slice = batch.slice(a, b);
    for (const [name, make] of Object.entries(masks)) {
      const mask = make(slice.numRows);
      assertRows(filterBatch(slice, mask), slice, kept(mask, slice.numRows), `slice ${a}..${b}, ${name}`);
    }
  }
});

test('filterBatch of a filtered batch (gathers compose)', () => {
  const first = masks['random runs']!(N);
  const once = filterBatch(batch, first);
  const second = masks['single rows (10%)']!(once.numRows);
  const rows = kept(first, N);
  assertRows(filterBatch(once, second), batch, kept(second, once.numRows).map((k) => rows[k]!), 'twice');
});

test('filterBatch shares data where nothing needs copying', () => {
  assert.ok(filterBatch(batch, new Uint8Array(N + 5).fill(1)) === batch, 'all rows: the batch itself');
  const range = filterBatch(batch, masks['one inner range']!(N));
  assert.ok(range.getChild('i32')!.data[0]!.values.buffer === batch.getChild('i32')!.data[0]!.values.buffer, 'one range: a zero-copy slice');
  assert.throws(() => filterBatch(batch, new Uint8Array(3)), /mask has 3 entries but the batch has 700 rows/);
});

test('gatherData takes indices in any order, with repeats', () => {
  const idx = Int32Array.from([5, 6, 7, 7, 0, 699, 698, 3, 4, 5, 6, 100, ...Array.from({ length: 200 }, () => int(N))]);
  const rows = Array.from(idx);
  for (const f of batch.schema.fields) {
    const src = batch.getChild(f.name)!;
    const out = arrow.makeVector(gatherData(src.data[0]!, idx));
    assert.equal(rowsOf(out, rows.map((_, k) => k)), rowsOf(src, rows), `column ${f.name}`);
  }
  const sliced = batch.slice(40, 300).getChild('list')!;
  const small = Int32Array.from([259, 0, 1, 2, 100]);
  assert.equal(rowsOf(arrow.makeVector(gatherData(sliced.data[0]!, small)), [0, 1, 2, 3, 4]), rowsOf(sliced, Array.from(small)));
});

test('runsOfMask / runsOfIndices', () => {
  const r = runsOfMask(Uint8Array.of(1, 1, 0, 1, 0, 0, 1, 1, 1), 9);
  assert.equal([Array.from(r.starts), Array.from(r.ends), r.count, r.rows], [[0, 3, 6], [2, 4, 9], 3, 6]);
  assert.equal(runsOfMask(Uint8Array.of(1, 1, 1), 2).rows, 2, 'only the first `length` entries count');
  const s = runsOfIndices(Int32Array.of(4, 5, 6, 1, 1, 2));
  assert.equal([Array.from(s.starts), Array.from(s.ends), s.rows], [[4, 1, 1], [7, 2, 3], 6]);
});

/** Bit i of `bits`. */
const bit = (bits: Uint8Array, i: number) => (bits[i >> 3]! >> (i & 7)) & 1;

test('copyBits, setBits and countSetBits agree with bit-by-bit loops', () => {
  const src = Uint8Array.from({ length: 40 }, () => int(256));
  for (let trial = 0; trial < 2000; trial++) {
    const srcOff = int(100);
    const dstOff = int(100);
    const len = int(200);
    const dst = new Uint8Array(40);
    const before = Uint8Array.from(dst);
    copyBits(dst, dstOff, src, srcOff, Math.min(len, 320 - srcOff, 320 - dstOff));
    const n = Math.min(len, 320 - srcOff, 320 - dstOff);
    for (let i = 0; i < 320; i++) {
      const want = i >= dstOff && i < dstOff + n ? bit(src, srcOff + i - dstOff) : bit(before, i);
      if (bit(dst, i) !== want) assert.unreachable(`copyBits(dstOff ${dstOff}, srcOff ${srcOff}, len ${n}): bit ${i}`);
    }
    const ones = new Uint8Array(40);
    setBits(ones, dstOff, n);
    for (let i = 0; i < 320; i++) if (bit(ones, i) !== (i >= dstOff && i < dstOff + n ? 1 : 0)) assert.unreachable(`setBits(${dstOff}, ${n}): bit ${i}`);
    let count = 0;
    for (let i = 0; i < len; i++) count += bit(src, i);
    assert.is(countSetBits(src, len), count);
  }
});

test.run();
