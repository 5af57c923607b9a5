// The events of a micro-batch grouped by key, without a JavaScript value per
// row: a null-safe KeyIndex over the key columns (NULL is an ordinary key in
// APPLY CHANGES). A group is named by its leader, the first event row of the
// key; TRUNCATE events belong to no group (their key columns mean nothing).
// Other batches' key columns (state files, target files) are probed against
// the groups, which is how a micro-batch finds its keys' state.
import type * as arrow from 'apache-arrow';
import type { Decoded } from '../../delta/maintenance/native-read.ts';
import { KeyIndex, type PageColumn } from '../merge/key-index.ts';
import type { ChangeBatch } from './changes.ts';
import { TRUNCATE } from './sequence.ts';

/** The key columns `keys` of a batch, in key order. */
export function keyColumnsOf(batch: arrow.RecordBatch, keys: readonly string[]): arrow.Data[] {
  return keys.map((k) => {
    const i = batch.schema.fields.findIndex((f) => f.name === k);
    if (i < 0) throw new Error(`key column '${k}' is missing (columns: ${batch.schema.fields.map((f) => f.name).join(', ')})`);
    return batch.data.children[i];
  });
}

/**
 * The groups of a change batch.
 *
 * @example
 * const groups = KeyGroups.of(changes, ['id']);
 * for (const l of groups.leaders) for (let i = l; i >= 0; i = groups.nextOf(i)) ... // the key's events in row order
 */
export class KeyGroups {
  /** Leaders in row order. */
  readonly leaders: Int32Array;
  /**
   * Per index representative row: the leader of its key's group (-1 when the
   * key has only truncates); null when the batch has no truncate, so every
   * representative is its group's leader.
   */
  private readonly leaderOfFirst: Int32Array | null;

  /** The index over every event's key (truncates included): `first` of a key is its first event row. */
  readonly index: KeyIndex;

  private constructor(index: KeyIndex, private readonly kind: Uint8Array, readonly rows: arrow.RecordBatch) {
    this.index = index;
    const n = kind.length;
    const first = index.first;
    if (!kind.includes(TRUNCATE)) {
      this.leaderOfFirst = null;
      this.leaders = new Int32Array(index.distinct);
      for (let i = 0, k = 0; i < n; i++) if (first[i] === i) this.leaders[k++] = i;
      return;
    }
    const leaderOfFirst = new Int32Array(n).fill(-1);
    let count = 0;
    for (let i = 0; i < n; i++) {
      if (kind[i] === TRUNCATE || leaderOfFirst[first[i]] >= 0) continue;
      leaderOfFirst[first[i]] = i;
      count++;
    }
    this.leaderOfFirst = leaderOfFirst;
    this.leaders = new Int32Array(count);
    for (let i = 0, k = 0; i < n; i++) if (kind[i] !== TRUNCATE && leaderOfFirst[first[i]] === i) this.leaders[k++] = i;
  }

  /** Rows of the batch. */
  get size(): number {
    return this.kind.length;
  }

  static of(changes: ChangeBatch, keys: readonly string[]): KeyGroups {
    return new KeyGroups(KeyIndex.build(keyColumnsOf(changes.rows, keys), { nullSafe: true }), changes.kind, changes.rows);
  }

  /** The next event row of the same group after row `i` (ascending), or -1. */
  nextOf(i: number): number {
    let j = this.index.next[i];
    while (j >= 0 && this.kind[j] === TRUNCATE) j = this.index.next[j];
    return j;
  }

  /** Whether the group led by `l` has a single event. */
  single(l: number): boolean {
    return this.nextOf(l) < 0;
  }

  /**
   * The rows of a Parquet key column (one key column only) whose key has a
   * group, each one's leader, and the payload columns at those rows, probed
   * page by page off the JS thread (see KeyIndex.probePages); null when the
   * column cannot be probed so.
   */
  async probePages(file: Uint8Array | number, column: PageColumn, type: arrow.DataType, payload: PageColumn[] = []): Promise<{ rows: Int32Array; leaders: Int32Array; payload: Decoded[] } | null> {
    const hits = await this.index.probePages(file, column, type, payload);
    if (!hits) return null;
    const leaders = hits.first;
    const map = this.leaderOfFirst;
    if (map) for (let i = 0; i < leaders.length; i++) leaders[i] = map[leaders[i]];
    return { rows: hits.rows, leaders, payload: hits.payload };
  }

  /** The leader of the group whose key's first event row is `first` (-1 when that key has only truncates). */
  leaderOf(first: number): number {
    return this.leaderOfFirst ? this.leaderOfFirst[first] : first;
  }

  /** The rows of `columns` (another batch's key columns) whose key has a group, ascending, and the leader of each. */
  hits(columns: readonly arrow.Data[]): { rows: Int32Array; leaders: Int32Array } {
    const hit = this.probe(columns);
    let n = 0;
    for (let i = 0; i < hit.length; i++) if (hit[i] >= 0) n++;
    const rows = new Int32Array(n);
    const leaders = new Int32Array(n);
    for (let i = 0, j = 0; i < hit.length; i++) {
      if (hit[i] < 0) continue;
      rows[j] = i;
      leaders[j++] = hit[i];
    }
    return { rows, leaders };
  }

  /** For each row of `columns` (another batch's key columns), the leader of the group with that key, or -1. */
  probe(columns: readonly arrow.Data[]): Int32Array {
    const hit = this.index.probe(columns);
    const map = this.leaderOfFirst;
    if (map) for (let i = 0; i < hit.length; i++) if (hit[i] >= 0) hit[i] = map[hit[i]];
    return hit;
  }
}
