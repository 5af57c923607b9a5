// Randomized schemas (nesting, nullability, types), values, batch splits and
// writer options from a seeded PRNG, checked against DuckDB. A failure prints
// its seed; rerun one seed with PARQUET_SEED=<seed>, or more with PARQUET_SEEDS=<count>.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  Bool,
  DateDay,
  Dictionary,
  Field,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  LargeList,
  LargeUtf8,
  List,
  Map_,
  RecordBatch,
  Schema,
  Struct,
  Uint16,
  Uint32,
  Uint64,
  Uint8,
  Utf8,
  DataType,
  makeData,
  vectorFromArray,
} from 'apache-arrow';
import { writeParquet, type ParquetCompression, type ParquetWriteOptions } from '../../src/parquet/index.ts';
import { canon, minMax, prng, queryDuckDB } from './helpers.ts';

interface Spec {
  type: DataType;
  nullable: boolean;
  /** A non-null value (JS form accepted by vectorFromArray). */
  make: () => unknown;
  /** The value as DuckDB's JSON rows show it. */
  duck: (v: unknown) => unknown;
  /** For top-level primitives: order used for min/max. */
  less?: (a: never, b: never) => boolean;
}

function generator(rand: () => number) {
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const chars = ['a', 'b', 'z', 'é', 'ß', '日', '🎉', ' ', '0'];
  const str = () => Array.from({ length: int(0, 6) }, () => chars[int(0, chars.length - 1)]).join('');
  const lowCard = rand() < 0.5; // some schemas repeat values a lot (dictionary pages), others do not
  const pool = <T>(f: () => T): (() => T) => {
    if (!lowCard) return f;
    const values = Array.from({ length: 5 }, f);
    return () => values[int(0, 4)]!;
  };
  const self = (v: unknown) => v;
  const byteLess = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b)) < 0;

  function primitive(): Omit<Spec, 'nullable'> {
    switch (int(0, 15)) {
      case 0: return { type: new Bool(), make: () => rand() < 0.5, duck: self };
      case 1: return { type: new Int8(), make: pool(() => int(-128, 127)), duck: self };
      case 2: return { type: new Int16(), make: pool(() => int(-32768, 32767)), duck: self };
      case 3: return { type: new Int32(), make: pool(() => int(-(2 ** 31), 2 ** 31 - 1)), duck: self };
      case 4: return { type: new Int64(), make: pool(() => BigInt(int(-(2 ** 40), 2 ** 40)) * 12345n), duck: (v) => String(v) };
      case 5: return { type: new Uint8(), make: pool(() => int(0, 255)), duck: self };
      case 6: return { type: new Uint16(), make: pool(() => int(0, 65535)), duck: self };
      case 7: return { type: new Uint32(), make: pool(() => int(0, 2 ** 32 - 1)), duck: self };
      case 8: return { type: new Uint64(), make: pool(() => BigInt(int(0, 2 ** 40)) * 1000003n), duck: (v) => String(v) };
      case 9: return { type: new Float64(), make: pool(() => (rand() - 0.5) * 10 ** int(-3, 12)), duck: self };
      case 10: return { type: new Utf8(), make: pool(str), duck: self, less: byteLess };
      case 11: return { type: new LargeUtf8(), make: pool(str), duck: self, less: byteLess };
      case 12: {
        const days = pool(() => int(-100000, 100000));
        return {
          type: new DateDay(),
          make: () => new Date(days() * 86400000),
          duck: (v) => (v as Date).toISOString().slice(0, 10),
          less: ((a: Date, b: Date) => a.getTime() < b.getTime()) as never,
        };
      }
      case 13: return { type: new Dictionary(new Utf8(), new Int32()), make: pool(str), duck: self, less: byteLess };
      case 14: return { type: new Dictionary(new Utf8(), new Uint8()), make: pool(() => `d${int(0, 20)}`), duck: self, less: byteLess };
      default: return { type: new Utf8(), make: pool(() => `v${int(0, 3)}`), duck: self, less: byteLess };
    }
  }

  function spec(depth: number): Spec {
    const nullable = rand() < 0.7;
    const kind = depth >= 2 ? 0 : int(0, 7);
    if (kind <= 3) return { ...primitive(), nullable };
    if (kind === 4) {
      const children = Array.from({ length: int(1, 3) }, () => spec(depth + 1));
      const fields = children.map((c, i) => new Field(`f${i}`, c.type, c.nullable));
      return {
        type: new Struct(fields),
        nullable,
        make: () => Object.fromEntries(children.map((c, i) => [`f${i}`, value(c)])),
        duck: (v) => Object.fromEntries(children.map((c, i) => [`f${i}`, duckValue(c, (v as Record<string, unknown>)[`f${i}`])])),
      };
    }
    if (kind === 5 || kind === 6) {
      const item = spec(depth + 1);
      const field = new Field('item', item.type, item.nullable);
      return {
        type: kind === 5 ? new List(field) : new LargeList(field),
        nullable,
        make: () => Array.from({ length: int(0, 4) }, () => value(item)),
        duck: (v) => (v as unknown[]).map((x) => duckValue(item, x)),
      };
    }
    const val = spec(depth + 1);
    const entries = new Struct([new Field('key', new Utf8(), false), new Field('value', val.type, val.nullable)]);
    return {
      type: new Map_(new Field('entries', entries, false)),
      nullable,
      make: () => new Map(Array.from({ length: int(0, 3) }, () => [`k${int(0, 9)}`, value(val)])),
      duck: (v) => [...(v as Map<string, unknown>)].map(([k, x]) => ({ key: k, value: duckValue(val, x) })),
    };
  }

  function value(s: Spec): unknown {
    return s.nullable && rand() < 0.2 ? null : s.make();
  }
  function duckValue(s: Spec, v: unknown): unknown {
    return v === null || v === undefined ? null : s.duck(v);
  }
  return { int, spec, value, duckValue };
}

