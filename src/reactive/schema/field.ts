// A column type of the typed schema builder: it knows its Arrow DataType (the
// Delta type follows from it), how to build a column from JS values and how to
// read a text cell.
import type * as arrow from 'apache-arrow';
import type { ColumnBuilder } from './columnBuilder.ts';

/**
 * Base of every field type. `In` is the JS type accepted on input, `N` whether
 * the field is nullable; both only drive `RowOf<typeof schema>` at compile time.
 */
export abstract class FieldType<In = unknown, N extends boolean = boolean> {
  /** Compile-time only: the accepted input type. */
  declare readonly __in: In;
  /** Whether null/undefined is accepted (set with `.nullable()`). */
  readonly isNullable: N = false as N;

  /** Short name for messages, e.g. `int32`, `list<utf8>`. */
  abstract readonly typeName: string;
  /** What a value must look like, for error messages. */
  abstract readonly expected: string;
  /** The Arrow type of the column. */
  abstract toArrowType(): arrow.DataType;
  /** A fresh builder for one column of this type (honours `isNullable`). */
  abstract createBuilder(): ColumnBuilder;

  /**
   * Converts a CSV cell (never the null marker) into an input value. The
   * default rejects nothing: string-typed builders validate themselves.
   */
  fromText(text: string): unknown {
    return text;
  }

  /** Whether `fromJSON` changes anything (lets NDJSON skip a pass). */
  get needsJSONConversion(): boolean {
    return false;
  }

  /** Converts a parsed JSON value into an input value (binary: base64 → bytes). */
  fromJSON(value: unknown): unknown {
    return value;
  }

  /**
   * The same type, accepting null/undefined (nullable in Arrow and Delta).
   * @example `note: utf8().nullable()` → `note?: string | null`
   */
  nullable(): FieldType<In, true> {
    const copy = Object.create(Object.getPrototypeOf(this) as object) as FieldType<In, true>;
    return Object.assign(copy, this, { isNullable: true as const });
  }
}

/** The input type of a field type. */
export type InputOf<F> = F extends FieldType<infer In, boolean> ? In : never;

/** A value slot inside a list/map: nullable element types admit null. */
export type ElementInput<F> = F extends FieldType<infer In, infer N> ? (N extends true ? In | null | undefined : In) : never;
