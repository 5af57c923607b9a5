// The ingest bench's input: the orders rows of bench/parquet (same seeded
// generator) with exactly one row in every block of 100 made invalid, so 1%
// of the rows break one of the two expectations. The same rows come in two
// shapes: an Arrow table (generateOrders, then the violations written into its
// buffers) and a lazy stream of plain JS objects that replays the generator's
// draws one row at a time (for the object and streaming cases).
import { RecordBatch, Table, tableToIPC } from 'apache-arrow';
import { writeFileSync } from 'node:fs';
import { COUNTRIES, NOTE_WORDS, STATUSES, drawOrder, generateOrders } from '../lib/orders.ts';
import { prng } from '../lib/prng.ts';

/** The generator seed every bench uses (bench/parquet's default). */
export const SEED = 20261125;

/** The expectations, as SQL constraints (Tributary) and as what pyarrow.compute evaluates (delta-rs). */
export const RULES = { non_negative_amount: 'amount >= 0', known_customer: 'customer_id > 0' } as const;

/** Rows per block; each block holds exactly one violating row. */
const BLOCK = 100;

/** A 32-bit integer hash (murmur3's finalizer), so a row's violation is a pure function of its index. */
function mix(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * How row `i` (0-based) is broken: 0 = valid, 1 = negative amount, 2 = customer_id 0.
 * One row per block of 100 (its position hashed from the block number), the kinds alternating by block.
 * @example violationOf(0) // 0 unless row 0 is the chosen row of block 0
 */
export function violationOf(i: number, seed = SEED): 0 | 1 | 2 {
  const block = Math.floor(i / BLOCK);
  if (i % BLOCK !== mix(block ^ seed) % BLOCK) return 0;
  return block % 2 === 0 ? 1 : 2;
}

/** Breaks an amount so that `amount >= 0` is false (the generator's amounts are ≥ 0). */
const negative = (amount: number): number => -(amount + 1);

/** The orders table of bench/parquet with this bench's violations written in (one record batch). */
export function ordersTable(rows: number, seed = SEED): Table {
  const table = generateOrders(rows, seed);
  const batch = table.batches[0]!;
  const amount = batch.getChild('amount')!.data[0]!.values as Float64Array;
  const customer = batch.getChild('customer_id')!.data[0]!.values as Int32Array;
  for (let i = 0; i < rows; i++) {
    const v = violationOf(i, seed);
    if (v === 1) amount[i] = negative(amount[i]!);
    else if (v === 2) customer[i] = 0;
  }
  return table;
}

/** Cuts a one-batch table into batches of `size` rows (zero-copy slices), as a source would deliver them. */
export function inBatches(table: Table, size: number): Table {
  const batch = table.batches[0]!;
  const out: RecordBatch[] = [];
  for (let i = 0; i < table.numRows; i += size) out.push(batch.slice(i, Math.min(table.numRows, i + size)));
  return new Table(table.schema, out);
}

/** Writes `table` as an Arrow IPC file (one IPC record batch per table batch). */
export function writeIpcFile(path: string, table: Table): void {
  writeFileSync(path, tableToIPC(table, 'file'));
}

/** One order as a plain object: `ts` is epoch milliseconds with a µs fraction, as `Date.now()`-style numbers. */
export interface Order {
  id: number;
  customer_id: number;
  amount: number;
  status: string;
  country: string;
  ts: number;
  note: string | null;
}

/**
 * The same rows as {@link ordersTable}, one object at a time: the draws of
 * `generateOrders` replayed through the same `drawOrder`, so row i has the same values (the
 * bench checks this by comparing the landed tables' aggregates). Lazy, so a
 * stream of 10M rows holds one row at a time.
 * @example
 * for (const o of orderObjects(3)) console.log(o.id, o.amount);
 */
export function* orderObjects(rows: number, seed = SEED): Generator<Order> {
  const r = prng(seed);
  let t = Date.UTC(2026, 0, 1) * 1000; // µs, exact in a double
  for (let i = 0; i < rows; i++) {
    const o = drawOrder(r);
    let customer = o.customerId;
    let amount = o.amount;
    t += o.tsStep;
    const note = o.note === null ? null : o.note.map((w) => NOTE_WORDS[w]!).join(' ');
    const v = violationOf(i, seed);
    if (v === 1) amount = negative(amount);
    else if (v === 2) customer = 0;
    // t / 1000 keeps the µs: a double near 1.8e12 resolves ~0.0002 ms, and the schema rounds to µs.
    yield { id: i + 1, customer_id: customer, amount, status: STATUSES[o.status]!, country: COUNTRIES[o.country]!, ts: t / 1000, note };
  }
}

/** What a correct landing of `rows` generated rows must hold, computed from the generator in plain JS. */
export interface Expected {
  /** Rows generated. */
  generated: number;
  /** Rows breaking an expectation (dropped). */
  violators: number;
  /** Rows the table must hold. */
  rows: number;
  /** Sum of the kept rows' ids. */
  sumId: number;
}

/** {@link Expected} for `rows` rows, from {@link violationOf} alone (no expression engine involved). */
export function expectedOf(rows: number, seed = SEED): Expected {
  let violators = 0;
  let sumId = 0;
  for (let i = 0; i < rows; i++) {
    if (violationOf(i, seed) !== 0) violators++;
    else sumId += i + 1;
  }
  return { generated: rows, violators, rows: rows - violators, sumId };
}
