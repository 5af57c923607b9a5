// The public options of APPLY CHANGES / AUTO CDC and their validation against
// a source schema. Names follow DLT's `create_auto_cdc_flow` parameters in
// camelCase; checks that DLT/SDP make at flow definition time happen here,
// before any batch is read.
import type * as arrow from 'apache-arrow';
import type { Backpressure } from '../../reactive/sources/backpressure.ts';
import { ApplyChangesError } from './errors.ts';

/** The SCD2 bookkeeping columns, typed like the sequence. */
export const START_AT = '__START_AT';
export const END_AT = '__END_AT';

/** Default SCD1 tombstone retention (DLT's `pipelines.cdc.tombstoneGCThresholdInSeconds`): 2 days. */
export const DEFAULT_TOMBSTONE_GC_SECONDS = 172_800;

/** The table property that sets the tombstone retention, as in DLT. */
export const TOMBSTONE_GC_PROPERTY = 'pipelines.cdc.tombstoneGCThresholdInSeconds';

/** Options of {@link applyChanges}. */
export interface ApplyChangesOptions<O = unknown> {
  /** Columns identifying a row (at least one; each must be a selected source column). */
  keys: string[];
  /**
   * Logical order of events per key, highest wins: a column name or Spark SQL
   * expression (`'CAST(ts AS BIGINT)'`), or several of them compared
   * lexicographically (DLT's `struct(a, b)`); then `__START_AT`/`__END_AT`
   * are structs with one field per entry.
   */
  sequenceBy: string | string[];
  /** 1 (default): one row per live key. 2: history with `__START_AT`/`__END_AT`. */
  storedAs?: 1 | 2;
  /** SQL condition marking DELETE events, e.g. `"operation = 'DELETE'"`. */
  applyAsDeletes?: string;
  /** SQL condition marking TRUNCATE events (SCD1 only): the table is emptied as of that sequence value. */
  applyAsTruncates?: string;
  /** Source columns that land in the target (default: all). Exclusive with exceptColumnList. */
  columnList?: string[];
  /** Source columns that do not land in the target. */
  exceptColumnList?: string[];
  /** SCD2: columns whose changes open a new version (default: every non-key column). */
  trackHistoryColumnList?: string[];
  /** SCD2: columns whose changes update the current version in place. */
  trackHistoryExceptColumnList?: string[];
  /** NULLs in an upsert keep the target's current value instead of overwriting it (partial updates). */
  ignoreNullUpdates?: boolean;
  /** Only these columns ignore NULL updates. */
  ignoreNullUpdatesColumnList?: string[];
  /** Every column but these ignores NULL updates. */
  ignoreNullUpdatesExceptColumnList?: string[];
  /**
   * Two events with the same key and sequence value: 'resolve' (default) is
   * deterministic — a delete beats an upsert, else the later arrival wins;
   * 'error' fails the micro-batch (table untouched).
   */
  onDuplicateSequence?: 'resolve' | 'error';
  /** Flow identity: commits carry `txn(appId, batchId)`; CDC state is kept per appId. Default 'apply_changes'. */
  appId?: string;
  /** The batch's id for sources that replay from the start (ids ≤ the committed one are skipped). Default: continue numbering. */
  batchId?: (batch: arrow.RecordBatch, index: number) => number;
  /** The source position after a batch (JSON-serialisable), stored with the commit (see lastCommittedOffset). */
  sourceOffset?: (batch: arrow.RecordBatch) => O | undefined;
  /** Pause the source while commits are slow. */
  backpressure?: Backpressure;
  /** Partition columns when the target is created. */
  partitionBy?: string[];
  /** Table properties when the target is created (e.g. `pipelines.cdc.tombstoneGCThresholdInSeconds`). */
  properties?: Record<string, string>;
  /**
   * 'copy-on-write' rewrites touched files; 'deletion-vectors' masks changed
   * rows instead; 'auto' (default) uses deletion vectors when the table has
   * `delta.enableDeletionVectors=true`. SCD2 copies on write when a key's old
   * rows must be read (target rows of keys the flow has no events for).
   */
  mode?: 'copy-on-write' | 'deletion-vectors' | 'auto';
  /** Approximate in-memory bytes per written data file. */
  targetFileSize?: number;
  /** Clock for tombstone ages (ms since epoch); tests pin it. */
  now?: () => number;
}

/** Options after validation against the source schema. */
export interface ResolvedOptions {
  table: string;
  keys: string[];
  /** Output (target) columns in source order, SCD2 columns excluded. */
  columns: string[];
  /** SCD2 only: the tracked columns (subset of `columns`, keys excluded). */
  tracked: string[];
  /** Per output column: NULLs in upserts keep the old value. */
  ignoreNull: boolean[];
  scdType: 1 | 2;
  sequenceBy: string[];
  /** Whether sequenceBy was given as a list (struct sequencing). */
  structSequence: boolean;
  applyAsDeletes?: string;
  applyAsTruncates?: string;
  duplicates: 'resolve' | 'error';
}

