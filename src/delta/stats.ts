// Per-file statistics of `add` actions (PROTOCOL.md "Per-file Statistics"):
// the Parquet writer's FileStats become the Delta stats JSON that engines use
// for data skipping, and that JSON parses back for our own skipping.
//
// Follows what Spark writes: min/max only for numeric, date, timestamp and
// string leaves; nullCount for every leaf (struct fields nest, arrays and maps
// count as one leaf); strings cut to a 32-char prefix (max with a tie-breaker
// so it still bounds every value); timestamps truncated to milliseconds.

import * as arrow from 'apache-arrow';
import type { ColumnStats, FileStats, StatValue } from '../parquet/types.ts';
import { JsonNumber, parseJson, stringifyJson, type JsonValue } from './json.ts';

/** How many leading leaf columns get statistics when nothing else is configured. */
export const DEFAULT_NUM_INDEXED_COLS = 32;
/** Length of the string prefix kept in min/max statistics. */
export const DEFAULT_STRING_PREFIX_LENGTH = 32;

export interface StatsOptions {
  /** Partition columns: never in the stats (their values are in `partitionValues`). */
  partitionColumns?: readonly string[];
  /** `delta.dataSkippingNumIndexedCols`: leaf columns to index, in schema order; -1 = all (default 32). */
  numIndexedCols?: number;
  /** `delta.dataSkippingStatsColumns`, parsed: column paths to index; overrides `numIndexedCols`. */
  statsColumns?: readonly (readonly string[])[] | null;
  /** Prefix length of string min/max (default 32). */
  stringPrefixLength?: number;
  /**
   * Null counts of array/map columns, keyed by path joined with '.', counted at
   * the row level (the Parquet leaf counts mix in null elements). Arrays and maps
   * without an entry get no nullCount.
   */
  collectionNullCounts?: ReadonlyMap<string, number>;
}

/** The parsed form of an `add.stats` string. */
export interface ParsedStats {
  numRecords: number;
  /** Whether min/max are exact (absent means true, per the protocol). */
  tightBounds: boolean;
  minValues: { [column: string]: JsonValue | undefined };
  maxValues: { [column: string]: JsonValue | undefined };
  nullCount: { [column: string]: JsonValue | undefined };
}

/** A leaf column that gets statistics: its path and Arrow type. */
export interface StatsLeaf {
  path: string[];
  type: arrow.DataType;
}

/**
 * Reads the stats-related table properties from a `metaData.configuration`.
 *
 * @example
 * statsOptionsFromConfiguration({ 'delta.dataSkippingNumIndexedCols': '5' }, ['date'])
 */
export function statsOptionsFromConfiguration(
  configuration: Readonly<Record<string, string>>,
  partitionColumns: readonly string[] = [],
): StatsOptions {
  const options: StatsOptions = { partitionColumns };
  const n = configuration['delta.dataSkippingNumIndexedCols'];
  if (n !== undefined) {
    const parsed = Number(n);
    if (!Number.isInteger(parsed) || parsed < -1) {
      throw new Error(`Invalid delta.dataSkippingNumIndexedCols '${n}': expected an integer >= -1`);
    }
    options.numIndexedCols = parsed;
  }
  const cols = configuration['delta.dataSkippingStatsColumns'];
  if (cols !== undefined && cols.trim() !== '') options.statsColumns = parseColumnList(cols);
  return options;
}

/**
 * Parses a comma-separated list of column names where nested fields are
 * dotted and names with special characters are back-quoted (`a`.`b.c`).
 *
 * @example
 * parseColumnList('id, `weird.name`, address.city') // [['id'], ['weird.name'], ['address', 'city']]
 */
export function parseColumnList(text: string): string[][] {
  const out: string[][] = [];
  let path: string[] = [];
  let cur = '';
  let quoted = false;
  let sawQuote = false;
  const endName = () => {
    const name = sawQuote ? cur : cur.trim();
    if (name === '') throw new Error(`Invalid column list '${text}': empty column name`);
    path.push(name);
    cur = '';
    sawQuote = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '`' && text[i + 1] === '`') (cur += '`'), i++;
      else if (c === '`') quoted = false;
      else cur += c;
    } else if (c === '`') {
      quoted = true;
      sawQuote = true;
      cur = cur.trim();
    } else if (c === '.') {
      endName();
    } else if (c === ',') {
      endName();
      out.push(path);
      path = [];
    } else if (!(sawQuote && /\s/.test(c))) {
      cur += c;
    }
  }
  if (quoted) throw new Error(`Invalid column list '${text}': unterminated back-quote`);
  endName();
  out.push(path);
  return out;
}

