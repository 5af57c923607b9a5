// Partition values: the strings stored in `add.partitionValues`
// (PROTOCOL.md "Partition Value Serialization") and the Hive-style
// directory names data files are written under (`col=value/`), escaped the
// way Spark escapes them so that Spark, delta-rs and Tributary agree on paths.

import { parseDecimalType, type DeltaType } from './schema.ts';

/**
 * A typed partition value, in the representation scans use for Arrow:
 * string → string; byte/short/integer/float/double → number; long → bigint;
 * boolean → boolean; date → days since the epoch (number);
 * timestamp/timestamp_ntz → microseconds since the epoch (bigint);
 * decimal → the unscaled integer (bigint); binary → Uint8Array; null → null.
 */
export type PartitionValue = string | number | bigint | boolean | Uint8Array | null;

/** Directory name Hive and Spark use for a null partition value. */
export const HIVE_DEFAULT_PARTITION = '__HIVE_DEFAULT_PARTITION__';

const MS_PER_DAY = 86_400_000;

/**
 * Serializes a value of a partition column to its log string; `null` for null.
 *
 * Accepts the {@link PartitionValue} representation, and for convenience a JS
 * Date for date/timestamp columns, a number of ms for timestamps, a decimal
 * string or number for decimals. An empty string becomes null, as in Spark.
 *
 * @example
 * serializePartitionValue(19000, 'date')                     // '2022-01-08'
 * serializePartitionValue(1_000_000n, 'timestamp')          // '1970-01-01 00:00:01'
 * serializePartitionValue(12345n, 'decimal(10,2)')          // '123.45'
 */
export function serializePartitionValue(value: PartitionValue | Date, type: DeltaType, column = '<partition>'): string | null {
  if (value === null || value === undefined) return null;
  const bad = (): Error =>
    new Error(`Cannot serialize ${describe(value)} as a partition value of column '${column}' with type ${typeName(type)}`);
  if (typeof type !== 'string') throw new Error(`Partition column '${column}' has nested type ${typeName(type)}; only primitive types can be partition columns`);
  switch (type) {
    case 'string':
      if (typeof value !== 'string') throw bad();
      return value === '' ? null : value;
    case 'byte':
    case 'short':
    case 'integer':
      if (typeof value === 'number' && Number.isInteger(value)) return checkRange(String(value), type, column);
      if (typeof value === 'bigint') return checkRange(String(value), type, column);
      throw bad();
    case 'long':
      if (typeof value === 'bigint' || (typeof value === 'number' && Number.isSafeInteger(value))) return checkRange(String(value), type, column);
      throw bad();
    case 'float':
      if (typeof value !== 'number') throw bad();
      return javaFloatString(value, true);
    case 'double':
      if (typeof value !== 'number') throw bad();
      return javaFloatString(value, false);
    case 'boolean':
      if (typeof value !== 'boolean') throw bad();
      return value ? 'true' : 'false';
    case 'date': {
      const days = value instanceof Date ? Math.floor(value.getTime() / MS_PER_DAY) : typeof value === 'number' && Number.isInteger(value) ? value : NaN;
      if (!Number.isFinite(days)) throw bad();
      return formatDate(days);
    }
    case 'timestamp':
    case 'timestamp_ntz': {
      const micros =
        typeof value === 'bigint' ? value
          : value instanceof Date ? BigInt(value.getTime()) * 1000n
            : typeof value === 'number' && Number.isFinite(value) ? BigInt(Math.trunc(value)) * 1000n
              : null;
      if (micros === null) throw bad();
      return formatTimestampMicros(micros);
    }
    case 'binary':
      if (!(value instanceof Uint8Array)) throw bad();
      try {
        // Spark casts binary partition values to string as UTF-8.
        return new TextDecoder('utf-8', { fatal: true }).decode(value);
      } catch {
        throw new Error(`Binary partition value of column '${column}' is not valid UTF-8, so it cannot be stored as a Delta partition value`);
      }
  }
  const dec = parseDecimalType(type);
  if (dec) {
    let unscaled: bigint;
    if (typeof value === 'bigint') unscaled = value;
    else if (typeof value === 'number' && Number.isFinite(value)) unscaled = parseDecimalString(value.toFixed(dec.scale), dec.scale, column);
    else if (typeof value === 'string') unscaled = parseDecimalString(value, dec.scale, column);
    else throw bad();
    if (abs(unscaled) >= 10n ** BigInt(dec.precision)) {
      throw new Error(`Partition value ${formatDecimal(unscaled, dec.scale)} of column '${column}' overflows ${type}`);
    }
    return formatDecimal(unscaled, dec.scale);
  }
  throw bad();
}

/**
 * Parses a partition value string from the log into the column's typed
 * representation ({@link PartitionValue}). `null` and the empty string are null.
 *
 * @example
 * parsePartitionValue('2021-09-08 11:11:11', 'timestamp') // 1631099471000000n
 */
