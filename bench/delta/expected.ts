// What every correct table must read back as, computed from the Arrow input
// itself (never typed in), and the comparison the bench fails on.
import type { RecordBatch, Table } from 'apache-arrow';

/** Aggregates a reader reports for one Delta table (see verify-tributary.ts, verify_deltars.py). */
export interface TableSummary {
  version: number;
  files: number;
  rows: number;
  sumId: number;
  minId: number;
  maxId: number;
  notes: number;
  sumAmount: number;
  minTs: number;
  maxTs: number;
}

export type Expected = Omit<TableSummary, 'version' | 'files'>;

/** Aggregates before any batch. */
export function emptyAggregates(): Expected {
  return { rows: 0, sumId: 0, minId: Infinity, maxId: -Infinity, notes: 0, sumAmount: 0, minTs: Infinity, maxTs: -Infinity };
}

/** Adds one orders batch (id, amount, ts, note) to `e`; the input side and every reader use this one fold. */
export function addBatch(e: Expected, batch: RecordBatch): void {
  const id = batch.getChild('id')!.toArray() as BigInt64Array;
  const amount = batch.getChild('amount')!.toArray() as Float64Array;
  const ts = batch.getChild('ts')!.toArray() as BigInt64Array;
  e.rows += batch.numRows;
  e.notes += batch.numRows - batch.getChild('note')!.nullCount;
  for (let i = 0; i < batch.numRows; i++) {
    const v = Number(id[i]);
    e.sumId += v;
    e.minId = Math.min(e.minId, v);
    e.maxId = Math.max(e.maxId, v);
    e.sumAmount += amount[i]!;
    const t = Number(ts[i]);
    e.minTs = Math.min(e.minTs, t);
    e.maxTs = Math.max(e.maxTs, t);
  }
}

/** The aggregates of all batches of `table`. */
export function expectedOf(table: Table): Expected {
  const e = emptyAggregates();
  for (const batch of table.batches) addBatch(e, batch);
  return e;
}

/** Throws naming the first aggregate of `got` that differs from `want` (sums of doubles within 1e-9 relative). */
export function assertSummary(label: string, got: Partial<TableSummary>, want: Partial<TableSummary>): void {
  for (const [key, w] of Object.entries(want) as [keyof TableSummary, number][]) {
    const g = got[key];
    const ok = key === 'sumAmount' ? typeof g === 'number' && Math.abs(g - w) <= 1e-9 * Math.abs(w) : g === w;
    if (!ok) throw new Error(`bench/delta: ${label}: ${key} is ${g}, expected ${w}`);
  }
}
