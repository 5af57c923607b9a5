// Date and time functions. Dates are days since the epoch, timestamps µs
// since the epoch; fields are taken in UTC (this engine's session time zone).
import { type Col, makeCol } from '../column.ts';
import { T, typeName } from '../sql-type.ts';
import { type FunctionImpl, arity, rowFunction, literalArg } from './helpers.ts';
import { node, type Bound } from '../bound.ts';
import { mapRows, type Value } from '../rows.ts';
import { addMonthsToDays, civilFromDays, daysFromCivil, daysInMonth, MICROS_PER_DAY, parseDate, parseTimestamp } from '../datetime.ts';
import { floorDiv } from '../cast.ts';
import type { Binder } from '../binder.ts';

/** Months plus an exact microsecond span. */
export interface Interval {
  months: number;
  micros: bigint;
}

const DAY = BigInt(MICROS_PER_DAY);

/** date/timestamp + interval (months first, clamping the day of month, then the exact span). */
export function addInterval(c: Col, iv: Interval): Col {
  if (c.type.id === 'date') {
    const days = Number(iv.micros / DAY);
    return mapRows(T.date, c.length, [c], (d) => addMonthsToDays(d as number, iv.months) + days);
  }
  return mapRows(c.type, c.length, [c], (us) => {
    const x = BigInt(us as number | bigint);
    let r = x;
    if (iv.months) {
      const day = floorDiv(x, MICROS_PER_DAY);
      const rest = x - BigInt(day) * DAY;
      r = BigInt(addMonthsToDays(Number(day), iv.months)) * DAY + rest;
    }
    return BigInt.asIntN(64, r + iv.micros);
  });
}

/** Splits µs into [days, µs within the day]. */
function split(us: number | bigint): [number, number] {
  const days = Number(floorDiv(us, MICROS_PER_DAY));
  const rest = typeof us === 'bigint' ? Number(us - BigInt(days) * DAY) : us - days * MICROS_PER_DAY;
  return [days, rest];
}

/** Casts the argument to date (strings and timestamps are accepted, as Spark does implicitly). */
function dateArg(b: Binder, a: Bound, name: string): Bound {
  if (a.type.id === 'date') return a;
  if (a.type.id === 'timestamp') return b.bindCast(a, T.date);
  if (a.type.id === 'string' || a.type.id === 'null') return b.coerce(a, T.date, `${name}()`);
  return b.fail(`Function ${name}() needs a date but got ${typeName(a.type)}`, a.pos);
}

function timestampArg(b: Binder, a: Bound, name: string): Bound {
  if (a.type.id === 'timestamp') return a;
  if (a.type.id === 'date' || a.type.id === 'string' || a.type.id === 'null') return b.coerce(a, T.timestamp, `${name}()`);
  return b.fail(`Function ${name}() needs a timestamp but got ${typeName(a.type)}`, a.pos);
}

/** A date field (from a date or the date part of a timestamp). */
const dateField = (f: (y: number, m: number, d: number, days: number) => number): FunctionImpl => (b, args, pos, name) => {
  arity(b, args, pos, name, 1);
  const x = dateArg(b, args[0], name);
  return node(T.int32, pos, [x], (ctx) => mapRows(T.int32, ctx.n, [x.eval(ctx)], (d) => { const [y, m, dd] = civilFromDays(d as number); return f(y, m, dd, d as number); }));
};

/** A time-of-day field of a timestamp. */
const timeField = (f: (microsOfDay: number) => number): FunctionImpl => (b, args, pos, name) => {
  arity(b, args, pos, name, 1);
  const x = timestampArg(b, args[0], name);
  return node(T.int32, pos, [x], (ctx) => mapRows(T.int32, ctx.n, [x.eval(ctx)], (us) => f(split(us as number | bigint)[1])));
};

/** ISO-8601 week number (Spark's weekofyear). */
function isoWeek(days: number): number {
  const dow = (((days + 3) % 7) + 7) % 7; // 0 = Monday
  const thursday = days - dow + 3;
  const [y] = civilFromDays(thursday);
  return Math.floor((thursday - daysFromCivil(y, 1, 1)) / 7) + 1;
}

// --- Spark datetime patterns (the common subset) ---------------------------

type Token = { kind: 'field'; letter: string; count: number } | { kind: 'lit'; text: string };

