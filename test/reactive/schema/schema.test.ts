import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import {
  binary,
  bool,
  date32,
  decimal,
  float32,
  float64,
  int16,
  int32,
  int64,
  int8,
  list,
  map,
  schema,
  struct,
  timestamp,
  utf8,
  type RowOf,
} from '../../../src/reactive/schema/index.ts';

const all = schema(
  {
    id: int64(),
    customer_id: int32(),
    small: int16(),
    tiny: int8(),
    amount: float64(),
    ratio: float32(),
    status: utf8(),
    ts: timestamp('us', 'UTC'),
    local: timestamp('us', null),
    note: utf8().nullable(),
    tags: list(utf8()),
    scores: list(float64().nullable()).nullable(),
    addr: struct({ city: utf8(), zip: utf8().nullable() }),
    attrs: map(utf8(), int32()),
    price: decimal(10, 2),
    day: date32(),
    flag: bool(),
    raw: binary(),
  },
  { name: 'everything' },
);

// ---- compile-time checks (npx tsc --noEmit fails if these are wrong) ----
type Row = RowOf<typeof all>;
const good: Row = {
  id: 1n,
  customer_id: 2,
  small: 3,
  tiny: 4,
  amount: 1.5,
  ratio: 0.5,
  status: 'paid',
  ts: new Date(),
  local: '2026-11-25T10:00:00',
  tags: ['a'],
  addr: { city: 'Oslo' },
  attrs: { a: 1 },
  price: '1.23',
  day: '2026-11-25',
  flag: true,
  raw: new Uint8Array(1),
};
const alsoGood: Row = { ...good, id: 7, note: null, scores: [1, null], attrs: new Map([['k', 2]]), ts: 1n, price: 5n };
// @ts-expect-error amount must be a number, not a string
const badAmount: Row = { ...good, amount: '1.5' };
// @ts-expect-error status is required (non-nullable)
const missingStatus: Row = { ...good, status: undefined };
// @ts-expect-error tags elements are non-nullable
const nullTag: Row = { ...good, tags: [null] };
// @ts-expect-error nested struct field type is checked
const badCity: Row = { ...good, addr: { city: 5 } };
// @ts-expect-error int32 map values
const badAttr: Row = { ...good, attrs: { a: 'x' } };
void [good, alsoGood, badAmount, missingStatus, nullTag, badCity, badAttr];

test('toArrow maps every field type to its Arrow type and nullability', () => {
  const s = all.toArrow();
  const f = (n: string) => s.fields.find((x) => x.name === n)!;
  assert.is(s.fields.length, 18);
  assert.ok(f('id').type instanceof arrow.Int64);
  assert.ok(f('customer_id').type instanceof arrow.Int32);
  assert.ok(f('small').type instanceof arrow.Int16);
  assert.ok(f('tiny').type instanceof arrow.Int8);
  assert.ok(f('amount').type instanceof arrow.Float64);
  assert.ok(f('ratio').type instanceof arrow.Float32);
  assert.ok(f('status').type instanceof arrow.Utf8);
  assert.ok(f('flag').type instanceof arrow.Bool);
  assert.ok(f('raw').type instanceof arrow.Binary);
  assert.ok(f('day').type instanceof arrow.DateDay);
  const ts = f('ts').type as arrow.Timestamp;
  assert.is(ts.unit, arrow.TimeUnit.MICROSECOND);
  assert.is(ts.timezone, 'UTC');
  assert.is((f('local').type as arrow.Timestamp).timezone, null);
  const price = f('price').type as arrow.Decimal;
  assert.equal([price.precision, price.scale, price.bitWidth], [10, 2, 128]);
  assert.is(f('note').nullable, true);
  assert.is(f('status').nullable, false);
  const tags = f('tags').type as arrow.List;
  assert.is(tags.children[0]!.name, 'element');
  assert.is(tags.children[0]!.nullable, false);
  assert.is((f('scores').type as arrow.List).children[0]!.nullable, true);
  assert.is(f('scores').nullable, true);
  const attrs = f('attrs').type as arrow.Map_;
  assert.is(attrs.children[0]!.name, 'entries');
  assert.equal(
    attrs.childType.children.map((c) => [c.name, String(c.type), c.nullable]),
    [
      ['key', 'Utf8', false],
      ['value', 'Int32', false],
    ],
  );
  assert.is(all.toArrow(), s, 'cached');
});

test('toDeltaJSON follows the Delta protocol schema serialization', () => {
  const parsed = JSON.parse(all.toDeltaJSON());
  assert.is(parsed.type, 'struct');
  const byName = Object.fromEntries(parsed.fields.map((f: { name: string }) => [f.name, f]));
  // Type names as listed in PROTOCOL.md "Primitive Types".
  const expected: Record<string, unknown> = {
    id: 'long',
    customer_id: 'integer',
    small: 'short',
    tiny: 'byte',
    amount: 'double',
    ratio: 'float',
    status: 'string',
    ts: 'timestamp',
    local: 'timestamp_ntz',
    note: 'string',
    price: 'decimal(10,2)',
    day: 'date',
    flag: 'boolean',
    raw: 'binary',
    tags: { type: 'array', elementType: 'string', containsNull: false },
    scores: { type: 'array', elementType: 'double', containsNull: true },
    addr: {
      type: 'struct',
      fields: [
        { name: 'city', type: 'string', nullable: false, metadata: {} },
        { name: 'zip', type: 'string', nullable: true, metadata: {} },
      ],
    },
    attrs: { type: 'map', keyType: 'string', valueType: 'integer', valueContainsNull: false },
  };
  for (const [name, type] of Object.entries(expected)) assert.equal(byName[name].type, type, name);
  assert.is(byName.note.nullable, true);
  assert.is(byName.scores.nullable, true);
  assert.is(byName.id.nullable, false);
  assert.equal(byName.id.metadata, {});
  assert.equal(parsed.fields.map((f: { name: string }) => f.name), all.names);
});

test('toDeltaJSON rejects what Delta cannot store, naming the field', () => {
  assert.throws(() => schema({ t: timestamp('ns') }).toDeltaJSON(), /'t'/);
  // Coarser units widen to Delta's microseconds.
  assert.match(schema({ t: timestamp('ms') }).toDeltaJSON(), /"type":"timestamp"/);
});

test('nullable() returns a copy and leaves the original non-nullable', () => {
  const t = utf8();
  const n = t.nullable();
  assert.is(t.isNullable, false);
  assert.is(n.isNullable, true);
  assert.is(n.toArrowType().typeId, t.toArrowType().typeId);
});

test('invalid declarations fail with a clear error', () => {
  assert.throws(() => decimal(39, 2), /precision must be 1\.\.38/);
  assert.throws(() => decimal(5, 6), /scale must be 0\.\.precision/);
  assert.throws(() => map(utf8().nullable(), int32()), /map keys cannot be nullable/);
  assert.throws(() => schema({}), /at least one field/);
  assert.throws(() => schema({ a: 'int' as unknown as ReturnType<typeof int32> }, { name: 't' }), /schema t: field "a" is not a field type/);
});

test.run();
