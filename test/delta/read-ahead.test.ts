// readAhead: results in input order, at most `depth` loads at once, a failed
// load thrown when its turn comes (not before, and never unhandled).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readAhead } from '../../src/delta/read-ahead.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('yields every load in order with at most `depth` in flight', async () => {
  let running = 0;
  let most = 0;
  const out: number[] = [];
  // Later items finish first: order must still be the input's.
  for await (const v of readAhead([1, 2, 3, 4, 5, 6], 3, async (x) => {
    most = Math.max(most, ++running);
    await sleep(14 - 2 * x);
    running--;
    return x * 10;
  })) out.push(v);
  assert.equal(out, [10, 20, 30, 40, 50, 60]);
  assert.is(most, 3);
});

test('a failed load throws in turn, after the earlier results', async () => {
  const out: number[] = [];
  let error: unknown;
  try {
    for await (const v of readAhead([1, 2, 3], 2, async (x) => {
      if (x === 2) throw new Error('boom 2');
      await sleep(5);
      return x;
    })) out.push(v);
  } catch (err) {
    error = err;
  }
  assert.equal(out, [1]);
  assert.match(String(error), /boom 2/);
});

test('stopping early leaves nothing unhandled', async () => {
  const unhandled: unknown[] = [];
  const on = (e: unknown) => unhandled.push(e);
  process.on('unhandledRejection', on);
  for await (const v of readAhead([1, 2, 3], 3, async (x) => {
    if (x > 1) throw new Error(`late ${x}`);
    return x;
  })) {
    assert.is(v, 1);
    break;
  }
  await sleep(10);
  process.off('unhandledRejection', on);
  assert.equal(unhandled, []);
});

test.run();
