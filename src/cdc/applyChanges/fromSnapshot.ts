// AUTO CDC FROM SNAPSHOT (DLT's `create_auto_cdc_from_snapshot_flow`): the
// changes are derived by diffing each new snapshot against the target's
// current rows — a new key is inserted, a key whose values changed is
// updated (identical rows produce nothing), a key absent from the snapshot
// is deleted at once — and applied like AUTO CDC events whose sequence value
// is the snapshot version. Two modes: periodic snapshots (an operator over
// whole snapshots; the version is the ingestion time) and historical
// snapshots (a function returning the next snapshot and its version).
import * as arrow from 'apache-arrow';
import { concatMap, defer, from, switchMap, type OperatorFunction } from 'rxjs';
import type { Snapshot } from '../../delta/snapshot.ts';
import { scanSnapshot } from '../../delta/scan.ts';
import { storageOfRef, type TableRef } from '../../reactive/sinks/tableRef.ts';
import { gatherData as gatherDataImpl } from '../../reactive/expression/filter-batch.ts';
import { keyReader } from '../merge/keys.ts';
import { alignBatch, concatAs } from './assemble.ts';
import type { ChangeBatch } from './changes.ts';
import { ApplyChangesError } from './errors.ts';
import { CdcFlow, type FlowBatchResult } from './flow.ts';
import { checkStaticOptions, END_AT, START_AT, type ResolvedOptions } from './options.ts';
import { keyText, rowKeys, type RowKey } from './rowKey.ts';
import { contiguous } from '../merge/keys.ts';
import { compareSeq, decodeSeq, DELETE, encodeSeq, seqText, seqValues, UPSERT, type SeqValue } from './sequence.ts';

/** A snapshot version: a number or bigint (historical snapshots) or a Date (periodic snapshots: ingestion time). */
export type SnapshotVersion = number | bigint | Date;

/** Options of the snapshot flows. */
export interface SnapshotFlowOptions {
  keys: string[];
  storedAs?: 1 | 2;
  trackHistoryColumnList?: string[];
  trackHistoryExceptColumnList?: string[];
  /** Flow identity (txn appId and state record). Default 'apply_changes_from_snapshot'. */
  appId?: string;
  partitionBy?: string[];
  properties?: Record<string, string>;
  targetFileSize?: number;
}

/** What applying one snapshot did. */
export interface SnapshotFlowResult extends FlowBatchResult {
  appId: string;
  /** The snapshot's version (its __START_AT/__END_AT value in SCD2). */
  snapshotVersion: SnapshotVersion;
  numInserted: number;
  numUpdated: number;
  numDeleted: number;
}

/** A snapshot as a table or one batch. */
export type SnapshotData = arrow.Table | arrow.RecordBatch;

/**
 * Periodic snapshots: each emitted snapshot is diffed against the target
 * and applied as one commit; its version is the ingestion time (or
 * `version(snapshot, index)`), so SCD2 bounds are timestamps.
 *
 * @example
 * interval(60_000).pipe(map(() => readWholeSourceTable()), applyChangesFromSnapshot('/data/dim', { keys: ['Key'], storedAs: 2 }));
 */
export function applyChangesFromSnapshot(
  target: TableRef,
  options: SnapshotFlowOptions & { version?: (snapshot: SnapshotData, index: number) => Date },
): OperatorFunction<SnapshotData, SnapshotFlowResult> {
  const storage = storageOfRef(target);
  checkSnapshotOptions(options, storage.root);
  return (source) =>
    defer(() => {
      const runner = new SnapshotRunner(new CdcFlow(storage, flowSettings(options)), options);
      return from(runner.open()).pipe(
        switchMap(() => source.pipe(concatMap((s, i) => runner.apply(s, options.version ? options.version(s, i) : new Date())))),
      );
    });
}

/**
 * Historical snapshots: calls `next(latestVersion)` (null on the very first
 * run, else the last version the target holds) and applies each returned
 * snapshot until it returns null. Versions must increase: a version not
 * greater than the last applied one is an error (the target keeps the
 * snapshots applied before it).
 *
 * @example
 * const files = ['v1.csv', 'v2.csv'];
 * await applyChangesFromSnapshots('/data/dim', async (latest) => {
 *   const v = (latest ?? 0) + 1;
 *   return v <= files.length ? { snapshot: await readCsv(files[v - 1]), version: v } : null;
 * }, { keys: ['Key'], storedAs: 2 });
 */
export async function applyChangesFromSnapshots<V extends SnapshotVersion>(
  target: TableRef,
  next: (latestVersion: V | null) => Promise<{ snapshot: SnapshotData; version: V } | null> | { snapshot: SnapshotData; version: V } | null,
  options: SnapshotFlowOptions,
): Promise<SnapshotFlowResult[]> {
  const storage = storageOfRef(target);
  checkSnapshotOptions(options, storage.root);
  const runner = new SnapshotRunner(new CdcFlow(storage, flowSettings(options)), options);
  await runner.open();
  const out: SnapshotFlowResult[] = [];
  for (;;) {
    const item = await next(runner.latestVersion() as V | null);
    if (item === null || item === undefined) return out;
    out.push(await runner.apply(item.snapshot, item.version));
  }
}

