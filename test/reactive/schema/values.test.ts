// Values go in as JS rows and come out through parquet-wasm + DuckDB, or are
// compared byte for byte with Arrow JS's own builders.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { binary, bool, date32, decimal, float64, int32, int64, list, map, schema, struct, timestamp, utf8 } from '../../../src/reactive/schema/index.ts';
import { RowBatchBuilder } from '../../../src/reactive/sources/rowBatchBuilder.ts';
import { queryBatches } from '../support/duckdb.ts';
import type { Schema } from '../../../src/reactive/schema/schema.ts';

function build(s: Schema, rows: unknown[]): arrow.RecordBatch {
  return new RowBatchBuilder(s).build(rows, rows.length, (i) => `row ${i}`);
}

const texts = ['', 'plain ascii', 'naïve café', '日本語テキスト', 'emoji 🎉👩‍👩‍👧', 'e\u0301 combining', 'lone \ud800 surrogate', 'x'.repeat(1000) + 'é'];

test('utf8 bytes and offsets equal Arrow JS builder output (unicode, empty, lone surrogate)', () => {
  const s = schema({ s: utf8().nullable() });
  const values = [...texts, null, ...[...texts].reverse()];
  const ours = build(s, values.map((v) => ({ s: v }))).getChild('s')!.data[0]!;
  const theirs = arrow.vectorFromArray(values, new arrow.Utf8()).data[0]!;
  assert.equal(Array.from(ours.valueOffsets), Array.from(theirs.valueOffsets.subarray(0, values.length + 1)));
  assert.equal(Buffer.from(ours.values).equals(Buffer.from(theirs.values.subarray(0, ours.values.length))), true);
  assert.is(ours.nullCount, 1);
  assert.equal(arrow.makeVector(ours).toArray(), values.map((v) => (v === null ? null : v.replace('\ud800', '\ufffd'))));
});

test('flat types round-trip through DuckDB', async () => {
  const s = schema({
    id: int64(),
    n: int32().nullable(),
    x: float64(),
    flag: bool().nullable(),
    raw: binary().nullable(),
    day: date32(),
  });
  const rows = [
    { id: 9007199254740991, n: -2147483648, x: -0.5, flag: true, raw: new Uint8Array([0, 255]), day: '1970-01-01' },
    { id: -(2n ** 63n), n: null, x: 1e300, flag: null, raw: null, day: new Date('2024-02-29T23:59:59Z') },
    { id: 2n ** 63n - 1n, n: 2147483647, x: 0, flag: false, raw: Buffer.from('héllo'), day: -719162 },
  ];
  const got = await queryBatches([build(s, rows)], 'SELECT id::VARCHAR, n, x, flag, hex(raw), day::VARCHAR FROM t');
  assert.equal(got, [
    ['9007199254740991', -2147483648, -0.5, true, '00FF', '1970-01-01'],
    ['-9223372036854775808', null, 1e300, null, null, '2024-02-29'],
    ['9223372036854775807', 2147483647, 0, false, Buffer.from('héllo').toString('hex').toUpperCase(), '0001-01-01'],
  ]);
});

test('timestamps: Date, epoch ms, bigint µs and ISO strings land on the same instants', async () => {
  const s = schema({ ts: timestamp('us', 'UTC'), local: timestamp('us', null).nullable() });
  const rows = [
    { ts: new Date('2026-11-25T10:00:00.123Z'), local: '2026-11-25 10:00:00' },
    { ts: Date.UTC(2026, 10, 25, 10, 0, 0, 123) + 0.456, local: null },
    { ts: 1795600800123456n, local: '1969-12-31T23:59:59.999999' },
    { ts: '2026-11-25T11:00:00.123456+01:00', local: '2000-02-29T00:00' },
    { ts: '1900-01-01T00:00:00Z', local: '9999-12-31T23:59:59.999999' },
  ];
  const got = await queryBatches([build(s, rows)], 'SELECT ts::VARCHAR, local::VARCHAR FROM t');
  assert.equal(got, [
    ['2026-11-25 10:00:00.123+00', '2026-11-25 10:00:00'],
    ['2026-11-25 10:00:00.123456+00', null],
    ['2026-11-25 10:00:00.123456+00', '1969-12-31 23:59:59.999999'],
    ['2026-11-25 10:00:00.123456+00', '2000-02-29 00:00:00'],
    ['1900-01-01 00:00:00+00', '9999-12-31 23:59:59.999999'],
  ]);
});

