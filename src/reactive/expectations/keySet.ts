// A Set of row keys without V8's limit of 2^24 entries per Set: further keys
// go into additional Sets (lookups check each; there are few).
import type { RowKey } from './rowKeys.ts';

const MAX_PER_SET = 1 << 24;

/** A set of row keys that can grow past 16.7 M entries. */
export class KeySet {
  private readonly sets: Set<RowKey>[] = [new Set()];

  /** `maxPerSet` is V8's limit; smaller values are for tests. */
  constructor(private readonly maxPerSet = MAX_PER_SET) {}

  has(key: RowKey): boolean {
    const sets = this.sets;
    if (sets.length === 1) return sets[0]!.has(key);
    for (const s of sets) if (s.has(key)) return true;
    return false;
  }

  add(key: RowKey): void {
    if (this.has(key)) return;
    let last = this.sets[this.sets.length - 1]!;
    if (last.size >= this.maxPerSet) this.sets.push((last = new Set()));
    last.add(key);
  }

  get size(): number {
    return this.sets.reduce((n, s) => n + s.size, 0);
  }
}