/**
 * The leaf columns that get statistics, in schema order: partition columns
 * are skipped, structs are descended into, and either the named
 * `statsColumns` (a struct name selects all its leaves) or the first
 * `numIndexedCols` leaves are kept.
 */
export function statsLeaves(schema: arrow.Schema, options: StatsOptions = {}): StatsLeaf[] {
  const partition = new Set(options.partitionColumns ?? []);
  const all: StatsLeaf[] = [];
  const walk = (fields: readonly arrow.Field[], prefix: string[]) => {
    for (const f of fields) {
      if (prefix.length === 0 && partition.has(f.name)) continue;
      const path = [...prefix, f.name];
      if (f.type.typeId === arrow.Type.Struct) walk((f.type as arrow.Struct).children, path);
      else all.push({ path, type: f.type });
    }
  };
  walk(schema.fields, []);
  if (options.statsColumns) {
    const wanted = options.statsColumns;
    return all.filter((leaf) => wanted.some((w) => w.length <= leaf.path.length && w.every((n, i) => n === leaf.path[i])));
  }
  const n = options.numIndexedCols ?? DEFAULT_NUM_INDEXED_COLS;
  return n < 0 ? all : all.slice(0, n);
}

/**
 * Builds the `add.stats` JSON of one data file from the writer's statistics.
 * `schema` is the Arrow schema the file was written with (it decides how each
 * value is rendered: timestamps with or without `Z`, decimal scale, ...).
 *
 * @example
 * const { bytes, stats } = await writeParquet(table);
 * add.stats = buildStats(stats, table.schema, statsOptionsFromConfiguration(metadata.configuration, ['date']));
 * // {"numRecords":3,"minValues":{"id":1,...},"maxValues":{...},"nullCount":{"id":0,...}}
 */
export function buildStats(fileStats: FileStats, schema: arrow.Schema, options: StatsOptions = {}): string {
  const byPath = new Map<string, ColumnStats>();
  for (const c of fileStats.columns) byPath.set(pathKey(c.path), c);
  const prefixLen = options.stringPrefixLength ?? DEFAULT_STRING_PREFIX_LENGTH;
  const minValues: { [k: string]: JsonValue } = {};
  const maxValues: { [k: string]: JsonValue } = {};
  const nullCount: { [k: string]: JsonValue } = {};
  for (const leaf of statsLeaves(schema, options)) {
    const key = pathKey(leaf.path);
    if (isCollection(leaf.type)) {
      const n = options.collectionNullCounts?.get(key);
      if (n !== undefined) setPath(nullCount, leaf.path, n);
      continue;
    }
    const col = byPath.get(key);
    if (!col) continue;
    setPath(nullCount, leaf.path, col.nullCount);
    if (!skippingEligible(leaf.type)) continue;
    // Spark drops a whole column's bounds when either side cannot be represented.
    const min = col.min === undefined ? undefined : renderStat(col.min, leaf.type, 'min', prefixLen);
    const max = col.max === undefined ? undefined : renderStat(col.max, leaf.type, 'max', prefixLen);
    if (min !== undefined && max !== undefined) {
      setPath(minValues, leaf.path, min);
      setPath(maxValues, leaf.path, max);
    }
  }
  return stringifyJson({ numRecords: fileStats.numRows, minValues, maxValues, nullCount });
}

/**
 * Parses an `add.stats` string; `null` when absent or not an object with
 * `numRecords` (stats are optional, so callers then cannot skip the file).
 * Integers beyond 2^53 come back as bigints.
 */
export function parseStats(stats: string | null | undefined): ParsedStats | null {
  if (stats == null || stats === '') return null;
  let v: JsonValue;
  try {
    v = parseJson(stats);
  } catch {
    return null;
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof JsonNumber) return null;
  const num = v.numRecords;
  if (typeof num !== 'number' && typeof num !== 'bigint') return null;
  const obj = (x: JsonValue | undefined) =>
    x !== null && typeof x === 'object' && !Array.isArray(x) && !(x instanceof JsonNumber) ? x : {};
  return {
    numRecords: Number(num),
    tightBounds: v.tightBounds !== false,
    minValues: obj(v.minValues),
    maxValues: obj(v.maxValues),
    nullCount: obj(v.nullCount),
  };
}

/** The value at a column path inside `minValues`/`maxValues`/`nullCount`, if any. */
export function statAt(tree: { [k: string]: JsonValue | undefined }, path: readonly string[]): JsonValue | undefined {
  let cur: JsonValue | undefined = tree;
  for (const name of path) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || cur instanceof JsonNumber) return undefined;
    cur = (cur as { [k: string]: JsonValue | undefined })[name];
  }
  return cur;
}

