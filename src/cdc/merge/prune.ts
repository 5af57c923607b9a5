// File pruning of MERGE: a target file can only hold a matching row when its
// partition values are among the source's key values (keys on partition
// columns), its min/max statistics overlap the source's key range (keys on
// data columns), and its partition values satisfy the target-only conjuncts
// of the ON condition. Files ruled out are not read at all. With WHEN NOT
// MATCHED BY SOURCE clauses every file is a candidate: any target row may be
// unmatched.

import * as arrow from 'apache-arrow';
import type { Add } from '../../delta/actions.ts';
import { buildArrowData } from '../../delta/arrow-data.ts';
import type { ReadPredicate } from '../../delta/conflict-checker.ts';
import { parsePartitionValue, type PartitionValue } from '../../delta/partition-values.ts';
import type { StructField } from '../../delta/schema.ts';
import type { Snapshot } from '../../delta/snapshot.ts';
import { parseStats, statAt, statToComparable } from '../../delta/stats.ts';
import { compilePredicate, type CompiledPredicate } from '../../reactive/expression/index.ts';
import { keyReader, type KeyValue } from './keys.ts';
import type { SourceSide } from './match.ts';
import type { MergePlan } from './plan.ts';

/** The files a merge must read, and what it read for conflict detection. */
export interface PruneResult {
  candidates: Add[];
  /** Decides, for a concurrently added file, whether this merge should have read it. */
  readPredicate: ReadPredicate;
  /** Whether the candidates are every file of the table. */
  wholeTable: boolean;
}

/** Chooses the candidate files of a merge (see the module comment). */
export function pruneFiles(snapshot: Snapshot, plan: MergePlan, source: SourceSide, onText: string): PruneResult {
  const files = snapshot.files();
  if (plan.notMatchedBySource.length > 0) {
    return { candidates: files, readPredicate: { text: onText, matches: () => true }, wholeTable: true };
  }
  const fields = new Map(snapshot.schema.fields.map((f) => [f.name, f] as const));
  const partitionCols = new Set(snapshot.partitionColumns);

  // Keys on partition columns: the set of source values; on data columns: the source's value range.
  // NULL source keys occur only with null-safe keys; they match files holding NULLs.
  const partitionKeys: { column: string; field: StructField; values: Set<KeyValue>; hasNull: boolean }[] = [];
  const rangeKeys: KeyRange[] = [];
  plan.keys.forEach((k, i) => {
    const field = fields.get(k.target)!;
    if (partitionCols.has(k.target)) {
      const read = keyReader(source.keyData[i]);
      const n = source.batch.numRows;
      const values = new Set<KeyValue>();
      let hasNull = false;
      for (let r = 0; r < n; r++) {
        if (!source.joinable[r]) continue;
        const v = read(r);
        if (v === null) hasNull = true;
        else values.add(v);
      }
      partitionKeys.push({ column: k.target, field, values, hasNull });
      return;
    }
    const range = keyRange(source.keyData[i], source.joinable);
    if (range) rangeKeys.push({ column: k.target, ...range });
  });

  const partitionPreds = targetPartitionPredicates(snapshot, plan, partitionCols);
  const partitionTest = (pv: Readonly<Record<string, string | null>>): boolean => {
    for (const k of partitionKeys) {
      const v = canonical(parsePartitionValue(pv[k.column] ?? null, k.field.type, k.column));
      if (v === null ? !k.hasNull : !k.values.has(v)) return false;
    }
    return partitionPreds.length === 0 || evaluateOnPartitions(snapshot, plan.schemas.target, partitionPreds, [pv])[0];
  };
  const byPartition = partitionKeys.length > 0 || partitionPreds.length > 0;
  // Evaluated once per file for the partition conjuncts (vectorised over all files).
  const partitionOk = partitionPreds.length > 0 ? evaluateOnPartitions(snapshot, plan.schemas.target, partitionPreds, files.map((f) => f.partitionValues)) : null;

  const candidates = files.filter((add, i) => {
    if (partitionOk && !partitionOk[i]) return false;
    for (const k of partitionKeys) {
      const v = canonical(parsePartitionValue(add.partitionValues[k.column] ?? null, k.field.type, k.column));
      if (v === null ? !k.hasNull : !k.values.has(v)) return false;
    }
    return mayHoldRanges(add, rangeKeys);
  });
  return {
    candidates,
    wholeTable: candidates.length === files.length && !byPartition,
    readPredicate: { text: onText, matches: byPartition ? partitionTest : () => true },
  };
}

