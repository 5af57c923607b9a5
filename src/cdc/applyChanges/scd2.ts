// SCD type 2 history of one key (pure): every event of the key, old and new,
// sorted by sequence and folded into versions [__START_AT, __END_AT). A
// change to a tracked column opens a new version; a change confined to
// untracked columns updates the open version in place; a delete closes it.
// Because the whole event list is folded, late events land at the right
// place in history and neighbouring intervals are re-cut.
import { compareEvent } from './keyState.ts';
import { DELETE, UPSERT, type SeqValue } from './sequence.ts';

/** One version of a key: where each column's value, and its interval bounds, come from (indexes into the event pool). */
export interface Version {
  /** Per output column, the pool row holding the value. */
  cols: Int32Array;
  /** Pool row whose sequence value is __START_AT. */
  start: number;
  /** Pool row whose sequence value is __END_AT, or -1 while current (NULL). */
  end: number;
}

/** The events available to the fold. */
export interface EventPool {
  order: readonly SeqValue[];
  kind: ArrayLike<number>;
  /** Per output column: whether row i holds a non-NULL value. */
  valid: readonly ((i: number) => boolean)[];
  /** Per output column: a value that is equal for equal values (tracked-column comparison). */
  value: readonly ((i: number) => unknown)[];
}

/** How a key's events are folded. */
export interface Scd2Rules {
  /** Indexes of the tracked output columns. */
  tracked: readonly number[];
  /** Per output column: NULLs in upserts keep the current version's value. */
  ignoreNull: readonly boolean[];
}

/**
 * Folds the events `rows` of one key (pool indexes in arrival order) into
 * its versions, oldest first. At equal sequence values a delete sorts after
 * an upsert (so it wins) and a later arrival after an earlier one; an upsert
 * at the sequence value the open version started at replaces that version's
 * values instead of opening an empty interval.
 *
 * @example
 * // a@1, b@5 (tracked change), delete@6  →  [1,5) a, [5,6) b
 * const versions = foldScd2([0, 1, 2], pool, { tracked: [1], ignoreNull: [false, false] });
 */
export function foldScd2(rows: readonly number[], pool: EventPool, rules: Scd2Rules): Version[] {
  const sorted = rows
    .map((r, arrival) => ({ r, arrival }))
    .sort((a, b) => compareEvent(pool.order[a.r], pool.kind[a.r] === UPSERT ? UPSERT : DELETE, pool.order[b.r], pool.kind[b.r] === UPSERT ? UPSERT : DELETE) || a.arrival - b.arrival)
    .map((x) => x.r);
  const ncols = pool.valid.length;
  const out: Version[] = [];
  let open: Version | null = null;
  for (const e of sorted) {
    if (pool.kind[e] !== UPSERT) {
      if (open) {
        open.end = e;
        out.push(open);
        open = null;
      }
      continue;
    }
    // The values the key has after e: e's, or with ignored NULLs, the open version's.
    const cols = new Int32Array(ncols).fill(e);
    if (open) for (let c = 0; c < ncols; c++) if (rules.ignoreNull[c] && !pool.valid[c](e)) cols[c] = open.cols[c];
    if (!open) {
      open = { cols, start: e, end: -1 };
      continue;
    }
    const same = rules.tracked.every((c) => equalValues(pool.value[c](open!.cols[c]), pool.value[c](cols[c])));
    if (same || compareEventsEqualSeq(pool, open.start, e)) {
      open.cols = cols;
      continue;
    }
    open.end = e;
    out.push(open);
    open = { cols, start: e, end: -1 };
  }
  if (open) out.push(open);
  return out;
}

function compareEventsEqualSeq(pool: EventPool, a: number, b: number): boolean {
  return compareEvent(pool.order[a], UPSERT, pool.order[b], UPSERT) === 0;
}

function equalValues(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b));
}
