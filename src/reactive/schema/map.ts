// Map columns (Arrow Map of `entries: struct<key, value>`, Delta `map`). Input
// is a JS Map, or a plain object when the keys are strings. Keys are never null.
import * as arrow from 'apache-arrow';
import type { ColumnBuilder } from './columnBuilder.ts';
import { ListLikeBuilder } from './listLikeBuilder.ts';
import { FieldType, type ElementInput, type InputOf } from './field.ts';
import { parseJSONCell } from './list.ts';
import { isRecord } from './struct.ts';
import { ValueError } from './valueError.ts';

/** What a map column accepts: a Map, or a plain object for string keys. */
export type MapInput<K extends FieldType, V extends FieldType> =
  | ReadonlyMap<InputOf<K>, ElementInput<V>>
  | (InputOf<K> extends string ? Readonly<Record<string, ElementInput<V>>> : never);

class MapType<K extends FieldType, V extends FieldType> extends FieldType<MapInput<K, V>, false> {
  readonly typeName: string;
  readonly expected: string;
  constructor(
    readonly key: K,
    readonly value: V,
  ) {
    super();
    if (key.isNullable) throw new TypeError('map keys cannot be nullable');
    this.typeName = `map<${key.typeName}, ${value.typeName}>`;
    this.expected = `${this.typeName} (a Map${key.typeName === 'utf8' ? ' or a plain object' : ''})`;
  }
  toArrowType(): arrow.DataType {
    const entries = new arrow.Struct([new arrow.Field('key', this.key.toArrowType(), false), new arrow.Field('value', this.value.toArrowType(), this.value.isNullable)]);
    return new arrow.Map_(new arrow.Field('entries', entries, false), false);
  }
  createBuilder(): MapBuilder {
    return new MapBuilder(this.toArrowType() as arrow.Map_, this.key.createBuilder(), this.value.createBuilder(), this.isNullable, this.expected);
  }
  override fromText(text: string): unknown {
    return parseJSONCell(text, this);
  }
  override get needsJSONConversion(): boolean {
    return this.value.needsJSONConversion;
  }
  override fromJSON(value: unknown): unknown {
    if (!this.value.needsJSONConversion || !isRecord(value)) return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = v == null ? v : this.value.fromJSON(v);
    return out;
  }
}

class MapBuilder extends ListLikeBuilder {
  private readonly entriesType: arrow.Struct;

  constructor(
    type: arrow.Map_,
    private readonly keys: ColumnBuilder,
    private readonly values: ColumnBuilder,
    nullable: boolean,
    expected: string,
  ) {
    super(type, keys, nullable, expected);
    this.entriesType = type.childType;
  }

  private appendEntry(k: unknown, v: unknown): void {
    try {
      this.keys.append(k);
    } catch (e) {
      if (e instanceof ValueError) e.path.unshift('[key]');
      throw e;
    }
    try {
      this.values.append(v);
    } catch (e) {
      if (e instanceof ValueError) e.path.unshift(`[${String(k)}]`);
      throw e;
    }
  }

  protected put(n: number, v: unknown): boolean {
    if (v instanceof Map) {
      for (const [k, x] of v) this.appendEntry(k, x);
    } else if (isRecord(v)) {
      for (const k of Object.keys(v)) this.appendEntry(k, v[k]);
    } else return false;
    this.close(n);
    return true;
  }

  protected finishChild(): arrow.Data {
    const keys = this.keys.finish();
    const values = this.values.finish();
    return arrow.makeData({ type: this.entriesType, length: keys.length, nullCount: 0, children: [keys, values] });
  }
}

/**
 * A map column (Delta `map`); keys are non-null, `valueContainsNull` follows
 * the value type's nullability.
 * @example `schema({ attrs: map(utf8(), int32()) })` accepts `{ attrs: { a: 1 } }` and `{ attrs: new Map([['a', 1]]) }`
 */
export function map<K extends FieldType, V extends FieldType>(key: K, value: V): FieldType<MapInput<K, V>, false> {
  return new MapType(key, value);
}
