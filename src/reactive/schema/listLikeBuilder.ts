// Builders of list-like columns (list, map): per-slot offsets into child
// columns that hold the items.
import * as arrow from 'apache-arrow';
import { BaseBuilder, ensureCapacity, type ColumnBuilder, type ValidityBuffers } from './columnBuilder.ts';

/**
 * Offsets, slot closing and hand-off for a list-like column. A type supplies
 * `put` (append the items to the children, then `close`) and `finishChild`.
 */
export abstract class ListLikeBuilder extends BaseBuilder {
  private offsets = new Int32Array(1);

  constructor(
    private readonly type: arrow.List | arrow.Map_,
    /** The child whose length marks where each slot ends (a map's keys). */
    private readonly items: ColumnBuilder,
    nullable: boolean,
    expected: string,
  ) {
    super(nullable, expected);
  }

  /** The single child column of the finished list (a map's entries struct). */
  protected abstract finishChild(): arrow.Data;

  protected growTo(slots: number): number {
    this.offsets = ensureCapacity(this.offsets, this.length + 1, slots + 1);
    return this.offsets.length - 1;
  }

  /** Ends slot `n` after the items appended so far. */
  protected close(n: number): void {
    this.offsets[n + 1] = this.items.length;
  }

  override appendPlaceholder(): void {
    super.appendPlaceholder();
    this.close(this.length - 1);
  }

  protected build(length: number, validity: ValidityBuffers): arrow.Data {
    const valueOffsets = this.offsets.subarray(0, length + 1);
    const child = this.finishChild();
    this.offsets = new Int32Array(1);
    return arrow.makeData({ type: this.type as arrow.List, length, ...validity, valueOffsets, child });
  }
}
