// A third, C++ reader: pyarrow (Arrow C++'s Parquet reader) reads every type
// and codec back. Skipped, with a message, when no Python with pyarrow exists
// (set TRIBUTARY_PYTHON, or run scripts/interop/setup.sh for .venv/interop).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  Bool,
  DateDay,
  Dictionary,
  Field,
  Float64,
  Int16,
  Int32,
  Int64,
  LargeUtf8,
  List,
  Map_,
  Struct,
  Table,
  TimestampMicrosecond,
  Uint32,
  Uint64,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import { writeParquet, type ParquetCompression } from '../../src/parquet/index.ts';
import { decimalVector, prng, tempFile } from './helpers.ts';

function findPython(): string | undefined {
  const candidates = [process.env.TRIBUTARY_PYTHON, new URL('../../.venv/interop/bin/python', import.meta.url).pathname, 'python3'];
  for (const c of candidates) {
    if (!c || (c.includes('/') && !existsSync(c))) continue;
    const r = spawnSync(c, ['-c', 'import pyarrow.parquet'], { encoding: 'utf8' });
    if (r.status === 0) return c;
  }
  return undefined;
}

// Prints the file's rows as JSON: integers as strings (no precision loss in
// JS), decimals as strings, datetimes as epoch microseconds, dates as days, maps as pairs.
const script = String.raw`
import sys, json, decimal, datetime
import pyarrow.parquet as pq
def conv(v):
    if v is None: return None
    if isinstance(v, bool): return v
    if isinstance(v, int): return str(v)
    if isinstance(v, float): return v
    if isinstance(v, decimal.Decimal): return str(v)
    if isinstance(v, datetime.datetime):
        return str((v - datetime.datetime(1970,1,1,tzinfo=v.tzinfo)) // datetime.timedelta(microseconds=1))
    if isinstance(v, datetime.date): return (v - datetime.date(1970,1,1)).days
    if isinstance(v, (bytes, bytearray)): return v.hex()
    if isinstance(v, dict): return {k: conv(x) for k, x in v.items()}
    if isinstance(v, tuple): return [conv(x) for x in v]
    if isinstance(v, list): return [conv(x) for x in v]
    return str(v)
t = pq.read_table(sys.argv[1])
print(json.dumps({"schema": str(t.schema), "rows": [conv(r) for r in t.to_pylist()]}))
`;

const N = 400;
const rand = prng(99);
const maybe = <T>(f: () => T): T | null => (rand() < 0.2 ? null : f());
const src = {
  b: Array.from({ length: N }, () => maybe(() => rand() < 0.5)),
  i16: Array.from({ length: N }, () => maybe(() => Math.floor(rand() * 60000) - 30000)),
  u32: Array.from({ length: N }, () => maybe(() => Math.floor(rand() * 2 ** 32))),
  i64: Array.from({ length: N }, (_, i) => maybe(() => BigInt(i) * 10n ** 15n - 7n)),
  u64: Array.from({ length: N }, (_, i) => maybe(() => 2n ** 64n - 1n - BigInt(i))),
  f: Array.from({ length: N }, () => maybe(() => rand() * 1e6 - 5e5)),
  s: Array.from({ length: N }, (_, i) => maybe(() => `s-${i % 13}-ü🎉`)),
  ls: Array.from({ length: N }, (_, i) => maybe(() => 'x'.repeat(i % 50))),
  d: Array.from({ length: N }, (_, i) => maybe(() => ['red', 'green', 'blue'][i % 3]!)),
  date: Array.from({ length: N }, (_, i) => maybe(() => (i - 200) * 37)),
  tsMs: Array.from({ length: N }, (_, i) => maybe(() => i * 1_000_003 - 5e8)),
  dec: Array.from({ length: N }, (_, i) => maybe(() => BigInt(i * 1234567) - 250000000n)),
  st: Array.from({ length: N }, (_, i) => maybe(() => ({ a: maybe(() => i), t: maybe(() => ['p', 'q']) }))),
  l: Array.from({ length: N }, (_, i) => maybe(() => Array.from({ length: i % 4 }, (_, j) => maybe(() => j * i)))),
  m: Array.from({ length: N }, (_, i) => maybe(() => new Map(Array.from({ length: i % 3 }, (_, j) => [`k${j}`, maybe(() => j + 0.5)] as const)))),
};

