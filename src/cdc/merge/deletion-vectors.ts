// Deletion-vector mode of MERGE: instead of rewriting a touched file, its
// updated and deleted rows are marked deleted in a new deletion vector (the
// union with the file's existing one), and the file is re-added with it —
// `remove` of the old entry (old DV) plus `add` of the same path (new DV), as
// Delta Spark commits it. New images of updated rows go to new files with the
// inserts. A file whose every row is deleted is just removed.

import type { Add, Remove } from '../../delta/actions.ts';
import { unionRows, writeDeletionVectors } from '../../delta/deletion-vector-writer.ts';
import { parseJson, stringifyJson, type JsonValue } from '../../delta/json.ts';
import { removeOf } from '../../delta/operations/write.ts';
import type { Storage } from '../../delta/storage/storage.ts';
import type { Snapshot } from '../../delta/snapshot.ts';
import { MergeError } from './errors.ts';
import type { FileMatch } from './match.ts';

/** The log actions and counts of masking the touched files. */
export interface MaskResult {
  adds: Add[];
  removes: Remove[];
  /** The deletion vector file written (relative path), if any: delete it when the commit fails. */
  file: string | null;
  dvAdded: number;
  dvRemoved: number;
  dvUpdated: number;
}

/** Deletion vectors up to this size go inline into the log: a few changed rows need no extra file. */
export const DEFAULT_INLINE_DV_BYTES = 64;

/**
 * Whether a write in `mode` masks rows with deletion vectors: 'auto' when the
 * table has `delta.enableDeletionVectors=true` (and the writer feature).
 * Throws {@link MergeError} naming `what` when 'deletion-vectors' is asked of
 * a table whose protocol cannot hold them.
 */
export function usesDeletionVectors(mode: 'copy-on-write' | 'deletion-vectors' | 'auto', snapshot: Snapshot, what: string): boolean {
  const supported = supportsDeletionVectors(snapshot.protocol);
  if (mode === 'copy-on-write') return false;
  if (mode === 'deletion-vectors') {
    if (!supported) {
      throw new MergeError(
        `${what} with deletion vectors: the table's protocol lacks writer feature 'deletionVectors'; ` +
          "create it with delta.enableDeletionVectors=true, or use mode 'copy-on-write'",
      );
    }
    return true;
  }
  return supported && snapshot.properties['delta.enableDeletionVectors'] === 'true';
}

/** Whether the protocol lets this table hold deletion vectors (writer feature `deletionVectors`). */
export function supportsDeletionVectors(protocol: { minWriterVersion: number; writerFeatures?: string[] }): boolean {
  return protocol.minWriterVersion >= 7 && (protocol.writerFeatures ?? []).includes('deletionVectors');
}

/** Writes the new deletion vectors of the touched files and returns the actions replacing them. */
export async function maskFiles(storage: Storage, changes: readonly { match: Pick<FileMatch, 'add' | 'deleted' | 'physical' | 'rows'> }[], now: number, inlineThreshold: number): Promise<MaskResult> {
  const removes: Remove[] = [];
  const adds: Add[] = [];
  const pending: { add: Add; rows: Uint32Array }[] = [];
  let dvRemoved = 0;
  let dvUpdated = 0;
  for (const c of changes) {
    const { add, deleted: existing, physical } = c.match;
    const rows = unionRows(existing, physical);
    removes.push(removeOf(add, now));
    if (add.deletionVector) dvRemoved++;
    if (rows.length === existing.length + c.match.rows) continue; // every physical row deleted: the file goes
    if (add.deletionVector) dvUpdated++;
    pending.push({ add, rows });
  }
  const { descriptors, file } = await writeDeletionVectors(storage, pending.map((p) => p.rows), { inlineThreshold });
  pending.forEach(({ add }, i) => {
    const next: Add = { ...add, dataChange: true, deletionVector: descriptors[i], stats: looseStats(add.stats) };
    adds.push(next);
  });
  return { adds, removes, file, dvAdded: pending.length, dvRemoved, dvUpdated };
}

/**
 * The file's statistics with `tightBounds: false`: numRecords still counts
 * every physical row (the protocol requires it with a deletion vector), while
 * min/max/nullCount may now be wider than the live rows.
 */
function looseStats(stats: string | null | undefined): string | null | undefined {
  if (!stats) return stats;
  const parsed = parseJson(stats) as { [k: string]: JsonValue };
  return stringifyJson({ ...parsed, tightBounds: false });
}
