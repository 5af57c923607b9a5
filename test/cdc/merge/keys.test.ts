// Join keys of other types: composite string + date keys, decimal keys beyond
// double precision, timestamps, and a source key of a narrower integer type
// than the target's (cast, as SQL compares them). Expected rows come from
// DuckDB's MERGE INTO over the same values.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { merge } from '../../../src/cdc/index.ts';
import { DeltaTable } from '../../../src/delta/table.ts';
import { keyReader } from '../../../src/cdc/merge/keys.ts';
import { duck, duckTableRows, tempDir } from './helpers.ts';

async function duckRows(sql: string, cols: string[]): Promise<string[]> {
  const rows = (await (await duck()).runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  return rows.map((r) => JSON.stringify(cols.map((c) => (r[c] === null ? null : String(r[c]))))).sort();
}

test('composite string + date key, decimal and timestamp values pass through exactly', async () => {
  const dir = tempDir('keys');
  const schema = new arrow.Schema([
    new arrow.Field('k', new arrow.Utf8(), true),
    new arrow.Field('d', new arrow.DateDay(), true),
    new arrow.Field('amt', new arrow.Decimal(2, 38, 128), true),
    new arrow.Field('ts', new arrow.TimestampMicrosecond('UTC'), true),
  ]);
  const table = await DeltaTable.create(dir, { schema });
  const dec = (unscaled: bigint) => {
    const words = new Uint32Array(4);
    let v = BigInt.asUintN(128, unscaled);
    for (let i = 0; i < 4; i++) {
      words[i] = Number(v & 0xffffffffn);
      v >>= 32n;
    }
    return words;
  };
  const make = (rows: [string, number, bigint, bigint][]) => {
    const n = rows.length;
    const words = new Uint32Array(n * 4);
    rows.forEach((r, i) => words.set(dec(r[2]), i * 4));
    const cols = [
      arrow.vectorFromArray(rows.map((r) => r[0]), new arrow.Utf8()).data[0],
      arrow.makeData({ type: new arrow.DateDay(), length: n, nullCount: 0, data: Int32Array.from(rows.map((r) => r[1])) }),
      arrow.makeData({ type: new arrow.Decimal(2, 38, 128), length: n, nullCount: 0, data: words }),
      arrow.makeData({ type: new arrow.TimestampMicrosecond('UTC'), length: n, nullCount: 0, data: BigInt64Array.from(rows.map((r) => r[3])) }),
    ];
    return new arrow.Table([new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children: cols }))]);
  };
  const big = 12345678901234567890123456789n; // beyond double precision
  await table.append(make([['a', 19000, big, 1_700_000_000_000_001n], ['a', 19001, 5n, 1n], ['b', 19000, -7n, 2n]]));
  const source = make([['a', 19001, big + 1n, 1_700_000_000_000_999n], ['b', 19000, 1n, 3n], ['c', 19000, 9n, 4n]]);
  await merge(table, source, { on: ['k', 'd'], whenMatched: [{ update: { amt: 'source.amt', ts: 'source.ts' } }], whenNotMatched: [{ insert: '*' }] });

  await (await duck()).run(`DROP TABLE IF EXISTS kt; CREATE TABLE kt (k VARCHAR, d DATE, amt DECIMAL(38,2), ts TIMESTAMPTZ);
    INSERT INTO kt VALUES ('a', DATE '2022-01-08', 123456789012345678901234567.89, make_timestamp(1700000000000001)),
      ('a', DATE '2022-01-09', 0.05, make_timestamp(1)), ('b', DATE '2022-01-08', -0.07, make_timestamp(2));
    DROP TABLE IF EXISTS ks; CREATE TABLE ks (k VARCHAR, d DATE, amt DECIMAL(38,2), ts TIMESTAMPTZ);
    INSERT INTO ks VALUES ('a', DATE '2022-01-09', 123456789012345678901234567.90, make_timestamp(1700000000000999)),
      ('b', DATE '2022-01-08', 0.01, make_timestamp(3)), ('c', DATE '2022-01-08', 0.09, make_timestamp(4));
    MERGE INTO kt AS target USING ks AS source ON target.k = source.k AND target.d = source.d
      WHEN MATCHED THEN UPDATE SET amt = source.amt, ts = source.ts WHEN NOT MATCHED THEN INSERT (k, d, amt, ts) VALUES (source.k, source.d, source.amt, source.ts)`);
  const cols = ['k', 'd', 'amt', 'us'];
  const expected = await duckRows(`SELECT k, d, amt, epoch_us(ts) AS us FROM kt`, cols);
  await table.refresh();
  const actual = await duckRows(
    `SELECT k, d, amt, epoch_us(ts) AS us FROM read_parquet([${table.files().map((f) => `'${dir}/${f.path}'`).join(', ')}])`,
    cols,
  );
  assert.equal(actual, expected);
});

