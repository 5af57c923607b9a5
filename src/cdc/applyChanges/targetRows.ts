// Where a micro-batch's keys are in the SCD1 target: every data file that
// may hold one of them (by its key statistics) has its key column probed page
// by page against the batch's key groups, off the JS thread, starting as
// soon as the groups exist — so the probes run while the flow reads its key
// state. The merge then takes these rows instead of probing the files again,
// and live keys' sequences are decoded at exactly these rows.
import * as arrow from 'apache-arrow';
import type { Add } from '../../delta/actions.ts';
import type { Snapshot } from '../../delta/snapshot.ts';
import type { Storage } from '../../delta/storage/storage.ts';
import { probeKeyPages, type KeyedRows } from '../merge/match.ts';
import { keyRange, mayHoldRanges, type KeyRange } from '../merge/prune.ts';
import { keyColumnsOf, type KeyGroups } from './keyGroups.ts';

/**
 * Files probed at once: enough to keep both cores of a small machine busy
 * while the JS thread works, one short of libuv's default four threads so
 * that file I/O (state reads and writes) never waits behind the probes.
 */
const DEPTH = 3;

/** The target rows of a batch's keys, file by file (see the module comment). */
export class TargetRows {
  private readonly probes = new Map<string, Promise<KeyedRows | null>>();
  private next = 0;
  private running = 0;

  private constructor(
    private readonly storage: Storage,
    private readonly snapshot: Snapshot,
    private readonly key: arrow.Field,
    private readonly groups: KeyGroups,
    /** The files that may hold a key of the batch. */
    readonly files: readonly Add[],
    /** Columns decoded at the located rows too. */
    private readonly payload: arrow.Schema | undefined,
  ) {
    this.pump();
  }

  /**
   * Starts locating the keys of `groups` (one key column) in `snapshot`,
   * decoding the target columns `payload` at the located rows in the same
   * read; null when the key is a partition column or the target lacks it.
   */
  static start(storage: Storage, snapshot: Snapshot, keys: readonly string[], groups: KeyGroups, payload: readonly string[] = []): TargetRows | null {
    if (keys.length !== 1 || snapshot.partitionColumns.includes(keys[0])) return null;
    const key = snapshot.arrowSchema.fields.find((f) => f.name === keys[0]);
    if (!key) return null;
    const range = keyRange(keyColumnsOf(groups.rows, keys)[0]);
    const k: KeyRange | null = range && { column: key.name, ...range };
    const files = snapshot.files().filter((add) => !k || mayHoldRanges(add, [k]));
    const wanted = payload.map((c) => snapshot.arrowSchema.fields.find((f) => f.name === c));
    // A payload column the files do not hold as data (a partition column) is read another way.
    const decoded = wanted.length > 0 && wanted.every((f) => f && !snapshot.partitionColumns.includes(f.name)) ? new arrow.Schema(wanted as arrow.Field[]) : undefined;
    return new TargetRows(storage, snapshot, key, groups, files, decoded);
  }

  /**
   * The rows of `add` whose key is one of the batch's, each with the first
   * event row of its key (KeyedRows.first, in the batch's row numbers) and
   * the payload columns at those rows;
   * null when the file cannot be probed by pages (the caller then reads it
   * its own way). Files outside {@link files} hold no key of the batch.
   */
  of(add: Add): Promise<KeyedRows | null> {
    return this.probes.get(add.path) ?? this.launch(add);
  }

  private launch(add: Add): Promise<KeyedRows | null> {
    this.running++;
    const p = probeKeyPages(this.storage, this.snapshot, add, this.key, this.groups.index, this.payload).finally(() => {
      this.running--;
      this.pump();
    });
    // Observed here: a probe nobody asks for again must not be reported as unhandled.
    p.catch(() => undefined);
    this.probes.set(add.path, p);
    return p;
  }

  private pump(): void {
    while (this.running < DEPTH && this.next < this.files.length) {
      const add = this.files[this.next++];
      if (!this.probes.has(add.path)) this.launch(add);
    }
  }
}
