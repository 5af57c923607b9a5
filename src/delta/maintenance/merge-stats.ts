// Statistics of a file made by concatenating other files' row groups: the
// union of their `add.stats` — row counts and null counts add up, minValues
// take the least and maxValues the greatest value per column. Truncated
// string bounds stay valid bounds under min/max, so the result is as exact as
// its inputs. A column missing from any input is left out (unknown bound).

import * as arrow from 'apache-arrow';
import { JsonNumber, stringifyJson, type JsonValue } from '../json.ts';
import { parseStats, statToComparable, type ParsedStats } from '../stats.ts';

type Tree = { [k: string]: JsonValue | undefined };

/**
 * Merges the stats strings of files whose rows are concatenated; null when
 * any input has no stats (nothing certain can be said then).
 *
 * @example
 * mergeStats([a.stats, b.stats], snapshot.arrowSchema)
 */
export function mergeStats(stats: readonly (string | null | undefined)[], schema: arrow.Schema): string | null {
  const parsed = stats.map(parseStats);
  if (parsed.length === 0 || parsed.some((p) => p === null)) return null;
  const all = parsed as ParsedStats[];
  const fields = new Map(schema.fields.map((f) => [f.name, f.type] as const));
  const out: Tree = {
    numRecords: all.reduce((s, p) => s + p.numRecords, 0),
    minValues: mergeTree(all.map((p) => p.minValues), fields, 'min'),
    maxValues: mergeTree(all.map((p) => p.maxValues), fields, 'max'),
    nullCount: mergeTree(all.map((p) => p.nullCount), fields, 'sum'),
  };
  if (all.some((p) => !p.tightBounds)) out.tightBounds = false;
  return stringifyJson(out);
}

function isTree(v: JsonValue | undefined): v is Tree {
  return v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v) && !(v instanceof JsonNumber);
}

function mergeTree(trees: Tree[], types: Map<string, arrow.DataType>, how: 'min' | 'max' | 'sum'): Tree {
  const out: Tree = {};
  for (const key of Object.keys(trees[0])) {
    const values = trees.map((t) => t[key]);
    if (values.some((v) => v === undefined || v === null)) continue;
    const type = types.get(key);
    if (values.every(isTree)) {
      const childTypes = new Map<string, arrow.DataType>();
      if (type && type.typeId === arrow.Type.Struct) for (const c of (type as arrow.Struct).children) childTypes.set(c.name, c.type);
      const merged = mergeTree(values as Tree[], childTypes, how);
      if (Object.keys(merged).length > 0) out[key] = merged;
      continue;
    }
    if (values.some(isTree)) continue;
    if (how === 'sum') {
      let s = 0n;
      let ok = true;
      for (const v of values) {
        if (typeof v === 'number' && Number.isInteger(v)) s += BigInt(v);
        else if (typeof v === 'bigint') s += v;
        else ok = false;
      }
      // A nullCount that is not an integer (an array column's per-element form) is left out.
      if (ok) out[key] = s <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(s) : s;
      continue;
    }
    if (!type) continue;
    let best = values[0] as JsonValue;
    let bestKey = comparable(best, type);
    if (bestKey === undefined) continue;
    let ok = true;
    for (const v of values.slice(1)) {
      const k = comparable(v as JsonValue, type);
      if (k === undefined) {
        ok = false;
        break;
      }
      const c = compare(k, bestKey);
      if ((how === 'min' && c < 0) || (how === 'max' && c > 0)) {
        best = v as JsonValue;
        bestKey = k;
      }
    }
    if (ok) out[key] = best;
  }
  return out;
}

function comparable(v: JsonValue, type: arrow.DataType): number | bigint | string | undefined {
  if (type.typeId === arrow.Type.Decimal) {
    // Decimal stats are JSON numbers with exact digits: compare as scaled bigints.
    const text = v instanceof JsonNumber ? v.text : typeof v === 'number' || typeof v === 'bigint' ? String(v) : undefined;
    if (text === undefined || /e/i.test(text)) return undefined;
    const scale = (type as arrow.Decimal).scale;
    const [int, frac = ''] = text.split('.');
    const neg = int.startsWith('-');
    const digits = BigInt((neg ? int.slice(1) : int) + frac.padEnd(scale, '0').slice(0, scale));
    return neg ? -digits : digits;
  }
  return statToComparable(v, type);
}

/** Orders numbers and bigints numerically, strings by code point (= UTF-8 byte order). */
function compare(a: number | bigint | string, b: number | bigint | string): number {
  if (typeof a === 'string' && typeof b === 'string') {
    if (a === b) return 0;
    const ia = a[Symbol.iterator]();
    const ib = b[Symbol.iterator]();
    for (;;) {
      const x = ia.next();
      const y = ib.next();
      if (x.done || y.done) return x.done ? (y.done ? 0 : -1) : 1;
      const cx = x.value.codePointAt(0)!;
      const cy = y.value.codePointAt(0)!;
      if (cx !== cy) return cx - cy;
    }
  }
  if (typeof a === 'string' || typeof b === 'string') return 0;
  return a < b ? -1 : a > b ? 1 : 0;
}
