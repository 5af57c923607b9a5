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

/** The typed arrays column buffers live in. */
export type BufferArray = Int8Array | Int16Array | Int32Array | Uint8Array | Uint32Array | Float32Array | Float64Array | BigInt64Array;

/**
 * `a` itself when it holds `needed` elements, else a grown array of the same
 * kind holding a copy of its first `used` elements.
 * @example `offsets = ensureCapacity(offsets, length + 1, length + 2)`
 */
export function ensureCapacity<A extends BufferArray>(a: A, used: number, needed: number): A {
  if (needed <= a.length) return a;
  const next = emptyLike(a, grow(a.length, needed));
  // One array kind on both sides; the union's overloads cannot see that.
  (next as Uint8Array).set((a as Uint8Array).subarray(0, used));
  return next;
}

/**
 * A zeroed array of the same kind as `a`, of `length` elements.
 * @example `emptyLike(new Float32Array(8), 0) // Float32Array []`
 */
export function emptyLike<A extends BufferArray>(a: A, length: number): A {
  return new (a.constructor as new (length: number) => A)(length);
}

/** The validity buffers of a finished column, as `arrow.makeData` takes them. */
export interface ValidityBuffers {
  nullBitmap: Uint8Array | undefined;
  nullCount: number;
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
  finish(length: number): ValidityBuffers {
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
 * The scaffolding every builder shares: capacity, null handling, the one-value
 * `append`, placeholders and `finish`. A type supplies `growTo` (its buffers),
 * `put` (write one accepted value) and `build` (hand off its buffers).
 * `appendColumn` loops over `append`; the flat primitive types override it with
 * a specialised loop.
 */
export abstract class BaseBuilder implements ColumnBuilder {
  length = 0;
  protected readonly validity = new Validity();
  /**
   * Slots the buffers hold without growing (0 again after `finish`). Kept here
   * so `append` checks a number instead of calling into the type per value.
   */
  private capacity = 0;

  constructor(
    readonly nullable: boolean,
    /** What a value must look like, for the ValueError. */
    protected readonly expected: string,
  ) {}

  /** Grows the buffers to hold `slots` slots, keeping the first `length`; returns the slots they now hold. */
  protected abstract growTo(slots: number): number;

  /**
   * Writes `v` into slot `n` (room reserved), including any end offset, and
   * returns true; returns false, writing nothing, when `v` does not fit the
   * type (null always returns false). Nested types may throw a child's ValueError.
   */
  protected abstract put(n: number, v: unknown): boolean;

  /** The column from this batch's buffers (`length` slots); starts the buffers over. */
  protected abstract build(length: number, validity: ValidityBuffers): arrow.Data;

  /** Makes room for `slots` slots in total (never changes `length`). */
  protected reserve(slots: number): void {
    if (slots > this.capacity) this.capacity = this.growTo(slots);
  }

  append(v: unknown): void {
    if (v == null && this.nullable) return this.appendPlaceholder();
    const n = this.length;
    if (n >= this.capacity) this.capacity = this.growTo(n + 1);
    if (!this.put(n, v)) throw new ValueError(v, this.expected);
    this.validity.setValid(n);
    this.length = n + 1;
  }

  /** Null when nullable, else a zero slot; offset-based types also close the slot. */
  appendPlaceholder(): void {
    const n = this.length;
    if (n >= this.capacity) this.capacity = this.growTo(n + 1);
    if (this.nullable) this.validity.setNull(n);
    this.length = n + 1;
  }

  /** `append` per row, with the per-builder state read once per column rather than per value. */
  appendColumn(rows: ArrayLike<RowLike>, count: number, key: string): void {
    this.reserve(this.length + count);
    const { validity, nullable } = this;
    let i = 0;
    try {
      for (; i < count; i++) {
        const v = rows[i]![key];
        const n = this.length;
        if (v == null && nullable) this.appendPlaceholder();
        else if (this.put(n, v)) {
          validity.setValid(n);
          this.length = n + 1;
        } else throw new ValueError(v, this.expected);
      }
    } catch (e) {
      if (e instanceof ValueError) e.index = i;
      throw e;
    }
  }

  finish(): arrow.Data {
    const length = this.length;
    const validity = this.validity.finish(length);
    this.length = 0;
    this.capacity = 0;
    return this.build(length, validity);
  }
}
