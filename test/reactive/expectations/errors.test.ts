// The offending row of an EXPECTATION_VIOLATION: every column, with values
// rendered exactly (64-bit ints, microsecond timestamps, decimals, dates).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { from } from 'rxjs';
import { expectOrFail, ExpectationViolationError, rowValues } from '../../../src/reactive/expectations/index.ts';
import { makeBatch } from './helpers.ts';

const micros = BigInt(Date.parse('2026-11-25T10:00:00.123Z')) * 1000n + 456n;
const decimal = (unscaled: bigint) => {
  const words = new Uint32Array(4);
  let v = BigInt.asUintN(128, unscaled);
  for (let k = 0; k < 4; k++) { words[k] = Number(v & 0xffffffffn); v >>= 32n; }
  return words;
};

function typedBatch(): arrow.RecordBatch {
  const base = makeBatch({
    id: [new arrow.Int64(), [2n ** 60n + 1n, 7n]],
    name: [new arrow.Utf8(), [`O'Brien "x"`, null]],
    day: [new arrow.DateDay(), [new Date(Date.UTC(2026, 10, 25)), new Date(Date.UTC(1969, 11, 31))]],
    tags: [new arrow.List(new arrow.Field('element', new arrow.Utf8(), true)), [['a', null], []]],
  });
  const ts = arrow.makeData({ type: new arrow.Timestamp(arrow.TimeUnit.MICROSECOND, 'UTC'), length: 2, data: BigInt64Array.from([micros, -1n]) });
  const ntz = arrow.makeData({ type: new arrow.Timestamp(arrow.TimeUnit.MILLISECOND), length: 2, data: BigInt64Array.from([0n, 1500n]) });
  const words = new Uint32Array(8);
  words.set(decimal(-12345n), 0);
  words.set(decimal(5n), 4);
  const dec = arrow.makeData({ type: new arrow.Decimal(3, 10, 128), length: 2, data: words });
  const fields = [...base.schema.fields, new arrow.Field('ts', ts.type, true), new arrow.Field('ntz', ntz.type, true), new arrow.Field('price', dec.type, true)];
  const children = [...base.data.children, ts, ntz, dec];
  return new arrow.RecordBatch(new arrow.Schema(fields), arrow.makeData({ type: new arrow.Struct(fields), length: 2, nullCount: 0, children }));
}

test('rowValues renders every column exactly', () => {
  const b = typedBatch();
  assert.equal(rowValues(b, 0), {
    id: '1152921504606846977', name: `O'Brien "x"`, day: '2026-11-25', tags: ['a', null],
    ts: '2026-11-25T10:00:00.123456Z', ntz: '1970-01-01T00:00:00.000000', price: '-12.345',
  });
  assert.equal(rowValues(b, 1), {
    id: 7, name: null, day: '1969-12-31', tags: [], ts: '1969-12-31T23:59:59.999999Z', ntz: '1970-01-01T00:00:01.500000', price: '0.005',
  });
});

test('expectOrFail reports the first offending row with all its columns, in the DLT message shape', () => {
  let error: ExpectationViolationError | undefined;
  from([typedBatch()]).pipe(expectOrFail('named', 'name IS NOT NULL', { dataset: 'customers' })).subscribe({ error: (e: ExpectationViolationError) => (error = e) });
  assert.instance(error, ExpectationViolationError);
  const record = '{"id":7,"name":null,"day":"1969-12-31","tags":[],"ts":"1969-12-31T23:59:59.999999Z","ntz":"1970-01-01T00:00:01.500000","price":"0.005"}';
  assert.is(error!.message, `Flow 'customers' failed to meet the expectation. Violated expectations: 'named'. Input data: '${record}'. Output record: '${record}'. Missing input data: false`);
  assert.is(error!.errorClass, 'EXPECTATION_VIOLATION.VERBOSITY_ALL');
  assert.is(error!.sqlState, '22000');
  assert.is(error!.rowIndex, 1);
});

test.run();
