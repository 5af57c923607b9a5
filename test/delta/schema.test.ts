import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Field, Int32, List, Schema, Uint32, TimeUnit, Timestamp, Type, Time, Float16 } from 'apache-arrow';
import { fromArrowSchema, parseSchema, serializeSchema, toArrowSchema, columnMappingMode } from '../../src/delta/schema.ts';
import { UnsupportedTypeError } from '../../src/delta/errors.ts';
import { loadSnapshot } from '../../src/delta/snapshot.ts';
import { LocalStorage } from '../../src/delta/storage/index.ts';
import { FIXTURES, haveFixtures } from './helpers.ts';
import { join } from 'node:path';

// The PROTOCOL.md types, one field each (nested ones included), with column-mapping metadata.
const schemaString = JSON.stringify({
  type: 'struct',
  fields: [
    ['s', 'string'], ['l', 'long'], ['i', 'integer'], ['sh', 'short'], ['b', 'byte'], ['f', 'float'], ['d', 'double'],
    ['bo', 'boolean'], ['bi', 'binary'], ['da', 'date'], ['ts', 'timestamp'], ['tn', 'timestamp_ntz'], ['de', 'decimal(38,18)'],
  ].map(([name, type], i) => ({ name, type, nullable: i % 2 === 0, metadata: { 'delta.columnMapping.id': i + 1, 'delta.columnMapping.physicalName': `col-${i}` } }))
    .concat([
      { name: 'arr', type: { type: 'array', elementType: 'integer', containsNull: false } as never, nullable: true, metadata: { comment: 'hi' } as never },
      { name: 'm', type: { type: 'map', keyType: 'string', valueType: { type: 'struct', fields: [{ name: 'x', type: 'long', nullable: true, metadata: {} }] }, valueContainsNull: true } as never, nullable: true, metadata: {} as never },
    ]),
});

test('Delta → Arrow mapping follows the brief table', () => {
  const arrow = toArrowSchema(parseSchema(schemaString));
  const t = (name: string) => arrow.fields.find((f) => f.name === name)!.type;
  assert.is(String(t('l')), 'Int64');
  assert.is(String(t('i')), 'Int32');
  assert.is(String(t('sh')), 'Int16');
  assert.is(String(t('b')), 'Int8');
  assert.is(String(t('f')), 'Float32');
  assert.is(String(t('bo')), 'Bool');
  assert.is(t('da').typeId, Type.Date);
  assert.equal([(t('ts') as Timestamp).unit, (t('ts') as Timestamp).timezone], [TimeUnit.MICROSECOND, 'UTC']);
  assert.not.ok((t('tn') as Timestamp).timezone);
  assert.equal([(t('de') as unknown as { precision: number }).precision, (t('de') as unknown as { scale: number }).scale], [38, 18]);
  assert.is((t('arr') as List).children[0].name, 'element');
  assert.is((t('arr') as List).children[0].nullable, false);
  assert.is(arrow.fields.find((f) => f.name === 'l')!.metadata.get('delta.columnMapping.physicalName'), 'col-1');
});

test('Delta → Arrow → Delta round-trips exactly (nullability and metadata included)', () => {
  const delta = parseSchema(schemaString);
  assert.equal(fromArrowSchema(toArrowSchema(delta)), delta);
  assert.equal(parseSchema(serializeSchema(delta)), delta);
});

test('unsupported types are refused, naming the field', () => {
  assert.throws(() => fromArrowSchema(new Schema([new Field('u', new Uint32())])), /Field 'u'/);
  assert.throws(() => fromArrowSchema(new Schema([new Field('t', new Time(TimeUnit.MICROSECOND, 64) as never)])), /Field 't'/);
  assert.throws(() => fromArrowSchema(new Schema([new Field('h', new Float16())])), /Field 'h'/);
  assert.throws(() => fromArrowSchema(new Schema([new Field('ns', new Timestamp(TimeUnit.NANOSECOND, 'UTC'))])), /Field 'ns'/);
  const variant = JSON.stringify({ type: 'struct', fields: [{ name: 'v', type: 'variant', nullable: true, metadata: {} }] });
  assert.throws(() => toArrowSchema(parseSchema(variant)), (e: Error) => e instanceof UnsupportedTypeError && /'v'.*variant/.test(e.message));
  assert.throws(() => parseSchema('{"type":"struct","fields":[{"name":"q","type":"interval","nullable":true,"metadata":{}}]}'), /interval.*q/);
  assert.throws(() => parseSchema('not json'), /not valid JSON/);
  assert.is(String(fromArrowSchema(new Schema([new Field('x', new Int32())])).fields[0].type), 'integer');
  assert.throws(() => columnMappingMode({ 'delta.columnMapping.mode': 'bogus' }), /bogus/);
});

if (haveFixtures('schema fixtures')) {
  test('every readable fixture schema round-trips through Arrow', async () => {
    for (const name of ['delta-golden/parquet-all-types', 'delta-golden/table-with-columnmapping-mode-id', 'delta-golden/data-reader-map', 'delta-golden/type-widening-nested']) {
      const snap = await loadSnapshot(new LocalStorage(join(FIXTURES, name)));
      assert.equal(fromArrowSchema(snap.arrowSchema), snap.schema, name);
    }
  });
}

test.run();
