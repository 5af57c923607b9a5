// SCD type 1 reduction of one micro-batch (pure): per key, the events that
// are newer than what the target already reflects, folded in sequence order
// into the key's outcome — deleted, or upserted with each column taken from
// the newest event (or, for columns ignoring NULL updates, from the newest
// event with a non-NULL value, else the current target row). Keys are the
// batch's KeyGroups and the outcome is columnar: a micro-batch of 200k keys
// makes no object per key. Its common case (integer sequences, no TRUNCATE,
// no ignored NULLs) runs natively in one pass (native/cdc/scd1_reduce.cc).
import * as arrow from 'apache-arrow';
import { native } from '../../native/addon.ts';
import type { ChangeBatch } from './changes.ts';
import { ApplyChangesError } from './errors.ts';
import type { KeyGroups } from './keyGroups.ts';
import { compareEvent, type GroupStates } from './keyState.ts';
import { keyTextAt } from './rowKey.ts';
import { compareSeq, DELETE, seqText, TRUNCATE, UPSERT, type SeqValue } from './sequence.ts';

/** Column source meaning "keep the target's current value". */
export const KEEP_OLD = -1;

/** What one micro-batch does to an SCD1 target: one entry per changed key, in the order of the keys' first events. */
export interface Scd1Plan {
  /** Changed keys. */
  count: number;
  /** An event row of each changed key (for its key values). */
  keyRow: Int32Array;
  /** The row of the last applied event: its sequence value is the key's new state, and (upserts) its values the new row. */
  seqRow: Int32Array;
  /** 1 when the key ends deleted. */
  deleted: Uint8Array;
  /** 1 when some column keeps the target's current value (the old row must be read). */
  needsOld: Uint8Array;
  /** With ignore-NULL columns: per output column, the event row each changed key's value comes from, or KEEP_OLD; null when every value comes from `seqRow`. */
  cols: Int32Array[] | null;
  /** When each new tombstone was made (wall-clock ms; 0 for live keys and for keys a TRUNCATE deleted). */
  at: Float64Array;
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
  /** The batch's events grouped by key. */
  groups: KeyGroups;
  /** The state of each group's key from earlier batches. */
  states: GroupStates;
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
 * const groups = KeyGroups.of(changes, ['id']);
 * const plan = reduceScd1(changes, { table: 't', keys: ['id'], ignoreNull: [false, false], groups, states, watermark: undefined, duplicates: 'resolve', now: Date.now() });
 */
export function reduceScd1(batch: ChangeBatch, ctx: Scd1Context): Scd1Plan {
  return reduceNatively(batch, ctx) ?? reduceInJs(batch, ctx);
}

const core = native as unknown as {
  scd1Reduce(
    leaders: Int32Array, next: Int32Array, kind: Uint8Array, seq: BigInt64Array | Int32Array, has: Uint8Array, stateSeq: BigInt64Array, stateRank: Uint8Array,
    watermark: BigInt64Array, now: number, duplicatesError: boolean,
  ): { count: number; keyRow: Int32Array; seqRow: Int32Array; deleted: Uint8Array; at: Float64Array; ignored: number } | { duplicate: [number, number, number] };
};

/**
 * The common case natively (native/cdc/scd1_reduce.cc): integer sequence
 * values (32/64-bit integers, microsecond timestamps, dates), no TRUNCATE in
 * the batch, no column ignoring NULL updates. Null otherwise.
 */
function reduceNatively(batch: ChangeBatch, ctx: Scd1Context): Scd1Plan | null {
  const { kind, seq } = batch;
  const t = seq.type;
  const integer =
    (t.typeId === arrow.Type.Int && (t as arrow.Int).isSigned && ((t as arrow.Int).bitWidth === 64 || (t as arrow.Int).bitWidth === 32)) ||
    (t.typeId === arrow.Type.Timestamp && (t as arrow.Timestamp).unit === arrow.TimeUnit.MICROSECOND) ||
    (t.typeId === arrow.Type.Date && (t as arrow.Date_).unit === arrow.DateUnit.DAY);
  if (!integer || seq.nullCount > 0 || seq.offset !== 0 || kind.includes(TRUNCATE) || ctx.ignoreNull.some((x) => x)) return null;
  const toInt = (v: SeqValue | undefined): bigint | null => (typeof v === 'bigint' ? v : typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : null);
  const watermark = new BigInt64Array(ctx.watermark === undefined ? 0 : 1);
  if (ctx.watermark !== undefined) {
    const w = toInt(ctx.watermark);
    if (w === null) return null;
    watermark[0] = w;
  }
  const { states, groups } = ctx;
  const n = kind.length;
  const stateSeq = new BigInt64Array(n);
  // States only exist when the flow read them: most batches have none.
  if (states.has.indexOf(1) >= 0) {
    for (let l = 0; l < n; l++) {
      if (!states.has[l]) continue;
      const v = toInt(states.seq[l]);
      if (v === null) return null;
      stateSeq[l] = v;
    }
  }
  const values = seq.values as BigInt64Array | Int32Array;
  const r = core.scd1Reduce(groups.leaders, groups.index.next, kind, values.subarray(0, n), states.has, stateSeq, states.rank, watermark, ctx.now, ctx.duplicates === 'error');
  if ('duplicate' in r) {
    const [a, b, leader] = r.duplicate;
    throw duplicateError(ctx, batch, leader, a, b);
  }
  const cap = groups.leaders.length;
  return {
    count: r.count, keyRow: r.keyRow, seqRow: r.seqRow, deleted: r.deleted, needsOld: new Uint8Array(cap), cols: null, at: r.at,
    truncateAt: undefined, ignoredEvents: r.ignored,
  };
}

function duplicateError(ctx: Scd1Context, batch: ChangeBatch, leader: number, a: number, b: number): ApplyChangesError {
  return new ApplyChangesError(
    `applyChanges into ${ctx.table}: two events for ${keyTextAt(batch.rows, ctx.keys, leader)} have the same sequence value ${seqText(batch.order[b])} ` +
      `(rows ${a} and ${b} of the micro-batch); there must be one distinct update per key per sequence value`,
  );
}

function reduceInJs(batch: ChangeBatch, ctx: Scd1Context): Scd1Plan {
  const { order, kind } = batch;
  const { groups, states } = ctx;
  const n = kind.length;
  const truncates: number[] = [];
  for (let i = 0; i < n; i++) if (kind[i] === TRUNCATE) truncates.push(i);
  const byOrder = (a: number, b: number) => compareEvent(order[a], kind[a], order[b], kind[b]) || a - b;
  truncates.sort(byOrder);
  let truncateAt: SeqValue | undefined;
  const lastTruncate = truncates.at(-1);
  if (lastTruncate !== undefined && (ctx.watermark === undefined || compareSeq(order[lastTruncate], ctx.watermark) > 0)) {
    truncateAt = order[lastTruncate];
  }

  const valid = batch.rows.data.children.map((d) => (i: number) => d.nullCount === 0 || d.getValid(i));
  const ncols = valid.length;
  // Without ignore-NULL columns every value comes from the last event: no per-key column arrays.
  const anyIgnoreNull = ctx.ignoreNull.some((x) => x);
  const cap = groups.leaders.length;
  const plan: Scd1Plan = {
    count: 0,
    keyRow: new Int32Array(cap),
    seqRow: new Int32Array(cap),
    deleted: new Uint8Array(cap),
    needsOld: new Uint8Array(cap),
    cols: anyIgnoreNull ? Array.from({ length: ncols }, () => new Int32Array(cap)) : null,
    at: new Float64Array(cap),
    truncateAt,
    ignoredEvents: 0,
  };
  const watermark = ctx.watermark;
  // Newer than the key's state (and than earlier TRUNCATEs); an upsert equal to a live state is a re-delivery or a tie: the later arrival wins.
  const applies = (i: number, leader: number) => {
    const rank = kind[i] === UPSERT ? UPSERT : DELETE;
    if (watermark !== undefined && compareEvent(order[i], rank, watermark, TRUNCATE) <= 0) return false;
    if (!states.has[leader]) return true;
    const c = compareEvent(order[i], rank, states.seq[leader], states.rank[leader]);
    return c > 0 || (c === 0 && rank === UPSERT);
  };
  const emit = (keyRow: number, seqRow: number, deleted: boolean, at: number): number => {
    const k = plan.count++;
    plan.keyRow[k] = keyRow;
    plan.seqRow[k] = seqRow;
    plan.deleted[k] = deleted ? 1 : 0;
    plan.at[k] = at;
    if (plan.cols) for (let c = 0; c < ncols; c++) plan.cols[c][k] = seqRow;
    return k;
  };

  const own: number[] = [];
  for (let g = 0; g < cap; g++) {
    const leader = groups.leaders[g];
    if (truncates.length === 0 && groups.single(leader)) {
      // One event and no TRUNCATE: the common case, without sorting or arrays.
      if (!applies(leader, leader)) {
        plan.ignoredEvents++;
        continue;
      }
      if (kind[leader] !== UPSERT) {
        emit(leader, leader, true, ctx.now);
        continue;
      }
      const k = emit(leader, leader, false, 0);
      // A single upsert builds on the target's current values.
      if (plan.cols) {
        for (let c = 0; c < ncols; c++) {
          if (ctx.ignoreNull[c] && !valid[c](leader)) {
            plan.cols[c][k] = KEEP_OLD;
            plan.needsOld[k] = 1;
          }
        }
      }
      continue;
    }
    own.length = 0;
    for (let i = leader; i >= 0; i = groups.nextOf(i)) own.push(i);
    own.sort(byOrder);
    if (ctx.duplicates === 'error') {
      for (let j = 1; j < own.length; j++) {
        if (compareSeq(order[own[j - 1]], order[own[j]]) === 0) throw duplicateError(ctx, batch, leader, own[j - 1], own[j]);
      }
    }
    const events = truncates.length > 0 ? [...own, ...truncates].sort(byOrder) : own;
    const effective = events.filter((i) => applies(i, leader));
    for (const i of own) if (!applies(i, leader)) plan.ignoredEvents++;
    if (effective.length === 0 || effective.every((i) => kind[i] === TRUNCATE)) {
      // Truncates alone are handled table-wide through truncateAt.
      continue;
    }
    const last = effective[effective.length - 1];
    if (kind[last] !== UPSERT) {
      emit(leader, last, true, kind[last] === TRUNCATE ? 0 : ctx.now);
      continue;
    }
    const k = emit(leader, last, false, 0);
    if (!plan.cols) continue;
    let from = effective.length - 1;
    while (from > 0 && kind[effective[from - 1]] === UPSERT) from--;
    // Without a delete in the chain the row builds on the target's current values.
    const onOld = from === 0;
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
      if (src === KEEP_OLD) plan.needsOld[k] = 1;
      plan.cols[c][k] = src;
    }
  }
  return plan;
}
