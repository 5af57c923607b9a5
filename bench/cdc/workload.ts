// The bench/cdc workload: a target of `rows` orders (ids 0..rows-1) and a
// change batch of `changes` events with distinct random ids — 60% updates
// and 10% deletes of existing ids, 30% inserts of new ids — marked by `op`,
// all with sequence 1 (the target rows have sequence 0). Deterministic.
import * as arrow from 'apache-arrow';
import { prng } from '../lib/prng.ts';

export const ordersSchema = new arrow.Schema([
  new arrow.Field('id', new arrow.Int64(), false),
  new arrow.Field('customer', new arrow.Int32(), true),
  new arrow.Field('amount', new arrow.Float64(), true),
  new arrow.Field('status', new arrow.Utf8(), true),
  new arrow.Field('op', new arrow.Utf8(), true),
  new arrow.Field('seq', new arrow.Int64(), false),
]);

const STATUS = ['new', 'paid', 'shipped', 'returned'];

function batch(ids: BigInt64Array, ops: string[], seq: bigint, r: () => number): arrow.RecordBatch {
  const n = ids.length;
  const customer = new Int32Array(n);
  const amount = new Float64Array(n);
  const status: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    customer[i] = Math.floor(r() * 100_000);
    amount[i] = Math.round(r() * 100_000) / 100;
    status[i] = STATUS[Math.floor(r() * 4)];
  }
  const cols = [
    arrow.makeData({ type: new arrow.Int64(), length: n, nullCount: 0, data: ids }),
    arrow.makeData({ type: new arrow.Int32(), length: n, nullCount: 0, data: customer }),
    arrow.makeData({ type: new arrow.Float64(), length: n, nullCount: 0, data: amount }),
    arrow.vectorFromArray(status, new arrow.Utf8()).data[0],
    arrow.vectorFromArray(ops, new arrow.Utf8()).data[0],
    arrow.makeData({ type: new arrow.Int64(), length: n, nullCount: 0, data: new BigInt64Array(n).fill(seq) }),
  ];
  return new arrow.RecordBatch(ordersSchema, arrow.makeData({ type: new arrow.Struct(ordersSchema.fields), length: n, nullCount: 0, children: cols }));
}

/** The initial target rows as insert events at sequence 0, in batches of 500k. */
export function targetBatches(rows: number): arrow.RecordBatch[] {
  const r = prng(7);
  const out: arrow.RecordBatch[] = [];
  for (let start = 0; start < rows; start += 500_000) {
    const n = Math.min(500_000, rows - start);
    const ids = new BigInt64Array(n);
    for (let i = 0; i < n; i++) ids[i] = BigInt(start + i);
    out.push(batch(ids, new Array(n).fill('I'), 0n, r));
  }
  return out;
}

/** The change batch: distinct ids, 60% U / 10% D of existing ids, 30% I of new ids. */
export function changeBatch(rows: number, changes: number): arrow.RecordBatch {
  const r = prng(11);
  const existing = Math.round(changes * 0.7);
  const picked = new Set<number>();
  while (picked.size < existing) picked.add(Math.floor(r() * rows));
  const ids = new BigInt64Array(changes);
  const ops: string[] = new Array(changes);
  let i = 0;
  for (const id of picked) {
    ids[i] = BigInt(id);
    ops[i] = i < Math.round(changes * 0.6) ? 'U' : 'D';
    i++;
  }
  for (let k = 0; i < changes; i++, k++) {
    ids[i] = BigInt(rows + k);
    ops[i] = 'I';
  }
  // Shuffle so ops and ids interleave randomly.
  for (let j = changes - 1; j > 0; j--) {
    const x = Math.floor(r() * (j + 1));
    [ids[j], ids[x]] = [ids[x], ids[j]];
    [ops[j], ops[x]] = [ops[x], ops[j]];
  }
  return batch(ids, ops, 1n, r);
}
