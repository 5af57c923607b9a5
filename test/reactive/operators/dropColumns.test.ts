import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { catchError, from, lastValueFrom, map, throwError, toArray } from 'rxjs';
import { dropColumns } from '../../../src/reactive/operators/dropColumns.ts';
import { float64, int32, int64, schema, utf8 } from '../../../src/reactive/schema/index.ts';
import { batchOf, namesOf, newScheduler, rowsOf } from './support.ts';

const orders = schema({ id: int64(), amount: float64(), status: utf8(), qty: int32().nullable() }, { name: 'orders' });
const a = batchOf(orders, [{ id: 1, amount: 5, status: 'paid', qty: 1 }, { id: 2, amount: 6, status: 'void' }]);
const asMessage = catchError((e: Error) => throwError(() => `${e.name}: ${e.message}`));

test('drops the named columns (ignoring case), keeps the rest in order, zero-copy', async () => {
  newScheduler().run(({ cold, expectObservable }) => {
    expectObservable(cold('a|', { a }).pipe(dropColumns('STATUS', 'amount'), map(rowsOf))).toBe('x|', { x: [{ id: 1n, qty: 1 }, { id: 2n, qty: null }] });
  });
  const [out] = await lastValueFrom(from([a]).pipe(dropColumns('status'), toArray()));
  assert.equal(namesOf(out!), ['id', 'amount', 'qty']);
  assert.ok(out!.getChild('qty')!.data[0] === a.getChild('qty')!.data[0]);
  assert.equal(out!.schema.fields.map((f) => f.nullable), [false, false, true]);
});

test('unknown names and dropping everything are errors at the first batch', () => {
  newScheduler().run(({ cold, expectObservable }) => {
    expectObservable(cold('-a|', { a }).pipe(dropColumns('amount', 'stauts', { dataset: 'orders' }), asMessage)).toBe('-#', undefined,
      "OperatorError: dropColumns 'amount', 'stauts' on dataset orders: Column 'stauts' not found in table orders [id, amount, status, qty]");
    expectObservable(cold('-a|', { a }).pipe(dropColumns('id', 'amount', 'status', 'qty'), asMessage)).toBe('-#', undefined,
      "OperatorError: dropColumns 'id', 'amount', 'status', 'qty': dropping [id, amount, status, qty] would leave no columns");
  });
  assert.throws(() => dropColumns(), /at least one column name/);
});

test.run();
