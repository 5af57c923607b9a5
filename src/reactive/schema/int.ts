// Signed integer columns. int8/16/32 take JS numbers that are integers in range;
// int64 takes a safe-integer number or a bigint in range (never a string: a
// string is rejected rather than silently parsed).
import * as arrow from 'apache-arrow';
import { BaseBuilder, grow, writeInt64, type RowLike } from './columnBuilder.ts';
import { FieldType } from './field.ts';
import { ValueError } from './valueError.ts';

type SmallIntArray = Int8Array | Int16Array | Int32Array;
type SmallIntCtor = new (length: number) => SmallIntArray;

const INTEGER_TEXT = /^[+-]?\d+$/;

class SmallIntType extends FieldType<number, false> {
  readonly expected: string;
  constructor(
    readonly typeName: 'int8' | 'int16' | 'int32',
    private readonly bits: 8 | 16 | 32,
  ) {
    super();
    this.expected = `${typeName} (an integer number in [${-(2 ** (bits - 1))}, ${2 ** (bits - 1) - 1}])`;
  }
  toArrowType(): arrow.DataType {
    return this.bits === 8 ? new arrow.Int8() : this.bits === 16 ? new arrow.Int16() : new arrow.Int32();
  }
  createBuilder(): SmallIntBuilder {
    const ctor: SmallIntCtor = this.bits === 8 ? Int8Array : this.bits === 16 ? Int16Array : Int32Array;
    return new SmallIntBuilder(this.toArrowType(), ctor, this.bits, this.isNullable, this.expected);
  }
  override fromText(text: string): unknown {
    const t = text.trim();
    return INTEGER_TEXT.test(t) ? Number(t) : text;
  }
}

class SmallIntBuilder extends BaseBuilder {
  private values: SmallIntArray;
  private readonly min: number;
  private readonly max: number;

  constructor(
    private readonly type: arrow.DataType,
    private readonly ctor: SmallIntCtor,
    bits: number,
    nullable: boolean,
    private readonly expected: string,
  ) {
    super(nullable);
    this.values = new ctor(0);
    this.min = -(2 ** (bits - 1));
    this.max = 2 ** (bits - 1) - 1;
  }

  private reserve(n: number): void {
    if (n > this.values.length) {
      const next = new this.ctor(grow(this.values.length, n));
      next.set(this.values.subarray(0, this.length));
      this.values = next;
    }
  }

  append(v: unknown): void {
    const n = this.length;
    if (typeof v === 'number' && Number.isInteger(v) && v >= this.min && v <= this.max) {
      this.reserve(n + 1);
      this.values[n] = v;
      this.validity.setValid(n);
    } else if (v == null && this.nullable) {
      this.reserve(n + 1);
      this.validity.setNull(n);
    } else {
      throw new ValueError(v, this.expected);
    }
    this.length = n + 1;
  }

  appendPlaceholder(): void {
    const n = this.length;
    this.reserve(n + 1);
    if (this.nullable) this.validity.setNull(n);
    this.length = n + 1;
  }

  override appendColumn(rows: ArrayLike<RowLike>, count: number, key: string): void {
    this.reserve(this.length + count);
    const { values, validity, min, max, nullable } = this;
    let n = this.length;
    for (let i = 0; i < count; i++, n++) {
      const v = rows[i]![key];
      if (typeof v === 'number' && (v | 0) === v && v >= min && v <= max) {
        values[n] = v;
        validity.setValid(n);
      } else if (v == null && nullable) {
        validity.setNull(n);
      } else {
        this.length = n;
        throw new ValueError(v, this.expected, i);
      }
    }
    this.length = n;
  }

