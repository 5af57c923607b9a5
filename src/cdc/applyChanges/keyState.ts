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
