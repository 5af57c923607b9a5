// Helpers of the expectation tests: small typed batches, batches as plain
// rows, and a TestScheduler whose assertions go through uvu.
import * as arrow from 'apache-arrow';
import { TestScheduler } from 'rxjs/testing';
import * as assert from 'uvu/assert';

/** A batch from columns given as `name: [arrowType, values]` (null = NULL). */
export function makeBatch(columns: Record<string, [arrow.DataType, unknown[]]>): arrow.RecordBatch {
  const fields: arrow.Field[] = [];
  const children: arrow.Data[] = [];
  for (const [name, [type, values]] of Object.entries(columns)) {
    fields.push(new arrow.Field(name, type, true));
    children.push(arrow.vectorFromArray(values, type).data[0]!);
  }
  const schema = new arrow.Schema(fields);
  return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(fields), length: children[0]!.length, nullCount: 0, children }));
}

/** A batch of `id: int32` and `amount: float64` rows. */
export function orders(rows: [number | null, number | null][]): arrow.RecordBatch {
  return makeBatch({ id: [new arrow.Int32(), rows.map((r) => r[0])], amount: [new arrow.Float64(), rows.map((r) => r[1])] });
}

/** The rows of a batch as plain objects (Arrow JS getters). */
export function rowsOf(batch: arrow.RecordBatch): Record<string, unknown>[] {
  return batch.toArray().map((r) => r.toJSON() as Record<string, unknown>);
}

/** The `id` column of a batch. */
export function idsOf(batch: arrow.RecordBatch): (number | null)[] {
  return rowsOf(batch).map((r) => (typeof r.id === 'bigint' ? Number(r.id) : (r.id as number | null)));
}

export const newScheduler = (): TestScheduler => new TestScheduler((actual, expected) => assert.equal(actual, expected));