function tokenizePattern(fmt: string): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < fmt.length;) {
    const c = fmt[i];
    if (c === "'") {
      const close = fmt.indexOf("'", i + 1);
      const text = close < 0 ? fmt.slice(i + 1) : fmt.slice(i + 1, close);
      out.push({ kind: 'lit', text: text === '' ? "'" : text });
      i = close < 0 ? fmt.length : close + 1;
    } else if (/[A-Za-z]/.test(c)) {
      let j = i;
      while (fmt[j] === c) j++;
      out.push({ kind: 'field', letter: c, count: j - i });
      i = j;
    } else {
      out.push({ kind: 'lit', text: c });
      i++;
    }
  }
  return out;
}

const SUPPORTED = new Set(['y', 'M', 'd', 'H', 'h', 'm', 's', 'S', 'a', 'D', 'E', 'X', 'Z', 'x']);
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** Compiles a Spark datetime pattern into a parser returning µs (UTC), or null for text that does not match. */
export function compileParser(fmt: string): (s: string) => bigint | null {
  const tokens = tokenizePattern(fmt);
  const setters: ((v: string, f: Fields) => void)[] = [];
  let re = '^';
  for (const t of tokens) {
    if (t.kind === 'lit') { re += t.text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); continue; }
    if (!SUPPORTED.has(t.letter)) throw new Error(`unsupported pattern letter '${t.letter}' in '${fmt}'`);
    const n = t.count;
    switch (t.letter) {
      case 'y': re += n === 2 ? '(\\d{2})' : '(\\d{4})'; setters.push((v, f) => { f.y = n === 2 ? 2000 + Number(v) : Number(v); }); break;
      case 'M':
        if (n >= 3) { re += `(${(n === 3 ? MONTHS : MONTH_NAMES).join('|')})`; setters.push((v, f) => { f.m = (n === 3 ? MONTHS : MONTH_NAMES).indexOf(v) + 1; }); }
        else { re += n === 1 ? '(\\d{1,2})' : '(\\d{2})'; setters.push((v, f) => { f.m = Number(v); }); }
        break;
      case 'd': re += n === 1 ? '(\\d{1,2})' : '(\\d{2})'; setters.push((v, f) => { f.d = Number(v); }); break;
      case 'D': re += '(\\d{1,3})'; setters.push((v, f) => { f.doy = Number(v); }); break;
      case 'H': re += n === 1 ? '(\\d{1,2})' : '(\\d{2})'; setters.push((v, f) => { f.h = Number(v); }); break;
      case 'h': re += n === 1 ? '(\\d{1,2})' : '(\\d{2})'; setters.push((v, f) => { f.h12 = Number(v); }); break;
      case 'a': re += '(AM|PM|am|pm)'; setters.push((v, f) => { f.pm = v.toUpperCase() === 'PM'; }); break;
      case 'm': re += n === 1 ? '(\\d{1,2})' : '(\\d{2})'; setters.push((v, f) => { f.mi = Number(v); }); break;
      case 's': re += n === 1 ? '(\\d{1,2})' : '(\\d{2})'; setters.push((v, f) => { f.s = Number(v); }); break;
      case 'S': re += `(\\d{${n}})`; setters.push((v, f) => { f.us = Number(v.padEnd(6, '0').slice(0, 6)); }); break;
      case 'E': re += '([A-Za-z]+)'; setters.push(() => undefined); break;
      case 'X': case 'Z': case 'x': re += '(Z|[+-]\\d{2}:?\\d{2}|[+-]\\d{2})'; setters.push((v, f) => { f.zone = v; }); break;
    }
  }
  const regex = new RegExp(`${re}$`);
  return (s) => {
    const m = regex.exec(s);
    if (!m) return null;
    const f: Fields = { y: 1970, m: 1, d: 1, h: 0, mi: 0, s: 0, us: 0 };
    setters.forEach((set, k) => set(m[k + 1], f));
    if (f.h12 !== undefined) f.h = (f.h12 % 12) + (f.pm ? 12 : 0);
    if (f.m < 1 || f.m > 12 || f.d < 1 || f.d > daysInMonth(f.y, f.m) || f.h > 23 || f.mi > 59 || f.s > 59) return null;
    let days = daysFromCivil(f.y, f.m, f.d);
    if (f.doy !== undefined) days = daysFromCivil(f.y, 1, 1) + f.doy - 1;
    let secs = days * 86400 + f.h * 3600 + f.mi * 60 + f.s;
    if (f.zone && f.zone !== 'Z') {
      const z = f.zone.replace(':', '');
      secs -= (z[0] === '-' ? -1 : 1) * (Number(z.slice(1, 3)) * 3600 + Number(z.slice(3, 5) || 0) * 60);
    }
    return BigInt(secs) * 1_000_000n + BigInt(f.us);
  };
}

