// Protocol selection for new tables and the writer-side feature rules:
// append-only, invariants, CHECK constraints, unknown features. Every refused
// write must leave the table exactly as it was.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { DeltaTable } from '../../src/delta/table.ts';
import { MemoryStorage } from '../../src/delta/storage/memory-storage.ts';
import { serializeCommit } from '../../src/delta/commit.ts';
import { UnsupportedFeatureError } from '../../src/delta/errors.ts';
import type { Storage } from '../../src/delta/storage/storage.ts';

const f = (name: string, type: arrow.DataType, md?: Record<string, string>) => new arrow.Field(name, type, true, md ? new Map(Object.entries(md)) : undefined);
const base = new arrow.Schema([f('id', new arrow.Int64()), f('amount', new arrow.Int32())]);
const data = (ids: number[], amounts: (number | null)[]) =>
  new arrow.Table({ id: arrow.vectorFromArray(ids.map(BigInt), new arrow.Int64()), amount: arrow.vectorFromArray(amounts, new arrow.Int32()) });

/** Snapshot of everything observable: version, files, and every stored object. */
async function state(t: DeltaTable, storage: Storage) {
  const fresh = await DeltaTable.open(storage);
  return { version: fresh.version(), files: fresh.files().map((x) => x.path).sort(), objects: (await storage.list('')).map((o) => o.path) };
}
async function refused(t: DeltaTable, storage: Storage, write: () => Promise<unknown>, re: RegExp) {
  const before = await state(t, storage);
  try {
    await write();
    assert.unreachable('write should be refused');
  } catch (err) {
    assert.match((err as Error).message, re);
  }
  assert.equal(await state(t, storage), before, 'table unchanged');
}

test('new tables get the lowest protocol their features need', async () => {
  const plain = await DeltaTable.create(new MemoryStorage(), { schema: base });
  assert.equal(plain.protocol(), { minReaderVersion: 1, minWriterVersion: 2 });
  const appendOnly = await DeltaTable.create(new MemoryStorage(), { schema: base, properties: { 'delta.appendOnly': 'true' } });
  assert.equal(appendOnly.protocol(), { minReaderVersion: 1, minWriterVersion: 2 });
  const cdf = await DeltaTable.create(new MemoryStorage(), { schema: base, properties: { 'delta.enableChangeDataFeed': 'true' } });
  assert.equal(cdf.protocol(), { minReaderVersion: 1, minWriterVersion: 7, writerFeatures: ['appendOnly', 'invariants', 'changeDataFeed'] });
  const check = await DeltaTable.create(new MemoryStorage(), { schema: base, properties: { 'delta.constraints.positive': 'amount > 0' } });
  assert.equal(check.protocol().writerFeatures, ['appendOnly', 'invariants', 'checkConstraints']);
  const ntz = await DeltaTable.create(new MemoryStorage(), { schema: new arrow.Schema([f('t', new arrow.TimestampMicrosecond())]) });
  assert.equal(ntz.protocol(), {
    minReaderVersion: 3,
    minWriterVersion: 7,
    writerFeatures: ['appendOnly', 'invariants', 'timestampNtz'],
    readerFeatures: ['timestampNtz'],
  });
  const dv = await DeltaTable.create(new MemoryStorage(), { schema: base, properties: { 'delta.enableDeletionVectors': 'true' } });
  assert.equal(dv.protocol().readerFeatures, ['deletionVectors']);
  const requested = await DeltaTable.create(new MemoryStorage(), { schema: base, properties: { 'delta.feature.domainMetadata': 'supported' } });
  assert.equal(requested.protocol().writerFeatures, ['appendOnly', 'invariants', 'domainMetadata']);
  assert.equal(requested.metadata().configuration, {}, 'feature requests are not stored as properties');
});

test('append-only tables accept appends and refuse overwrites, unchanged', async () => {
  const storage = new MemoryStorage();
  const t = await DeltaTable.create(storage, { schema: base, properties: { 'delta.appendOnly': 'true' } });
  await t.append(data([1], [5]));
  await refused(t, storage, () => t.overwrite(data([2], [6])), /append-only \(table property delta.appendOnly=true, feature appendOnly\)/);
  await refused(t, storage, () => t.overwrite(data([2], [6]), { replaceWhere: 'id = 2' }), /append-only/);
  assert.is((await t.append(data([3], [7]))).version, 2);
});

test('column invariants: a violating or NULL row refuses the write, naming the column and value', async () => {
  const storage = new MemoryStorage();
  const schema = new arrow.Schema([f('id', new arrow.Int64()), f('amount', new arrow.Int32(), { 'delta.invariants': JSON.stringify({ expression: { expression: 'amount > 3' } }) })]);
  const t = await DeltaTable.create(storage, { schema });
  assert.equal(t.protocol(), { minReaderVersion: 1, minWriterVersion: 2 });
  await t.append(data([1, 2], [4, 10]));
  await refused(t, storage, () => t.append(data([3, 4], [9, 2])), /Invariant \(amount > 3\) on column amount violated by row with values: amount = 2/);
  await refused(t, storage, () => t.append(data([5], [null])), /Invariant \(amount > 3\) on column amount violated by row with values: amount = NULL/);
});