/** The range of a key column's values, for pruning by statistics. */
export interface KeyRange {
  column: string;
  type: arrow.DataType;
  min: KeyValue;
  max: KeyValue;
}

/**
 * The min and max of a key column's values (rows with `rows[r] === 1` only,
 * when given); null when the type's statistics do not order like its values,
 * or some value is NULL or NaN (such a key may sit in any file).
 */
export function keyRange(data: arrow.Data, rows?: Uint8Array): Omit<KeyRange, 'column'> | null {
  // A mask keeping every row filters nothing: the range of the whole column, computed once per column
  // (APPLY CHANGES asks for it to locate its keys, then its merge to prune).
  if (rows && rows.indexOf(0) < 0) rows = undefined;
  if (rows) return rangeOf(data, rows);
  if (!wholeRanges.has(data)) wholeRanges.set(data, rangeOf(data));
  return wholeRanges.get(data)!;
}

const wholeRanges = new WeakMap<arrow.Data, Omit<KeyRange, 'column'> | null>();

function rangeOf(data: arrow.Data, rows?: Uint8Array): Omit<KeyRange, 'column'> | null {
  const type = data.type;
  if (!rangeComparable(type)) return null;
  const read = keyReader(data);
  // 64-bit integers and timestamps without NULLs (the usual keys): compared as two 32-bit halves, no value per row.
  const wide = (type.typeId === arrow.Type.Int && (type as arrow.Int).bitWidth === 64 && (type as arrow.Int).isSigned) || type.typeId === arrow.Type.Timestamp;
  if (wide && data.nullCount === 0 && data.length > 0) {
    const v = data.values as unknown as BigInt64Array;
    const halves = new Int32Array(v.buffer, v.byteOffset, 2 * data.length);
    let lo = -1;
    let hi = -1;
    let loHi = 0;
    let loLo = 0;
    let hiHi = 0;
    let hiLo = 0;
    for (let r = 0; r < data.length; r++) {
      if (rows && !rows[r]) continue;
      const h = halves[2 * r + 1];
      const l = halves[2 * r] >>> 0;
      if (lo < 0 || h < loHi || (h === loHi && l < loLo)) {
        lo = r;
        loHi = h;
        loLo = l;
      }
      if (hi < 0 || h > hiHi || (h === hiHi && l > hiLo)) {
        hi = r;
        hiHi = h;
        hiLo = l;
      }
    }
    return lo < 0 ? null : { type, min: read(lo)!, max: read(hi)! };
  }
  let min: KeyValue | null = null;
  let max: KeyValue | null = null;
  for (let r = 0; r < data.length; r++) {
    if (rows && !rows[r]) continue;
    const v = read(r);
    if (v === null) return null;
    if (typeof v === 'number' && Number.isNaN(v)) return null; // NaN sorts above everything in Spark's stats
    if (min === null || less(v, min)) min = v;
    if (max === null || less(max, v)) max = v;
  }
  return min === null || max === null ? null : { type, min, max };
}

/**
 * Whether the statistics of `add` allow a row with its keys in every range
 * of `ranges` (files without usable statistics may); the stats are parsed
 * once for all of them.
 */
