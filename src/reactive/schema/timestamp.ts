// Timestamp columns. Accepted inputs, converted exactly where possible:
//   Date            its instant (ms precision)
//   number          milliseconds since the epoch (as Date.now()); fractional
//                   milliseconds allowed, rounded to the column unit
//   bigint          a raw count in the column's own unit (µs for the default)
//   string          ISO-8601; without an offset it is read as UTC (for
//                   timestamp_ntz: as the wall-clock value); digits finer than
//                   the unit are rejected rather than truncated
import * as arrow from 'apache-arrow';
import { writeInt64, type RowLike } from './columnBuilder.ts';
import { Int64WordsBuilder } from './fixedWidthBuilder.ts';
import { INT64_MAX, INT64_MIN } from './int.ts';
import { FieldType } from './field.ts';
import { parseIsoTimestamp } from './temporal.ts';
import { ValueError } from './valueError.ts';

/** Arrow's timestamp units. */
export type TimeUnitName = 's' | 'ms' | 'us' | 'ns';

const NANOS_PER_UNIT: Record<TimeUnitName, bigint> = { s: 1_000_000_000n, ms: 1_000_000n, us: 1_000n, ns: 1n };
const UNITS_PER_MS: Record<TimeUnitName, number> = { s: 1e-3, ms: 1, us: 1e3, ns: 1e6 };

/**
 * Converts one timestamp input into the column unit, or undefined when it is not one.
 * @example `toTimestamp('1970-01-01T00:00:01Z', 'us', true) === 1_000_000n`
 */
export function toTimestamp(v: unknown, unit: TimeUnitName, zoned: boolean): bigint | undefined {
  let ms: number;
  if (typeof v === 'number') ms = v;
  else if (v instanceof Date) ms = v.getTime();
  else if (typeof v === 'bigint') return v >= INT64_MIN && v <= INT64_MAX ? v : undefined;
  else if (typeof v === 'string') {
    const p = parseIsoTimestamp(v);
    if (p === undefined || (p.hasOffset && !zoned)) return undefined;
    const per = NANOS_PER_UNIT[unit];
    return p.nanos % per === 0n ? p.nanos / per : undefined;
  } else return undefined;
  if (!Number.isFinite(ms)) return undefined;
  const scaled = ms * UNITS_PER_MS[unit];
  if (Math.abs(scaled) < 2 ** 53) return BigInt(Math.round(scaled));
  // Beyond 2^53 units (nanoseconds after ~1970-04) scale in bigint to stay exact.
  const whole = Math.trunc(ms);
  const perMs = BigInt(UNITS_PER_MS[unit]);
  const out = BigInt(whole) * perMs + BigInt(Math.round((ms - whole) * UNITS_PER_MS[unit]));
  return out >= INT64_MIN && out <= INT64_MAX ? out : undefined;
}

class TimestampType extends FieldType<Date | number | bigint | string, false> {
  readonly typeName: string;
  readonly expected: string;
  constructor(
    readonly unit: TimeUnitName,
    readonly timezone: string | null,
  ) {
    super();
    this.typeName = `timestamp(${unit}${timezone ? `, ${timezone}` : ''})`;
    const offset = timezone ? '' : ' without offset';
    this.expected = `${this.typeName} (a Date, epoch milliseconds, a bigint in ${unit}, or an ISO-8601 string${offset})`;
  }
  toArrowType(): arrow.DataType {
    const tz = this.timezone;
    switch (this.unit) {
      case 's':
        return new arrow.TimestampSecond(tz);
      case 'ms':
        return new arrow.TimestampMillisecond(tz);
      case 'us':
        return new arrow.TimestampMicrosecond(tz);
      case 'ns':
        return new arrow.TimestampNanosecond(tz);
    }
  }
  createBuilder(): TimestampBuilder {
    return new TimestampBuilder(this.toArrowType(), this.unit, this.timezone !== null, this.isNullable, this.expected);
  }
}

class TimestampBuilder extends Int64WordsBuilder {
  private readonly perMs: number;

  constructor(
    type: arrow.DataType,
    private readonly unit: TimeUnitName,
    private readonly zoned: boolean,
    nullable: boolean,
    expected: string,
  ) {
    super(type, nullable, expected);
    this.perMs = UNITS_PER_MS[unit];
  }

  protected put(n: number, v: unknown): boolean {
    const x = toTimestamp(v, this.unit, this.zoned);
    if (x === undefined) return false;
    this.values[n] = x;
    return true;
  }

  override appendColumn(rows: ArrayLike<RowLike>, count: number, key: string): void {
    this.reserve(this.length + count);
    const { values, words, validity, nullable, perMs, unit, zoned } = this;
    let n = this.length;
    for (let i = 0; i < count; i++, n++) {
      const v = rows[i]![key];
      // Fast path: epoch milliseconds that stay exact after scaling.
      if (typeof v === 'number') {
        const scaled = v * perMs;
        if (scaled > -9007199254740991 && scaled < 9007199254740991) {
          writeInt64(words, n, Math.round(scaled));
          validity.setValid(n);
          continue;
        }
      }
      const x = v == null ? undefined : toTimestamp(v, unit, zoned);
      if (x !== undefined) {
        values[n] = x;
        validity.setValid(n);
      } else if (v == null && nullable) {
        validity.setNull(n);
      } else {
        this.length = n;
        throw new ValueError(v, this.expected, i);
      }
    }
    this.length = n;
  }
}

/**
 * A timestamp column. With a time zone (default `'UTC'`) it is an instant
 * (Delta `timestamp`); with `null` it is a wall-clock value (Delta
 * `timestamp_ntz`). Input: `Date`, epoch milliseconds (number), a bigint count
 * of the column unit, or an ISO-8601 string.
 * @example
 * ```ts
 * const s = schema({ ts: timestamp('us', 'UTC') });
 * // all the same instant:
 * [{ ts: new Date('2026-11-25T10:00:00Z') }, { ts: 1795600800000 }, { ts: 1795600800000000n }, { ts: '2026-11-25T10:00:00Z' }]
 * ```
 */
export function timestamp(unit: TimeUnitName = 'us', timezone: string | null = 'UTC'): FieldType<Date | number | bigint | string, false> {
  return new TimestampType(unit, timezone);
}
