// Differential fuzz test: random well-typed expressions from the subset where
// Spark SQL and DuckDB agree are evaluated by this engine and by DuckDB over
// the same random rows, and compared row by row. Seeded, so failures replay.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { DuckDBInstance } from '@duckdb/node-api';
import { compileExpression } from '../../../src/reactive/expression/index.ts';
import { prng } from '../../support/prng.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20261125);
const ROWS = 300;
const EXPRESSIONS = 600;

const rand = prng(SEED);
const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
const chance = (p: number): boolean => rand() < p;

// --- random rows -------------------------------------------------------------
const WORDS = ['a', 'b', 'ab', 'abc', 'Abc', 'ba', 'x y', ' pad ', 'é', 'éa', 'zz', '', 'b%', 'a_c', 'ABC', 'hello', 'world'];
interface Row { i: number | null; j: number | null; b: bigint | null; d: number | null; s: string | null; t: string | null; f: boolean | null; dt: number | null; ts: bigint | null }
const nul = <T>(v: T): T | null => (chance(0.15) ? null : v);
const rows: Row[] = Array.from({ length: ROWS }, () => ({
  i: nul(int(-100, 100)),
  j: nul(int(-20, 20)),
  // A few values beyond 2^53 exercise the exact BigInt path.
  b: nul(chance(0.1) ? 2n ** 60n + BigInt(int(-5, 5)) : BigInt(int(-1_000_000, 1_000_000)) * 1_000_003n),
  d: nul(chance(0.1) ? int(-5, 5) : Math.round((rand() - 0.5) * 2000 * 1024) / 1024),
  s: nul(pick(WORDS)),
  t: nul(pick(WORDS)),
  f: nul(chance(0.5)),
  dt: nul(int(19000, 20500)),
  ts: nul(BigInt(int(19000, 20500)) * 86_400_000_000n + BigInt(int(0, 86_399)) * 1_000_000n),
}));

const DAY_MS = 86_400_000;
const schema = new arrow.Schema([
  new arrow.Field('i', new arrow.Int32()), new arrow.Field('j', new arrow.Int32()), new arrow.Field('b', new arrow.Int64()),
  new arrow.Field('d', new arrow.Float64()), new arrow.Field('s', new arrow.Utf8()), new arrow.Field('t', new arrow.Utf8()),
  new arrow.Field('f', new arrow.Bool()), new arrow.Field('dt', new arrow.DateDay()), new arrow.Field('ts', new arrow.TimestampMicrosecond()),
]);
const col = <K extends keyof Row>(k: K): Row[K][] => rows.map((r) => r[k]);
const vectors = [
  arrow.vectorFromArray(col('i'), new arrow.Int32()), arrow.vectorFromArray(col('j'), new arrow.Int32()),
  arrow.makeVector(arrow.makeData({ type: new arrow.Int64(), length: ROWS, nullCount: col('b').filter((x) => x === null).length, nullBitmap: bitmap(col('b')), data: BigInt64Array.from(col('b'), (x) => x ?? 0n) })),
  arrow.vectorFromArray(col('d'), new arrow.Float64()), arrow.vectorFromArray(col('s'), new arrow.Utf8()), arrow.vectorFromArray(col('t'), new arrow.Utf8()),
  arrow.vectorFromArray(col('f'), new arrow.Bool()),
  arrow.vectorFromArray(col('dt').map((x) => (x === null ? null : new Date(x * DAY_MS))), new arrow.DateDay()),
  arrow.makeVector(arrow.makeData({ type: new arrow.TimestampMicrosecond(), length: ROWS, nullCount: col('ts').filter((x) => x === null).length, nullBitmap: bitmap(col('ts')), data: BigInt64Array.from(col('ts'), (x) => x ?? 0n) })),
];
const batch = new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: ROWS, nullCount: 0, children: vectors.map((v) => v.data[0]) }));

function bitmap(values: unknown[]): Uint8Array {
  const out = new Uint8Array(((values.length + 63) & ~63) >> 3);
  values.forEach((v, i) => { if (v !== null) out[i >> 3] |= 1 << (i & 7); });
  return out;
}

// --- random expressions ------------------------------------------------------
type Ty = 'bool' | 'int' | 'double' | 'string' | 'date';
const sqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;
const dateLit = (days: number): string => `DATE '${new Date(days * DAY_MS).toISOString().slice(0, 10)}'`;