interface Fields { y: number; m: number; d: number; h: number; mi: number; s: number; us: number; doy?: number; h12?: number; pm?: boolean; zone?: string }

/** Compiles a Spark datetime pattern into a formatter of µs (UTC). */
export function compileFormatter(fmt: string): (us: number | bigint) => string {
  const tokens = tokenizePattern(fmt);
  for (const t of tokens) if (t.kind === 'field' && !SUPPORTED.has(t.letter)) throw new Error(`unsupported pattern letter '${t.letter}' in '${fmt}'`);
  const p = (v: number, n: number): string => String(v).padStart(n, '0');
  return (us) => {
    const [days, rest] = split(us);
    const [y, m, d] = civilFromDays(days);
    const secs = Math.floor(rest / 1e6);
    const h = Math.floor(secs / 3600);
    return tokens.map((t) => {
      if (t.kind === 'lit') return t.text;
      const n = t.count;
      switch (t.letter) {
        case 'y': return n === 2 ? p(y % 100, 2) : p(y, n);
        case 'M': return n === 3 ? MONTHS[m - 1] : n >= 4 ? MONTH_NAMES[m - 1] : p(m, n);
        case 'd': return p(d, n);
        case 'D': return p(days - daysFromCivil(y, 1, 1) + 1, n);
        case 'H': return p(h, n);
        case 'h': return p(h % 12 === 0 ? 12 : h % 12, n);
        case 'a': return h < 12 ? 'AM' : 'PM';
        case 'm': return p(Math.floor(secs / 60) % 60, n);
        case 's': return p(secs % 60, n);
        case 'S': return p(rest % 1e6, 6).slice(0, n).padEnd(n, '0');
        case 'E': { const name = DAYS[(((days + 3) % 7) + 7) % 7]; return n >= 4 ? name : name.slice(0, 3); }
        default: return t.letter === 'X' ? 'Z' : '+0000';
      }
    }).join('');
  };
}

function patternArg(b: Binder, a: Bound | undefined, name: string): string | null {
  if (!a) return null;
  const v = literalArg(b, b.coerce(a, T.string, `${name}()`), name, 'format');
  return v === null ? null : String(v);
}

/** to_timestamp(s [, fmt]) / to_date(s [, fmt]): unparsable text is NULL (non-ANSI Spark). */
const toTimestamp = (toDate: boolean): FunctionImpl => (b, args, pos, name) => {
  arity(b, args, pos, name, 1, 2);
  const out = toDate ? T.date : T.timestamp;
  const fmt = patternArg(b, args[1], name);
  if (fmt === null) {
    if (args[0].type.id !== 'string') return toDate ? dateArg(b, args[0], name) : timestampArg(b, args[0], name);
    const s = b.coerce(args[0], T.string, `${name}()`);
    return node(out, pos, [s], (ctx) => mapRows(out, ctx.n, [s.eval(ctx)], (x) => (toDate ? parseDate(x as string) : parseTimestamp(x as string))));
  }
  let parse: (s: string) => bigint | null;
  try { parse = compileParser(fmt); } catch (err) { return b.fail(`${name}(): ${(err as Error).message}`, args[1].pos); }
  const s = b.coerce(args[0], T.string, `${name}()`);
  return node(out, pos, [s], (ctx) => mapRows(out, ctx.n, [s.eval(ctx)], (x) => {
    const us = parse(x as string);
    return us === null ? null : toDate ? Number(floorDiv(us, MICROS_PER_DAY)) : us;
  }));
};

const dateFormat: FunctionImpl = (b, args, pos, name) => {
  arity(b, args, pos, name, 2);
  const ts = timestampArg(b, args[0], name);
  const fmt = patternArg(b, args[1], name);
  let f: ((us: number | bigint) => string) | null = null;
  try { if (fmt !== null) f = compileFormatter(fmt); } catch (err) { b.fail(`${name}(): ${(err as Error).message}`, args[1].pos); }
  return node(T.string, pos, [ts], (ctx) => mapRows(T.string, ctx.n, [ts.eval(ctx)], (us) => (f ? f(us as number | bigint) : null)));
};

const dateAdd = (sign: number): FunctionImpl => (b, args, pos, name) => {
  arity(b, args, pos, name, 2);
  const d = dateArg(b, args[0], name);
  const k = b.coerce(args[1], T.int32, `${name}()`);
  return node(T.date, pos, [d, k], (ctx) => mapRows(T.date, ctx.n, [d.eval(ctx), k.eval(ctx)], (x, y) => (x as number) + sign * (y as number)));
};

