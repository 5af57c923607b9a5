// Every column builder through both entry points: one value at a time
// (`append`, the CSV and nested path) and a whole column (`appendColumn`, the
// rows path, specialised per type). Both must give the same column, equal to
// Arrow JS's own builders (or, where Arrow JS takes other inputs, to the raw
// buffer computed from the input), across buffer growth, nulls, placeholders
// and builder reuse after `finish`.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { binary, bool, date32, decimal, float32, float64, int16, int32, int64, int8, list, map, struct, timestamp, utf8 } from '../../../src/reactive/schema/index.ts';
import type { FieldType } from '../../../src/reactive/schema/field.ts';

const N = 300; // crosses several capacity doublings (16, 32, ..., 512)

/** Values comparable with uvu's deep equality: bytes as arrays, nested vectors and rows unpacked. */
function plain(x: unknown): unknown {
  if (x instanceof Uint8Array) return Array.from(x);
  if (x instanceof arrow.Vector) return Array.from(x, plain);
  if (x instanceof Map) return Array.from(x, ([k, v]) => [plain(k), plain(v)]);
  if (x !== null && typeof x === 'object' && 'toJSON' in x) return plain((x as { toJSON(): unknown }).toJSON());
  if (Array.isArray(x)) return x.map(plain);
  if (x !== null && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, plain(v)]));
  return x;
}

/** The column built from `values`: per value when `perValue`, else with appendColumn. */
function build(type: FieldType, values: unknown[], perValue: boolean): arrow.Data[] {
  const b = type.createBuilder();
  const out: arrow.Data[] = [];
  // Two batches from one builder: finish() must leave it clean for the next.
  for (const part of [values.slice(0, N >> 1), values.slice(N >> 1)]) {
    if (perValue) for (const v of part) b.append(v);
    else b.appendColumn(part.map((v) => ({ c: v })), part.length, 'c');
    assert.is(b.length, part.length);
    out.push(b.finish());
  }
  return out;
}

/** Both entry points, checked against each other; returns the per-value column. */
function bothWays(type: FieldType, values: unknown[]): arrow.Vector {
  const one = new arrow.Vector(build(type, values, true));
  const column = new arrow.Vector(build(type, values, false));
  assert.is(one.length, values.length);
  assert.is(one.nullCount, values.filter((v) => v == null).length);
  assert.equal(plain(one), plain(column), `${type.typeName}: append and appendColumn differ`);
  assert.is(column.nullCount, one.nullCount);
  return one;
}

const nullEvery = (k: number) => (i: number) => i % k === 3;

interface Case {
  type: FieldType;
  value: (i: number) => unknown;
  /** What Arrow JS's builder takes for the same value, when it differs. */
  arrowInput?: (v: unknown) => unknown;
}

const texts = ['', 'a', 'naïve', '日本語', '🎉', 'x'.repeat(40)];
const flat: Case[] = [
  { type: int8(), value: (i) => (i % 256) - 128 },
  { type: int16(), value: (i) => ((i * 977) % 65536) - 32768 },
  { type: int32(), value: (i) => i * 7919 - 1_000_000 },
  { type: int64(), value: (i) => (i % 2 ? i * 1e9 : BigInt(i) * -(2n ** 40n)), arrowInput: (v) => BigInt(v as number | bigint) },
  { type: float32(), value: (i) => Math.fround(i / 3) },
  { type: float64(), value: (i) => (i === 5 ? NaN : i === 6 ? -Infinity : i / 7) },
  { type: bool(), value: (i) => i % 3 === 0 },
  { type: utf8(), value: (i) => texts[i % texts.length]! + i },
  { type: binary(), value: (i) => new Uint8Array(i % 5).fill(i & 0xff) },
  { type: date32(), value: (i) => i * 37 - 5000, arrowInput: (v) => new Date((v as number) * 86_400_000) },
  { type: list(int32().nullable()), value: (i) => [i, null, -i].slice(0, i % 4) },
  { type: struct({ a: int32(), b: utf8() }), value: (i) => ({ a: i, b: texts[i % texts.length]! }) },
  { type: map(utf8(), int32().nullable()), value: (i) => new Map(Array.from({ length: i % 3 }, (_, j) => [`k${j}`, j === 1 ? null : i + j])) },
];

