// Builds small Delta logs in a MemoryStorage for log-segment and replay tests.

import type { Action } from '../../src/delta/actions.ts';
import { commitPath, v2CheckpointPath } from '../../src/delta/log-path.ts';
import { MemoryStorage } from '../../src/delta/storage/index.ts';

export const SCHEMA = JSON.stringify({ type: 'struct', fields: [{ name: 'id', type: 'long', nullable: true, metadata: {} }] });

export function protocol(): Action {
  return { protocol: { minReaderVersion: 1, minWriterVersion: 2 } };
}

export function metadata(configuration: Record<string, string> = {}): Action {
  return { metaData: { id: 'test-table', format: { provider: 'parquet', options: {} }, schemaString: SCHEMA, partitionColumns: [], configuration } };
}

export function add(path: string, extra: Record<string, unknown> = {}): Action {
  return { add: { path, partitionValues: {}, size: 1, modificationTime: 0, dataChange: true, ...extra } };
}

export function remove(path: string, extra: Record<string, unknown> = {}): Action {
  return { remove: { path, deletionTimestamp: 1, dataChange: true, ...extra } };
}

export function lines(actions: Action[]): Uint8Array {
  return new TextEncoder().encode(actions.map((a) => JSON.stringify(a)).join('\n') + '\n');
}

export async function commit(s: MemoryStorage, version: number, actions: Action[], mtime?: number): Promise<void> {
  await s.write(commitPath(version), lines(actions));
  if (mtime !== undefined) s.setModificationTime(commitPath(version), mtime);
}

/** Writes a V2 JSON checkpoint (no sidecars) holding `actions` at `version`. */
export async function jsonCheckpoint(s: MemoryStorage, version: number, actions: Action[]): Promise<string> {
  const path = v2CheckpointPath(version, '3a0d65cd-4f1a-4b79-a6e9-5b3c4c1d2e3f', 'json');
  await s.write(path, lines([{ checkpointMetadata: { version } }, ...actions]));
  return path;
}