const TRUNC_UNITS: Record<string, string> = {
  year: 'year', yyyy: 'year', yy: 'year', quarter: 'quarter', month: 'month', mon: 'month', mm: 'month',
  week: 'week', day: 'day', dd: 'day', hour: 'hour', minute: 'minute', second: 'second', millisecond: 'millisecond', microsecond: 'microsecond',
};

function truncDays(days: number, unit: string): number {
  const [y, m] = civilFromDays(days);
  switch (unit) {
    case 'year': return daysFromCivil(y, 1, 1);
    case 'quarter': return daysFromCivil(y, m - ((m - 1) % 3), 1);
    case 'month': return daysFromCivil(y, m, 1);
    case 'week': return days - ((((days + 3) % 7) + 7) % 7);
    default: return days;
  }
}

const dateTrunc: FunctionImpl = (b, args, pos, name) => {
  arity(b, args, pos, name, 2);
  const unitText = patternArg(b, args[0], name);
  const unit = unitText === null ? null : TRUNC_UNITS[unitText.toLowerCase()];
  if (unitText !== null && !unit) b.fail(`${name}(): unknown unit '${unitText}' (expected one of ${Object.keys(TRUNC_UNITS).join(', ')})`, args[0].pos);
  const ts = timestampArg(b, args[1], name);
  const step: Record<string, number> = { hour: 3_600_000_000, minute: 60_000_000, second: 1_000_000, millisecond: 1000, microsecond: 1 };
  return node(ts.type, pos, [ts], (ctx) => mapRows(ts.type, ctx.n, [ts.eval(ctx)], (us) => {
    if (unit === null) return null;
    const [days, rest] = split(us as number | bigint);
    const s = step[unit];
    const micros = s ? rest - (rest % s) : 0;
    return BigInt(s ? days : truncDays(days, unit)) * DAY + BigInt(micros);
  }));
};

const truncDate: FunctionImpl = (b, args, pos, name) => {
  arity(b, args, pos, name, 2);
  const d = dateArg(b, args[0], name);
  const unitText = patternArg(b, args[1], name);
  const unit = unitText === null ? null : TRUNC_UNITS[unitText.toLowerCase()];
  // trunc() only knows date-level units; others give NULL as in Spark.
  const ok = unit === 'year' || unit === 'quarter' || unit === 'month' || unit === 'week';
  return node(T.date, pos, [d], (ctx) => mapRows(T.date, ctx.n, [d.eval(ctx)], (x) => (ok ? truncDays(x as number, unit!) : null)));
};

const unixTimestamp: FunctionImpl = (b, args, pos, name) => {
  arity(b, args, pos, name, 0, 2);
  if (args.length === 0) return node(T.int64, pos, [], (ctx) => makeCol(T.int64, ctx.n, Float64Array.of(Math.floor(ctx.nowMicros / 1e6)), null, true));
  const ts = args[0].type.id === 'string'
    ? toTimestamp(false)(b, args[1] ? args : [args[0], b.literal({ type: 'string', value: 'yyyy-MM-dd HH:mm:ss' }, pos)], pos, name)
    : timestampArg(b, args[0], name);
  return node(T.int64, pos, [ts], (ctx) => mapRows(T.int64, ctx.n, [ts.eval(ctx)], (us) => floorDiv(us as number | bigint, 1_000_000)));
};

const fromEpoch = (scale: number): FunctionImpl => (b, args, pos, name) => {
  arity(b, args, pos, name, 1);
  const x = b.coerce(args[0], T.int64, `${name}()`);
  return node(T.timestamp, pos, [x], (ctx) => mapRows(T.timestamp, ctx.n, [x.eval(ctx)], (v) => BigInt.asIntN(64, BigInt(v as number | bigint) * BigInt(scale))));
};

const toEpoch = (scale: number): FunctionImpl => (b, args, pos, name) => {
  arity(b, args, pos, name, 1);
  const x = timestampArg(b, args[0], name);
  return node(T.int64, pos, [x], (ctx) => mapRows(T.int64, ctx.n, [x.eval(ctx)], (v) => floorDiv(v as number | bigint, scale)));
};

const now: FunctionImpl = (b, args, pos, name) => {
  arity(b, args, pos, name, 0);
  return { type: T.timestamp, pos, constant: false, eval: (ctx) => makeCol(T.timestamp, ctx.n, Float64Array.of(ctx.nowMicros), null, true) };
};

