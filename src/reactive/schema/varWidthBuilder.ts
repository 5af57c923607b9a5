// Builders of variable-width columns (utf8, binary): offsets plus a byte heap.
import * as arrow from 'apache-arrow';
import { BaseBuilder, type ValidityBuffers } from './columnBuilder.ts';
import { VarBytes } from './varBytes.ts';

/**
 * Capacity, slot closing and hand-off for a variable-width column. A type
 * supplies `put`, which writes the bytes and closes the slot with `close`.
 */
export abstract class VarWidthBuilder extends BaseBuilder {
  protected readonly heap = new VarBytes();

  constructor(
    private readonly type: arrow.Utf8 | arrow.Binary,
    nullable: boolean,
    expected: string,
  ) {
    super(nullable, expected);
  }

  protected growTo(slots: number): number {
    this.heap.reserveSlots(this.length, slots - this.length);
    return this.heap.offsets.length - 1;
  }

  /** Ends slot `n` at the heap's current end. */
  protected close(n: number): void {
    this.heap.offsets[n + 1] = this.heap.end;
  }

  override appendPlaceholder(): void {
    super.appendPlaceholder();
    this.close(this.length - 1);
  }

  protected build(length: number, validity: ValidityBuffers): arrow.Data {
    const { valueOffsets, data } = this.heap.finish(length);
    return arrow.makeData({ type: this.type as arrow.Utf8, length, ...validity, valueOffsets, data });
  }
}