export function mayHoldRanges(add: Add, ranges: readonly KeyRange[]): boolean {
  if (ranges.length === 0) return true;
  const stats = parseStats(add.stats);
  if (!stats) return true;
  if (stats.numRecords === 0) return false;
  return ranges.every((k) => {
    const lo = statToComparable(statAt(stats.minValues, [k.column]), k.type);
    const hiRaw = statToComparable(statAt(stats.maxValues, [k.column]), k.type);
    if (lo === undefined || hiRaw === undefined || !exactStat(lo, k.type) || !exactStat(hiRaw, k.type)) return true;
    // Timestamp statistics are truncated to milliseconds: the true maximum may be up to 999 µs above.
    const hi = k.type.typeId === arrow.Type.Timestamp && typeof hiRaw === 'bigint' ? hiRaw + 999n : hiRaw;
    return !(less(k.max, lo) || less(hi, k.min));
  });
}

/** Key types whose statistics order matches the key values' order. */
function rangeComparable(type: arrow.DataType): boolean {
  switch (type.typeId) {
    case arrow.Type.Int:
    case arrow.Type.Float:
    case arrow.Type.Date:
    case arrow.Type.Timestamp:
    case arrow.Type.Utf8:
      return true;
    default:
      return false;
  }
}

/** Statistics of 64-bit integers beyond 2^53 were parsed inexactly: unusable for pruning. */
function exactStat(v: number | bigint | string, type: arrow.DataType): boolean {
  if (typeof v !== 'number') return true;
  if (type.typeId === arrow.Type.Int) return Number.isSafeInteger(v);
  return !Number.isNaN(v);
}

/** Order of key values: numbers/bigints numerically, strings by UTF-8 bytes (the order of Delta statistics). */
function less(a: KeyValue | number | bigint | string, b: KeyValue | number | bigint | string): boolean {
  if (typeof a === 'string' && typeof b === 'string') return Buffer.compare(Buffer.from(a), Buffer.from(b)) < 0;
  return (a as number) < (b as number);
}

/** A partition value in the canonical key form of keys.ts. */
function canonical(v: PartitionValue): KeyValue | null {
  if (v === null) return null;
  if (typeof v === 'bigint') return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  return v;
}

/** Target-only ON conjuncts that read partition columns only, compiled over [target: all columns]. */
function targetPartitionPredicates(snapshot: Snapshot, plan: MergePlan, partitionCols: ReadonlySet<string>): CompiledPredicate[] {
  const out: CompiledPredicate[] = [];
  for (const part of plan.targetOnly) {
    const cols = new Set<string>();
    const walk = (x: unknown): void => {
      if (!x || typeof x !== 'object') return;
      const e = x as { kind?: string; base?: { kind?: string; name?: string }; name?: string };
      if (e.kind === 'field' && e.base?.kind === 'column' && e.base.name === plan.scope.targetAlias && e.name) cols.add(e.name);
      for (const v of Object.values(x)) if (v && typeof v === 'object') walk(v);
    };
    walk(part);
    if (cols.size === 0 || ![...cols].every((c) => partitionCols.has(c))) continue;
    out.push(compilePredicate(part, plan.schemas.target, { table: snapshot.table }));
  }
  return out;
}

/** The predicates over rows made of partition values (one row per file; data columns NULL); TRUE → true. */
function evaluateOnPartitions(
  snapshot: Snapshot,
  schema: arrow.Schema,
  preds: readonly CompiledPredicate[],
  values: readonly Readonly<Record<string, string | null>>[],
): boolean[] {
  const alias = schema.fields[0].type as arrow.Struct;
  const columns = snapshot.schema.fields.map((f, i) => {
    const isPartition = snapshot.partitionColumns.includes(f.name);
    const vals: PartitionValue[] = values.map((pv) => (isPartition ? parsePartitionValue(pv[f.name] ?? null, f.type, f.name) : null));
    return buildArrowData(alias.children[i].type, vals, f.name);
  });
  const struct = arrow.makeData({ type: alias, length: values.length, nullCount: 0, children: columns });
  const batch = new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: values.length, nullCount: 0, children: [struct] }));
  const ok = new Array<boolean>(values.length).fill(true);
  for (const p of preds) {
    const { mask } = p.mask(batch);
    for (let i = 0; i < values.length; i++) ok[i] = ok[i] && mask[i] === 1;
  }
  return ok;
}