function flowSettings(options: SnapshotFlowOptions) {
  return {
    appId: options.appId ?? 'apply_changes_from_snapshot',
    partitionBy: options.partitionBy,
    properties: options.properties,
    targetFileSize: options.targetFileSize,
    now: Date.now,
    keepEvents: false,
    operation: 'APPLY CHANGES FROM SNAPSHOT',
  };
}

function checkSnapshotOptions(o: SnapshotFlowOptions, table: string): void {
  checkStaticOptions({ ...o, sequenceBy: '__snapshot_version' }, table);
}

/** The name the snapshot version has as a sequence. */
const VERSION = '__snapshot_version';

class SnapshotRunner {
  private batchId = -1;
  private last: SeqValue | undefined;
  private lastVersion: SnapshotVersion | null = null;

  constructor(private readonly flow: CdcFlow, private readonly options: SnapshotFlowOptions) {}

  async open(): Promise<void> {
    await this.flow.latest();
    this.batchId = this.flow.committedBatch() ?? -1;
    const p = this.flow.currentPointer();
    if (p?.snapshotVersion !== undefined) {
      const v = p.snapshotVersion as { date?: number; value?: unknown };
      this.last = decodeSeq(v.value);
      this.lastVersion = v.date !== undefined ? new Date(v.date) : (decodeSeq(v.value) as number | bigint);
    }
  }

  latestVersion(): SnapshotVersion | null {
    return this.lastVersion;
  }

  async apply(data: SnapshotData, version: SnapshotVersion): Promise<SnapshotFlowResult> {
    const table = this.flow.table;
    const snapshotBatch = data instanceof arrow.Table ? concatAs(data.schema, data.batches) : data;
    const seqVector = versionVector(version, 1);
    const order = seqValues(seqVector)[0];
    if (this.last !== undefined && compareSeq(order, this.last) <= 0) {
      throw new ApplyChangesError(
        `applyChangesFromSnapshot into ${table}: snapshot version ${seqText(order)} is not greater than the last applied version ${seqText(this.last)}; snapshots must arrive in increasing version order`,
      );
    }
    const plan = snapshotPlan(this.options, snapshotBatch.schema, table);
    const current = await this.flow.latest();
    const diff = await diffSnapshot(plan, snapshotBatch, current, this.flow);
    const n = diff.rows.numRows;
    const changes: ChangeBatch = {
      rows: diff.rows,
      seq: versionVector(version, n),
      order: new Array(n).fill(order),
      kind: diff.kind,
    };
    const batchId = this.batchId + 1;
    const appId = this.flow.settings.appId;
    const encoded = { value: encodeSeq(order), ...(version instanceof Date ? { date: version.getTime() } : {}) };
    const result = await this.flow.apply(plan, changes, batchId, { appId, batchId }, { snapshotVersion: encoded });
    this.batchId = batchId;
    this.last = order;
    this.lastVersion = version;
    return { ...result, appId, snapshotVersion: version, numInserted: diff.inserted, numUpdated: diff.updated, numDeleted: diff.deleted };
  }
}

function snapshotPlan(o: SnapshotFlowOptions, schema: arrow.Schema, table: string): ResolvedOptions {
  const names = schema.fields.map((f) => f.name);
  const fail = (m: string): never => {
    throw new ApplyChangesError(`applyChangesFromSnapshot into ${table}: ${m}`);
  };
  for (const k of o.keys) if (!names.includes(k)) fail(`key column '${k}' is not in the snapshot (columns: ${names.join(', ')})`);
  for (const c of [START_AT, END_AT]) if (names.includes(c)) fail(`snapshot column '${c}' clashes with the SCD2 bookkeeping column`);
  const nonKey = names.filter((c) => !o.keys.includes(c));
  for (const c of [...(o.trackHistoryColumnList ?? []), ...(o.trackHistoryExceptColumnList ?? [])]) if (!names.includes(c)) fail(`track-history column '${c}' is not in the snapshot`);
  const tracked = o.trackHistoryColumnList ? nonKey.filter((c) => o.trackHistoryColumnList!.includes(c)) : nonKey.filter((c) => !(o.trackHistoryExceptColumnList ?? []).includes(c));
  const scdType = o.storedAs ?? 1;
  return {
    table, keys: o.keys, columns: names, tracked: scdType === 2 ? tracked : [], ignoreNull: names.map(() => false),
    scdType, sequenceBy: [VERSION], structSequence: false, duplicates: 'resolve',
  };
}

/** A column of `length` copies of the version: int64 for numbers, timestamp (µs, UTC) for dates. */
function versionVector(version: SnapshotVersion, length: number): arrow.Data {
  const values = new BigInt64Array(length);
  let type: arrow.DataType;
  if (version instanceof Date) {
    values.fill(BigInt(version.getTime()) * 1000n);
    type = new arrow.TimestampMicrosecond('UTC');
  } else {
    if (typeof version === 'number' && !Number.isSafeInteger(version)) throw new TypeError(`snapshot version must be an integer, a bigint or a Date, got ${version}`);
    values.fill(BigInt(version));
    type = new arrow.Int64();
  }
  return arrow.makeData({ type: type as arrow.Int64, length, nullCount: 0, data: values });
}

