// Builders whose values live in one typed array at a fixed stride: the
// numeric, boolean, date, timestamp and decimal columns.
import * as arrow from 'apache-arrow';
import { BaseBuilder, emptyLike, ensureCapacity, type BufferArray, type ValidityBuffers } from './columnBuilder.ts';

/**
 * Buffer growth and hand-off for a fixed-width column. A type supplies `put`
 * (and usually a specialised `appendColumn`).
 */
export abstract class FixedWidthBuilder<A extends BufferArray> extends BaseBuilder {
  protected values: A;

  constructor(
    private readonly type: arrow.DataType,
    empty: A,
    nullable: boolean,
    expected: string,
    /** Array elements per slot: 4 words for decimal128, 1/8 byte for bit-packed bool. */
    private readonly width = 1,
  ) {
    super(nullable, expected);
    this.values = empty;
  }

  /** Array elements holding `slots` values. */
  private elements(slots: number): number {
    return Math.ceil(slots * this.width);
  }

  /** Called whenever `values` is replaced, so views over its buffer can follow. */
  protected rebind(): void {}

  protected growTo(slots: number): number {
    this.values = ensureCapacity(this.values, this.elements(this.length), this.elements(slots));
    this.rebind();
    return Math.floor(this.values.length / this.width);
  }

  protected build(length: number, validity: ValidityBuffers): arrow.Data {
    // makeData dispatches on the runtime type, whose buffer is exactly this typed array.
    const data = arrow.makeData({ type: this.type as arrow.Int, length, ...validity, data: this.values.subarray(0, this.elements(length)) as arrow.Int['TArray'] });
    this.values = emptyLike(this.values, 0);
    this.rebind();
    return data;
  }
}

/**
 * An int64-backed column (int64, timestamps) with a 32-bit word view over the
 * same buffer, so safe integers are stored without a heap BigInt (`writeInt64`).
 */
export abstract class Int64WordsBuilder extends FixedWidthBuilder<BigInt64Array> {
  protected words: Int32Array = new Int32Array(0);

  constructor(type: arrow.DataType, nullable: boolean, expected: string) {
    super(type, new BigInt64Array(0), nullable, expected);
  }

  protected override rebind(): void {
    this.words = new Int32Array(this.values.buffer);
  }
}
