// Struct columns (Delta `struct`): a plain object whose fields follow the
// nested field types. Unknown keys are ignored, like top-level rows.
import * as arrow from 'apache-arrow';
import { BaseBuilder, type ColumnBuilder, type ValidityBuffers } from './columnBuilder.ts';
import { FieldType } from './field.ts';
import { parseJSONCell } from './list.ts';
import type { Fields, RowInput } from './row.ts';
import { ValueError } from './valueError.ts';

/**
 * Arrow fields of a set of field types.
 * @example `toArrowFields({ id: int64() }) // [Field(id: Int64, not null)]`
 */
export function toArrowFields(fields: Fields): arrow.Field[] {
  return Object.entries(fields).map(([name, t]) => new arrow.Field(name, t.toArrowType(), t.isNullable));
}

class StructType<F extends Fields> extends FieldType<RowInput<F>, false> {
  readonly typeName: string;
  readonly expected: string;
  constructor(readonly fields: F) {
    super();
    this.typeName = `struct<${Object.entries(fields)
      .map(([k, t]) => `${k}: ${t.typeName}`)
      .join(', ')}>`;
    this.expected = `struct (an object with ${Object.keys(fields).join(', ')})`;
  }
  toArrowType(): arrow.DataType {
    return new arrow.Struct(toArrowFields(this.fields));
  }
  createBuilder(): StructBuilder {
    const names = Object.keys(this.fields);
    return new StructBuilder(
      this.toArrowType(),
      names,
      names.map((k) => this.fields[k]!.createBuilder()),
      this.isNullable,
      this.expected,
    );
  }
  override fromText(text: string): unknown {
    return parseJSONCell(text, this);
  }
  override get needsJSONConversion(): boolean {
    return Object.values(this.fields).some((t) => t.needsJSONConversion);
  }
  override fromJSON(value: unknown): unknown {
    if (!this.needsJSONConversion || value === null || typeof value !== 'object' || Array.isArray(value)) return value;
    const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    for (const [k, t] of Object.entries(this.fields)) if (out[k] != null) out[k] = t.fromJSON(out[k]);
    return out;
  }
}

/**
 * Whether `v` can be read as a struct/row: a non-array object.
 * @example `isRecord({}) === true; isRecord([]) === false`
 */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof Date);
}

class StructBuilder extends BaseBuilder {
  constructor(
    private readonly type: arrow.DataType,
    private readonly names: string[],
    private readonly children: ColumnBuilder[],
    nullable: boolean,
    expected: string,
  ) {
    super(nullable, expected);
  }

  /** A struct has no buffers of its own besides validity: room is unlimited. */
  protected growTo(): number {
    return Infinity;
  }

  protected put(_n: number, v: unknown): boolean {
    if (!isRecord(v)) return false;
    const { names, children } = this;
    for (let k = 0; k < names.length; k++) {
      try {
        children[k]!.append(v[names[k]!]);
      } catch (e) {
        if (e instanceof ValueError) e.path.unshift(names[k]!);
        throw e;
      }
    }
    return true;
  }

  /** Children stay aligned: each gets a slot the struct's validity hides. */
  override appendPlaceholder(): void {
    for (const c of this.children) c.appendPlaceholder();
    super.appendPlaceholder();
  }

  protected build(length: number, validity: ValidityBuffers): arrow.Data {
    const children = this.children.map((c) => c.finish());
    return arrow.makeData({ type: this.type as arrow.Struct, length, ...validity, children });
  }
}

/**
 * A struct column (Delta `struct`) of named nested fields.
 * @example `schema({ addr: struct({ city: utf8(), zip: utf8().nullable() }) })` accepts `{ addr: { city: 'Oslo' } }`
 */
export function struct<F extends Fields>(fields: F): FieldType<RowInput<F>, false> {
  return new StructType(fields);
}
