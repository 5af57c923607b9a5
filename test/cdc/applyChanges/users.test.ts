// The worked `users` example of the DLT CDC documentation (spec §3.8): V1–V4
// exactly as the documented result tables, in one micro-batch, one event per
// micro-batch, and in reversed arrival order.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { USERS, USERS_TRUNCATE, run, sorted, targetRows, tempTableDir, usersBatch, usersOptions, type UserEvent } from './helpers.ts';

const V1 = [[124, 'Raul', 'Oaxaca'], [125, 'Mercedes', 'Guadalajara'], [126, 'Lily', 'Cancun']];
const V2 = [[125, 'Mercedes', 'Guadalajara']];
const V3 = [
  [123, 'Isabel', 'Monterrey', 1, 5],
  [123, 'Isabel', 'Chihuahua', 5, 6],
  [124, 'Raul', 'Oaxaca', 1, null],
  [125, 'Mercedes', 'Tijuana', 2, 5],
  [125, 'Mercedes', 'Mexicali', 5, 6],
  [125, 'Mercedes', 'Guadalajara', 6, null],
  [126, 'Lily', 'Cancun', 2, null],
];
const V4 = [
  [123, 'Isabel', 'Chihuahua', 1, 6],
  [124, 'Raul', 'Oaxaca', 1, null],
  [125, 'Mercedes', 'Guadalajara', 2, null],
  [126, 'Lily', 'Cancun', 2, null],
];

const splits: [string, (events: UserEvent[]) => UserEvent[][]][] = [
  ['one micro-batch', (e) => [e]],
  ['one event per micro-batch', (e) => e.map((x) => [x])],
  ['reversed, two micro-batches', (e) => { const r = [...e].reverse(); return [r.slice(0, 3), r.slice(3)]; }],
];

for (const [how, split] of splits) {
  test(`V1 SCD1 (${how})`, async () => {
    const dir = tempTableDir('v1');
    await run(dir, split(USERS).map(usersBatch), usersOptions());
    assert.equal(await targetRows(dir, ['userId', 'name', 'city']), sorted(V1));
  });

  test(`V2 SCD1 with TRUNCATE@3 (${how})`, async () => {
    const dir = tempTableDir('v2');
    await run(dir, split([...USERS, USERS_TRUNCATE]).map(usersBatch), usersOptions({ applyAsTruncates: "operation = 'TRUNCATE'" }));
    assert.equal(await targetRows(dir, ['userId', 'name', 'city']), sorted(V2));
  });

  test(`V3 SCD2 (${how})`, async () => {
    const dir = tempTableDir('v3');
    await run(dir, split(USERS).map(usersBatch), usersOptions({ storedAs: 2 }));
    assert.equal(await targetRows(dir, ['userId', 'name', 'city', '__START_AT', '__END_AT']), sorted(V3));
  });

  test(`V4 SCD2 track history except city (${how})`, async () => {
    const dir = tempTableDir('v4');
    await run(dir, split(USERS).map(usersBatch), usersOptions({ storedAs: 2, trackHistoryExceptColumnList: ['city'] }));
    assert.equal(await targetRows(dir, ['userId', 'name', 'city', '__START_AT', '__END_AT']), sorted(V4));
  });
}

test.run();
