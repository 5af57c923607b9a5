// Structs, lists, large lists and maps, with nulls at every level, read back by
// hyparquet and DuckDB and compared with the JS values the Arrow data was built from.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  Field,
  Float64,
  Int16,
  Int32,
  Int64,
  LargeList,
  List,
  Map_,
  Schema,
  Struct,
  Table,
  Utf8,
  vectorFromArray,
  type DataType,
} from 'apache-arrow';
import { writeParquet } from '../../src/parquet/index.ts';
import { canon, prng, queryDuckDB, readFooter, readHyparquet } from './helpers.ts';

const N = 1500;
const rand = prng(7);
const maybe = <T>(p: number, f: () => T): T | null => (rand() < p ? null : f());
const word = () => ['a', 'bé', 'ccc', '日本', '🎉', ''][Math.floor(rand() * 6)]!;
const list = <T>(max: number, f: () => T): T[] => Array.from({ length: Math.floor(rand() * (max + 1)) }, f);

type Row = Record<string, unknown>;
const rows: Row[] = Array.from({ length: N }, (_, i) => ({
  s: maybe(0.2, () => ({ a: maybe(0.3, () => i), b: maybe(0.3, word), inner: maybe(0.2, () => ({ x: maybe(0.2, () => rand()) })) })),
  l: maybe(0.2, () => list(4, () => maybe(0.25, () => Math.floor(rand() * 1000) - 500))),
  ll: maybe(0.2, () => list(3, () => maybe(0.2, () => list(3, () => maybe(0.2, () => Math.floor(rand() * 100)))))),
  ls: maybe(0.2, () => list(3, () => maybe(0.2, () => ({ k: maybe(0.2, word), v: maybe(0.2, () => BigInt(i) * 1000003n) })))),
  big: maybe(0.2, () => list(3, () => maybe(0.2, word))),
  m: maybe(0.2, () => new Map(list(3, () => [`k${Math.floor(rand() * 5)}`, maybe(0.3, () => rand() * 10)] as const))),
  tags: { names: maybe(0.3, () => list(2, word)) },
  req: list(2, () => i % 100),
}));

const fields: Field[] = [
  new Field(
    's',
    new Struct([
      new Field('a', new Int32(), true),
      new Field('b', new Utf8(), true),
      new Field('inner', new Struct([new Field('x', new Float64(), true)]), true),
    ]),
    true,
  ),
  new Field('l', new List(new Field('item', new Int32(), true)), true),
  new Field('ll', new List(new Field('item', new List(new Field('item', new Int16(), true)), true)), true),
  new Field(
    'ls',
    new List(new Field('item', new Struct([new Field('k', new Utf8(), true), new Field('v', new Int64(), true)]), true)),
    true,
  ),
  new Field('big', new LargeList(new Field('item', new Utf8(), true)), true),
  new Field(
    'm',
    new Map_(new Field('entries', new Struct<{ key: Utf8; value: Float64 }>([new Field('key', new Utf8(), false), new Field('value', new Float64(), true)]), false)),
    true,
  ),
  new Field('tags', new Struct([new Field('names', new List(new Field('item', new Utf8(), true)), true)]), false),
  new Field('req', new List(new Field('item', new Int32(), false)), false),
];
const table = new Table(
  new Schema(fields),
  Object.fromEntries(fields.map((f) => [f.name, vectorFromArray(rows.map((r) => r[f.name]) as never, f.type as DataType)])) as never,
);

/** Source value in hyparquet's shapes (maps as objects, absent nested values as null). */
function forHyparquet(v: unknown): unknown {
  if (v instanceof Map) return Object.fromEntries([...v.entries()].map(([k, x]) => [k, forHyparquet(x)]));
  if (Array.isArray(v)) return v.map(forHyparquet);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, forHyparquet(x)]));
  }
  return v;
}

/** Source value in DuckDB's JSON shapes (maps as [{key, value}]). */
function forDuckDB(v: unknown): unknown {
  if (v instanceof Map) return [...v.entries()].map(([k, x]) => ({ key: k, value: forDuckDB(x) }));
  if (Array.isArray(v)) return v.map(forDuckDB);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, forDuckDB(x)]));
  }
  return v;
}

