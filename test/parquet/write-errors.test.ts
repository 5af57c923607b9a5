// Bad input is rejected with an Error naming the column, type, value or
// option — never a crash — and the writer keeps working afterwards.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  DenseUnion,
  Field,
  Float16,
  Int32,
  IntervalDayTime,
  List,
  RecordBatch,
  Schema,
  Struct,
  Table,
  Utf8,
  makeData,
  vectorFromArray,
} from 'apache-arrow';
import { writeParquet, type ParquetWriteOptions } from '../../src/parquet/index.ts';
import { decimalVector, readHyparquet } from './helpers.ts';

async function rejects(p: () => Promise<unknown>, pattern: RegExp): Promise<void> {
  let error: unknown;
  try {
    await p();
  } catch (e) {
    error = e;
  }
  assert.instance(error, Error, 'expected a rejection');
  assert.match((error as Error).message, pattern);
}

const good = new Table({ a: vectorFromArray([1, 2, 3], new Int32()) });

test('mismatched column lengths name the column', async () => {
  // Arrow JS pads short top-level columns with nulls itself; a struct's children are taken as given.
  const inner = new Field('x', new Int32(), true);
  const field = new Field('s', new Struct([inner, new Field('y', new Int32(), true)]), true);
  const struct = makeData({
    type: field.type,
    length: 4,
    nullCount: 0,
    children: [vectorFromArray([1, 2, 3, 4], new Int32()).data[0]!, vectorFromArray([1, 2], new Int32()).data[0]!],
  } as never);
  const batch = new RecordBatch(new Schema([field]), makeData({ type: new Struct([field]), length: 4, nullCount: 0, children: [struct] }));
  await rejects(() => writeParquet(batch), /column 's\.y': array of length 2 is shorter than its parent \(4 rows\)/);
  // A batch whose column is shorter than the batch (built around Arrow's padding) is caught in TypeScript.
  const schema = new Schema([new Field('a', new Int32(), true), new Field('short', new Int32(), true)]);
  const padded = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 4, nullCount: 0, children: [
    vectorFromArray([1, 2, 3, 4], new Int32()).data[0]!, vectorFromArray([1, 2, 3, 4], new Int32()).data[0]!,
  ] }));
  const short = Object.create(padded, {
    data: { value: makeData({ type: new Struct(schema.fields), length: 4, nullCount: 0, children: [padded.data.children[0]!, vectorFromArray([1, 2], new Int32()).data[0]!] }) },
  }) as RecordBatch;
  await rejects(() => writeParquet(short), /column 'short' has 2 rows but record batch 0 has 4/);
});

test('unsupported Arrow types name the column and the type', async () => {
  const cases: [string, Field][] = [
    ['iv', new Field('iv', new IntervalDayTime(), true)],
    ['u', new Field('u', new DenseUnion([0], [new Field('x', new Int32())]), true)],
    ['half', new Field('half', new Float16(), true)],
  ];
  for (const [name, field] of cases) {
    const batch = new RecordBatch(new Schema([field]), makeData({ type: new Struct([field]), length: 0, nullCount: 0, children: [makeData({ type: field.type, length: 0 } as never)] }));
    await rejects(() => writeParquet(batch), new RegExp(`column '${name}' has unsupported Arrow type`));
  }
  const nested = new Field('outer', new Struct([new Field('inner', new IntervalDayTime(), true)]), true);
  const batch = new RecordBatch(new Schema([nested]), makeData({ type: new Struct([nested]), length: 0, nullCount: 0, children: [makeData({ type: nested.type, length: 0, children: [makeData({ type: new IntervalDayTime(), length: 0 })] } as never)] }));
  await rejects(() => writeParquet(batch), /column 'outer\.inner' has unsupported Arrow type Interval/);
});

