// Exactly-once numbering of micro-batches for the committing sinks (toDelta,
// applyChanges): the `txn` id each batch commits under, and which batches
// are replays of ones already committed.

/** Assigns micro-batch ids, continuing after the table's committed one or taken from the caller. */
export class BatchNumbering<B> {
  /** The batch id committed when the sink started (undefined: none). */
  private committed: number | undefined;
  private lastId = -1;
  /** The last explicit id seen in this run: explicit ids must increase, replayed ones included. */
  private previous = -1;

  /** `batchIdOf`: ids from a deterministically replaying source; without it numbering continues the count. */
  constructor(private readonly batchIdOf: ((batch: B, index: number) => number) | undefined) {}

  /** Whether ids come from the caller rather than the count. */
  get explicit(): boolean {
    return this.batchIdOf !== undefined;
  }

  /** Starts after `committed`, the table's `txn` version for the appId. */
  start(committed: number | undefined): void {
    this.committed = committed;
    this.lastId = committed ?? -1;
    this.previous = -1;
  }

  /**
   * The id of the next batch, and whether it is a replay (an explicit id the
   * table committed before the sink started, so it must be skipped).
   * @throws RangeError naming `where` when an explicit id is invalid or goes back
   * @example `const { batchId, replay } = numbering.next(batch, index, 'toDelta (…)')`
   */
  next(batch: B, index: number, where: string): { batchId: number; replay: boolean } {
    let batchId: number;
    if (this.batchIdOf) {
      batchId = this.batchIdOf(batch, index);
      if (!Number.isSafeInteger(batchId) || batchId < 0) throw new RangeError(`${where}: batchId must be an integer ≥ 0, got ${batchId}`);
      // Strictly increasing within the run: an id that falls back after newer
      // ones would otherwise look like a replay and be skipped silently.
      if (batchId <= this.previous) {
        throw new RangeError(`${where}: batch ids must increase; got ${batchId} after ${this.previous}`);
      }
      this.previous = batchId;
    } else {
      batchId = this.lastId + 1;
    }
    this.lastId = Math.max(this.lastId, batchId);
    return { batchId, replay: this.explicit && this.committed !== undefined && batchId <= this.committed };
  }

  /**
   * Throws when the table skipped a counted batch as already committed: the
   * count continued after the id read at start, so another writer with the
   * same appId committed this id meanwhile.
   */
  checkSkipped(skipped: boolean, batchId: number, where: string, runner: 'pipeline' | 'flow'): void {
    if (skipped && !this.explicit) {
      throw new Error(`${where}: batch ${batchId} was committed by another writer with the same appId while this ${runner} ran; run one ${runner} per appId`);
    }
  }
}