test('flat and nested builders: append = appendColumn = Arrow JS builders, with and without nulls', () => {
  for (const { type, value, arrowInput = (v: unknown) => v } of flat) {
    for (const t of [type, type.nullable()]) {
      const isNull = t.isNullable ? nullEvery(7) : () => false;
      const values = Array.from({ length: N }, (_, i) => (isNull(i) ? null : value(i)));
      const ours = bothWays(t, values);
      const theirs = arrow.vectorFromArray(values.map((v) => (v == null ? null : arrowInput(v))), t.toArrowType());
      assert.equal(plain(ours), plain(theirs), t.typeName);
    }
  }
});

test('null struct rows give their non-nullable children hidden placeholder slots', () => {
  const t = struct({ n: int32(), s: utf8(), l: list(int32()), d: decimal(5, 2), inner: struct({ b: bool() }) }).nullable();
  const values = Array.from({ length: N }, (_, i) => (i % 4 === 1 ? null : { n: i, s: `s${i}`, l: [i], d: `${i}.5`, inner: { b: i % 2 === 0 } }));
  const data = bothWays(t, values).data[0]!;
  const [n, s, l, d, inner] = data.children;
  for (const child of [n, s, l, d, inner]) {
    assert.is(child!.length, N >> 1);
    assert.is(child!.nullCount, 0);
  }
  // Placeholder slots are zero / empty, so they occupy no bytes or items.
  assert.is(n!.values[1], 0);
  assert.is(s!.valueOffsets[2]! - s!.valueOffsets[1]!, 0);
  assert.is(l!.valueOffsets[2]! - l!.valueOffsets[1]!, 0);
  assert.equal(Array.from(d!.values.subarray(4, 8)), [0, 0, 0, 0]);
});

test('timestamps and decimals: both entry points write the exact raw values', () => {
  // Arrow JS builders take other inputs for these, so the expected buffer is computed from the input.
  const ts = Array.from({ length: N }, (_, i) => (i % 5 === 0 ? BigInt(i) * 1_000_003n : i % 5 === 1 ? new Date(i * 86_400_123) : i * 1234567));
  const tsWant = ts.map((v) => (typeof v === 'bigint' ? v : BigInt(v instanceof Date ? v.getTime() : v) * 1000n));
  for (const t of [timestamp('us'), timestamp('us', null).nullable()]) {
    const got = bothWays(t, ts).data.flatMap((d) => Array.from(d.values as BigInt64Array));
    assert.equal(got, tsWant, t.typeName);
  }

  const unscaled = Array.from({ length: N }, (_, i) => BigInt(i * 12345 - 999_999) * (i % 2 ? 1n : -1n));
  const text = (u: bigint) => `${u < 0n ? '-' : ''}${(u < 0n ? -u : u) / 100n}.${String((u < 0n ? -u : u) % 100n).padStart(2, '0')}`;
  for (const t of [decimal(10, 2), decimal(10, 2).nullable()]) {
    const values = unscaled.map((u, i) => (t.isNullable && i % 6 === 0 ? null : text(u)));
    const data = bothWays(t, values).data;
    const got = data.flatMap((d) => {
      const w = d.values as Uint32Array;
      return Array.from({ length: d.length }, (_, k) => (d.getValid(k) ? BigInt.asIntN(128, w.subarray(k * 4, k * 4 + 4).reduceRight((acc, x) => (acc << 32n) | BigInt(x), 0n)) : null));
    });
    assert.equal(got, values.map((v, i) => (v === null ? null : unscaled[i]!)), t.typeName);
  }
});

test.run();
