// Variable-length binary columns from Uint8Array values (Buffer included). Text
// formats carry binary as base64 (CSV cells, NDJSON strings).
import * as arrow from 'apache-arrow';
import { FieldType } from './field.ts';
import { ValueError } from './valueError.ts';
import { VarWidthBuilder } from './varWidthBuilder.ts';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decodes strict base64, or returns the input unchanged so the builder rejects it. */
function fromBase64(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const t = value.trim();
  if (t.length % 4 !== 0 || !BASE64.test(t)) return value;
  return new Uint8Array(Buffer.from(t, 'base64'));
}

class BinaryType extends FieldType<Uint8Array, false> {
  readonly typeName = 'binary';
  readonly expected = 'binary (a Uint8Array)';
  toArrowType(): arrow.DataType {
    return new arrow.Binary();
  }
  createBuilder(): BinaryBuilder {
    return new BinaryBuilder(new arrow.Binary(), this.isNullable, this.expected);
  }
  override fromText(text: string): unknown {
    return fromBase64(text);
  }
  override get needsJSONConversion(): boolean {
    return true;
  }
  override fromJSON(value: unknown): unknown {
    return fromBase64(value);
  }
}

class BinaryBuilder extends VarWidthBuilder {
  protected put(n: number, v: unknown): boolean {
    if (!(v instanceof Uint8Array)) return false;
    this.heap.writeBytes(v);
    this.close(n);
    return true;
  }
}

/**
 * A binary column (Delta `binary`) from `Uint8Array` values; CSV and NDJSON
 * carry it as base64 text.
 * @example `schema({ raw: binary() })` accepts `{ raw: new Uint8Array([1, 2]) }`
 */
export function binary(): FieldType<Uint8Array, false> {
  return new BinaryType();
}