/** The changes turning the target's current rows into `snap`: upserts for new and changed keys, deletes for vanished ones. */
async function diffSnapshot(plan: ResolvedOptions, snap: arrow.RecordBatch, current: Snapshot | null, flow: CdcFlow): Promise<{ rows: arrow.RecordBatch; kind: Uint8Array; keys: RowKey[]; inserted: number; updated: number; deleted: number }> {
  const table = plan.table;
  const snapKeys = rowKeys(snap, plan.keys);
  const seen = new Map<RowKey, number>();
  for (let i = 0; i < snapKeys.length; i++) {
    if (seen.has(snapKeys[i])) throw new ApplyChangesError(`applyChangesFromSnapshot into ${table}: the snapshot holds ${keyText(plan.keys, snapKeys[i])} twice (rows ${seen.get(snapKeys[i])} and ${i}); keys must be unique in a snapshot`);
    seen.set(snapKeys[i], i);
  }
  // The target's live rows: every row (SCD1) or the current versions (SCD2).
  const live: arrow.RecordBatch[] = [];
  let snapAligned = snap;
  if (current) {
    const out = new arrow.Schema(plan.columns.map((c) => {
      const f = current.arrowSchema.fields.find((x) => x.name === c);
      if (!f) throw new ApplyChangesError(`applyChangesFromSnapshot into ${table}: the target has no column '${c}'`);
      return f;
    }));
    snapAligned = alignBatch(snap, out, table);
    for await (const b of scanSnapshot(flow.storage, current)) {
      const keep = new Uint8Array(b.numRows);
      const end = plan.scdType === 2 ? b.getChild(END_AT) : null;
      let any = false;
      for (let i = 0; i < b.numRows; i++) if (!end || !end.isValid(i)) { keep[i] = 1; any = true; }
      if (!any) continue;
      const idx: number[] = [];
      keep.forEach((k, i) => { if (k) idx.push(i); });
      const cols = plan.columns.map((c) => b.schema.fields.findIndex((f) => f.name === c));
      const projected = new arrow.RecordBatch(out, arrow.makeData({ type: new arrow.Struct(out.fields), length: b.numRows, nullCount: 0, children: cols.map((i) => b.data.children[i]) }));
      live.push(idx.length === b.numRows ? projected : new arrow.RecordBatch(out, arrow.makeData({ type: new arrow.Struct(out.fields), length: idx.length, nullCount: 0, children: projected.data.children.map((d) => gatherRows(d, idx)) })));
    }
  }
  const target = live.length > 0 ? concatAs(snapAligned.schema, live) : null;
  const targetKeys = target ? rowKeys(target, plan.keys) : [];
  const targetAt = new Map<RowKey, number>();
  targetKeys.forEach((k, i) => targetAt.set(k, i));
  const valueCols = plan.columns.map((_, c) => c).filter((c) => !plan.keys.includes(plan.columns[c]));
  const snapVals = valueCols.map((c) => keyReader(contiguous(snapAligned.data.children[c])));
  const targetVals = target ? valueCols.map((c) => keyReader(contiguous(target.data.children[c]))) : [];
  const fromSnap: number[] = [];
  let inserted = 0;
  let updated = 0;
  for (let i = 0; i < snapKeys.length; i++) {
    const t = targetAt.get(snapKeys[i]);
    if (t === undefined) {
      inserted++;
      fromSnap.push(i);
      continue;
    }
    // Update only if some value changed.
    if (snapVals.some((r, j) => !same(r(i), targetVals[j](t)))) {
      updated++;
      fromSnap.push(i);
    }
  }
  const fromTarget: number[] = [];
  for (let i = 0; i < targetKeys.length; i++) if (!seen.has(targetKeys[i])) fromTarget.push(i);
  const parts = [gatherBatch(snapAligned, fromSnap)];
  if (target && fromTarget.length > 0) parts.push(gatherBatch(target, fromTarget));
  const rows = concatAs(snapAligned.schema, parts);
  const kind = new Uint8Array(rows.numRows);
  kind.fill(UPSERT, 0, fromSnap.length);
  kind.fill(DELETE, fromSnap.length);
  const keys = [...fromSnap.map((i) => snapKeys[i]), ...fromTarget.map((i) => targetKeys[i])];
  return { rows, kind, keys, inserted, updated, deleted: fromTarget.length };
}

function same(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b));
}

function gatherRows(d: arrow.Data, idx: number[]): arrow.Data {
  return gatherDataImpl(contiguous(d), Int32Array.from(idx));
}

function gatherBatch(b: arrow.RecordBatch, idx: number[]): arrow.RecordBatch {
  return new arrow.RecordBatch(b.schema, arrow.makeData({ type: new arrow.Struct(b.schema.fields), length: idx.length, nullCount: 0, children: b.data.children.map((d) => gatherRows(d, idx)) }));
}