export function parsePartitionValue(text: string | null | undefined, type: DeltaType, column = '<partition>'): PartitionValue {
  if (text === null || text === undefined || text === '') return null;
  const bad = (): Error => new Error(`Invalid partition value '${text}' for column '${column}' of type ${typeName(type)}`);
  if (typeof type !== 'string') throw bad();
  switch (type) {
    case 'string':
      return text;
    case 'byte':
    case 'short':
    case 'integer': {
      if (!/^[+-]?\d+$/.test(text.trim())) throw bad();
      checkRange(String(BigInt(text.trim())), type, column);
      return Number(text.trim());
    }
    case 'long': {
      if (!/^[+-]?\d+$/.test(text.trim())) throw bad();
      return BigInt(checkRange(String(BigInt(text.trim())), type, column));
    }
    case 'float':
    case 'double': {
      const t = text.trim();
      const v = t === 'NaN' ? NaN : t === 'Infinity' || t === '+Infinity' ? Infinity : t === '-Infinity' ? -Infinity : Number(t);
      if (Number.isNaN(v) && t !== 'NaN') throw bad();
      return type === 'float' ? Math.fround(v) : v;
    }
    case 'boolean': {
      const t = text.trim().toLowerCase();
      if (t === 'true') return true;
      if (t === 'false') return false;
      throw bad();
    }
    case 'date': {
      const m = /^(\d{4,})-(\d{1,2})-(\d{1,2})$/.exec(text.trim());
      if (!m) throw bad();
      return Math.floor(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / MS_PER_DAY);
    }
    case 'timestamp':
    case 'timestamp_ntz': {
      const micros = parseTimestampMicros(text.trim());
      if (micros === null) throw bad();
      return micros;
    }
    case 'binary':
      return new TextEncoder().encode(text);
  }
  const dec = parseDecimalType(type);
  if (dec) return parseDecimalString(text.trim(), dec.scale, column);
  throw bad();
}

/** Days since the epoch → `YYYY-MM-DD`. */
export function formatDate(days: number): string {
  const d = new Date(days * MS_PER_DAY);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
}

/** Microseconds since the epoch → `YYYY-MM-DD HH:MM:SS[.ffffff]` (UTC), as Spark writes partition values. */
export function formatTimestampMicros(micros: bigint): string {
  let ms = micros / 1000n;
  let frac = micros % 1_000_000n;
  if (frac < 0n) frac += 1_000_000n;
  if (micros < 0n && micros % 1000n !== 0n) ms -= 1n; // floor for pre-1970 values
  const d = new Date(Number(ms));
  const base = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)} ` +
    `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  return frac === 0n ? base : `${base}.${String(frac).padStart(6, '0')}`;
}

const TS_RE = /^(\d{4,})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Parses `YYYY-MM-DD[ HH:MM[:SS[.fffffffff]]]` or ISO-8601 with `T` and a `Z`
 * or `±HH:MM` offset, to microseconds since the epoch; values without an offset
 * are taken as UTC. Returns `null` for other text.
 */
export function parseTimestampMicros(text: string): bigint | null {
  const m = TS_RE.exec(text);
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
  if (!Number.isFinite(ms)) return null;
  let micros = BigInt(ms) * 1000n + BigInt((m[7] ?? '').padEnd(9, '0').slice(0, 6) || '0');
  const tz = m[8];
  if (tz && tz !== 'Z') {
    const sign = tz[0] === '-' ? -1n : 1n;
    const digits = tz.slice(1).replace(':', '');
    const offsetMin = BigInt(Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
    micros -= sign * offsetMin * 60_000_000n;
  }
  return micros;
}

/** Parses a decimal string into its unscaled integer at `scale` (refusing lost digits). */
export function parseDecimalString(text: string, scale: number, column = '<decimal>'): bigint {
  const m = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new Error(`Invalid decimal value '${text}' for column '${column}'`);
  let digits = (m[2] || '0') + (m[3] ?? '');
  const exp = -(m[3] ?? '').length + Number(m[4] ?? 0);
  // shift so that the value is digits × 10^-scale
  const shift = exp + scale;
  if (shift >= 0) digits += '0'.repeat(shift);
  else {
    const cut = digits.slice(digits.length + shift);
    if (/[1-9]/.test(cut)) throw new Error(`Decimal value '${text}' of column '${column}' has more than ${scale} fractional digits`);
    digits = digits.slice(0, digits.length + shift) || '0';
  }
  const v = BigInt(digits);
  return m[1] === '-' ? -v : v;
}

/** Unscaled integer and scale → decimal text, e.g. (12345n, 2) → '123.45'. */
export function formatDecimal(unscaled: bigint, scale: number): string {
  const neg = unscaled < 0n;
  let s = String(neg ? -unscaled : unscaled);
  if (scale > 0) {
    s = s.padStart(scale + 1, '0');
    s = `${s.slice(0, -scale)}.${s.slice(-scale)}`;
  }
  return neg ? `-${s}` : s;
}

// Characters Spark/Hive percent-escape in partition directory names.
const ESCAPED = new Set<number>([
  ...Array.from({ length: 0x1f }, (_, i) => i + 1),
  0x22, 0x23, 0x25, 0x27, 0x2a, 0x2f, 0x3a, 0x3d, 0x3f, 0x5c, 0x7f, 0x7b, 0x5b, 0x5d, 0x5e,
]);

/**
 * Escapes a partition column name or value for a directory name as Spark
 * does (`/` → `%2F`, `%` → `%25`, `=` → `%3D`, ...).
 *
 * @example
 * escapePathName('a/b c%') // 'a%2Fb c%25'
 */
export function escapePathName(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    out += c < 0x80 && ESCAPED.has(c) ? `%${c.toString(16).toUpperCase().padStart(2, '0')}` : ch;
  }
  return out;
}