test('an int32 source key joins an int64 target column; pruning by string statistics', async () => {
  const dir = tempDir('widen');
  const schema = new arrow.Schema([new arrow.Field('id', new arrow.Int64(), true), new arrow.Field('name', new arrow.Utf8(), true)]);
  const table = await DeltaTable.create(dir, { schema });
  await table.append(new arrow.Table({ id: arrow.vectorFromArray(BigInt64Array.of(1n, 2n)), name: arrow.vectorFromArray(['aa', 'ab'], new arrow.Utf8()) }));
  await table.append(new arrow.Table({ id: arrow.vectorFromArray(BigInt64Array.of(3n, 4n)), name: arrow.vectorFromArray(['ma', 'mb'], new arrow.Utf8()) }));
  const r1 = await merge(table, new arrow.Table({ id: arrow.vectorFromArray(Int32Array.of(2, 5)), name: arrow.vectorFromArray(['ab', 'ac'], new arrow.Utf8()) }), {
    on: ['id'], whenMatched: [{ update: { name: "'changed'" } }], whenNotMatched: [{ insert: '*' }],
  });
  assert.is(r1.metrics.numTargetRowsUpdated, 1);
  assert.is(r1.metrics.numTargetRowsInserted, 1);
  const r2 = await merge(table, new arrow.Table({ name: arrow.vectorFromArray(['mb'], new arrow.Utf8()) }), { on: ['name'], whenMatched: [{ delete: true }] });
  assert.is(r2.metrics.numTargetFilesAfterSkipping, 1, 'only the file whose name range holds mb');
  assert.equal(await duckTableRows(dir, ['id', 'name']), [
    JSON.stringify(['1', 'aa']), JSON.stringify(['2', 'changed']), JSON.stringify(['3', 'ma']), JSON.stringify(['5', 'ac']),
  ].sort());
});

test('int64 and microsecond timestamp keys: numbers exactly when safe, bigints beyond, NULL as null', () => {
  const safe = 9007199254740991n;
  const values = [0n, 1n, -1n, 2147483647n, 2147483648n, -2147483648n, -2147483649n, 4294967295n, 4294967296n, -4294967296n,
    safe, -safe, safe + 1n, -safe - 1n, 9223372036854775807n, -9223372036854775808n, 123456789012345n, -123456789012345n];
  // Expected from BigInt comparisons alone, not from the reader's 32-bit halves.
  const expected = [...values.map((v) => (v >= -safe && v <= safe ? Number(v) : v)), null];
  const n = values.length + 1;
  const nullBitmap = new Uint8Array(Math.ceil(n / 8)).fill(0xff);
  nullBitmap[values.length >> 3] &= ~(1 << (values.length & 7));
  const data = BigInt64Array.from([...values, 0n]);
  const columns: arrow.Data[] = [
    arrow.makeData({ type: new arrow.Int64(), length: n, nullCount: 1, nullBitmap, data }),
    arrow.makeData({ type: new arrow.TimestampMicrosecond(), length: n, nullCount: 1, nullBitmap, data }),
  ];
  for (const column of columns) {
    const type = column.type;
    const read = keyReader(column);
    const got = expected.map((_, i) => read(i));
    assert.equal(got, expected, String(type));
    for (let i = 0; i < values.length; i++) assert.is(typeof got[i], typeof expected[i], `${String(type)} ${values[i]}`);
  }
});

test.run();