function gen(ty: Ty, depth: number): string {
  const leaf = depth <= 0 || chance(0.25);
  switch (ty) {
    case 'int': {
      if (leaf) return pick(['i', 'j', String(int(-50, 50)), 'i', 'j']);
      return pick([
        () => `(${gen('int', depth - 1)} + ${gen('int', depth - 1)})`,
        () => `(${gen('int', depth - 1)} - ${gen('int', depth - 1)})`,
        () => `(${gen('int', depth - 1)} * ${pick(['j', String(int(-9, 9))])})`,
        () => `(- ${gen('int', depth - 1)})`,
        () => `abs(${gen('int', depth - 1)})`,
        () => `length(${gen('string', depth - 1)})`,
        () => `CASE WHEN ${gen('bool', depth - 1)} THEN ${gen('int', depth - 1)} ELSE ${gen('int', depth - 1)} END`,
        () => `CASE WHEN ${gen('bool', depth - 1)} THEN ${gen('int', depth - 1)} WHEN ${gen('bool', depth - 1)} THEN ${gen('int', depth - 1)} END`,
        () => `coalesce(${gen('int', depth - 1)}, ${gen('int', depth - 1)})`,
        () => pick(['year', 'month', 'day'])  + `(${gen('date', depth - 1)})`,
      ])();
    }
    case 'double': {
      if (leaf) return pick(['d', 'd', `${int(-100, 100)}.5`, `${int(1, 9)}e1`]);
      return pick([
        () => `(${gen('double', depth - 1)} + ${gen(pick(['int', 'double']), depth - 1)})`,
        () => `(${gen('double', depth - 1)} - ${gen('double', depth - 1)})`,
        () => `(${gen('double', depth - 1)} * ${gen(pick(['int', 'double']), depth - 1)})`,
        () => `abs(${gen('double', depth - 1)})`,
        () => `(- ${gen('double', depth - 1)})`,
        () => `coalesce(${gen('double', depth - 1)}, ${gen('int', depth - 1)})`,
        () => `CASE WHEN ${gen('bool', depth - 1)} THEN ${gen('double', depth - 1)} ELSE ${gen('int', depth - 1)} END`,
      ])();
    }
    case 'string': {
      if (leaf) return pick(['s', 't', 's', sqlString(pick(WORDS))]);
      return pick([
        () => `lower(${gen('string', depth - 1)})`,
        () => `upper(${gen('string', depth - 1)})`,
        () => `trim(${gen('string', depth - 1)})`,
        () => `substring(${gen('string', depth - 1)}, ${int(1, 4)}, ${int(0, 4)})`,
        () => `substring(${gen('string', depth - 1)}, ${int(1, 3)})`,
        () => `(${gen('string', depth - 1)} || ${gen('string', depth - 1)})`,
        () => `coalesce(${gen('string', depth - 1)}, ${gen('string', depth - 1)})`,
        () => `CASE WHEN ${gen('bool', depth - 1)} THEN ${gen('string', depth - 1)} ELSE ${gen('string', depth - 1)} END`,
        () => `CASE ${gen('string', depth - 1)} WHEN ${sqlString(pick(WORDS))} THEN ${gen('string', depth - 1)} WHEN ${sqlString(pick(WORDS))} THEN 'two' ELSE 'other' END`,
      ])();
    }
    case 'date': {
      if (leaf) return pick(['dt', 'dt', dateLit(int(19000, 20500))]);
      return pick([
        () => `coalesce(${gen('date', depth - 1)}, ${dateLit(int(19000, 20500))})`,
        () => `CASE WHEN ${gen('bool', depth - 1)} THEN ${gen('date', depth - 1)} ELSE dt END`,
        () => `(${gen('date', depth - 1)} + ${int(-40, 40)})`,
      ])();
    }
    case 'bool': {
      if (leaf) return pick(['f', 'f', 'TRUE', 'FALSE', 'NULL', `(i > ${int(-50, 50)})`]);
      const cmp = (): string => pick(['=', '<>', '<', '<=', '>', '>=', '!=']);
      return pick([
        () => `(${gen('int', depth - 1)} ${cmp()} ${gen('int', depth - 1)})`,
        () => `(${gen('double', depth - 1)} ${cmp()} ${gen(pick(['int', 'double']), depth - 1)})`,
        () => `(${gen('string', depth - 1)} ${cmp()} ${gen('string', depth - 1)})`,
        () => `(${gen('date', depth - 1)} ${cmp()} ${gen('date', depth - 1)})`,
        () => `(ts ${cmp()} TIMESTAMP '${new Date(int(19000, 20500) * DAY_MS + int(0, 86399) * 1000).toISOString().slice(0, 19).replace('T', ' ')}')`,
        () => `(${pick(['b', `(b - ${int(-3, 3)})`, `(b + i)`])} ${cmp()} ${pick(['1152921504606846976', '1152921504606846977', String(int(-1000, 1000) * 1000003), 'i'])})`,
        () => `(${gen('bool', depth - 1)} AND ${gen('bool', depth - 1)})`,
        () => `(${gen('bool', depth - 1)} OR ${gen('bool', depth - 1)})`,
        () => `(NOT ${gen('bool', depth - 1)})`,
        () => `(${gen(pick(['int', 'string', 'double', 'date', 'bool'] as const), depth - 1)} IS ${pick(['', 'NOT '])}NULL)`,
        () => `(${gen('int', depth - 1)} ${pick(['', 'NOT '])}IN (${Array.from({ length: int(1, 4) }, () => (chance(0.15) ? 'NULL' : String(int(-20, 20)))).join(', ')}))`,
        () => `(${gen('string', depth - 1)} ${pick(['', 'NOT '])}IN (${Array.from({ length: int(1, 4) }, () => (chance(0.15) ? 'NULL' : sqlString(pick(WORDS)))).join(', ')}))`,
        () => `(${gen(pick(['int', 'double']), depth - 1)} ${pick(['', 'NOT '])}BETWEEN ${int(-60, 0)} AND ${int(0, 60)})`,
        () => `(${gen('string', depth - 1)} ${pick(['', 'NOT '])}LIKE ${sqlString(pick(['a%', '%b', '%b%', 'a_c', '_', '%', 'ab', '%é%', 'A%', '_b%']))})`,
        () => `(${gen('bool', depth - 1)} = ${gen('bool', depth - 1)})`,
        () => `coalesce(${gen('bool', depth - 1)}, ${gen('bool', depth - 1)})`,
      ])();
    }
  }
}

