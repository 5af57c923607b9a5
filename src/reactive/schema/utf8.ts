// UTF-8 string columns. Strings are encoded straight into one growing byte heap
// per batch (no dictionary, no per-value allocation).
import * as arrow from 'apache-arrow';
import { BaseBuilder, type RowLike } from './columnBuilder.ts';
import { FieldType } from './field.ts';
import { ValueError } from './valueError.ts';
import { VarBytes } from './varBytes.ts';

class Utf8Type extends FieldType<string, false> {
  readonly typeName = 'utf8';
  readonly expected = 'utf8 (a string)';
  toArrowType(): arrow.DataType {
    return new arrow.Utf8();
  }
  createBuilder(): Utf8Builder {
    return new Utf8Builder(this.isNullable, this.expected);
  }
}

class Utf8Builder extends BaseBuilder {
  private readonly heap = new VarBytes();

  constructor(
    nullable: boolean,
    private readonly expected: string,
  ) {
    super(nullable);
  }

  append(v: unknown): void {
    const n = this.length;
    if (typeof v === 'string') {
      this.heap.reserveSlots(n, 1);
      this.heap.writeString(v);
      this.validity.setValid(n);
    } else if (v == null && this.nullable) {
      this.heap.reserveSlots(n, 1);
      this.validity.setNull(n);
    } else {
      throw new ValueError(v, this.expected);
    }
    this.heap.offsets[n + 1] = this.heap.end;
    this.length = n + 1;
  }

  appendPlaceholder(): void {
    const n = this.length;
    this.heap.reserveSlots(n, 1);
    if (this.nullable) this.validity.setNull(n);
    this.heap.offsets[n + 1] = this.heap.end;
    this.length = n + 1;
  }

  override appendColumn(rows: ArrayLike<RowLike>, count: number, key: string): void {
    const { heap, validity, nullable } = this;
    heap.reserveSlots(this.length, count);
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

  finish(): arrow.Data {
    const length = this.length;
    const { nullBitmap, nullCount } = this.validity.finish(length);
    const { valueOffsets, data } = this.heap.finish(length);
    this.length = 0;
    return arrow.makeData({ type: new arrow.Utf8(), length, nullCount, nullBitmap, valueOffsets, data });
  }
}

/**
 * A UTF-8 string column (Delta `string`). Lone surrogates are written as U+FFFD.
 * @example `schema({ status: utf8(), note: utf8().nullable() })`
 */
export function utf8(): FieldType<string, false> {
  return new Utf8Type();
}
