// The bench's input: the orders table of bench/lib/orders.ts (same seeded
// generator), cut into one record batch per commit and saved once as an Arrow
// IPC file, so the Tributary and delta-rs processes append identical batches.
import { writeFileSync } from 'node:fs';
import { Table, tableToIPC } from 'apache-arrow';
import { generateOrders } from '../lib/orders.ts';

/**
 * `commits` batches of `rowsPerCommit` orders rows (ids 1..commits×rowsPerCommit, in order).
 *
 * @example
 * const t = commitBatches(100, 10_000); // t.batches.length === 100
 */
export function commitBatches(commits: number, rowsPerCommit: number, seed?: number): Table {
  if (!Number.isInteger(commits) || commits < 1 || !Number.isInteger(rowsPerCommit) || rowsPerCommit < 1) {
    throw new Error(`bench/delta: commits (${commits}) and rows per commit (${rowsPerCommit}) must be positive integers`);
  }
  const whole = generateOrders(commits * rowsPerCommit, seed);
  const batch = whole.batches[0]!;
  const batches = Array.from({ length: commits }, (_, i) => batch.slice(i * rowsPerCommit, (i + 1) * rowsPerCommit));
  return new Table(whole.schema, batches);
}

/** Writes `table` as an Arrow IPC file (one IPC record batch per table batch). */
export function writeIpcFile(path: string, table: Table): void {
  writeFileSync(path, tableToIPC(table, 'file'));
}
