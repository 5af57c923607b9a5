import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Validity } from '../../../src/reactive/schema/columnBuilder.ts';
import { parseIsoTimestamp } from '../../../src/reactive/schema/temporal.ts';
import { toUnscaled } from '../../../src/reactive/schema/decimal.ts';

test('Validity: the first null back-fills earlier slots as valid, across growth', () => {
  for (const nulls of [[0], [13], [7, 8, 9], [1000, 1001, 4095], [3, 2000]]) {
    const v = new Validity();
    const n = Math.max(...nulls) + 20;
    for (let i = 0; i < n; i++) (nulls.includes(i) ? v.setNull(i) : v.setValid(i));
    const { nullBitmap, nullCount } = v.finish(n);
    assert.is(nullCount, nulls.length);
    assert.is(nullBitmap!.length, (n + 7) >> 3);
    for (let i = 0; i < n; i++) assert.is(((nullBitmap![i >> 3]! >> (i & 7)) & 1) === 1, !nulls.includes(i), `slot ${i}`);
  }
  const none = new Validity();
  for (let i = 0; i < 100; i++) none.setValid(i);
  assert.equal(none.finish(100), { nullBitmap: undefined, nullCount: 0 });
});

test('ISO timestamps agree with Date.parse to the millisecond and keep finer digits', () => {
  const samples = ['2026-11-25T10:00:00Z', '1969-07-20T20:17:40.5Z', '2000-02-29T23:59:59.999+05:30', '1900-03-01T00:00:00-08:00', '2026-11-25T10:00Z'];
  for (const s of samples) assert.is(parseIsoTimestamp(s)!.nanos, BigInt(Date.parse(s)) * 1_000_000n, s);
  assert.is(parseIsoTimestamp('1970-01-01T00:00:00.000000001Z')!.nanos, 1n);
  assert.is(parseIsoTimestamp('1969-12-31T23:59:59.999999999Z')!.nanos, -1n);
  for (const bad of ['2026-11-25T24:00:00Z', '2026-11-31', '2026-1-5', '2026-11-25T10:00:00+25:00', 'yesterday']) assert.is(parseIsoTimestamp(bad), undefined, bad);
});

test('decimal conversion is exact or refuses', () => {
  assert.is(toUnscaled('12.3', 5, 2), 1230n);
  assert.is(toUnscaled('-0.05', 5, 2), -5n);
  assert.is(toUnscaled('1.5e2', 5, 2), 15000n);
  assert.is(toUnscaled(1e-2, 5, 2), 1n);
  assert.is(toUnscaled(7n, 5, 2), 700n);
  assert.is(toUnscaled('1.234', 5, 2), undefined);
  assert.is(toUnscaled('1000', 5, 2), undefined); // 100000 needs 6 digits
  assert.is(toUnscaled('.', 5, 2), undefined);
  assert.is(toUnscaled(Infinity, 5, 2), undefined);
});

test.run();