test('decimals are exact, including 38 digits and negatives', async () => {
  const s = schema({ d: decimal(38, 10), p: decimal(10, 2).nullable() });
  const rows = [
    { d: '1234567890123456789012345678.0123456789', p: '-12.34' },
    { d: '-0.0000000001', p: 19.99 },
    { d: 42n, p: null },
    { d: '-9999999999999999999999999999.9999999999', p: '1e3' },
  ];
  const got = await queryBatches([build(s, rows)], 'SELECT d::VARCHAR, p::VARCHAR FROM t');
  assert.equal(got, [
    ['1234567890123456789012345678.0123456789', '-12.34'],
    ['-0.0000000001', '19.99'],
    ['42.0000000000', null],
    ['-9999999999999999999999999999.9999999999', '1000.00'],
  ]);
});

test('nested types with nulls round-trip through DuckDB', async () => {
  const s = schema({
    tags: list(utf8()),
    scores: list(float64().nullable()).nullable(),
    addr: struct({ city: utf8(), zip: utf8().nullable(), geo: struct({ lat: float64() }).nullable() }).nullable(),
    attrs: map(utf8(), int32().nullable()),
    deep: list(struct({ k: utf8(), v: list(int64()) })),
  });
  const rows = [
    { tags: ['a', 'ü', ''], scores: [1, null, 2.5], addr: { city: 'Zürich', zip: '8001', geo: { lat: 47.4 } }, attrs: { a: 1, b: null }, deep: [{ k: 'x', v: [1, 2n] }] },
    { tags: [], scores: null, addr: null, attrs: new Map([['m', 7]]), deep: [] },
    { tags: ['🎉'], addr: { city: 'Oslo' }, attrs: {}, deep: [{ k: 'y', v: [] }, { k: 'z', v: [3] }] },
  ];
  const got = await queryBatches(
    [build(s, rows)],
    "SELECT to_json(tags)::VARCHAR, to_json(scores)::VARCHAR, to_json(addr)::VARCHAR, to_json(map_entries(attrs))::VARCHAR, to_json(deep)::VARCHAR FROM t",
  );
  assert.equal(got, [
    ['["a","ü",""]', '[1.0,null,2.5]', '{"city":"Zürich","zip":"8001","geo":{"lat":47.4}}', '[{"key":"a","value":1},{"key":"b","value":null}]', '[{"k":"x","v":[1,2]}]'],
    ['[]', null, null, '[{"key":"m","value":7}]', '[]'],
    ['["🎉"]', null, '{"city":"Oslo","zip":null,"geo":null}', '[]', '[{"k":"y","v":[]},{"k":"z","v":[3]}]'],
  ]);
});

test('a batch of many rows matches Arrow JS builders value for value', () => {
  const s = schema({ id: int64(), x: float64().nullable(), s: utf8() });
  const n = 5000;
  const rows = Array.from({ length: n }, (_, i) => ({ id: i * 3 - 7000, x: i % 3 === 0 ? null : i / 7, s: texts[i % texts.length]! }));
  const batch = build(s, rows);
  const expected = new arrow.Table({
    id: arrow.vectorFromArray(rows.map((r) => BigInt(r.id)), new arrow.Int64()),
    x: arrow.vectorFromArray(rows.map((r) => r.x), new arrow.Float64()),
    s: arrow.vectorFromArray(rows.map((r) => r.s), new arrow.Utf8()),
  });
  for (const name of ['id', 'x', 's'] as const) {
    assert.equal(batch.getChild(name)!.toArray().length, n);
    assert.equal(Array.from(batch.getChild(name)!), Array.from(expected.getChild(name)!), name);
  }
});

test.run();