test('CHECK constraints: false and NULL outcomes are violations; the error names constraint, columns and values', async () => {
  const storage = new MemoryStorage();
  const t = await DeltaTable.create(storage, {
    schema: base,
    properties: { 'delta.constraints.positive_amount': 'amount > 0', 'delta.constraints.id_range': 'id < 100 OR amount = 7' },
  });
  await t.append(data([1, 200], [5, 7]));
  await refused(t, storage, () => t.append(data([2, 3], [1, -4])), /CHECK constraint positive_amount \(amount > 0\) violated by row with values: amount = -4/);
  await refused(t, storage, () => t.append(data([4], [null])), /CHECK constraint positive_amount .* amount = NULL/);
  await refused(t, storage, () => t.append(data([500], [8])), /CHECK constraint id_range \(id < 100 OR amount = 7\) violated by row with values: id = 500, amount = 8/);
  // Constraints must compile against the schema when the table is created.
  try {
    await DeltaTable.create(new MemoryStorage(), { schema: base, properties: { 'delta.constraints.bad': 'nope > 1' } });
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, /CHECK constraint bad of Delta table .* is invalid/);
  }
});

/** A table whose log was written by another engine with the given protocol and properties. */
async function foreignTable(protocol: object, configuration: Record<string, string> = {}, fieldMetadata: Record<string, unknown> = {}) {
  const storage = new MemoryStorage();
  const schemaString = JSON.stringify({
    type: 'struct',
    fields: [
      { name: 'id', type: 'long', nullable: true, metadata: fieldMetadata },
      { name: 'amount', type: 'integer', nullable: true, metadata: {} },
    ],
  });
  await storage.putIfAbsent(
    '_delta_log/00000000000000000000.json',
    serializeCommit([
      { commitInfo: { operation: 'CREATE TABLE' } },
      { protocol: protocol as never },
      { metaData: { id: 'x', format: { provider: 'parquet', options: {} }, schemaString, partitionColumns: [], configuration } },
    ]),
  );
  return { storage, table: await DeltaTable.open(storage) };
}

test('writes to tables with features Tributary cannot honour are refused, naming the feature', async () => {
  const cases: [object, Record<string, string>, Record<string, unknown>, string][] = [
    [{ minReaderVersion: 1, minWriterVersion: 7, writerFeatures: ['appendOnly', 'someFutureFeature'] }, {}, {}, 'someFutureFeature'],
    [{ minReaderVersion: 1, minWriterVersion: 7, writerFeatures: ['rowTracking'] }, {}, {}, 'rowTracking'],
    [{ minReaderVersion: 1, minWriterVersion: 8 }, {}, {}, 'writerVersion:8'],
    [{ minReaderVersion: 1, minWriterVersion: 4 }, {}, { 'delta.generationExpression': 'amount * 2' }, 'generatedColumns'],
    [{ minReaderVersion: 2, minWriterVersion: 5 }, { 'delta.columnMapping.mode': 'name' }, {}, 'columnMapping'],
  ];
  for (const [protocol, conf, md, feature] of cases) {
    const { storage, table } = await foreignTable(protocol, conf, md);
    const before = await state(table, storage);
    try {
      await table.append(data([1], [1]));
      assert.unreachable(`expected a refusal for ${feature}`);
    } catch (err) {
      assert.instance(err, UnsupportedFeatureError);
      assert.is((err as UnsupportedFeatureError).feature, feature);
      assert.match((err as Error).message, /Cannot write to Delta table/);
    }
    assert.equal(await state(table, storage), before);
  }
  // Supported features are honoured, not refused.
  const ok = await foreignTable({ minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['deletionVectors'], writerFeatures: ['deletionVectors', 'appendOnly'] });
  assert.is((await ok.table.append(data([1], [1]))).version, 1);
});

test('mergeSchema adding a timestamp_ntz column upgrades the protocol in the same commit', async () => {
  const storage = new MemoryStorage();
  const t = await DeltaTable.create(storage, { schema: base });
  const withTs = data([1], [1]).assign(new arrow.Table({ at: arrow.vectorFromArray([1_700_000_000_000], new arrow.TimestampMillisecond()) }));
  const r = await t.append(withTs, { mergeSchema: true });
  assert.is(r.version, 1);
  assert.equal(t.protocol().readerFeatures, ['timestampNtz']);
  assert.is(t.protocol().minWriterVersion, 7);
  const [row] = (await t.toArrow()).toArray().map((x) => x.toJSON());
  // Milliseconds were widened to the table's microseconds.
  const at = (await t.toArrow()).getChild('at')!;
  assert.is(String((at.data[0].values as BigInt64Array)[0]), String(1_700_000_000_000n * 1000n));
  assert.is(row.id, 1n);
});

test.run();
