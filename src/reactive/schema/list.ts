// List columns (Arrow List with an `element` child, Delta `array`). Input is a
// JS array; a nullable element type admits null items.
import * as arrow from 'apache-arrow';
import type { ColumnBuilder } from './columnBuilder.ts';
import { ListLikeBuilder } from './listLikeBuilder.ts';
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
  toArrowType(): arrow.List {
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

class ListBuilder extends ListLikeBuilder {
  constructor(
    type: arrow.List,
    private readonly child: ColumnBuilder,
    nullable: boolean,
    expected: string,
  ) {
    super(type, child, nullable, expected);
  }

  protected put(n: number, v: unknown): boolean {
    if (!Array.isArray(v)) return false;
    const child = this.child;
    for (let j = 0; j < v.length; j++) {
      try {
        child.append(v[j]);
      } catch (e) {
        if (e instanceof ValueError) e.path.unshift(`[${j}]`);
        throw e;
      }
    }
    this.close(n);
    return true;
  }

  protected finishChild(): arrow.Data {
    return this.child.finish();
  }
}

/**
 * A list column (Delta `array`); `containsNull` follows the element's nullability.
 * @example `schema({ tags: list(utf8()), scores: list(float64().nullable()) })` accepts `{ tags: ['a'], scores: [1, null] }`
 */
export function list<E extends FieldType>(element: E): FieldType<ReadonlyArray<ElementInput<E>>, false> {
  return new ListType(element);
}
