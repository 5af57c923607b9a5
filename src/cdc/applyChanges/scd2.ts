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
  /** The pool row holding the version's values. */
  row: number;
  /** Per output column, the pool row holding the value, when some column's comes from another row (ignored NULLs); else null. */
  cols: Int32Array | null;
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
  /** Per output column: whether rows a and b hold the same value (NULL equals NULL; tracked-column comparison). */
  same: readonly ((a: number, b: number) => boolean)[];
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
  const sorted = inEventOrder(rows, pool);
  const ncols = pool.valid.length;
  const anyIgnoreNull = rules.ignoreNull.some((x) => x);
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
    let cols: Int32Array | null = null;
    if (open && anyIgnoreNull) {
      for (let c = 0; c < ncols; c++) {
        if (!rules.ignoreNull[c] || pool.valid[c](e)) continue;
        cols ??= new Int32Array(ncols).fill(e);
        cols[c] = columnRow(open, c);
      }
    }
    if (!open) {
      open = { row: e, cols, start: e, end: -1 };
      continue;
    }
    let same = true;
    for (const c of rules.tracked) {
      if (!pool.same[c](columnRow(open, c), cols ? cols[c] : e)) {
        same = false;
        break;
      }
    }
    if (same || compareEventsEqualSeq(pool, open.start, e)) {
      open.row = e;
      open.cols = cols;
      continue;
    }
    open.end = e;
    out.push(open);
    open = { row: e, cols, start: e, end: -1 };
  }
  if (open) out.push(open);
  return out;
}

/** The pool row holding column `c` of a version. */
export function columnRow(v: Version, c: number): number {
  return v.cols ? v.cols[c] : v.row;
}

/** The rows sorted by event order, ties in arrival order; the rows themselves when already so (the usual case: events arrive in order). */
function inEventOrder(rows: readonly number[], pool: EventPool): readonly number[] {
  const compare = (a: number, b: number) => compareEvent(pool.order[a], pool.kind[a] === UPSERT ? UPSERT : DELETE, pool.order[b], pool.kind[b] === UPSERT ? UPSERT : DELETE);
  let ordered = true;
  for (let i = 1; i < rows.length && ordered; i++) ordered = compare(rows[i - 1], rows[i]) <= 0;
  if (ordered) return rows;
  return rows
    .map((r, arrival) => ({ r, arrival }))
    .sort((a, b) => compare(a.r, b.r) || a.arrival - b.arrival)
    .map((x) => x.r);
}

function compareEventsEqualSeq(pool: EventPool, a: number, b: number): boolean {
  return compareEvent(pool.order[a], UPSERT, pool.order[b], UPSERT) === 0;
}