const names = fields.map((f) => f.name);

async function checkBoth(bytes: Uint8Array, label: string, from = 0, to = N) {
  const hyp = await readHyparquet(bytes);
  const duck = await queryDuckDB(bytes, `select ${names.map((n) => `"${n}"`).join(', ')} from $file`);
  assert.is(hyp.length, to - from);
  assert.is(duck.length, to - from);
  for (const name of names) {
    const source = rows.slice(from, to).map((r) => r[name]);
    assert.equal(
      hyp.map((r) => canon(r[name])),
      source.map((v) => canon(forHyparquet(v))),
      `${label}: hyparquet ${name}`,
    );
    assert.equal(
      duck.map((r) => canon(r[name])),
      source.map((v) => canon(forDuckDB(v))),
      `${label}: DuckDB ${name}`,
    );
  }
}

test('nested columns round-trip (snappy, dictionary on)', async () => {
  const { bytes } = await writeParquet(table);
  await checkBoth(bytes, 'default');
});

test('nested columns round-trip across small pages and row groups, PLAIN, zstd', async () => {
  const { bytes } = await writeParquet(table, { dataPageSize: 512, rowGroupSize: 400, dictionary: false, compression: 'zstd' });
  assert.is(readFooter(bytes).row_groups.length, 4);
  await checkBoth(bytes, 'paged');
});

test('a slice of nested columns (offsets into child arrays) round-trips', async () => {
  const { bytes } = await writeParquet(table.slice(333, 1111));
  await checkBoth(bytes, 'slice', 333, 1111);
});

test('the Parquet schema uses 3-level lists and key_value maps', async () => {
  const { bytes } = await writeParquet(table);
  const paths = readFooter(bytes).row_groups[0]!.columns.map((c) => c.meta_data!.path_in_schema.join('.'));
  assert.equal(paths, [
    's.a',
    's.b',
    's.inner.x',
    'l.list.element',
    'll.list.element.list.element',
    'ls.list.element.k',
    'ls.list.element.v',
    'big.list.element',
    'm.key_value.key',
    'm.key_value.value',
    'tags.names.list.element',
    'req.list.element',
  ]);
  const types = await queryDuckDB(bytes, `select column_name as c, column_type as t from (describe select * from $file)`);
  assert.equal(
    types.map((r) => `${r.c} ${r.t}`),
    [
      's STRUCT(a INTEGER, b VARCHAR, "inner" STRUCT(x DOUBLE))',
      'l INTEGER[]',
      'll SMALLINT[][]',
      'ls STRUCT(k VARCHAR, v BIGINT)[]',
      'big VARCHAR[]',
      'm MAP(VARCHAR, DOUBLE)',
      'tags STRUCT("names" VARCHAR[])',
      'req INTEGER[]',
    ],
  );
});

test('nested statistics: struct leaves have min/max, list leaves null counts', async () => {
  const { stats } = await writeParquet(table);
  const byPath = new Map(stats.columns.map((c) => [c.path.join('.'), c]));
  const a = rows.map((r) => (r.s as { a: number | null } | null)?.a ?? null);
  const present = a.filter((v): v is number => v !== null);
  assert.equal(byPath.get('s.a'), {
    path: ['s', 'a'],
    nullCount: a.length - present.length,
    min: Math.min(...present),
    max: Math.max(...present),
  });
  // A list leaf's null count covers null lists, empty lists and null elements.
  const l = rows.map((r) => r.l as (number | null)[] | null);
  const expectNulls = l.reduce((n, v) => n + (v === null || v.length === 0 ? 1 : v.filter((x) => x === null).length), 0);
  const ls = byPath.get('l')!;
  assert.is(ls.nullCount, expectNulls);
  assert.is(ls.min, undefined);
  assert.ok(byPath.has('m.key') && byPath.has('m.value'));
});

test.run();