/** Reverses {@link escapePathName}. */
export function unescapePathName(s: string): string {
  return s.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/**
 * Relative directory for a file's partition values, e.g.
 * `year=2024/region=__HIVE_DEFAULT_PARTITION__/` (empty string for an
 * unpartitioned table). Values are the serialized log strings.
 *
 * Note that `add.path` is a URI: a writer must additionally URI-encode this
 * directory (so `%2F` appears as `%252F` in the log), see {@link toAddPath}.
 */
export function partitionDirectory(partitionColumns: string[], values: Record<string, string | null>): string {
  let dir = '';
  for (const col of partitionColumns) {
    const v = values[col];
    const value = v === null || v === undefined || v === '' ? HIVE_DEFAULT_PARTITION : escapePathName(v);
    dir += `${escapePathName(col)}=${value}/`;
  }
  return dir;
}

/**
 * The `add.path` URI of a relative file path: characters that are not legal
 * in a URI path (space, `%`, `"`, `#`, `?`, brackets, controls...) are
 * percent-encoded, while `=`, `/` and non-ASCII letters stay as they are,
 * matching the paths Spark writes.
 *
 * @example
 * toAddPath('letter=%2F/part-0.parquet') // 'letter=%252F/part-0.parquet'
 */
export function toAddPath(relativePath: string): string {
  let out = '';
  for (const ch of relativePath) {
    const c = ch.codePointAt(0) as number;
    out += c < 0x80 && URI_UNSAFE.has(c) ? `%${c.toString(16).toUpperCase().padStart(2, '0')}` : ch;
  }
  return out;
}

const URI_UNSAFE = new Set<number>([
  ...Array.from({ length: 0x21 }, (_, i) => i), 0x7f,
  0x22, 0x23, 0x25, 0x3c, 0x3e, 0x3f, 0x5b, 0x5c, 0x5d, 0x5e, 0x60, 0x7b, 0x7c, 0x7d,
]);

/** The relative storage path of an `add.path` URI (percent-decoded). */
export function fromAddPath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path; // not valid percent-encoding: some writers store raw paths
  }
}

function checkRange(text: string, type: 'byte' | 'short' | 'integer' | 'long', column: string): string {
  const bits = { byte: 8n, short: 16n, integer: 32n, long: 64n }[type];
  const v = BigInt(text);
  const lim = 1n << (bits - 1n);
  if (v < -lim || v >= lim) throw new Error(`Partition value ${text} of column '${column}' is out of range for ${type}`);
  return String(v);
}

/** Java's Double/Float.toString layout: always a fraction digit, `E` notation outside [1e-3, 1e7). */
function javaFloatString(v: number, isFloat: boolean): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  let digits: string;
  if (isFloat) {
    const f = Math.fround(v);
    digits = '';
    for (let p = 1; p <= 9; p++) {
      digits = f.toPrecision(p);
      if (Math.fround(Number(digits)) === f) break;
    }
    digits = String(Number(digits));
  } else {
    digits = String(v);
  }
  const a = Math.abs(Number(digits));
  if (a >= 1e-3 && a < 1e7) {
    const plain = Number(digits).toString();
    return plain.includes('.') || plain.includes('e') ? expandExp(plain) : `${plain}.0`;
  }
  const [mant, exp] = Number(digits).toExponential().split('e');
  return `${mant.includes('.') ? mant : `${mant}.0`}E${Number(exp)}`;
}

function expandExp(s: string): string {
  if (!s.includes('e')) return s;
  return Number(s).toFixed(20).replace(/0+$/, '').replace(/\.$/, '.0');
}

function abs(v: bigint): bigint {
  return v < 0n ? -v : v;
}

function pad(n: number, w: number): string {
  return n < 0 ? `-${String(-n).padStart(w, '0')}` : String(n).padStart(w, '0');
}

function typeName(type: DeltaType): string {
  return typeof type === 'string' ? type : type.type;
}

function describe(v: unknown): string {
  if (v instanceof Uint8Array) return `binary(${v.length} bytes)`;
  if (v instanceof Date) return `Date(${v.toISOString()})`;
  return `${typeof v} ${String(v)}`;
}
