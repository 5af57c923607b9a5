// Floating-point columns: any JS number (NaN and ±Infinity included); strings
// are rejected, never parsed.
import * as arrow from 'apache-arrow';
import { BaseBuilder, grow, type RowLike } from './columnBuilder.ts';
import { FieldType } from './field.ts';
import { ValueError } from './valueError.ts';

const FLOAT_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL: Record<string, number> = {
  nan: NaN,
  inf: Infinity,
  '+inf': Infinity,
  '-inf': -Infinity,
  infinity: Infinity,
  '+infinity': Infinity,
  '-infinity': -Infinity,
};

class FloatType extends FieldType<number, false> {
  readonly expected: string;
  constructor(readonly typeName: 'float32' | 'float64') {
    super();
    this.expected = `${typeName} (a number)`;
  }
  toArrowType(): arrow.DataType {
    return this.typeName === 'float32' ? new arrow.Float32() : new arrow.Float64();
  }
  createBuilder(): FloatBuilder {
    return new FloatBuilder(this.toArrowType(), this.typeName === 'float32', this.isNullable, this.expected);
  }
  override fromText(text: string): unknown {
    const t = text.trim();
    if (FLOAT_TEXT.test(t)) return Number(t);
    const special = SPECIAL[t.toLowerCase()];
    return special ?? text;
  }
}

class FloatBuilder extends BaseBuilder {
  private values: Float32Array | Float64Array;

  constructor(
    private readonly type: arrow.DataType,
    private readonly single: boolean,
    nullable: boolean,
    private readonly expected: string,
  ) {
    super(nullable);
    this.values = this.allocate(0);
  }

  private allocate(n: number): Float32Array | Float64Array {
    return this.single ? new Float32Array(n) : new Float64Array(n);
  }

  private reserve(n: number): void {
    if (n > this.values.length) {
      const next = this.allocate(grow(this.values.length, n));
      next.set(this.values.subarray(0, this.length));
      this.values = next;
    }
  }

  append(v: unknown): void {
    const n = this.length;
    if (typeof v === 'number') {
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
    const { values, validity, nullable } = this;
    let n = this.length;
    for (let i = 0; i < count; i++, n++) {
      const v = rows[i]![key];
      if (typeof v === 'number') {
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
    const data = arrow.makeData({ type: this.type as arrow.Float64, length, nullCount, nullBitmap, data: this.values.subarray(0, length) as Float64Array });
    this.values = this.allocate(0);
    this.length = 0;
    return data;
  }
}

/**
 * A 32-bit float column (Delta `float`).
 * @example `schema({ ratio: float32() })` accepts `{ ratio: 0.5 }`
 */
export function float32(): FieldType<number, false> {
  return new FloatType('float32');
}

/**
 * A 64-bit float column (Delta `double`).
 * @example `schema({ amount: float64() })` accepts `{ amount: 12.5 }`, rejects `{ amount: '12.5' }`
 */
export function float64(): FieldType<number, false> {
  return new FloatType('float64');
}
