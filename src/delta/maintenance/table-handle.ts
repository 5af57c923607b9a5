// What maintenance operations accept as "the table", and the chores after a
// maintenance commit: the checkpoint that may be due, and moving a
// DeltaTable handle to the version just written.

import type { Storage } from '../storage/storage.ts';
import { LocalStorage } from '../storage/local-storage.ts';
import { DeltaTable } from '../table.ts';
import { loadSnapshot, type Snapshot } from '../snapshot.ts';
import { shouldCheckpoint, writeCheckpoint, type CheckpointInfo } from '../checkpoint-writer.ts';

/** A table: an open handle, a Storage, or a local directory path. */
export type TableLike = DeltaTable | Storage | string;

/** The storage behind a table reference. */
export function storageOfTable(table: TableLike): Storage {
  if (table instanceof DeltaTable) return table.storage;
  return typeof table === 'string' ? new LocalStorage(table) : table;
}

/**
 * The latest snapshot, for an operation that writes. A handle opened for
 * time travel is refused, as DeltaTable's own writes refuse it.
 */
export async function latestSnapshot(table: TableLike, operation: string): Promise<{ storage: Storage; snapshot: Snapshot }> {
  const storage = storageOfTable(table);
  if (table instanceof DeltaTable && table.pinned) {
    throw new Error(
      `Cannot run ${operation} on Delta table ${storage.root}: it was opened at version ${table.version()} for time travel; open it without a version`,
    );
  }
  return { storage, snapshot: await loadSnapshot(storage) };
}

/**
 * After a committed maintenance version: writes the checkpoint if one is due
 * (its failure is returned, not thrown: the commit stands) and refreshes a
 * DeltaTable handle. `properties` are the table's as the operation read them
 * (maintenance never changes them): the new version is loaded only when a
 * checkpoint is due, as DeltaTable's own commits decide it.
 */
export async function afterCommit(
  table: TableLike,
  storage: Storage,
  version: number,
  properties: Readonly<Record<string, string>>,
): Promise<{ checkpoint?: CheckpointInfo; checkpointError?: Error }> {
  const out: { checkpoint?: CheckpointInfo; checkpointError?: Error } = {};
  if (shouldCheckpoint(version, properties)) {
    try {
      out.checkpoint = await writeCheckpoint(storage, await loadSnapshot(storage, { version }));
    } catch (err) {
      out.checkpointError = err as Error;
    }
  }
  if (table instanceof DeltaTable) await table.refresh();
  return out;
}