/** Options common to AUTO CDC and the snapshot flow that need no source schema. */
export function checkStaticOptions(o: ApplyChangesOptions, table: string): void {
  const fail = (m: string) => {
    throw new ApplyChangesError(`applyChanges into ${table}: ${m}`);
  };
  if (!Array.isArray(o.keys) || o.keys.length === 0) fail('keys must list at least one column (AUTOCDC_EMPTY_KEYS)');
  for (const k of o.keys) if (typeof k !== 'string' || k === '' || k.includes('.')) fail(`key '${String(k)}' must be a plain column name without qualifier`);
  const seq = Array.isArray(o.sequenceBy) ? o.sequenceBy : [o.sequenceBy];
  if (seq.length === 0 || seq.some((s) => typeof s !== 'string' || s.trim() === '')) fail('sequenceBy must be a column name, an SQL expression or a list of them');
  const type = o.storedAs ?? 1;
  if (type !== 1 && type !== 2) fail(`storedAs must be 1 or 2 (only SCD type 1 and SCD type 2 are supported), got ${String(o.storedAs)}`);
  if (o.columnList && o.exceptColumnList) fail('columnList and exceptColumnList are mutually exclusive');
  if (o.trackHistoryColumnList && o.trackHistoryExceptColumnList) fail('trackHistoryColumnList and trackHistoryExceptColumnList are mutually exclusive');
  if (type === 1 && (o.trackHistoryColumnList || o.trackHistoryExceptColumnList)) fail('trackHistoryColumnList/trackHistoryExceptColumnList apply to storedAs: 2 only');
  if (type === 2 && o.applyAsTruncates !== undefined) fail('applyAsTruncates is supported for SCD type 1 only (storedAs: 1)');
  if (o.ignoreNullUpdatesColumnList && o.ignoreNullUpdatesExceptColumnList) fail('ignoreNullUpdatesColumnList and ignoreNullUpdatesExceptColumnList are mutually exclusive');
  if (o.ignoreNullUpdatesColumnList?.length === 0 || o.ignoreNullUpdatesExceptColumnList?.length === 0) fail('an ignoreNullUpdates column list must not be empty');
  if (o.onDuplicateSequence !== undefined && o.onDuplicateSequence !== 'resolve' && o.onDuplicateSequence !== 'error') fail(`onDuplicateSequence must be 'resolve' or 'error'`);
  if (o.mode !== undefined && !['copy-on-write', 'deletion-vectors', 'auto'].includes(o.mode)) fail(`mode must be 'copy-on-write', 'deletion-vectors' or 'auto', got '${String(o.mode)}'`);
  if (o.appId !== undefined && (typeof o.appId !== 'string' || o.appId === '')) fail('appId must be a non-empty string');
}

/** Validates `o` against the source schema and resolves column lists. */
export function resolveOptions(o: ApplyChangesOptions, source: arrow.Schema, table: string): ResolvedOptions {
  checkStaticOptions(o, table);
  const fail = (m: string): never => {
    throw new ApplyChangesError(`applyChanges into ${table}: ${m}`);
  };
  const names = source.fields.map((f) => f.name);
  const have = new Set(names);
  const listed = (list: string[] | undefined, what: string) => {
    for (const c of list ?? []) if (!have.has(c)) fail(`${what} column '${c}' is not in the source (columns: ${names.join(', ')}) (AUTOCDC_COLUMNS_NOT_FOUND_IN_SCHEMA)`);
  };
  for (const k of o.keys) if (!have.has(k)) fail(`key column '${k}' is not in the source (columns: ${names.join(', ')})`);
  listed(o.columnList, 'columnList');
  listed(o.exceptColumnList, 'exceptColumnList');
  const columns = o.columnList ? names.filter((n) => o.columnList!.includes(n)) : names.filter((n) => !(o.exceptColumnList ?? []).includes(n));
  for (const k of o.keys) if (!columns.includes(k)) fail(`key column '${k}' must be among the selected columns`);
  const scdType = o.storedAs ?? 1;
  for (const c of columns) {
    if (c === START_AT || c === END_AT) fail(`source column '${c}' clashes with the SCD2 bookkeeping column of the same name; exclude or rename it`);
  }
  const inOutput = (list: string[] | undefined, what: string) => {
    for (const c of list ?? []) if (!columns.includes(c)) fail(`${what} column '${c}' is not among the selected columns (${columns.join(', ')})`);
  };
  inOutput(o.trackHistoryColumnList, 'trackHistoryColumnList');
  inOutput(o.trackHistoryExceptColumnList, 'trackHistoryExceptColumnList');
  inOutput(o.ignoreNullUpdatesColumnList, 'ignoreNullUpdatesColumnList');
  inOutput(o.ignoreNullUpdatesExceptColumnList, 'ignoreNullUpdatesExceptColumnList');
  const nonKey = columns.filter((c) => !o.keys.includes(c));
  const tracked = o.trackHistoryColumnList
    ? nonKey.filter((c) => o.trackHistoryColumnList!.includes(c))
    : nonKey.filter((c) => !(o.trackHistoryExceptColumnList ?? []).includes(c));
  const ignoreNull = columns.map((c) => {
    if (o.keys.includes(c)) return false;
    if (o.ignoreNullUpdatesColumnList) return o.ignoreNullUpdatesColumnList.includes(c);
    if (o.ignoreNullUpdatesExceptColumnList) return !o.ignoreNullUpdatesExceptColumnList.includes(c);
    return o.ignoreNullUpdates === true;
  });
  return {
    table,
    keys: [...o.keys],
    columns,
    tracked: scdType === 2 ? tracked : [],
    ignoreNull,
    scdType,
    sequenceBy: Array.isArray(o.sequenceBy) ? [...o.sequenceBy] : [o.sequenceBy],
    structSequence: Array.isArray(o.sequenceBy),
    applyAsDeletes: o.applyAsDeletes,
    applyAsTruncates: o.applyAsTruncates,
    duplicates: o.onDuplicateSequence ?? 'resolve',
  };
}
