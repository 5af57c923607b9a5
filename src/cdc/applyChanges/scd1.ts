// SCD type 1 reduction of one micro-batch (pure): per key, the events that
// are newer than what the target already reflects, folded in sequence order
// into the key's outcome — deleted, or upserted with each column taken from
// the newest event (or, for columns ignoring NULL updates, from the newest
// event with a non-NULL value, else the current target row).
import type { ChangeBatch } from './changes.ts';
import { ApplyChangesError } from './errors.ts';
import { compareEvent, type KeyState } from './keyState.ts';
import { keyText, type RowKey } from './rowKey.ts';
import { compareSeq, DELETE, seqText, TRUNCATE, UPSERT, type SeqValue } from './sequence.ts';

/** Column source meaning "keep the target's current value". */
export const KEEP_OLD = -1;

/** The outcome for one key of a micro-batch. */
export interface Scd1Change {
  key: RowKey;
  deleted: boolean;
  /** Upserts: per output column, the event row its value comes from, or KEEP_OLD; null when every column comes from `seqRow` (and for deletes). */
  cols: Int32Array | null;
  /** Whether some column keeps the target's current value (the old row must be read). */
  needsOld: boolean;
  /** The state the key has after the batch. */
  state: KeyState;
  /** An event row of the key (for its key values) and the row whose sequence value `state` holds. */
  keyRow: number;
  seqRow: number;
}

/** What one micro-batch does to an SCD1 target. */
export interface Scd1Plan {
  changes: Map<RowKey, Scd1Change>;
  /** The greatest TRUNCATE sequence value that takes effect, if any: keys whose state is older lose their rows. */
  truncateAt: SeqValue | undefined;
  /** Events ignored because the target already reflects a newer (or equal) event for their key. */
  ignoredEvents: number;
}

/** Inputs of {@link reduceScd1} besides the batch. */
export interface Scd1Context {
  table: string;
  keys: readonly string[];
  /** Per output column: NULLs in upserts keep the old value. */
  ignoreNull: readonly boolean[];
  /** The state of a key from earlier batches. */
  stateOf: (key: RowKey) => KeyState | undefined;
  /** The greatest TRUNCATE applied by earlier batches. */
  watermark: SeqValue | undefined;
  duplicates: 'resolve' | 'error';
  /** Wall-clock ms recorded on new tombstones. */
  now: number;
}

/**
 * Reduces a micro-batch for SCD type 1: latest sequence wins per key; an
 * event not newer than the key's state (or than an earlier TRUNCATE) is
 * ignored; a delete leaves a tombstone state; at equal sequence values a
 * delete beats an upsert and otherwise the later arrival wins.
 *
 * @example
 * const plan = reduceScd1(changes, { table: 't', keys: ['id'], ignoreNull: [false, false], stateOf: (k) => states.get(k), watermark: undefined, duplicates: 'resolve', now: Date.now() });
 */
export function reduceScd1(batch: ChangeBatch, ctx: Scd1Context): Scd1Plan {
  const n = batch.kind.length;
  const byKey = new Map<RowKey, number[]>();
  const truncates: number[] = [];
  for (let i = 0; i < n; i++) {
    if (batch.kind[i] === TRUNCATE) {
      truncates.push(i);
      continue;
    }
    const list = byKey.get(batch.keys[i]);
    if (list) list.push(i);
    else byKey.set(batch.keys[i], [i]);
  }
  const byOrder = (a: number, b: number) => compareEvent(batch.order[a], batch.kind[a], batch.order[b], batch.kind[b]) || a - b;
  truncates.sort(byOrder);
  let truncateAt: SeqValue | undefined;
  const lastTruncate = truncates.at(-1);
  if (lastTruncate !== undefined && (ctx.watermark === undefined || compareSeq(batch.order[lastTruncate], ctx.watermark) > 0)) {
    truncateAt = batch.order[lastTruncate];
  }

  const valid = batch.rows.data.children.map((d) => (i: number) => d.nullCount === 0 || d.getValid(i));
  const ncols = valid.length;
  // Without ignore-NULL columns every value comes from the last event: no per-key column array.
  const anyIgnoreNull = ctx.ignoreNull.some((x) => x);
  const changes = new Map<RowKey, Scd1Change>();
  let ignoredEvents = 0;
  for (const [key, own] of byKey) {
    own.sort(byOrder);
    if (ctx.duplicates === 'error') {
      for (let j = 1; j < own.length; j++) {
        if (compareSeq(batch.order[own[j - 1]], batch.order[own[j]]) === 0) {
          throw new ApplyChangesError(
            `applyChanges into ${ctx.table}: two events for ${keyText(ctx.keys, key)} have the same sequence value ${seqText(batch.order[own[j]])} ` +
              `(rows ${own[j - 1]} and ${own[j]} of the micro-batch); there must be one distinct update per key per sequence value`,
          );
        }
      }
    }
    const events = truncates.length > 0 ? [...own, ...truncates].sort(byOrder) : own;
    const state = ctx.stateOf(key);
    // Newer than the key's state; an upsert equal to a live state is a re-delivery or a tie: the later arrival wins.
    const applies = (i: number) => {
      const rank = batch.kind[i] === UPSERT ? UPSERT : DELETE;
      if (ctx.watermark !== undefined && compareEvent(batch.order[i], rank, ctx.watermark, TRUNCATE) <= 0) return false;
      if (!state) return true;
      const c = compareEvent(batch.order[i], rank, state.seq, state.rank);
      return c > 0 || (c === 0 && rank === UPSERT);
    };
    const effective = events.filter(applies);
    for (const i of own) if (!applies(i)) ignoredEvents++;
    if (effective.length === 0 || effective.every((i) => batch.kind[i] === TRUNCATE)) {
      // Truncates alone are handled table-wide through truncateAt.
      continue;
    }
    const last = effective[effective.length - 1];
    if (batch.kind[last] !== UPSERT) {
      const at = batch.kind[last] === TRUNCATE ? 0 : ctx.now;
      changes.set(key, { key, deleted: true, cols: null, needsOld: false, state: { seq: batch.order[last], rank: DELETE, at }, keyRow: own[0], seqRow: last });
      continue;
    }
    let from = effective.length - 1;
    while (from > 0 && batch.kind[effective[from - 1]] === UPSERT) from--;
    if (!anyIgnoreNull) {
      changes.set(key, { key, deleted: false, cols: null, needsOld: false, state: { seq: batch.order[last], rank: UPSERT, at: 0 }, keyRow: own[0], seqRow: last });
      continue;
    }
    // Without a delete in the chain the row builds on the target's current values.
    const onOld = from === 0;
    const cols = new Int32Array(ncols).fill(last);
    let needsOld = false;
    for (let c = 0; c < ncols; c++) {
      if (!ctx.ignoreNull[c]) continue;
      let src = KEEP_OLD;
      for (let j = effective.length - 1; j >= from; j--) {
        if (valid[c](effective[j])) {
          src = effective[j];
          break;
        }
      }
      if (src === KEEP_OLD && !onOld) src = last; // nothing to keep: NULL
      if (src === KEEP_OLD) needsOld = true;
      cols[c] = src;
    }
    changes.set(key, { key, deleted: false, cols, needsOld, state: { seq: batch.order[last], rank: UPSERT, at: 0 }, keyRow: own[0], seqRow: last });
  }
  return { changes, truncateAt, ignoredEvents };
}