async function runCase(seed: number): Promise<void> {
  const rand = prng(seed);
  const g = generator(rand);
  const columns = Array.from({ length: g.int(1, 5) }, (_, i) => ({ name: `c${i}`, spec: g.spec(0) }));
  const rows = g.int(0, 900);
  const values = columns.map((c) => Array.from({ length: rows }, () => g.value(c.spec)));
  const data = columns.map((c, i) => {
    const v = vectorFromArray(values[i] as never, c.spec.type);
    assert.is(v.data.length, 1);
    return v.data[0]!;
  });
  const schema = new Schema(columns.map((c, i) => new Field(c.name, data[i]!.type, c.spec.nullable)));
  const whole = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: rows, nullCount: 0, children: data }));
  // Cut the batch into slices (non-zero offsets) at random points.
  const batches: RecordBatch[] = [];
  for (let at = 0; at < rows; ) {
    const n = Math.min(rows - at, g.int(1, 400));
    batches.push(whole.slice(at, at + n));
    at += n;
  }
  const codecs: ParquetCompression[] = ['uncompressed', 'snappy', 'gzip', 'brotli', 'zstd'];
  const options: ParquetWriteOptions = {
    compression: codecs[g.int(0, 4)],
    rowGroupSize: g.int(1, 1000),
    dataPageSize: [64, 1000, 1 << 20][g.int(0, 2)],
    dictionary: rand() < 0.7,
    dictionaryPageSizeLimit: [64, 4096, 1 << 20][g.int(0, 2)],
    threads: g.int(1, 3),
  };
  const label = `seed ${seed}: ${String(schema)} rows=${rows} batches=${batches.length} ${JSON.stringify(options)}`;
  const { bytes, stats } = await writeParquet(batches.length > 0 ? batches : whole, options);
  const got = await queryDuckDB(bytes, `select ${columns.map((c) => `"${c.name}"`).join(', ')} from $file`);
  assert.is(got.length, rows, label);
  columns.forEach((c, i) => {
    assert.equal(
      got.map((r) => canon(r[c.name])),
      values[i]!.map((v) => canon(g.duckValue(c.spec, v))),
      `${label}: column ${c.name}`,
    );
  });
  // Statistics of top-level primitive columns against the generated values.
  columns.forEach((c, i) => {
    const t = c.spec.type;
    if (DataType.isList(t) || DataType.isLargeList(t) || DataType.isMap(t) || DataType.isStruct(t)) return;
    const s = stats.columns.find((x) => x.path.length === 1 && x.path[0] === c.name)!;
    const expected = minMax(values[i]! as never[], c.spec.less);
    assert.is(s.nullCount, expected.nullCount, `${label}: ${c.name} nullCount`);
    const norm = (v: unknown) => (v instanceof Date ? Math.round(v.getTime() / 86400000) : v);
    assert.equal(canon(s.min), canon(norm(expected.min)), `${label}: ${c.name} min`);
    assert.equal(canon(s.max), canon(norm(expected.max)), `${label}: ${c.name} max`);
  });
}

const only = process.env.PARQUET_SEED;
const seeds = only ? [Number(only)] : Array.from({ length: Number(process.env.PARQUET_SEEDS ?? 40) }, (_, i) => 1000 + i);
test(`random schemas and data round-trip through DuckDB (${seeds.length} seeds)`, async () => {
  for (const seed of seeds) await runCase(seed);
});

test.run();