const currentDate: FunctionImpl = (b, args, pos, name) => {
  arity(b, args, pos, name, 0);
  return { type: T.date, pos, constant: false, eval: (ctx) => makeCol(T.date, ctx.n, Int32Array.of(Math.floor(ctx.nowMicros / MICROS_PER_DAY)), null, true) };
};

export const DATETIME_FUNCTIONS: Record<string, FunctionImpl> = {
  year: dateField((y) => y),
  month: dateField((_y, m) => m),
  day: dateField((_y, _m, d) => d),
  dayofmonth: dateField((_y, _m, d) => d),
  quarter: dateField((_y, m) => Math.floor((m - 1) / 3) + 1),
  dayofweek: dateField((_y, _m, _d, days) => ((((days + 4) % 7) + 7) % 7) + 1),
  weekday: dateField((_y, _m, _d, days) => (((days + 3) % 7) + 7) % 7),
  dayofyear: dateField((y, _m, _d, days) => days - daysFromCivil(y, 1, 1) + 1),
  weekofyear: dateField((_y, _m, _d, days) => isoWeek(days)),
  hour: timeField((us) => Math.floor(us / 3_600_000_000)),
  minute: timeField((us) => Math.floor(us / 60_000_000) % 60),
  second: timeField((us) => Math.floor(us / 1_000_000) % 60),
  to_date: toTimestamp(true),
  to_timestamp: toTimestamp(false),
  date_format: dateFormat,
  date_add: dateAdd(1), dateadd: dateAdd(1), date_sub: dateAdd(-1),
  datediff: (b, args, pos, name) => {
    arity(b, args, pos, name, 2);
    const end = dateArg(b, args[0], name);
    const start = dateArg(b, args[1], name);
    return node(T.int32, pos, [end, start], (ctx) => mapRows(T.int32, ctx.n, [end.eval(ctx), start.eval(ctx)], (x, y) => (x as number) - (y as number)));
  },
  add_months: (b, args, pos, name) => {
    arity(b, args, pos, name, 2);
    const d = dateArg(b, args[0], name);
    const k = b.coerce(args[1], T.int32, `${name}()`);
    return node(T.date, pos, [d, k], (ctx) => mapRows(T.date, ctx.n, [d.eval(ctx), k.eval(ctx)], (x, y) => addMonthsToDays(x as number, y as number)));
  },
  last_day: (b, args, pos, name) => {
    arity(b, args, pos, name, 1);
    const d = dateArg(b, args[0], name);
    return node(T.date, pos, [d], (ctx) => mapRows(T.date, ctx.n, [d.eval(ctx)], (x) => { const [y, m] = civilFromDays(x as number); return daysFromCivil(y, m, daysInMonth(y, m)); }));
  },
  date_trunc: dateTrunc,
  trunc: truncDate,
  current_date: currentDate, curdate: currentDate,
  current_timestamp: now, now, localtimestamp: now,
  unix_timestamp: unixTimestamp, to_unix_timestamp: unixTimestamp,
  from_unixtime: (b, args, pos, name) => {
    arity(b, args, pos, name, 1, 2);
    const x = b.coerce(args[0], T.int64, `${name}()`);
    const fmt = patternArg(b, args[1], name) ?? 'yyyy-MM-dd HH:mm:ss';
    let f: (us: number | bigint) => string;
    try { f = compileFormatter(fmt); } catch (err) { return b.fail(`${name}(): ${(err as Error).message}`, args[1]?.pos ?? pos); }
    return node(T.string, pos, [x], (ctx) => mapRows(T.string, ctx.n, [x.eval(ctx)], (s) => f(BigInt(s as number | bigint) * 1_000_000n)));
  },
  timestamp_seconds: fromEpoch(1_000_000), timestamp_millis: fromEpoch(1000), timestamp_micros: fromEpoch(1),
  unix_seconds: toEpoch(1_000_000), unix_millis: toEpoch(1000), unix_micros: toEpoch(1),
  unix_date: (b, args, pos, name) => { arity(b, args, pos, name, 1); const d = dateArg(b, args[0], name); return node(T.int32, pos, [d], (ctx) => ({ ...d.eval(ctx), type: T.int32 })); },
  make_date: rowFunction(T.date, [T.int32, T.int32, T.int32], (y, m, d) => ((m as number) < 1 || (m as number) > 12 || (d as number) < 1 || (d as number) > daysInMonth(y as number, m as number) ? null : daysFromCivil(y as number, m as number, d as number))),
};

export type { Value };
