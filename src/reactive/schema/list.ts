// List columns (Arrow List with an `element` child, Delta `array`). Input is a
// JS array; a nullable element type admits null items.
import * as arrow from 'apache-arrow';
import { BaseBuilder, grow, type ColumnBuilder } from './columnBuilder.ts';
import { FieldType, type ElementInput } from './field.ts';
import { ValueError } from './valueError.ts';

/**
 * Parses a JSON cell for nested types; malformed text is returned for the builder to reject.
 * @example `parseJSONCell('["a"]', list(utf8())) // ['a']`
 */
export function parseJSONCell(text: string, type: FieldType): unknown {
  try {
    return type.fromJSON(JSON.parse(text));
  } catch {
    return text;
  }
}

class ListType<E extends FieldType> extends FieldType<ReadonlyArray<ElementInput<E>>, false> {
  readonly typeName: string;
  readonly expected: string;
  constructor(readonly element: E) {
    super();
    this.typeName = `list<${element.typeName}>`;
    this.expected = `${this.typeName} (an array)`;
  }
  toArrowType(): arrow.DataType {
    return new arrow.List(new arrow.Field('element', this.element.toArrowType(), this.element.isNullable));
  }
  createBuilder(): ListBuilder {
    return new ListBuilder(this.toArrowType(), this.element.createBuilder(), this.isNullable, this.expected);
  }
  /** CSV carries nested values as JSON. */
  override fromText(text: string): unknown {
    return parseJSONCell(text, this);
  }
  override get needsJSONConversion(): boolean {
    return this.element.needsJSONConversion;
  }
  override fromJSON(value: unknown): unknown {
    return Array.isArray(value) && this.element.needsJSONConversion ? value.map((x: unknown) => (x == null ? x : this.element.fromJSON(x))) : value;
  }
}

class ListBuilder extends BaseBuilder {
  private offsets = new Int32Array(1);

  constructor(
    private readonly type: arrow.DataType,
    private readonly child: ColumnBuilder,
    nullable: boolean,
    private readonly expected: string,
  ) {
    super(nullable);
  }

  private reserve(n: number): void {
    if (n + 1 > this.offsets.length) {
      const next = new Int32Array(grow(this.offsets.length, n + 1));
      next.set(this.offsets.subarray(0, this.length + 1));
      this.offsets = next;
    }
  }

  append(v: unknown): void {
    const n = this.length;
    if (Array.isArray(v)) {
      this.reserve(n + 1);
      const child = this.child;
      for (let j = 0; j < v.length; j++) {
        try {
          child.append(v[j]);
        } catch (e) {
          if (e instanceof ValueError) e.path.unshift(`[${j}]`);
          throw e;
        }
      }
      this.validity.setValid(n);
    } else if (v == null && this.nullable) {
      this.reserve(n + 1);
      this.validity.setNull(n);
    } else {
      throw new ValueError(v, this.expected);
    }
    this.offsets[n + 1] = this.child.length;
    this.length = n + 1;
  }

  appendPlaceholder(): void {
    const n = this.length;
    this.reserve(n + 1);
    if (this.nullable) this.validity.setNull(n);
    this.offsets[n + 1] = this.child.length;
    this.length = n + 1;
  }

  finish(): arrow.Data {
    const length = this.length;
    const { nullBitmap, nullCount } = this.validity.finish(length);
    const valueOffsets = this.offsets.subarray(0, length + 1);
    const child = this.child.finish();
    this.offsets = new Int32Array(1);
    this.length = 0;
    return arrow.makeData({ type: this.type as arrow.List, length, nullCount, nullBitmap, valueOffsets, child });
  }
}

/**
 * A list column (Delta `array`); `containsNull` follows the element's nullability.
 * @example `schema({ tags: list(utf8()), scores: list(float64().nullable()) })` accepts `{ tags: ['a'], scores: [1, null] }`
 */
export function list<E extends FieldType>(element: E): FieldType<ReadonlyArray<ElementInput<E>>, false> {
  return new ListType(element);
}