const stType = new Struct([new Field('a', new Int32(), true), new Field('t', new List(new Field('item', new Utf8(), true)), true)]);
const mapType = new Map_(new Field('entries', new Struct<{ key: Utf8; value: Float64 }>([new Field('key', new Utf8(), false), new Field('value', new Float64(), true)]), false));
const table = new Table({
  b: vectorFromArray(src.b, new Bool()),
  i16: vectorFromArray(src.i16, new Int16()),
  u32: vectorFromArray(src.u32, new Uint32()),
  i64: vectorFromArray(src.i64, new Int64()),
  u64: vectorFromArray(src.u64, new Uint64()),
  f: vectorFromArray(src.f, new Float64()),
  s: vectorFromArray(src.s, new Utf8()),
  ls: vectorFromArray(src.ls, new LargeUtf8()),
  d: vectorFromArray(src.d, new Dictionary(new Utf8(), new Int32())),
  date: vectorFromArray(src.date.map((x) => (x === null ? null : new Date(x * 86400000))), new DateDay()),
  // Arrow JS builders take milliseconds.
  ts: vectorFromArray(src.tsMs, new TimestampMicrosecond('UTC')),
  dec: decimalVector(src.dec, 12, 3),
  st: vectorFromArray(src.st, stType),
  l: vectorFromArray(src.l, new List(new Field('item', new Int32(), true))),
  m: vectorFromArray(src.m as never, mapType),
});

function decimalString(v: bigint, scale: number): string {
  const neg = v < 0n;
  const digits = (neg ? -v : v).toString().padStart(scale + 1, '0');
  return `${neg ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}
const str = (v: unknown) => (v === null ? null : String(v));
const expected = Array.from({ length: N }, (_, i) => ({
  b: src.b[i],
  i16: str(src.i16[i]),
  u32: str(src.u32[i]),
  i64: str(src.i64[i]),
  u64: str(src.u64[i]),
  f: src.f[i],
  s: src.s[i],
  ls: src.ls[i],
  d: src.d[i],
  date: src.date[i],
  ts: src.tsMs[i] === null ? null : String(src.tsMs[i]! * 1000),
  dec: src.dec[i] === null ? null : decimalString(src.dec[i]!, 3),
  st: src.st[i] === null ? null : { a: str(src.st[i]!.a), t: src.st[i]!.t },
  l: src.l[i] === null ? null : src.l[i]!.map(str),
  m: src.m[i] === null ? null : [...src.m[i]!].map(([k, v]) => [k, v]),
}));

const python = findPython();
for (const compression of ['uncompressed', 'snappy', 'gzip', 'brotli', 'zstd'] as ParquetCompression[]) {
  test(`pyarrow reads every type written with ${compression}`, async () => {
    if (!python) {
      console.log('  (skipped: no Python with pyarrow; set TRIBUTARY_PYTHON)');
      return;
    }
    const { bytes } = await writeParquet(table, { compression, rowGroupSize: 150, dataPageSize: 2048 });
    const r = spawnSync(python, ['-c', script, tempFile(bytes)], { encoding: 'utf8', maxBuffer: 64 << 20 });
    assert.is(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { schema: string; rows: Record<string, unknown>[] };
    const rows = out.rows;
    assert.match(out.schema, /ts: timestamp\[us, tz=UTC\]/);
    assert.match(out.schema, /dec: decimal128\(12, 3\)/);
    assert.match(out.schema, /u64: uint64/);
    assert.is(rows.length, N);
    for (const key of Object.keys(expected[0]!)) {
      assert.equal(
        rows.map((x) => x[key] ?? null),
        expected.map((x) => (x as Record<string, unknown>)[key] ?? null),
        `${compression}: ${key}`,
      );
    }
  });
}

test.run();
