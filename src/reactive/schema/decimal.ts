// Fixed-point decimal columns (Arrow Decimal128, Delta `decimal(p,s)`). Values
// are converted exactly: a value with more fractional digits than the scale, or
// more digits than the precision, is rejected instead of rounded.
//   string   '12.34', '-0.5', '1e3'
//   number   through its shortest round-trip text (so 0.1 + 0.2 is rejected at scale 2)
//   bigint   an integer value (12n means 12.00 at scale 2)
import * as arrow from 'apache-arrow';
import { FixedWidthBuilder } from './fixedWidthBuilder.ts';
import { FieldType } from './field.ts';
import { ValueError } from './valueError.ts';

const DECIMAL_TEXT = /^\s*([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/;
const TWO_128 = 1n << 128n;

/**
 * The unscaled integer of `v` at `scale`, or undefined when it is not exact or not a decimal.
 * @example `toUnscaled('12.3', 5, 2) === 1230n; toUnscaled('1.234', 5, 2) === undefined`
 */
export function toUnscaled(v: unknown, precision: number, scale: number): bigint | undefined {
  let unscaled: bigint;
  if (typeof v === 'bigint') {
    unscaled = v * 10n ** BigInt(scale);
  } else if (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) {
    const m = DECIMAL_TEXT.exec(String(v));
    if (!m) return undefined;
    const int = m[2] ?? '';
    const frac = m[3] ?? '';
    if (int.length + frac.length === 0) return undefined;
    const digits = BigInt(int + frac || '0');
    const shift = Number(m[4] ?? 0) - frac.length + scale;
    if (shift >= 0) unscaled = digits * 10n ** BigInt(shift);
    else {
      const div = 10n ** BigInt(-shift);
      if (digits % div !== 0n) return undefined;
      unscaled = digits / div;
    }
    if (m[1] === '-') unscaled = -unscaled;
  } else return undefined;
  const limit = 10n ** BigInt(precision);
  return unscaled < limit && unscaled > -limit ? unscaled : undefined;
}

class DecimalType extends FieldType<string | number | bigint, false> {
  readonly typeName: string;
  readonly expected: string;
  constructor(
    readonly precision: number,
    readonly scale: number,
  ) {
    super();
    if (!Number.isInteger(precision) || precision < 1 || precision > 38) throw new RangeError(`decimal precision must be 1..38, got ${precision}`);
    if (!Number.isInteger(scale) || scale < 0 || scale > precision) throw new RangeError(`decimal scale must be 0..precision (${precision}), got ${scale}`);
    this.typeName = `decimal(${precision}, ${scale})`;
    this.expected = `${this.typeName} (a decimal string, number or bigint with at most ${precision - scale} integer and ${scale} fractional digits)`;
  }
  toArrowType(): arrow.DataType {
    return new arrow.Decimal(this.scale, this.precision, 128);
  }
  createBuilder(): DecimalBuilder {
    return new DecimalBuilder(this.precision, this.scale, this.isNullable, this.expected);
  }
}

/** Four little-endian 32-bit words per value (two's complement, 128 bits). */
class DecimalBuilder extends FixedWidthBuilder<Uint32Array> {
  constructor(
    private readonly precision: number,
    private readonly scale: number,
    nullable: boolean,
    expected: string,
  ) {
    super(new arrow.Decimal(scale, precision, 128), new Uint32Array(0), nullable, expected, 4);
  }

  protected put(n: number, v: unknown): boolean {
    const x = v == null ? undefined : toUnscaled(v, this.precision, this.scale);
    if (x === undefined) return false;
    let u = x < 0n ? TWO_128 + x : x;
    for (let k = 0; k < 4; k++) {
      this.values[n * 4 + k] = Number(u & 0xffffffffn);
      u >>= 32n;
    }
    return true;
  }
}

/**
 * A decimal column with `precision` total digits (1..38) and `scale`
 * fractional digits (Delta `decimal(p,s)`), exact: no silent rounding.
 * @example `schema({ price: decimal(10, 2) })` accepts `{ price: '19.99' }`, `{ price: 19.99 }`, `{ price: 20n }`
 */
export function decimal(precision: number, scale: number): FieldType<string | number | bigint, false> {
  return new DecimalType(precision, scale);
}