  finish(): arrow.Data {
    const length = this.length;
    const { nullBitmap, nullCount } = this.validity.finish(length);
    const data = arrow.makeData({ type: this.type as arrow.Int32, length, nullCount, nullBitmap, data: this.values.subarray(0, length) as Int32Array });
    this.values = new this.ctor(0);
    this.length = 0;
    return data;
  }
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

class Int64Type extends FieldType<number | bigint, false> {
  readonly typeName = 'int64';
  readonly expected = 'int64 (a safe-integer number or a bigint)';
  toArrowType(): arrow.DataType {
    return new arrow.Int64();
  }
  createBuilder(): Int64Builder {
    return new Int64Builder(this.isNullable, this.expected);
  }
  override fromText(text: string): unknown {
    const t = text.trim();
    return INTEGER_TEXT.test(t) ? BigInt(t) : text;
  }
}

/**
 * Converts an int64 input to bigint, or undefined when it does not fit.
 * @example `toInt64(5) === 5n; toInt64(2 ** 53) === undefined; toInt64('5') === undefined`
 */
export function toInt64(v: unknown): bigint | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? BigInt(v) : undefined;
  if (typeof v === 'bigint') return v >= INT64_MIN && v <= INT64_MAX ? v : undefined;
  return undefined;
}

class Int64Builder extends BaseBuilder {
  private values = new BigInt64Array(0);
  private words = new Int32Array(0);

  constructor(
    nullable: boolean,
    private readonly expected: string,
  ) {
    super(nullable);
  }

  private reserve(n: number): void {
    if (n > this.values.length) {
      const next = new BigInt64Array(grow(this.values.length, n));
      next.set(this.values.subarray(0, this.length));
      this.values = next;
      this.words = new Int32Array(next.buffer);
    }
  }

  append(v: unknown): void {
    const n = this.length;
    const x = toInt64(v);
    if (x !== undefined) {
      this.reserve(n + 1);
      this.values[n] = x;
      this.validity.setValid(n);
    } else if (v == null && this.nullable) {
      this.reserve(n + 1);
      this.validity.setNull(n);
    } else {
      throw new ValueError(v, this.expected);
    }
    this.length = n + 1;
  }

  appendPlaceholder(): void {
    const n = this.length;
    this.reserve(n + 1);
    if (this.nullable) this.validity.setNull(n);
    this.length = n + 1;
  }

  override appendColumn(rows: ArrayLike<RowLike>, count: number, key: string): void {
    this.reserve(this.length + count);
    const { values, words, validity, nullable } = this;
    let n = this.length;
    for (let i = 0; i < count; i++, n++) {
      const v = rows[i]![key];
      if (typeof v === 'number' && Number.isSafeInteger(v)) {
        writeInt64(words, n, v);
        validity.setValid(n);
      } else if (typeof v === 'bigint' && v >= INT64_MIN && v <= INT64_MAX) {
        values[n] = v;
        validity.setValid(n);
      } else if (v == null && nullable) {
        validity.setNull(n);
      } else {
        this.length = n;
        throw new ValueError(v, this.expected, i);
      }
    }
    this.length = n;
  }

  finish(): arrow.Data {
    const length = this.length;
    const { nullBitmap, nullCount } = this.validity.finish(length);
    const data = arrow.makeData({ type: new arrow.Int64(), length, nullCount, nullBitmap, data: this.values.subarray(0, length) });
    this.values = new BigInt64Array(0);
    this.words = new Int32Array(0);
    this.length = 0;
    return data;
  }
}

/**
 * An 8-bit signed integer column (Delta `byte`).
 * @example `schema({ level: int8() })` accepts `{ level: -3 }`
 */
export function int8(): FieldType<number, false> {
  return new SmallIntType('int8', 8);
}

/**
 * A 16-bit signed integer column (Delta `short`).
 * @example `schema({ year: int16() })` accepts `{ year: 2026 }`
 */
export function int16(): FieldType<number, false> {
  return new SmallIntType('int16', 16);
}

/**
 * A 32-bit signed integer column (Delta `integer`); input is an integer number in range.
 * @example `schema({ customer_id: int32() })` accepts `{ customer_id: 42 }`
 */
export function int32(): FieldType<number, false> {
  return new SmallIntType('int32', 32);
}

/**
 * A 64-bit signed integer column (Delta `long`). Input is a safe-integer
 * number (|n| ≤ 2^53−1) or a bigint; Arrow reads it back as bigint.
 * @example `schema({ id: int64() })` accepts `{ id: 1 }` and `{ id: 9007199254740993n }`
 */
export function int64(): FieldType<number | bigint, false> {
  return new Int64Type();
}
