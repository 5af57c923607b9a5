// Every expectation operator under the same marble checks: valid rows pass
// in the frame they arrive, source errors propagate, unsubscribing early
// stops the source, and completion follows the source.
import { test } from 'uvu';
import type * as arrow from 'apache-arrow';
import { catchError, map, of, type MonoTypeOperatorFunction } from 'rxjs';
import {
  expect, expectAll, expectAllOrDrop, expectAllOrFail, expectOrDrop, expectOrFail, expectRowCount, expectUnique, quarantine,
} from '../../../src/reactive/expectations/index.ts';
import { idsOf, newScheduler, orders } from './helpers.ts';

// Rows every operator below accepts: ids unique and positive, amounts positive, 2 rows per batch.
const a = orders([[1, 1], [2, 2]]);
const b = orders([[3, 3], [4, 4]]);
const sink = () => undefined;

const operators: [string, () => MonoTypeOperatorFunction<arrow.RecordBatch>][] = [
  ['expect', () => expect('p', 'amount > 0')],
  ['expectOrDrop', () => expectOrDrop('p', 'amount > 0')],
  ['expectOrFail', () => expectOrFail('p', 'amount > 0')],
  ['expectAll', () => expectAll({ p: 'amount > 0', q: 'id > 0' })],
  ['expectAllOrDrop', () => expectAllOrDrop({ p: 'amount > 0', q: 'id > 0' })],
  ['expectAllOrFail', () => expectAllOrFail({ p: 'amount > 0', q: 'id > 0' })],
  ['expectUnique', () => expectUnique('id', { action: 'fail', scope: 'stream' })],
  ['expectRowCount', () => expectRowCount({ min: 2, max: 2 }, { action: 'fail' })],
  ['quarantine', () => quarantine({ rules: { p: 'amount > 0' }, to: sink })],
];

for (const [name, op] of operators) {
  test(`${name}: passes valid batches in their frame, propagates errors, stops on unsubscribe`, () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const src = cold('a--b-|', { a, b });
      expectObservable(src.pipe(op(), map(idsOf))).toBe('x--y-|', { x: [1, 2], y: [3, 4] });
      const failing = cold('a-#', { a }, new Error('source failed'));
      expectObservable(failing.pipe(op(), map(idsOf), catchError((e: Error) => of(e.message)))).toBe('x-(e|)', { x: [1, 2], e: 'source failed' });
      const long = cold('a--b--a--b-|', { a, b });
      expectObservable(long.pipe(op(), map(idsOf)), '^---!').toBe('x--y', { x: [1, 2], y: [3, 4] });
      expectSubscriptions(long.subscriptions).toBe('^---!');
    });
  });
}

test.run();