test('bad options name the option and the value', async () => {
  const cases: [ParquetWriteOptions, RegExp][] = [
    [{ compression: 'lz4' as never }, /option 'compression' must be one of .* \(got 'lz4'\)/],
    [{ compression: 'zstd', compressionLevel: 99 }, /option 'compressionLevel' must be an integer between 1 and 22 for zstd \(got 99\)/],
    [{ compression: 'snappy', compressionLevel: 3 }, /option 'compressionLevel' is not supported by compression 'snappy'/],
    [{ rowGroupSize: 0 }, /option 'rowGroupSize' must be an integer/],
    [{ dataPageSize: 1.5 }, /option 'dataPageSize' must be an integer .*1\.5/],
    [{ threads: -1 }, /option 'threads'/],
    [{ dictionary: 'yes' as never }, /option 'dictionary' must be a boolean/],
    [{ rowgroupsize: 10 } as never, /option 'rowgroupsize' is not a Parquet write option/],
    [{ keyValueMetadata: { k: 1 as never } }, /option 'keyValueMetadata\.k' must be a string/],
    [{ fieldIds: { nope: 1 } }, /option 'fieldIds' names unknown field path\(s\): nope/],
    [{ fieldIds: { a: -3 } }, /option 'fieldIds\.a' must be a non-negative/],
  ];
  for (const [options, pattern] of cases) await rejects(() => writeParquet(good, options), pattern);
});

test('nulls in a non-nullable column are rejected', async () => {
  const schema = new Schema([new Field('strict', new Int32(), false)]);
  const data = vectorFromArray([1, null, 3], new Int32()).data[0]!;
  const batch = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 3, nullCount: 0, children: [data] }));
  await rejects(() => writeParquet(batch), /column 'strict' is not nullable but has 1 nulls/);
  // A non-nullable list element holding a null (under a present list) is caught natively.
  const listField = new Field('l', new List(new Field('item', new Int32(), false)), true);
  const list = vectorFromArray([[1, null]], new List(new Field('item', new Int32(), true))).data[0]!;
  const fixed = makeData({ type: listField.type, length: 1, nullCount: 0, valueOffsets: list.valueOffsets, child: list.children[0]! } as never);
  const lb = new RecordBatch(new Schema([listField]), makeData({ type: new Struct([listField]), length: 1, nullCount: 0, children: [fixed] }));
  await rejects(() => writeParquet(lb), /column 'l\.element' is not nullable but has a null/);
});

test('corrupt offsets are reported, not read out of bounds', async () => {
  const field = new Field('s', new Utf8(), true);
  const bad = makeData({ type: new Utf8(), length: 2, nullCount: 0, valueOffsets: new Int32Array([0, 3, 1000]), data: new Uint8Array(4) });
  const batch = new RecordBatch(new Schema([field]), makeData({ type: new Struct([field]), length: 2, nullCount: 0, children: [bad] }));
  await rejects(() => writeParquet(batch), /column 's': value offsets \[3, 1000\) of element 1 are outside the 4-byte data buffer/);

  const lf = new Field('l', new List(new Field('item', new Int32(), true)), true);
  const child = vectorFromArray([1, 2], new Int32()).data[0]!;
  const badList = makeData({ type: lf.type, length: 1, nullCount: 0, valueOffsets: new Int32Array([0, 50]), child } as never);
  const lb = new RecordBatch(new Schema([lf]), makeData({ type: new Struct([lf]), length: 1, nullCount: 0, children: [badList] }));
  await rejects(() => writeParquet(lb), /column 'l\.element': element 2 is outside its array of length 2/);
});

test('decimals that overflow their precision are rejected', async () => {
  const t = new Table({ d: decimalVector([10n ** 30n], 5, 0) });
  await rejects(() => writeParquet(t), /column 'd': decimal at element 0 does not fit its precision/);
});

test('inputs that are not Arrow data are rejected', async () => {
  await rejects(() => writeParquet([]), /no record batches given/);
  await rejects(() => writeParquet({} as never), /expected an Arrow Table, RecordBatch or RecordBatch\[\]/);
  const other = new Table({ b: vectorFromArray(['x'], new Utf8()) });
  await rejects(() => writeParquet([good.batches[0]!, other.batches[0]!]), /record batch 1 has schema/);
});

test('the writer still works after rejections', async () => {
  const { bytes } = await writeParquet(good);
  assert.equal((await readHyparquet(bytes)).map((r) => r.a), [1, 2, 3]);
});

test.run();
