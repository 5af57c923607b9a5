// What APPLY CHANGES remembers per key between micro-batches (SCD1): the
// sequence value and kind of the last applied event, so older events that
// arrive later are ignored, and — for deletes — when the tombstone was made,
// so it can be garbage-collected after the retention threshold.
import { compareSeq, DELETE, UPSERT, type SeqValue } from './sequence.ts';

/** The last applied event of one key. */
export interface KeyState {
  seq: SeqValue;
  /** UPSERT (the key is live) or DELETE (a tombstone). */
  rank: typeof UPSERT | typeof DELETE;
  /** Wall-clock ms when a tombstone was made (0 for live keys). */
  at: number;
}

/** Order of (seq, rank) pairs: at equal sequence values a delete is the later event. */
export function compareEvent(aSeq: SeqValue, aRank: number, bSeq: SeqValue, bRank: number): number {
  return compareSeq(aSeq, bSeq) || Math.sign(aRank - bRank);
}

/**
 * The state of each key group of a micro-batch, indexed by the group's
 * leader row (see KeyGroups): columns, not one object per key.
 */
export class GroupStates {
  /** 1 when the group's key has a state. */
  readonly has: Uint8Array;
  readonly seq: SeqValue[];
  readonly rank: Uint8Array;
  readonly at: Float64Array;

  constructor(rows: number) {
    this.has = new Uint8Array(rows);
    this.seq = new Array<SeqValue>(rows);
    this.rank = new Uint8Array(rows);
    this.at = new Float64Array(rows);
  }

  set(leader: number, seq: SeqValue, rank: typeof UPSERT | typeof DELETE, at: number): void {
    this.has[leader] = 1;
    this.seq[leader] = seq;
    this.rank[leader] = rank;
    this.at[leader] = at;
  }

  /** Forgets the state of a group (a collected tombstone). */
  clear(leader: number): void {
    this.has[leader] = 0;
  }
}