/**
 * A stats value in the comparable domain of its Arrow type: dates → days,
 * timestamps → microseconds (bigint), int64/decimal → as parsed, strings as is.
 * `undefined` when the value does not fit the type.
 */
export function statToComparable(v: JsonValue | undefined, type: arrow.DataType): number | bigint | string | undefined {
  if (v === undefined || v === null) return undefined;
  switch (type.typeId) {
    case arrow.Type.Date:
      if (typeof v !== 'string') return undefined;
      return Math.floor(Date.parse(`${v}T00:00:00Z`) / 86_400_000);
    case arrow.Type.Timestamp: {
      if (typeof v !== 'string') return undefined;
      const ms = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(v) ? v : `${v}Z`);
      return Number.isNaN(ms) ? undefined : BigInt(ms) * 1000n;
    }
    case arrow.Type.Utf8:
    case arrow.Type.LargeUtf8:
    case arrow.Type.Utf8View:
      return typeof v === 'string' ? v : undefined;
    default:
      if (typeof v === 'number' || typeof v === 'bigint') return v;
      if (v instanceof JsonNumber) return Number(v.text);
      return undefined;
  }
}

/** Truncates a string min to `prefixLen` UTF-16 units without splitting a surrogate pair. */
export function truncateMinString(s: string, prefixLen: number): string | null {
  if (s.length <= prefixLen) return s;
  if (prefixLen <= 0) return null;
  const splitsPair = isHigh(s.charCodeAt(prefixLen - 1)) && isLow(s.charCodeAt(prefixLen));
  return s.slice(0, splitsPair ? prefixLen + 1 : prefixLen);
}

/**
 * Truncates a string max so the result is still ≥ the original in UTF-8 byte
 * order: the prefix gets a tie-breaker (U+007F when the first dropped char is
 * below it, else U+10FFFF), extending past U+10FFFF chars that cannot be beaten.
 * `null` when no bound of at most twice the prefix length exists.
 */
export function truncateMaxString(s: string, prefixLen: number): string | null {
  if (s.length <= prefixLen) return s;
  if (prefixLen <= 0) return null;
  let len = (truncateMinString(s, prefixLen) as string).length;
  while (len <= 2 * prefixLen) {
    if (len >= s.length) return s;
    if (s.codePointAt(len) === 0x10ffff) {
      len += 2;
    } else if (s.charCodeAt(len) < 0x7f) {
      return s.slice(0, len) + '\u007f';
    } else {
      return s.slice(0, len) + '\u{10ffff}';
    }
  }
  return null;
}

function isHigh(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}
function isLow(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

function pathKey(path: readonly string[]): string {
  return path.join('.');
}

function setPath(tree: { [k: string]: JsonValue }, path: readonly string[], value: JsonValue): void {
  let cur = tree;
  for (let i = 0; i < path.length - 1; i++) {
    const next = cur[path[i]];
    if (next === undefined || next === null || typeof next !== 'object' || Array.isArray(next) || next instanceof JsonNumber) {
      const child: { [k: string]: JsonValue } = {};
      cur[path[i]] = child;
      cur = child;
    } else {
      cur = next as { [k: string]: JsonValue };
    }
  }
  cur[path[path.length - 1]] = value;
}

function isCollection(type: arrow.DataType): boolean {
  const t = type.typeId;
  return t === arrow.Type.List || t === arrow.Type.LargeList || t === arrow.Type.FixedSizeList || t === arrow.Type.Map;
}

/** Types Spark keeps min/max for (SkippingEligibleDataType): numbers, dates, timestamps, strings. */
function skippingEligible(type: arrow.DataType): boolean {
  switch (type.typeId) {
    case arrow.Type.Int:
    case arrow.Type.Float:
    case arrow.Type.Decimal:
    case arrow.Type.Date:
    case arrow.Type.Timestamp:
    case arrow.Type.Utf8:
    case arrow.Type.LargeUtf8:
    case arrow.Type.Utf8View:
      return true;
    default:
      return false;
  }
}

const utf8 = new TextDecoder();

/** Renders one min or max in Delta's JSON form; `undefined` when it has none. */
function renderStat(v: StatValue, type: arrow.DataType, side: 'min' | 'max', prefixLen: number): JsonValue | undefined {
  switch (type.typeId) {
    case arrow.Type.Int: {
      if ((type as arrow.Int).bitWidth === 64) return typeof v === 'bigint' ? v : BigInt(Number(v));
      return Number(v);
    }
    case arrow.Type.Float: {
      const n = Number(v);
      return Number.isFinite(n) ? n : undefined;
    }
    case arrow.Type.Decimal: {
      const unscaled = typeof v === 'bigint' ? v : typeof v === 'number' ? BigInt(v) : null;
      if (unscaled === null) return typeof v === 'string' ? new JsonNumber(v) : undefined;
      return new JsonNumber(formatDecimal(unscaled, (type as arrow.Decimal).scale));
    }
    case arrow.Type.Date: {
      const days = (type as arrow.Date_).unit === arrow.DateUnit.DAY ? Number(v) : Math.floor(Number(v) / 86_400_000);
      return formatDate(days);
    }
    case arrow.Type.Timestamp: {
      const t = type as arrow.Timestamp;
      const ms = toMillis(BigInt(v as bigint | number), t.unit);
      const text = formatTimestampMillis(ms);
      if (text === undefined) return undefined;
      return t.timezone ? `${text}Z` : text;
    }
    default: {
      const s = typeof v === 'string' ? v : v instanceof Uint8Array ? utf8.decode(v) : String(v);
      const out = side === 'min' ? truncateMinString(s, prefixLen) : truncateMaxString(s, prefixLen);
      return out ?? undefined;
    }
  }
}

/** Unscaled integer and scale → exact decimal text (e.g. -1234n, 2 → "-12.34"). */
export function formatDecimal(unscaled: bigint, scale: number): string {
  const neg = unscaled < 0n;
  let digits = (neg ? -unscaled : unscaled).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  } else if (scale < 0) {
    digits = digits + '0'.repeat(-scale);
  }
  return neg ? `-${digits}` : digits;
}

