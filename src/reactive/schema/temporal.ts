// ISO-8601 parsing for date and timestamp columns, exact to the nanosecond
// (Date.parse stops at milliseconds and guesses at local time).

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

export const MS_PER_DAY = 86_400_000;

/** Days since 1970-01-01 of a calendar date, or undefined when the date does not exist. */
function epochDay(y: number, m: number, d: number): number | undefined {
  const ms = Date.UTC(y, m - 1, d);
  const check = new Date(ms);
  // Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear below keeps them literal.
  if (y < 100) check.setUTCFullYear(y);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d) return undefined;
  return Math.round(check.getTime() / MS_PER_DAY);
}

/**
 * Parses `YYYY-MM-DD` into days since the epoch; undefined when malformed or nonexistent.
 * @example `parseIsoDate('1970-01-02') === 1; parseIsoDate('2026-02-30') === undefined`
 */
export function parseIsoDate(s: string): number | undefined {
  const m = DATE.exec(s.trim());
  return m ? epochDay(Number(m[1]), Number(m[2]), Number(m[3])) : undefined;
}

/** A parsed timestamp: nanoseconds since the epoch, and whether it carried an offset. */
export interface ParsedTimestamp {
  nanos: bigint;
  hasOffset: boolean;
  /** Count of fractional-second digits written. */
  fractionDigits: number;
}

/**
 * Parses `YYYY-MM-DD[(T| )HH:MM[:SS[.fffffffff]]][Z|±HH[:MM]]`. A missing offset
 * leaves the wall-clock time as is (UTC for `timestamp`, local for `timestamp_ntz`).
 * @example `parseIsoTimestamp('1970-01-01T00:00:00.000001Z')?.nanos === 1000n`
 */
export function parseIsoTimestamp(s: string): ParsedTimestamp | undefined {
  const m = TIMESTAMP.exec(s.trim());
  if (!m) return undefined;
  const day = epochDay(Number(m[1]), Number(m[2]), Number(m[3]));
  if (day === undefined) return undefined;
  const h = Number(m[4] ?? 0);
  const mi = Number(m[5] ?? 0);
  const sec = Number(m[6] ?? 0);
  if (h > 23 || mi > 59 || sec > 59) return undefined;
  const frac = m[7] ?? '';
  let offsetMinutes = 0;
  const off = m[8];
  if (off && off !== 'Z' && off !== 'z') {
    const digits = off.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2) || 0);
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (off[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const seconds = day * 86_400 + h * 3600 + mi * 60 + sec - offsetMinutes * 60;
  const nanos = BigInt(seconds) * 1_000_000_000n + BigInt(frac.padEnd(9, '0') || '0');
  return { nanos, hasOffset: off !== undefined, fractionDigits: frac.replace(/0+$/, '').length };
}