// --- comparison ----------------------------------------------------------------
type Norm = null | boolean | number | string;

/** Our vector value at row i in a comparable form. */
function ours(v: arrow.Vector, i: number): Norm {
  const x = v.get(i) as unknown;
  if (x === null || x === undefined) return null;
  const type = v.type as arrow.DataType;
  if (arrow.DataType.isDate(type)) return new Date(x as number).toISOString().slice(0, 10);
  if (arrow.DataType.isDecimal(type)) {
    const words = x as Uint32Array;
    let big = 0n;
    for (let k = 3; k >= 0; k--) big = (big << 32n) | BigInt(words[k]);
    return Number(BigInt.asIntN(128, big)) / 10 ** (type as arrow.Decimal).scale;
  }
  if (typeof x === 'bigint') return Number(x);
  return x as Norm;
}

function theirs(x: unknown, isDate: boolean): Norm {
  if (x === null || x === undefined) return null;
  if (isDate) return String(x);
  if (typeof x === 'string' && /^-?\d+(\.\d+)?$/.test(x)) return Number(x);
  return x as Norm;
}

function same(a: Norm, b: Norm): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  if (typeof a === 'number' && typeof b === 'string') return String(a) === b;
  return a === b;
}

test('random expressions agree with DuckDB row by row', async () => {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  await conn.run('CREATE TABLE t (rid INTEGER, i INTEGER, j INTEGER, b BIGINT, d DOUBLE, s VARCHAR, t VARCHAR, f BOOLEAN, dt DATE, ts TIMESTAMP)');
  const lit = (v: unknown, kind: string): string => {
    if (v === null) return 'NULL';
    if (kind === 's') return sqlString(v as string);
    if (kind === 'dt') return dateLit(v as number);
    if (kind === 'ts') return `make_timestamp(${v as bigint})`;
    return String(v);
  };
  const values = rows.map((r, k) => `(${k}, ${(['i', 'j', 'b', 'd', 's', 't', 'f', 'dt', 'ts'] as const).map((c) => lit(r[c], c === 't' ? 's' : c)).join(', ')})`);
  await conn.run(`INSERT INTO t VALUES ${values.join(',\n')}`);

  const exprs: { sql: string; ty: Ty }[] = [];
  for (let k = 0; k < EXPRESSIONS; k++) {
    const ty = pick(['bool', 'bool', 'bool', 'int', 'double', 'string', 'date'] as const);
    exprs.push({ sql: gen(ty, int(1, 4)), ty });
  }
  let compared = 0;
  const failures: string[] = [];
  const CHUNK = 60;
  for (let start = 0; start < exprs.length; start += CHUNK) {
    const chunk = exprs.slice(start, start + CHUNK);
    const reader = await conn.runAndReadAll(`SELECT ${chunk.map((e, k) => `${e.sql} AS e${k}`).join(', ')} FROM t ORDER BY rid`);
    const duck = reader.getRowsJson();
    chunk.forEach((e, k) => {
      let v: arrow.Vector;
      try {
        v = compileExpression(e.sql, schema).evaluate(batch);
      } catch (err) {
        failures.push(`${e.sql}: ${(err as Error).message}`);
        return;
      }
      for (let r = 0; r < ROWS; r++) {
        const a = ours(v, r);
        const b = theirs(duck[r][k], e.ty === 'date');
        compared++;
        if (!same(a, b)) {
          failures.push(`${e.sql}\n    row ${r} ${JSON.stringify(rows[r], (_k, x) => (typeof x === 'bigint' ? String(x) : x))}: ours=${JSON.stringify(a)} duckdb=${JSON.stringify(b)}`);
          break;
        }
      }
    });
  }
  conn.closeSync();
  assert.ok(compared >= EXPRESSIONS * ROWS * 0.95, `compared only ${compared} values`);
  assert.equal(failures.length, 0, `seed ${SEED}: ${failures.length} mismatches:\n${failures.slice(0, 8).join('\n')}`);
});

test.run();
