// DeltaTable end to end: create, append, overwrite, replaceWhere, partitions,
// idempotent txn, mergeSchema, history. DuckDB reads the data files the log
// lists and must see exactly the rows written.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeltaTable } from '../../src/delta/table.ts';
import { loadSnapshot } from '../../src/delta/snapshot.ts';
import { LocalStorage } from '../../src/delta/storage/local-storage.ts';
import { MemoryStorage } from '../../src/delta/storage/memory-storage.ts';
import { parseStats } from '../../src/delta/stats.ts';
import { expectedRows, tableRowsViaDuckDB, tempTableDir } from './write-helpers.ts';

const COLS = ['id', 'country', 'amount'];
type Row = { id: bigint; country: string; amount: number | null };

function prng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0), s / 2 ** 32);
}
function makeRows(n: number, seed: number, countries = ['US', 'FR', 'DE', 'a b/c=%']): Row[] {
  const r = prng(seed);
  return Array.from({ length: n }, (_, i) => ({
    id: BigInt(seed * 100000 + i),
    country: countries[Math.floor(r() * countries.length)],
    amount: r() < 0.1 ? null : Math.round(r() * 10000) / 100,
  }));
}
function toArrow(rows: Row[]): arrow.Table {
  return new arrow.Table({
    id: arrow.vectorFromArray(rows.map((x) => x.id), new arrow.Int64()),
    country: arrow.vectorFromArray(rows.map((x) => x.country), new arrow.Utf8()),
    amount: arrow.vectorFromArray(rows.map((x) => x.amount), new arrow.Float64()),
  });
}
const schema = new arrow.Schema([
  new arrow.Field('id', new arrow.Int64(), false),
  new arrow.Field('country', new arrow.Utf8(), true),
  new arrow.Field('amount', new arrow.Float64(), true),
]);

async function duckMatches(dir: string, rows: Row[], msg: string) {
  const snap = await loadSnapshot(new LocalStorage(dir));
  assert.equal(await tableRowsViaDuckDB(dir, snap, COLS), expectedRows(rows, COLS), msg);
}

test('create + partitioned appends: DuckDB reads exactly the rows, one directory per partition', async () => {
  const dir = tempTableDir();
  const t = await DeltaTable.create(dir, { schema, partitionBy: ['country'], name: 'orders', description: 'test' });
  assert.is(t.version(), 0);
  assert.equal(t.protocol(), { minReaderVersion: 1, minWriterVersion: 2 });
  const a = makeRows(500, 1);
  const b = makeRows(300, 2);
  const r1 = await t.append(toArrow(a));
  const r2 = await t.append(toArrow(b));
  assert.is(r1.version, 1);
  assert.is(r2.version, 2);
  await duckMatches(dir, [...a, ...b], 'all rows');
  // Hive-style directories with Spark's escaping of the odd value.
  const dirs = readdirSync(dir).filter((d) => d.startsWith('country=')).sort();
  assert.equal(dirs, ['country=DE', 'country=FR', 'country=US', 'country=a b%2Fc%3D%25']);
  // The log's paths are URIs of those directories.
  assert.ok(t.files().some((f) => f.path.startsWith('country=a%20b%252Fc%253D%2525/')));
  // Our own reader agrees, through the table API.
  const back = await t.toArrow({ columns: ['id', 'amount'] });
  assert.is(back.numRows, 800);
  assert.equal(back.schema.fields.map((f) => f.name), ['id', 'amount']);
  // numRecords of the stats add up.
  assert.is(t.files().reduce((s, f) => s + parseStats(f.stats)!.numRecords, 0), 800);
});

