// filterBatch: every column type is gathered to exactly the rows the mask
// keeps (compared with Arrow's own row accessors on the source), and the
// result survives an Arrow IPC round trip.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { filterBatch, compilePredicate } from '../../../src/reactive/expression/index.ts';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s ^ (s >>> 15), 1 | s) + 0x6d2b79f5) >>> 0; return s / 4294967296; };
}
const rand = rng(7);
const N = 1000;
const maybe = <T>(v: T): T | null => (rand() < 0.2 ? null : v);

const struct = new arrow.Struct([new arrow.Field('x', new arrow.Int32()), new arrow.Field('y', new arrow.Utf8())]);
const table = new arrow.Table({
  i32: arrow.vectorFromArray(Array.from({ length: N }, () => maybe(Math.floor(rand() * 1000))), new arrow.Int32()),
  i64: arrow.vectorFromArray(Array.from({ length: N }, () => maybe(BigInt(Math.floor(rand() * 1e12)))), new arrow.Int64()),
  f64: arrow.vectorFromArray(Array.from({ length: N }, () => maybe(rand())), new arrow.Float64()),
  f32: arrow.vectorFromArray(Array.from({ length: N }, () => maybe(Math.fround(rand()))), new arrow.Float32()),
  bool: arrow.vectorFromArray(Array.from({ length: N }, () => maybe(rand() < 0.5)), new arrow.Bool()),
  str: arrow.vectorFromArray(Array.from({ length: N }, () => maybe('s'.repeat(Math.floor(rand() * 5)) + 'é')), new arrow.Utf8()),
  date: arrow.vectorFromArray(Array.from({ length: N }, () => maybe(new Date(Math.floor(rand() * 20000) * 86_400_000))), new arrow.DateDay()),
  ts: arrow.vectorFromArray(Array.from({ length: N }, () => maybe(Math.floor(rand() * 1e12))), new arrow.TimestampMillisecond()),
  dict: arrow.vectorFromArray(Array.from({ length: N }, () => maybe(rand() < 0.5 ? 'red' : 'blue')), new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32())),
  list: arrow.vectorFromArray(Array.from({ length: N }, () => maybe(Array.from({ length: Math.floor(rand() * 3) }, () => Math.floor(rand() * 9)))), new arrow.List(new arrow.Field('item', new arrow.Int32()))),
  st: arrow.vectorFromArray(Array.from({ length: N }, () => maybe({ x: Math.floor(rand() * 9), y: rand() < 0.3 ? null : 'v' })), struct),
});
const batch = table.batches.length === 1 ? table.batches[0] : new arrow.Table(table.schema, table.batches).batches[0];

const plain = (v: unknown): unknown => {
  if (v === null || v === undefined) return null;
  if (typeof v === 'object' && 'toJSON' in (v as object)) return JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x)));
  if (typeof v === 'bigint') return String(v);
  return v;
};

function check(source: arrow.RecordBatch, mask: Uint8Array): void {
  const out = filterBatch(source, mask);
  const keep = [...mask.keys()].filter((i) => mask[i] === 1 && i < source.numRows);
  assert.is(out.numRows, keep.length);
  assert.equal(out.schema.fields.map((f) => f.name), source.schema.fields.map((f) => f.name));
  for (let c = 0; c < source.numCols; c++) {
    const src = source.getChildAt(c)!;
    const dst = out.getChildAt(c)!;
    const name = source.schema.fields[c].name;
    const expected = keep.map((i) => plain(src.get(i)));
    const actual = Array.from({ length: dst.length }, (_, k) => plain(dst.get(k)));
    assert.equal(actual, expected, `column ${name}`);
    assert.is(dst.nullCount, expected.filter((x) => x === null).length, `null count of ${name}`);
  }
  // An IPC round trip re-reads every buffer, catching malformed offsets or bitmaps.
  const back = arrow.tableFromIPC(arrow.tableToIPC(new arrow.Table([out])));
  assert.is(back.numRows, keep.length);
  for (const f of source.schema.fields) {
    const col = back.getChild(f.name)!;
    assert.equal(Array.from({ length: col.length }, (_, k) => plain(col.get(k))), keep.map((i) => plain(source.getChild(f.name)!.get(i))), `IPC column ${f.name}`);
  }
}

test('random mask keeps exactly the selected rows for every column type', () => {
  const mask = Uint8Array.from({ length: N }, () => (rand() < 0.4 ? 1 : 0));
  check(batch, mask);
});

test('all / none / sliced batches', () => {
  check(batch, new Uint8Array(N).fill(1));
  check(batch, new Uint8Array(N));
  const sliced = batch.slice(13, 700);
  check(sliced, Uint8Array.from({ length: sliced.numRows }, (_, i) => (i % 3 === 0 ? 1 : 0)));
  assert.throws(() => filterBatch(batch, new Uint8Array(3)), /mask has 3 entries but the batch has 1000 rows/);
});

test('with a predicate mask', () => {
  const p = compilePredicate("i32 > 500 AND str LIKE 's%'", batch.schema);
  const { mask, trueCount } = p.mask(batch);
  const out = filterBatch(batch, mask);
  assert.is(out.numRows, trueCount);
  for (let k = 0; k < out.numRows; k++) {
    assert.ok((out.getChild('i32')!.get(k) as number) > 500);
    assert.ok((out.getChild('str')!.get(k) as string).startsWith('s'));
  }
  check(batch, mask);
});

test.run();
