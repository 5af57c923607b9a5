// Floating-point columns: any JS number (NaN and ±Infinity included); strings
// are rejected, never parsed.
import * as arrow from 'apache-arrow';
import type { RowLike } from './columnBuilder.ts';
import { FixedWidthBuilder } from './fixedWidthBuilder.ts';
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
    const empty = this.typeName === 'float32' ? new Float32Array(0) : new Float64Array(0);
    return new FloatBuilder(this.toArrowType(), empty, this.isNullable, this.expected);
  }
  override fromText(text: string): unknown {
    const t = text.trim();
    if (FLOAT_TEXT.test(t)) return Number(t);
    const special = SPECIAL[t.toLowerCase()];
    return special ?? text;
  }
}

class FloatBuilder extends FixedWidthBuilder<Float32Array | Float64Array> {
  protected put(n: number, v: unknown): boolean {
    if (typeof v !== 'number') return false;
    this.values[n] = v;
    return true;
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