test('stats of each file match min/max/nullCount computed by DuckDB over that file', async () => {
  const dir = tempTableDir();
  const t = await DeltaTable.create(dir, { schema, partitionBy: ['country'] });
  await t.append(toArrow(makeRows(400, 3)));
  const { duckRows } = await import('./write-helpers.ts');
  for (const add of t.files()) {
    const s = parseStats(add.stats)!;
    const [d] = await duckRows(
      `SELECT count(*) AS n, min(id) AS minid, max(id) AS maxid, min(amount) AS mina, max(amount) AS maxa, count(*) - count(amount) AS nulla FROM read_parquet('${join(dir, decodeURIComponent(add.path))}')`,
    );
    assert.is(String(s.numRecords), String(d.n));
    assert.is(String(s.minValues.id), String(d.minid));
    assert.is(String(s.maxValues.id), String(d.maxid));
    assert.is(Number(s.minValues.amount), Number(d.mina));
    assert.is(Number(s.maxValues.amount), Number(d.maxa));
    assert.is(String(s.nullCount.amount), String(d.nulla));
    assert.is(s.minValues.country, undefined, 'partition columns have no stats');
  }
});

test('overwrite replaces every row; the commit removes the old files', async () => {
  const dir = tempTableDir();
  const t = await DeltaTable.create(dir, { schema, partitionBy: ['country'] });
  await t.append(toArrow(makeRows(200, 4)));
  const before = t.files().map((f) => f.path);
  const fresh = makeRows(50, 5);
  const r = await t.overwrite(toArrow(fresh));
  assert.is(r.removedFiles, before.length);
  await duckMatches(dir, fresh, 'only new rows');
  const log = readFileSync(join(dir, '_delta_log/00000000000000000002.json'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.ok('commitInfo' in log[0], 'commitInfo first');
  assert.is(log[0].commitInfo.operationParameters.mode, 'Overwrite');
  assert.is(log[0].commitInfo.isBlindAppend, false);
  assert.equal(log.filter((a) => 'remove' in a).map((a) => a.remove.path).sort(), before.sort());
});

test('replaceWhere on a partition column replaces that partition only, and refuses non-conforming rows', async () => {
  const dir = tempTableDir();
  const t = await DeltaTable.create(dir, { schema, partitionBy: ['country'] });
  const old = makeRows(300, 6, ['US', 'FR']);
  await t.append(toArrow(old));
  const us = makeRows(40, 7, ['US']);
  await t.overwrite(toArrow(us), { replaceWhere: "country = 'US'" });
  await duckMatches(dir, [...old.filter((x) => x.country !== 'US'), ...us], 'FR kept, US replaced');
  const v = t.version();
  const files = t.files().map((f) => f.path).sort();
  const bad = makeRows(10, 8, ['US', 'FR']);
  try {
    await t.overwrite(toArrow(bad), { replaceWhere: "country = 'US'" });
    assert.unreachable('should refuse');
  } catch (err) {
    assert.match((err as Error).message, /does not conform to partial table overwrite condition or constraint 'country = 'US''/);
  }
  const after = await DeltaTable.open(dir);
  assert.is(after.version(), v);
  assert.equal(after.files().map((f) => f.path).sort(), files);
  const [h] = await after.history(1);
  assert.is(h.operationParameters?.predicate, JSON.stringify(["country = 'US'"]));
});

test('replaceWhere on a data column rewrites partially matching files, keeping the other rows', async () => {
  const dir = tempTableDir();
  const t = await DeltaTable.create(dir, { schema });
  const old = makeRows(300, 9);
  await t.append(toArrow(old.slice(0, 150)));
  await t.append(toArrow(old.slice(150)));
  const fresh = makeRows(20, 10).map((x) => ({ ...x, amount: 5000 + (x.amount ?? 0) }));
  const r = await t.overwrite(toArrow(fresh), { replaceWhere: 'amount > 50' });
  // Rows where the predicate is FALSE or NULL survive.
  const kept = old.filter((x) => x.amount === null || !(x.amount > 50));
  await duckMatches(dir, [...kept, ...fresh], 'partial rewrite');
  assert.is(r.removedFiles, 2);
  const [h] = await t.history(1);
  assert.is(h.operationMetrics?.numCopiedRows, String(kept.length));
});

test('idempotent txn: a repeated (appId, version) is skipped and writes nothing', async () => {
  const storage = new MemoryStorage();
  const t = await DeltaTable.create(storage, { schema });
  const r1 = await t.append(toArrow(makeRows(5, 11)), { txn: { appId: 'ingest', version: 7 } });
  assert.is(r1.skipped, false);
  const objects = (await storage.list('')).length;
  const r2 = await t.append(toArrow(makeRows(5, 12)), { txn: { appId: 'ingest', version: 7 } });
  assert.is(r2.skipped, true);
  assert.is(r2.version, r1.version);
  const r3 = await t.append(toArrow(makeRows(5, 13)), { txn: { appId: 'ingest', version: 3 } });
  assert.is(r3.skipped, true);
  assert.is((await storage.list('')).length, objects, 'no file written for skipped writes');
  const r4 = await t.append(toArrow(makeRows(5, 14)), { txn: { appId: 'ingest', version: 8 } });
  assert.is(r4.version, r1.version + 1);
  assert.is(t.snapshot.txnVersion('ingest'), 8);
  assert.is((await t.toArrow()).numRows, 10);
});

test('schema handling: widening, missing nullable columns, mergeSchema, and clear refusals', async () => {
  const storage = new MemoryStorage();
  const t = await DeltaTable.create(storage, { schema });
  // int32 ids widen to the table's long; a missing nullable column is filled with nulls.
  await t.append(arrow.tableFromArrays({ id: Int32Array.from([1, 2]), country: ['x', 'y'] }));
  const rows = (await t.toArrow()).toArray().map((r) => r.toJSON());
  assert.equal(rows.map((r) => [r.id, r.amount]), [[1n, null], [2n, null]]);
  const reject = async (p: Promise<unknown>, re: RegExp) => {
    try {
      await p;
      assert.unreachable('expected a rejection');
    } catch (err) {
      assert.match((err as Error).message, re);
    }
  };
  await reject(t.append(arrow.tableFromArrays({ id: Float64Array.from([1]) })), /Column 'id' has type Float64 but Delta table .* stores it as Int64/);
  await reject(t.append(arrow.tableFromArrays({ country: ['x'] })), /missing column 'id'.*NOT NULL/);
  await reject(t.append(arrow.tableFromArrays({ id: BigInt64Array.from([1n]), extra: Int32Array.from([1]) })), /column\(s\) 'extra'.*mergeSchema/);
  await reject(
    t.append(new arrow.Table({ id: arrow.vectorFromArray([1n, null], new arrow.Int64()) })),
    /NOT NULL constraint violated for column id/,
  );
  assert.is(t.version(), 1, 'refused writes commit nothing');
  const m = await t.append(arrow.tableFromArrays({ id: BigInt64Array.from([3n]), extra: Int32Array.from([9]) }), { mergeSchema: true });
  assert.is(m.version, 2);
  assert.equal(t.schema().fields.map((f) => f.name), ['id', 'country', 'amount', 'extra']);
  const all = (await t.toArrow()).toArray().map((r) => r.toJSON());
  assert.equal(all.map((r) => r.extra), [null, null, 9]);
});

test('history lists commitInfo newest first with operation, metrics and engine', async () => {
  const t = await DeltaTable.create(new MemoryStorage(), { schema, partitionBy: ['country'] });
  await t.append(toArrow(makeRows(10, 15)));
  await t.overwrite(toArrow(makeRows(3, 16)));
  const h = await t.history();
  assert.equal(h.map((e) => e.version), [2, 1, 0]);
  assert.equal(h.map((e) => e.operation), ['WRITE', 'WRITE', 'CREATE TABLE']);
  assert.is(h[1].operationMetrics?.numOutputRows, '10');
  assert.is(h[1].isBlindAppend, true);
  assert.is(h[0].readVersion, 1);
  assert.is(h[0].engineInfo, 'tributary/0.1.0');
  assert.is(h[0].isolationLevel, 'WriteSerializable');
  assert.ok(typeof h[0].txnId === 'string');
  assert.equal((await t.history(1)).map((e) => e.version), [2]);
});

test('create modes: error on an existing table, ignore keeps it, overwrite replaces it', async () => {
  const storage = new MemoryStorage();
  const t = await DeltaTable.create(storage, { schema });
  await t.append(toArrow(makeRows(5, 17)));
  try {
    await DeltaTable.create(storage, { schema });
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, /already exists \(version 1\)/);
  }
  const same = await DeltaTable.create(storage, { schema, mode: 'ignore' });
  assert.is(same.version(), 1);
  const other = new arrow.Schema([new arrow.Field('k', new arrow.Utf8())]);
  const replaced = await DeltaTable.create(storage, { schema: other, mode: 'overwrite' });
  assert.is(replaced.version(), 2);
  assert.is(replaced.files().length, 0);
  assert.equal(replaced.schema().fields.map((f) => f.name), ['k']);
  assert.is(replaced.metadata().id, t.metadata().id);
  // Invalid definitions fail before anything is written.
  const fresh = new MemoryStorage();
  for (const [opts, re] of [
    [{ schema, partitionBy: ['nope'] }, /Partition column 'nope' is not a column/],
    [{ schema, partitionBy: ['id', 'country', 'amount'] }, /all columns/],
    [{ schema, properties: { 'delta.appendOnly': 'yes' } }, /must be 'true' or 'false'/],
    [{ schema, properties: { 'delta.dataSkippingStatsColumns': 'ghost' } }, /ghost/],
  ] as const) {
    try {
      await DeltaTable.create(fresh, opts as never);
      assert.unreachable();
    } catch (err) {
      assert.match((err as Error).message, re);
    }
  }
  assert.is((await fresh.list('')).length, 0);
});

test('interleaved partitions of nested and typed columns are gathered exactly (own reader and DuckDB)', async () => {
  const dir = tempTableDir();
  const n = 240;
  const r = prng(21);
  const nested = new arrow.Struct([new arrow.Field('x', new arrow.Int32(), true), new arrow.Field('tags', new arrow.List(new arrow.Field('element', new arrow.Utf8(), true)), true)]);
  const mapType = new arrow.Map_(new arrow.Field('entries', new arrow.Struct([new arrow.Field('key', new arrow.Utf8(), false), new arrow.Field('value', new arrow.Int64(), true)] as arrow.Field[]) as never, false));
  const part = Array.from({ length: n }, (_, i) => ['p', 'q', 'r'][i % 3]);
  const input = new arrow.Table({
    k: arrow.vectorFromArray(part, new arrow.Utf8()),
    flag: arrow.vectorFromArray(Array.from({ length: n }, (_, i) => (i % 5 === 0 ? null : r() < 0.5)), new arrow.Bool()),
    s: arrow.vectorFromArray(Array.from({ length: n }, (_, i) => (i % 4 === 0 ? null : `v${i}`.repeat(1 + (i % 3)))), new arrow.Utf8()),
    n: arrow.vectorFromArray(Array.from({ length: n }, (_, i) => (i % 6 === 0 ? null : { x: i, tags: i % 2 ? [`a${i}`, null] : [] })), nested),
    m: arrow.vectorFromArray(Array.from({ length: n }, (_, i) => (i % 7 === 0 ? null : new Map([[`k${i}`, BigInt(i)]]))), mapType),
    day: arrow.makeVector(arrow.makeData({ type: new arrow.DateDay(), length: n, data: Int32Array.from({ length: n }, (_, i) => i * 3) })),
  });
  const t = await DeltaTable.create(dir, { schema: input.schema, partitionBy: ['k'] });
  await t.append(input);
  assert.is(t.files().length, 3);
  const canonical = (tbl: arrow.Table) =>
    tbl.toArray().map((row) => JSON.stringify(row.toJSON(), (_k, v) => (typeof v === 'bigint' ? String(v) : v instanceof Map ? [...v] : v))).sort();
  const back = await t.toArrow();
  assert.equal(canonical(back.select(input.schema.fields.map((f) => f.name))), canonical(input));
  const { duckRows } = await import('./write-helpers.ts');
  for (const add of t.files()) {
    const [c] = await duckRows(`SELECT count(*) AS n, count(s) AS s, sum(n.x) AS sx FROM read_parquet('${join(dir, decodeURIComponent(add.path))}')`);
    const rows = input.toArray().filter((row) => row.k === add.partitionValues.k);
    assert.is(Number(c.n), rows.length);
    assert.is(Number(c.s), rows.filter((row) => row.s !== null).length);
    assert.is(Number(c.sx), rows.reduce((acc, row) => acc + (row.n ? row.n.x : 0), 0));
  }
});

test.run();
