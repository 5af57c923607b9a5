// UTF-8 string columns. Strings are encoded straight into one growing byte heap
// per batch (no dictionary, no per-value allocation).
import * as arrow from 'apache-arrow';
import type { RowLike } from './columnBuilder.ts';
import { FieldType } from './field.ts';
import { ValueError } from './valueError.ts';
import { VarWidthBuilder } from './varWidthBuilder.ts';

class Utf8Type extends FieldType<string, false> {
  readonly typeName = 'utf8';
  readonly expected = 'utf8 (a string)';
  toArrowType(): arrow.DataType {
    return new arrow.Utf8();
  }
  createBuilder(): Utf8Builder {
    return new Utf8Builder(new arrow.Utf8(), this.isNullable, this.expected);
  }
}

class Utf8Builder extends VarWidthBuilder {
  protected put(n: number, v: unknown): boolean {
    if (typeof v !== 'string') return false;
    this.heap.writeString(v);
    this.close(n);
    return true;
  }

  override appendColumn(rows: ArrayLike<RowLike>, count: number, key: string): void {
    const { heap, validity, nullable } = this;
    this.reserve(this.length + count);
    const offsets = heap.offsets;
    let n = this.length;
    for (let i = 0; i < count; i++, n++) {
      const v = rows[i]![key];
      if (typeof v === 'string') {
        heap.writeString(v);
        validity.setValid(n);
      } else if (v == null && nullable) {
        validity.setNull(n);
      } else {
        this.length = n;
        throw new ValueError(v, this.expected, i);
      }
      offsets[n + 1] = heap.end;
    }
    this.length = n;
  }
}

/**
 * A UTF-8 string column (Delta `string`). Lone surrogates are written as U+FFFD.
 * @example `schema({ status: utf8(), note: utf8().nullable() })`
 */
export function utf8(): FieldType<string, false> {
  return new Utf8Type();
}
