// Boolean columns, bit-packed as Arrow requires. Only true/false are accepted.
import * as arrow from 'apache-arrow';
import { FixedWidthBuilder } from './fixedWidthBuilder.ts';
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

/** Bit-packed values: one array element (byte) holds eight slots. */
class BoolBuilder extends FixedWidthBuilder<Uint8Array> {
  constructor(nullable: boolean, expected: string) {
    super(new arrow.Bool(), new Uint8Array(0), nullable, expected, 1 / 8);
  }

  protected put(n: number, v: unknown): boolean {
    if (typeof v !== 'boolean') return false;
    if (v) this.values[n >> 3]! |= 1 << (n & 7);
    return true;
  }
}

/**
 * A boolean column (Delta `boolean`).
 * @example `schema({ flag: bool() })` accepts `{ flag: true }`, rejects `{ flag: 1 }`
 */
export function bool(): FieldType<boolean, false> {
  return new BoolType();
}
