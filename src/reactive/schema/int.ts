// Signed integer columns. int8/16/32 take JS numbers that are integers in range;
// int64 takes a safe-integer number or a bigint in range (never a string: a
// string is rejected rather than silently parsed).
import * as arrow from 'apache-arrow';
import { writeInt64, type RowLike } from './columnBuilder.ts';
import { FixedWidthBuilder, Int64WordsBuilder } from './fixedWidthBuilder.ts';
import { FieldType } from './field.ts';
import { ValueError } from './valueError.ts';

type SmallIntArray = Int8Array | Int16Array | Int32Array;

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
    const empty = this.bits === 8 ? new Int8Array(0) : this.bits === 16 ? new Int16Array(0) : new Int32Array(0);
    return new SmallIntBuilder(this.toArrowType(), empty, this.bits, this.isNullable, this.expected);
  }
  override fromText(text: string): unknown {
    const t = text.trim();
    return INTEGER_TEXT.test(t) ? Number(t) : text;
  }
}

class SmallIntBuilder extends FixedWidthBuilder<SmallIntArray> {
  private readonly min: number;
  private readonly max: number;

  constructor(type: arrow.DataType, empty: SmallIntArray, bits: number, nullable: boolean, expected: string) {
    super(type, empty, nullable, expected);
    this.min = -(2 ** (bits - 1));
    this.max = 2 ** (bits - 1) - 1;
  }

  protected put(n: number, v: unknown): boolean {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < this.min || v > this.max) return false;
    this.values[n] = v;
    return true;
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
}

/** The int64 range, for bigint inputs. */
export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

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

class Int64Builder extends Int64WordsBuilder {
  constructor(nullable: boolean, expected: string) {
    super(new arrow.Int64(), nullable, expected);
  }

  protected put(n: number, v: unknown): boolean {
    const x = toInt64(v);
    if (x === undefined) return false;
    this.values[n] = x;
    return true;
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
