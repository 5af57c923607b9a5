// Boolean columns, bit-packed as Arrow requires. Only true/false are accepted.
import * as arrow from 'apache-arrow';
import { BaseBuilder, grow } from './columnBuilder.ts';
import { FieldType } from './field.ts';
import { ValueError } from './valueError.ts';

class BoolType extends FieldType<boolean, false> {
  readonly typeName = 'bool';
  readonly expected = 'bool (true or false)';
  toArrowType(): arrow.DataType {
    return new arrow.Bool();
  }
  createBuilder(): BoolBuilder {
    return new BoolBuilder(this.isNullable, this.expected);
  }
  /** CSV accepts `true`/`false` in any letter case. */
  override fromText(text: string): unknown {
    const t = text.trim().toLowerCase();
    return t === 'true' ? true : t === 'false' ? false : text;
  }
}

class BoolBuilder extends BaseBuilder {
  private bits = new Uint8Array(0);

  constructor(
    nullable: boolean,
    private readonly expected: string,
  ) {
    super(nullable);
  }

  private reserve(n: number): void {
    const bytes = (n + 7) >> 3;
    if (bytes > this.bits.length) {
      const next = new Uint8Array(grow(this.bits.length, bytes));
      next.set(this.bits);
      this.bits = next;
    }
  }

  append(v: unknown): void {
    const n = this.length;
    if (typeof v === 'boolean') {
      this.reserve(n + 1);
      if (v) this.bits[n >> 3]! |= 1 << (n & 7);
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

  finish(): arrow.Data {
    const length = this.length;
    const { nullBitmap, nullCount } = this.validity.finish(length);
    const data = arrow.makeData({ type: new arrow.Bool(), length, nullCount, nullBitmap, data: this.bits.subarray(0, (length + 7) >> 3) });
    this.bits = new Uint8Array(0);
    this.length = 0;
    return data;
  }
}

/**
 * A boolean column (Delta `boolean`).
 * @example `schema({ flag: bool() })` accepts `{ flag: true }`, rejects `{ flag: 1 }`
 */
export function bool(): FieldType<boolean, false> {
  return new BoolType();
}
