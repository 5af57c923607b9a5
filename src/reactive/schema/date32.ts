// Calendar-date columns (Arrow Date32 = days since 1970-01-01, Delta `date`).
import * as arrow from 'apache-arrow';
import { BaseBuilder, grow } from './columnBuilder.ts';
import { FieldType } from './field.ts';
import { MS_PER_DAY, parseIsoDate } from './temporal.ts';
import { ValueError } from './valueError.ts';

/**
 * Days since the epoch of a date input, or undefined when it is not one.
 * @example `toEpochDay('1970-01-02') === 1`
 */
export function toEpochDay(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && (v | 0) === v ? v : undefined;
  if (typeof v === 'string') return parseIsoDate(v);
  if (v instanceof Date) {
    const ms = v.getTime();
    return Number.isNaN(ms) ? undefined : Math.floor(ms / MS_PER_DAY);
  }
  return undefined;
}

class Date32Type extends FieldType<Date | number | string, false> {
  readonly typeName = 'date32';
  readonly expected = "date32 (a Date, an integer day count since 1970-01-01, or 'YYYY-MM-DD')";
  toArrowType(): arrow.DataType {
    return new arrow.DateDay();
  }
  createBuilder(): Date32Builder {
    return new Date32Builder(this.isNullable, this.expected);
  }
}

class Date32Builder extends BaseBuilder {
  private values = new Int32Array(0);

  constructor(
    nullable: boolean,
    private readonly expected: string,
  ) {
    super(nullable);
  }

  private reserve(n: number): void {
    if (n > this.values.length) {
      const next = new Int32Array(grow(this.values.length, n));
      next.set(this.values.subarray(0, this.length));
      this.values = next;
    }
  }

  append(v: unknown): void {
    const n = this.length;
    const day = toEpochDay(v);
    if (day !== undefined) {
      this.reserve(n + 1);
      this.values[n] = day;
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
    const data = arrow.makeData({ type: new arrow.DateDay(), length, nullCount, nullBitmap, data: this.values.subarray(0, length) });
    this.values = new Int32Array(0);
    this.length = 0;
    return data;
  }
}

/**
 * A calendar-date column (Delta `date`). Input: a `Date` (its UTC calendar day),
 * an integer count of days since 1970-01-01, or a `'YYYY-MM-DD'` string.
 * @example `schema({ day: date32() })` accepts `{ day: '2026-11-25' }`
 */
export function date32(): FieldType<Date | number | string, false> {
  return new Date32Type();
}