function toMillis(v: bigint, unit: arrow.TimeUnit): bigint {
  const per = unit === arrow.TimeUnit.SECOND ? -1n : unit === arrow.TimeUnit.MILLISECOND ? 1n : unit === arrow.TimeUnit.MICROSECOND ? 1000n : 1_000_000n;
  if (per === -1n) return v * 1000n;
  // Floor division: truncating toward -inf keeps the value a lower bound for pre-1970 instants too.
  const q = v / per;
  return v % per !== 0n && v < 0n ? q - 1n : q;
}

/** Days since the epoch → `YYYY-MM-DD` (four-digit years, as Spark prints them). */
export function formatDate(days: number): string {
  const d = new Date(days * 86_400_000);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
}

/** Milliseconds since the epoch → `YYYY-MM-DDTHH:mm:ss.SSS` (no zone suffix); undefined past year 9999. */
function formatTimestampMillis(ms: bigint): string | undefined {
  const n = Number(ms);
  const d = new Date(n);
  if (Number.isNaN(d.getTime())) return undefined;
  const y = d.getUTCFullYear();
  if (y < 0 || y > 9999) return undefined;
  return (
    `${pad(y, 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}` +
    `T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.${pad(d.getUTCMilliseconds(), 3)}`
  );
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/**
 * Row-level null counts of the array and map columns of `data` (also inside
 * structs, where a null parent makes the child null), keyed by dotted path:
 * the `collectionNullCounts` that {@link buildStats} needs.
 */
export function collectionNullCounts(data: arrow.Table | readonly arrow.RecordBatch[]): Map<string, number> {
  const out = new Map<string, number>();
  const batches = Array.isArray(data) ? (data as readonly arrow.RecordBatch[]) : (data as arrow.Table).batches;
  for (const batch of batches) {
    const fields = batch.schema.fields;
    fields.forEach((f, i) => {
      const child = batch.getChildAt(i);
      if (child) countCollectionNulls(child, f, [f.name], null, out);
    });
  }
  return out;
}

function countCollectionNulls(
  vec: arrow.Vector,
  field: arrow.Field,
  path: string[],
  parentValid: boolean[] | null,
  out: Map<string, number>,
): void {
  const type = field.type;
  if (isCollection(type)) {
    let nulls = 0;
    for (let r = 0; r < vec.length; r++) if ((parentValid && !parentValid[r]) || !vec.isValid(r)) nulls++;
    out.set(pathKey(path), (out.get(pathKey(path)) ?? 0) + nulls);
    return;
  }
  if (type.typeId !== arrow.Type.Struct) return;
  const valid: boolean[] = new Array(vec.length);
  for (let r = 0; r < vec.length; r++) valid[r] = (!parentValid || parentValid[r]) && vec.isValid(r);
  (type as arrow.Struct).children.forEach((cf, j) => {
    const child = (vec as arrow.Vector<arrow.Struct>).getChildAt(j);
    if (child) countCollectionNulls(child, cf, [...path, cf.name], valid, out);
  });
}
