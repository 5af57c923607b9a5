// The contract between a field type and the sources: a builder appends plain JS
// values into preallocated typed arrays and hands the finished buffers to Arrow
// as one `Data`, then starts over for the next batch.
import type * as arrow from 'apache-arrow';
import { ValueError } from './valueError.ts';

/** Rows as the sources hold them: plain objects, read column by column. */
export type RowLike = Readonly<Record<string, unknown>>;

/** Appends JS values of one column into Arrow buffers. */
export interface ColumnBuilder {
  /** Values appended since the last `finish()`. */
  readonly length: number;
  /**
   * Appends one value; `null`/`undefined` is a null slot when the field is
   * nullable. Throws a ValueError (nothing appended) when the value does not fit.
   */
  append(value: unknown): void;
  /**
   * Appends `rows[i][key]` for `i` in `[0, count)`: the hot path, one tight
   * loop per column. A ValueError carries the offending `index`.
   */
  appendColumn(rows: ArrayLike<RowLike>, count: number, key: string): void;
  /**
   * Appends a slot for a null parent (struct/list): null when nullable, else a
   * zero value the parent's validity hides.
   */
  appendPlaceholder(): void;
  /** Returns the built column and resets the builder (buffers are handed off). */
  finish(): arrow.Data;
}

// The word view below and Arrow's buffers assume a little-endian host (all
// platforms Node supports in practice); fail loudly rather than write garbage.
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('tributary: column builders need a little-endian host');

/**
 * Writes a safe integer into slot `i` of an int64 column through its 32-bit
 * word view, avoiding a heap BigInt per value.
 * @example `writeInt64(new Int32Array(values.buffer), 0, -1) // values[0] === -1n`
 */
export function writeInt64(words: Int32Array, i: number, v: number): void {
  words[2 * i] = v >>> 0;
  words[2 * i + 1] = Math.floor(v / 4294967296);
}

/**
 * Capacity after growth: doubles, at least `needed`.
 * @example `grow(16, 100) === 128`
 */
export function grow(capacity: number, needed: number): number {
  let c = Math.max(16, capacity);
  while (c < needed) c *= 2;
  return c;
}

/** A validity bitmap that is only allocated once the first null arrives. */
export class Validity {
  bits: Uint8Array | null = null;
  nullCount = 0;

  /** Marks slot `i` valid; cheap no-op while there are no nulls. */
  setValid(i: number): void {
    const b = this.bits;
    if (b !== null) {
      if (i >> 3 >= b.length) this.bits = growBits(b, i);
      this.bits![i >> 3]! |= 1 << (i & 7);
    }
  }

  /** Marks slot `i` null; the first null back-fills all earlier slots as valid. */
  setNull(i: number): void {
    let b = this.bits;
    if (b === null) {
      b = new Uint8Array(Math.max(8, ((i + 8) >> 3) * 2));
      b.fill(0xff, 0, i >> 3);
      for (let j = i & ~7; j < i; j++) b[j >> 3]! |= 1 << (j & 7);
      this.bits = b;
    } else if (i >> 3 >= b.length) {
      b = this.bits = growBits(b, i);
    }
    b[i >> 3]! &= ~(1 << (i & 7));
    this.nullCount++;
  }

  /** The bitmap for `length` slots (undefined when there were no nulls), then resets. */
  finish(length: number): { nullBitmap: Uint8Array | undefined; nullCount: number } {
    const bits = this.bits;
    const nullCount = this.nullCount;
    this.bits = null;
    this.nullCount = 0;
    return { nullBitmap: bits ? bits.subarray(0, (length + 7) >> 3) : undefined, nullCount };
  }
}

function growBits(b: Uint8Array, i: number): Uint8Array {
  const next = new Uint8Array(Math.max(b.length * 2, (i >> 3) + 1));
  next.set(b);
  return next;
}

/**
 * Shared shape of the builders: `append` for one value, `appendColumn` looping
 * over rows. Subclasses override `appendColumn` with a specialised loop where it
 * pays (the flat primitive types).
 */
export abstract class BaseBuilder implements ColumnBuilder {
  length = 0;
  protected readonly validity = new Validity();

  constructor(readonly nullable: boolean) {}

  abstract append(value: unknown): void;
  abstract appendPlaceholder(): void;
  abstract finish(): arrow.Data;

  appendColumn(rows: ArrayLike<RowLike>, count: number, key: string): void {
    let i = 0;
    try {
      for (; i < count; i++) this.append(rows[i]![key]);
    } catch (e) {
      if (e instanceof ValueError) e.index = i;
      throw e;
    }
  }
}
