// Time travel through the table API: by version and by timestamp, reads of
// old versions while newer ones exist, and refusal to write from the past.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { DeltaTable } from '../../src/delta/table.ts';
import { MemoryStorage } from '../../src/delta/storage/memory-storage.ts';
import { commitPath } from '../../src/delta/log-path.ts';

const schema = new arrow.Schema([new arrow.Field('id', new arrow.Int64(), true)]);
const ids = (xs: number[]) => new arrow.Table({ id: arrow.vectorFromArray(xs.map(BigInt), new arrow.Int64()) });
const read = async (t: DeltaTable, opts = {}) => Array.from((await t.toArrow(opts)).getChild('id')?.toArray() ?? [], Number).sort((a, b) => a - b);

async function history(): Promise<{ storage: MemoryStorage; t: DeltaTable; times: number[] }> {
  const storage = new MemoryStorage();
  const t = await DeltaTable.create(storage, { schema });
  await t.append(ids([1, 2]));
  await t.overwrite(ids([3]));
  await t.append(ids([4]));
  // Commit times one hour apart, set on the commit files as a file system would.
  const times = [0, 1, 2, 3].map((v) => Date.UTC(2026, 0, 1, v));
  times.forEach((ts, v) => storage.setModificationTime(commitPath(v), ts));
  return { storage, t, times };
}

test('open and read at a version', async () => {
  const { storage, t } = await history();
  assert.equal(await read(await DeltaTable.open(storage, { version: 0 })), []);
  assert.equal(await read(await DeltaTable.open(storage, { version: 1 })), [1, 2]);
  assert.equal(await read(await DeltaTable.open(storage, { version: 2 })), [3]);
  assert.equal(await read(t), [3, 4]);
  assert.equal(await read(t, { version: 1 }), [1, 2], 'toArrow({ version }) on a latest handle');
  try {
    await DeltaTable.open(storage, { version: 9 });
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, /9/);
  }
});

test('open and read at a timestamp: the latest version committed at or before it', async () => {
  const { storage, t, times } = await history();
  const at = async (ts: number | string | Date) => (await DeltaTable.open(storage, { timestamp: ts })).version();
  assert.is(await at(times[1]), 1);
  assert.is(await at(times[1] + 59 * 60_000), 1);
  assert.is(await at(new Date(times[2])), 2);
  assert.is(await at(new Date(times[3] + 1).toISOString()), 3);
  assert.equal(await read(t, { timestamp: times[2] + 1000 }), [3]);
  try {
    await at(times[0] - 1);
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, /before the earliest available commit/);
  }
  // history() reports the same commit times.
  assert.equal((await t.history()).map((h) => h.timestamp), [...times].reverse());
});

test('a handle opened in the past refuses writes until refreshed', async () => {
  const { storage } = await history();
  const old = await DeltaTable.open(storage, { version: 1 });
  try {
    await old.append(ids([9]));
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, /opened at version 1 for time travel/);
  }
  await old.refresh();
  assert.is(old.version(), 3);
  assert.is((await old.append(ids([9]))).version, 4);
  assert.equal(await read(old), [3, 4, 9]);
});

test.run();
