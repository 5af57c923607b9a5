// Cleanup after a failed write: the files it wrote are not in the log, so a
// delete that fails too leaves a harmless orphan that VACUUM removes later.

import type { Storage } from './storage.ts';
import { forEachLimit } from '../for-each-limit.ts';

/**
 * Deletes `paths` (relative to the storage root), ignoring failures, so the
 * error that made them orphans is the one reported.
 *
 * @example
 * try { await txn.commit(); } catch (err) { await deleteQuietly(storage, written); throw err; }
 */
export async function deleteQuietly(storage: Storage, paths: readonly string[]): Promise<void> {
  await forEachLimit(paths, 16, (p) => storage.delete(p).catch(() => undefined));
}
