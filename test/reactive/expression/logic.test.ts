// SQL three-valued logic: every combination of TRUE/FALSE/NULL through AND,
// OR, NOT, IS, IN and comparisons, checked against the SQL truth tables.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { batchOf, run } from './helpers.ts';

// Kleene logic written out independently of the engine: null is "unknown".
const and3 = (a: boolean | null, b: boolean | null): boolean | null => (a === false || b === false ? false : a === null || b === null ? null : true);
const or3 = (a: boolean | null, b: boolean | null): boolean | null => (a === true || b === true ? true : a === null || b === null ? null : false);

const domain = [true, false, null];
const pairs = domain.flatMap((a) => domain.map((b) => [a, b] as const));
const batch = batchOf({
  p: { type: new arrow.Bool(), values: pairs.map(([a]) => a) },
  q: { type: new arrow.Bool(), values: pairs.map(([, b]) => b) },
});

test('AND / OR / NOT truth tables', () => {
  assert.equal(run('p AND q', batch), pairs.map(([a, b]) => and3(a, b)));
  assert.equal(run('p OR q', batch), pairs.map(([a, b]) => or3(a, b)));
  assert.equal(run('NOT p', batch), pairs.map(([a]) => (a === null ? null : !a)));
  assert.equal(run('p AND NULL', batch), pairs.map(([a]) => and3(a, null)));
  assert.equal(run('p OR NULL', batch), pairs.map(([a]) => or3(a, null)));
});

test('IS NULL / IS TRUE / IS FALSE / IS DISTINCT FROM never return NULL', () => {
  assert.equal(run('p IS NULL', batch), pairs.map(([a]) => a === null));
  assert.equal(run('p IS NOT NULL', batch), pairs.map(([a]) => a !== null));
  assert.equal(run('p IS TRUE', batch), pairs.map(([a]) => a === true));
  assert.equal(run('p IS NOT FALSE', batch), pairs.map(([a]) => a !== false));
  assert.equal(run('p IS DISTINCT FROM q', batch), pairs.map(([a, b]) => a !== b));
  assert.equal(run('p <=> q', batch), pairs.map(([a, b]) => a === b));
  assert.equal(run('isnull(p)', batch), pairs.map(([a]) => a === null));
  assert.equal(run('isnotnull(q)', batch), pairs.map(([, b]) => b !== null));
});

test('comparisons with NULL are NULL; NULL <=> NULL is TRUE', () => {
  const b = batchOf({ x: { type: new arrow.Int32(), values: [1, null, 3] } });
  assert.equal(run('x = NULL', b), [null, null, null]);
  assert.equal(run('x <> 1', b), [false, null, true]);
  assert.equal(run('x <=> NULL', b), [false, true, false]);
  assert.equal(run('NULL <=> NULL', b), [true, true, true]);
});

test('IN: NULL when not found and the list holds NULL', () => {
  const b = batchOf({ x: { type: new arrow.Int32(), values: [1, 2, null] } });
  assert.equal(run('x IN (1, NULL)', b), [true, null, null]);
  assert.equal(run('x NOT IN (1, NULL)', b), [false, null, null]);
  assert.equal(run('x IN (1, 3)', b), [true, false, null]);
  assert.equal(run('x NOT IN (1, 3)', b), [false, true, null]);
  // Non-constant list items go through equality + OR and must agree.
  assert.equal(run('x IN (x - 0, NULL)', b), [true, true, null]);
  assert.equal(run('x IN (x + 1, NULL)', b), [null, null, null]);
});

test('BETWEEN follows low <= x AND x <= high', () => {
  const b = batchOf({ x: { type: new arrow.Int32(), values: [0, 1, 5, 10, 11, null] }, lo: { type: new arrow.Int32(), values: [1, null, 1, 1, null, 1] } });
  assert.equal(run('x BETWEEN 1 AND 10', b), [false, true, true, true, false, null]);
  assert.equal(run('x NOT BETWEEN 1 AND 10', b), [true, false, false, false, true, null]);
  // NULL low bound: FALSE only where x > high decides it.
  assert.equal(run('x BETWEEN lo AND 10', b), [false, null, true, true, false, null]);
});

test('CASE treats a NULL condition as not matched', () => {
  assert.equal(run("CASE WHEN p THEN 'yes' WHEN q THEN 'q' END", batch), pairs.map(([a, b]) => (a === true ? 'yes' : b === true ? 'q' : null)));
  assert.equal(run("if(p, 1, 0)", batch), pairs.map(([a]) => (a === true ? 1 : 0)));
});

test.run();
