// Calendar-date columns (Arrow Date32 = days since 1970-01-01, Delta `date`).
import * as arrow from 'apache-arrow';
import { FixedWidthBuilder } from './fixedWidthBuilder.ts';
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

class Date32Builder extends FixedWidthBuilder<Int32Array> {
  constructor(nullable: boolean, expected: string) {
    super(new arrow.DateDay(), new Int32Array(0), nullable, expected);
  }

  protected put(n: number, v: unknown): boolean {
    const day = toEpochDay(v);
    if (day === undefined) return false;
    this.values[n] = day;
    return true;
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
