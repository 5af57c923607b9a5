// Calendar arithmetic for dates (days since 1970-01-01) and timestamps
// (microseconds since the epoch, UTC), proleptic Gregorian as in Spark 3+.
// Pure integer math, no Date objects, so results do not depend on the host zone.

export const MICROS_PER_SECOND = 1_000_000;
export const MICROS_PER_DAY = 86_400_000_000;

/** Days since 1970-01-01 of a civil date (month 1–12). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Civil date of a day number: [year, month 1–12, day 1–31]. */
export function civilFromDays(z: number): [number, number, number] {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

export function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function daysInMonth(y: number, m: number): number {
  return m === 2 ? (isLeapYear(y) ? 29 : 28) : [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
}

/** Adds months the Spark way: the day is clamped to the last day of the target month. */
export function addMonthsToDays(days: number, months: number): number {
  const [y, m, d] = civilFromDays(days);
  const total = y * 12 + (m - 1) + months;
  const ny = Math.floor(total / 12);
  const nm = total - ny * 12 + 1;
  return daysFromCivil(ny, nm, Math.min(d, daysInMonth(ny, nm)));
}

const DATE_RE = /^\s*([+-]?\d{4,6})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:[T ].*)?\s*$/;

/** Parses `yyyy`, `yyyy-[m]m`, `yyyy-[m]m-[d]d` (anything after a 'T' or space is ignored, as Spark's to_date does). Null when invalid. */
export function parseDate(text: string): number | null {
  const m = DATE_RE.exec(text);
  if (!m) return null;
  const y = Number(m[1]);
  const mo = m[2] === undefined ? 1 : Number(m[2]);
  const d = m[3] === undefined ? 1 : Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return null;
  return daysFromCivil(y, mo, d);
}

const TS_RE = /^\s*([+-]?\d{4,6})(?:-(\d{1,2})(?:-(\d{1,2})(?:[T ](\d{1,2})(?::(\d{1,2})(?::(\d{1,2})(?:\.(\d{0,9}))?)?)?)?)?)?\s*(Z|UTC|GMT|[+-]\d{1,2}(?::?\d{2})?)?\s*$/i;

/** Parses a timestamp string into µs since the epoch. A missing zone means UTC (the session time zone of this engine). Null when invalid. */
export function parseTimestamp(text: string): bigint | null {
  const m = TS_RE.exec(text);
  if (!m) return null;
  const y = Number(m[1]);
  const mo = m[2] === undefined ? 1 : Number(m[2]);
  const d = m[3] === undefined ? 1 : Number(m[3]);
  const h = m[4] === undefined ? 0 : Number(m[4]);
  const mi = m[5] === undefined ? 0 : Number(m[5]);
  const s = m[6] === undefined ? 0 : Number(m[6]);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return null;
  const frac = (m[7] ?? '').slice(0, 6).padEnd(6, '0');
  let offsetSeconds = 0;
  const zone = m[8];
  if (zone && /^[+-]/.test(zone)) {
    const digits = zone.slice(1).replace(':', '');
    const zh = Number(digits.length <= 2 ? digits : digits.slice(0, digits.length - 2));
    const zm = digits.length <= 2 ? 0 : Number(digits.slice(-2));
    if (zh > 18 || zm > 59) return null;
    offsetSeconds = (zone[0] === '-' ? -1 : 1) * (zh * 3600 + zm * 60);
  }
  const seconds = daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offsetSeconds;
  return BigInt(seconds) * 1_000_000n + BigInt(frac);
}

const pad = (v: number, w: number): string => {
  const s = String(Math.abs(v)).padStart(w, '0');
  return v < 0 ? `-${s}` : s;
};

/** `yyyy-MM-dd`, as Spark casts a date to string. */
export function formatDate(days: number): string {
  const [y, m, d] = civilFromDays(days);
  return `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
}

/** `yyyy-MM-dd HH:mm:ss[.ffffff]` in UTC, trailing zeros of the fraction dropped (Spark's cast to string). */
export function formatTimestamp(micros: number | bigint): string {
  const us = BigInt(micros);
  const days = us >= 0n ? us / 86_400_000_000n : -((-us + 86_399_999_999n) / 86_400_000_000n);
  const rest = Number(us - days * 86_400_000_000n);
  const secs = Math.floor(rest / 1e6);
  const frac = rest - secs * 1e6;
  const time = `${pad(Math.floor(secs / 3600), 2)}:${pad(Math.floor(secs / 60) % 60, 2)}:${pad(secs % 60, 2)}`;
  const fracText = frac ? `.${String(frac).padStart(6, '0').replace(/0+$/, '')}` : '';
  return `${formatDate(Number(days))} ${time}${fracText}`;
}
