// Spill areas: batches round-trip through a spill file in order, files go
// once read, dispose() leaves nothing (not even empty scratch directories),
// and an area a dead process left behind goes once it is a day old — while a
// recent one (a live rewrite) is kept.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { LocalStorage } from '../../../src/delta/storage/local-storage.ts';
import { SPILL_PARENT, STALE_SPILL_MS, SpillArea } from '../../../src/delta/maintenance/spill.ts';
import { tempTableDir } from './helpers.ts';

const batch = (from: number, n: number) =>
  new arrow.Table({
    id: arrow.vectorFromArray(Array.from({ length: n }, (_, i) => BigInt(from + i)), new arrow.Int64()),
    s: arrow.vectorFromArray(Array.from({ length: n }, (_, i) => (i % 3 === 0 ? null : `v${from + i}`)), new arrow.Utf8()),
  }).batches[0];

test('batches come back in append order, and the file goes once read', async () => {
  const dir = tempTableDir('spill');
  mkdirSync(dir, { recursive: true });
  const spill = await SpillArea.create(new LocalStorage(dir), 'optimize');
  try {
    assert.ok(spill.dir.startsWith(join(dir, ...SPILL_PARENT.split('/'))));
    await spill.append(3, batch(0, 5));
    await spill.append(3, batch(100, 2));
    const back = await spill.take(3);
    assert.equal(back.map((b) => b.numRows), [5, 2]);
    assert.equal([...back[1].getChild('id')!.toArray()], [100n, 101n]);
    assert.equal(back[0].getChild('s')!.toArray(), [null, 'v1', 'v2', null, 'v4']);
    assert.not.ok(existsSync(spill.path(3)));
    assert.equal(await spill.take(7), [], 'a key never appended to holds nothing');
  } finally {
    await spill.dispose();
  }
  assert.not.ok(existsSync(join(dir, '_tributary')), 'dispose leaves no empty scratch directories');
  await spill.dispose(); // idempotent
  await spill.append(0, batch(0, 1)).then(
    () => assert.unreachable('a disposed area refuses new files'),
    (err: Error) => assert.match(err.message, /already removed/),
  );
});

test('a day-old area of a dead process is swept when the next one is made; a recent one is kept', async () => {
  const dir = tempTableDir('spill-stale');
  const parent = join(dir, ...SPILL_PARENT.split('/'));
  const stale = join(parent, 'optimize-dead');
  const live = join(parent, 'optimize-live');
  for (const d of [stale, live]) {
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, '0.spill'), 'x');
  }
  const old = (Date.now() - STALE_SPILL_MS - 60_000) / 1000;
  utimesSync(stale, old, old);
  const spill = await SpillArea.create(new LocalStorage(dir), 'optimize');
  await spill.dispose();
  assert.not.ok(existsSync(stale), 'stale area removed');
  assert.ok(existsSync(join(live, '0.spill')), 'recent area kept');
  assert.ok(existsSync(parent), 'the scratch directory stays while another area is in it');
});

test.run();
