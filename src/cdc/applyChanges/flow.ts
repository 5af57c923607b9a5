// One APPLY CHANGES flow against one target table: opens (or creates) the
// target, loads the flow's durable state, and applies prepared micro-batches
// — SCD1 through sequences read from the target (or a key state file) and
// tombstones, SCD2 through the event
// history — each as one commit that carries the new rows, the state record
// and the flow's txn, so data and state never diverge.
import * as arrow from 'apache-arrow';
import { projectBatch } from '../../reactive/batch/projectBatch.ts';
import type { Add } from '../../delta/actions.ts';
import { TableNotFoundError } from '../../delta/errors.ts';
import type { Snapshot } from '../../delta/snapshot.ts';
import type { Storage } from '../../delta/storage/storage.ts';
import { deleteQuietly } from '../../delta/storage/delete-quietly.ts';
import { DeltaTable } from '../../delta/table.ts';
import { progressDomainAction, COMMIT_INFO_KEY, type StreamProgress } from '../../reactive/sinks/streamProgress.ts';
import { contiguous, sameValues } from '../merge/keys.ts';
import { merge } from '../merge/merge.ts';
import type { MergeResult } from '../merge/options.ts';
import { scanFileRows } from '../../delta/scan-file.ts';
import { filterBatch } from '../../reactive/expression/filter-batch.ts';
import { alignBatch, assembleRows, concatAs, gatherNullable } from './assemble.ts';
import type { ChangeBatch } from './changes.ts';
import { ApplyChangesError } from './errors.ts';
import { EventStore, KIND_COLUMN, SEQ_COLUMN } from './eventStore.ts';
import {
  DEFAULT_TOMBSTONE_GC_SECONDS, END_AT, START_AT, TOMBSTONE_GC_PROPERTY, type ResolvedOptions,
} from './options.ts';
import { rowKeys, type RowKey } from './rowKey.ts';
import { reduceScd1, type Scd1Plan } from './scd1.ts';
import { columnRow, foldScd2, type EventPool, type Version } from './scd2.ts';
import { compareSeq, decodeSeq, encodeSeq, seqValues, TRUNCATE, UPSERT, DELETE, type SeqValue } from './sequence.ts';
import { pointerAction, readPointer, type CdcPointer } from './stateDomain.ts';
import { commitTarget, locateTargetRows, scanTarget, type TargetCommit } from './target.ts';
import { DEFAULT_INLINE_DV_BYTES, maskFiles, usesDeletionVectors } from '../merge/deletion-vectors.ts';
import { KeyStateFiles, stateSchema, type StateView } from './keyStateFiles.ts';
import { GroupStates, type KeyState } from './keyState.ts';
import { KeyGroups, keyColumnsOf } from './keyGroups.ts';
import { KeyIndex } from '../merge/key-index.ts';
import { TargetRows } from './targetRows.ts';
import { rowSequences, sequenceInTarget, targetGroupSequences, targetSequences } from './targetSequences.ts';

/** What one micro-batch did, as DLT's flow_progress metrics and Delta versions name it. */
export interface FlowBatchResult {
  /** The committed table version, or the current one when the batch was skipped. */
  version: number;
  /** True when `txn(appId, batchId)` was already committed: nothing was written. */
  skipped: boolean;
  /** Keys upserted (SCD1) or upsert events applied (SCD2). */
  numUpsertedRows: number;
  /** Rows removed by deletes and truncates (SCD1) or delete events applied (SCD2). */
  numDeletedRows: number;
  /** Events ignored because the target already reflected a newer event of their key (SCD1). */
  numIgnoredEvents: number;
  /** Data files added by the commit. */
  addedFiles: number;
}

/** Settings of a flow that do not depend on the source schema. */
export interface FlowSettings {
  appId: string;
  partitionBy?: string[];
  properties?: Record<string, string>;
  targetFileSize?: number;
  now: () => number;
  /** Whether SCD2 events are kept for out-of-order folding (AUTO CDC) or history is rebuilt from the target (snapshot flows). */
  keepEvents: boolean;
  /** Commit operation name. */
  operation: string;
  /** How batches change touched files (see MergeOptions.mode); default 'auto'. */
  mode?: 'copy-on-write' | 'deletion-vectors' | 'auto';
}

/** The hidden source column telling the merge what to do with each SCD1 source row. */
const ACTION_COLUMN = '__tributary_cdc_action';
/** Upsert: set every column from the source row. */
const ACT_UPSERT = 0;
/** Upsert keeping the current value of ignore-NULL columns the events left NULL. */
const ACT_UPSERT_ON_OLD = 1;
/** Delete the key's row. */
const ACT_DELETE = 2;
/** No change: a key a TRUNCATE spares (its row must not count as unmatched). */
const ACT_KEEP = 3;
/** No clause: an event whose key's outcome another row of the batch carries (or an ignored event). */
const ACT_NONE = 4;

/** The state of one flow while it runs. */
export class CdcFlow {
  private snapshot: Snapshot | null = null;
  private table_: DeltaTable | null = null;
  private pointer: CdcPointer | undefined;
  private keyStates: KeyStateFiles | null = null;
  /** The greatest TRUNCATE applied (SCD1), as of the loaded state. */
  private watermark: SeqValue | undefined;
  private events: EventStore | null = null;

  constructor(readonly storage: Storage, readonly settings: FlowSettings) {}

  get table(): string {
    return this.storage.root;
  }

  /** The latest snapshot (null when the target does not exist yet). */
  async latest(): Promise<Snapshot | null> {
    try {
      // An open handle only replays the commits since its version; the merge writes through the same handle.
      this.table_ = this.table_ ? await this.table_.refresh() : await DeltaTable.open(this.storage);
      this.snapshot = this.table_.snapshot;
    } catch (err) {
      if (!(err instanceof TableNotFoundError)) throw err;
      this.snapshot = null;
      this.table_ = null;
    }
    return this.snapshot;
  }

  /** A table handle for merge(), opened once. */
  private async handle(): Promise<DeltaTable> {
    this.table_ ??= await DeltaTable.open(this.storage);
    return this.table_;
  }

  /** The batch id the flow last committed (the target's txn version for appId). */
  committedBatch(): number | undefined {
    return this.snapshot?.txnVersion(this.settings.appId);
  }

  /** The state record as of the latest snapshot. */
  currentPointer(): CdcPointer | undefined {
    return this.snapshot ? readPointer(this.snapshot, this.settings.appId) : undefined;
  }

  /** Creates the target when missing; checks the output columns against an existing one. */
  private async ensureTarget(plan: ResolvedOptions, output: arrow.Schema, seqType: arrow.DataType): Promise<Snapshot> {
    let snapshot = await this.latest();
    const scd2 = plan.scdType === 2 ? [new arrow.Field(START_AT, seqType, true), new arrow.Field(END_AT, seqType, true)] : [];
    if (!snapshot) {
      await DeltaTable.create(this.storage, {
        schema: new arrow.Schema([...output.fields, ...scd2]),
        partitionBy: this.settings.partitionBy,
        properties: { ...this.settings.properties, 'delta.feature.domainMetadata': 'supported' },
        mode: 'ignore',
      });
      snapshot = (await this.latest())!;
    }
    const names = snapshot.arrowSchema.fields.map((f) => f.name);
    const expected = [...output.fields.map((f) => f.name), ...scd2.map((f) => f.name)];
    const missing = expected.filter((c) => !names.includes(c));
    const extra = names.filter((c) => !expected.includes(c));
    if (missing.length > 0 || extra.length > 0) {
      throw new ApplyChangesError(
        `applyChanges into ${this.table}: the target's columns (${names.join(', ')}) do not match the flow's output (${expected.join(', ')})` +
          (missing.length ? `; missing: ${missing.join(', ')}` : '') + (extra.length ? `; not produced by the flow: ${extra.join(', ')}` : ''),
      );
    }
    return snapshot;
  }

  /** Loads (or reuses) the flow's state for `snapshot`, checking it belongs to the same keys and SCD type. */
  private async loadState(plan: ResolvedOptions, snapshot: Snapshot, storeSchema: arrow.Schema): Promise<void> {
    const p = readPointer(snapshot, this.settings.appId);
    if (p && (p.scdType !== plan.scdType || JSON.stringify(p.keys) !== JSON.stringify(plan.keys))) {
      throw new ApplyChangesError(
        `applyChanges into ${this.table}: flow '${this.settings.appId}' was run with keys [${p.keys.join(', ')}] and SCD type ${p.scdType}; ` +
          `now keys [${plan.keys.join(', ')}] and SCD type ${plan.scdType}. Changing them needs a full refresh of the target.`,
      );
    }
    if (p && plan.scdType === 1 && p.sequenceIn !== undefined && this.settings.keepEvents) {
      const now = sequenceInTarget(plan.sequenceBy, plan.columns) ? 'target' : 'state';
      if (p.sequenceIn !== now) {
        throw new ApplyChangesError(
          `applyChanges into ${this.table}: flow '${this.settings.appId}' kept its sequence values in the ${p.sequenceIn === 'target' ? 'target rows' : 'state files'}; ` +
            `with sequenceBy [${plan.sequenceBy.join(', ')}] and these columns they would be in the ${now === 'target' ? 'target rows' : 'state files'}. Changing that needs a full refresh of the target.`,
        );
      }
    }
    const same = p && this.pointer && p.batchId === this.pointer.batchId && JSON.stringify(p.files) === JSON.stringify(this.pointer.files);
    if (same && (plan.scdType === 1 ? this.keyStates : this.events)) return;
    this.pointer = p;
    const files = p?.files ?? [];
    if (plan.scdType === 1) {
      this.watermark = p?.watermark === undefined || p.watermark === null ? undefined : decodeSeq(p.watermark);
      // Lazy: files are read when a batch looks up its keys.
      this.keyStates = new KeyStateFiles(this.storage, plan.keys, files);
    } else {
      this.events = await EventStore.load(this.storage, this.settings.keepEvents ? files : [], storeSchema, plan.keys);
    }
  }

  private gcBefore(snapshot: Snapshot): number {
    const text = snapshot.properties[TOMBSTONE_GC_PROPERTY];
    const seconds = text === undefined ? DEFAULT_TOMBSTONE_GC_SECONDS : Number(text.replace(/s$/, ''));
    if (!Number.isFinite(seconds) || seconds < 0) {
      throw new ApplyChangesError(`applyChanges into ${this.table}: table property ${TOMBSTONE_GC_PROPERTY} must be a number of seconds, got '${text}'`);
    }
    return this.settings.now() - seconds * 1000;
  }

  /**
   * Applies one prepared micro-batch as one commit.
   * @param extra additional state-record fields (snapshot flows: the snapshot version).
   */
  async apply(plan: ResolvedOptions, changes: ChangeBatch, batchId: number, progress: StreamProgress, extra: Partial<CdcPointer> = {}): Promise<FlowBatchResult> {
    const snapshot0 = await this.ensureTarget(plan, changes.rows.schema, changes.seq.type);
    const schema = snapshot0.arrowSchema;
    const outSchema = new arrow.Schema(plan.columns.map((c) => schema.fields.find((f) => f.name === c)!));
    const seqType = plan.scdType === 2 ? schema.fields.find((f) => f.name === START_AT)!.type : changes.seq.type;
    const storeSchema = EventStore.schemaOf(outSchema.fields, seqType);
    await this.loadState(plan, snapshot0, storeSchema);
    const committed = snapshot0.txnVersion(this.settings.appId);
    if (committed !== undefined && committed >= batchId) {
      return { version: snapshot0.version, skipped: true, numUpsertedRows: 0, numDeletedRows: 0, numIgnoredEvents: 0, addedFiles: 0 };
    }
    // Event values in the target's types (e.g. ms → µs timestamps), so they pool with target rows.
    const rows = alignBatch(changes.rows, outSchema, this.table);
    const seqField = new arrow.Field(SEQ_COLUMN, seqType, false);
    const seq = alignBatch(
      new arrow.RecordBatch(new arrow.Schema([new arrow.Field(SEQ_COLUMN, changes.seq.type, false)]), arrow.makeData({ type: new arrow.Struct([new arrow.Field(SEQ_COLUMN, changes.seq.type, false)]), length: changes.seq.length, nullCount: 0, children: [changes.seq] })),
      new arrow.Schema([seqField]),
      this.table,
    ).data.children[0];
    let aligned: ChangeBatch = { ...changes, rows, seq };
    if (plan.scdType === 1 && sequenceInTarget(plan.sequenceBy, plan.columns)) {
      // Sequence values in the target's types, so they compare with those read from target rows.
      const own = rowSequences(rows, plan.sequenceBy, plan.structSequence);
      aligned = { ...aligned, seq: own.data, order: own.order };
    }
    return plan.scdType === 1
      ? this.applyScd1(plan, aligned, snapshot0, batchId, progress, extra)
      : this.applyScd2(plan, aligned, snapshot0, storeSchema, batchId, progress, extra);
  }

  private async applyScd1(plan: ResolvedOptions, changes: ChangeBatch, snapshot: Snapshot, batchId: number, progress: StreamProgress, extra: Partial<CdcPointer>): Promise<FlowBatchResult> {
    const store = this.keyStates!;
    const now = this.settings.now();
    const keep = this.settings.keepEvents;
    const inTarget = sequenceInTarget(plan.sequenceBy, plan.columns);
    const view: StateView = { gcBefore: this.gcBefore(snapshot), watermark: this.watermark };
    const groups = KeyGroups.of(changes, plan.keys);
    // Snapshot flows never see out-of-order events, so they keep no key state; nor need it
    // the batches whose every event is newer than any state the flow has written (see CdcPointer.newest).
    const events = keep ? seqRange(changes) : { min: null, max: null };
    const readState = keep && !this.allNewer(events, snapshot);
    // The batch's keys are located in the target while the state is read; the merge joins with these rows.
    // With the sequence in the target, live keys' sequences are decoded at the located rows in the same read.
    const located = TargetRows.start(this.storage, snapshot, plan.keys, groups, readState && inTarget ? plan.sequenceBy : []);
    const states = new GroupStates(changes.kind.length);
    const fileSchema = stateSchema(plan.keys.map((k) => changes.rows.schema.fields.find((f) => f.name === k)!), changes.seq.type);
    if (readState) {
      await store.lookupGroups(view, groups, states, fileSchema);
      if (inTarget) await targetGroupSequences(this.storage, snapshot, plan.keys, plan.sequenceBy, plan.structSequence, groups, states, located);
    }
    const reduced = reduceScd1(changes, {
      table: this.table,
      keys: plan.keys,
      ignoreNull: plan.ignoreNull,
      groups,
      states,
      watermark: this.watermark,
      duplicates: plan.duplicates,
      now,
    });
    const T = reduced.truncateAt;
    // Keys a new TRUNCATE spares: their state is newer (they stay, matched by a no-op source row).
    const spared: RowKey[] = [];
    if (T !== undefined && keep) {
      const all = rowKeys(changes.rows, plan.keys);
      const changed = new Set(Array.from(reduced.keyRow.subarray(0, reduced.count), (r) => all[r]));
      for (const [k, s] of await this.allStates(plan, snapshot, view, inTarget, fileSchema)) {
        if (s.rank === UPSERT && !changed.has(k) && compareSeq(s.seq, T) > 0) spared.push(k);
      }
    }
    const sparedRows = spared.length > 0 ? await keyRowsOf(this.storage, snapshot, plan.keys, new Set(spared)) : null;
    const source = scd1Source(changes, reduced, sparedRows, plan);
    // Rows located with the batch's keys are the merge's when its source is the batch itself.
    const keyedRows = source.direct && located ? (add: Add) => located.of(add) : undefined;
    const upserts = source.upserts;

    const watermark = T ?? this.watermark;
    // With the sequence in the target, only tombstones need remembering.
    const entries = stateEntries(changes, reduced, fileSchema, inTarget);
    const staged = keep && (entries.numRows > 0 || T !== undefined)
      ? await store.stage(this.settings.appId, batchId, entries, { ...view, watermark }, T !== undefined)
      : null;
    const files = staged ? staged.staged.map((f) => f.path) : keep ? store.paths : [];
    const newest = keep ? this.newestAfter(events, snapshot) : undefined;
    const pointer: CdcPointer = {
      appId: this.settings.appId, batchId, scdType: 1, keys: plan.keys, sequenceBy: plan.sequenceBy, files,
      ...(keep ? { sequenceIn: inTarget ? 'target' as const : 'state' as const } : {}),
      ...(watermark !== undefined ? { watermark: encodeSeq(watermark) } : {}),
      ...(newest !== undefined ? { newest: encodeSeq(newest) } : {}), ...extra,
    };
    const stateFiles = staged ? [staged.written] : [];
    // The state file is written while the merge works; the commit waits for it.
    const dropState = async () => {
      await staged?.durable.catch(() => undefined);
      await deleteQuietly(this.storage, stateFiles);
    };
    const q = (c: string) => `\`${c.replace(/`/g, '``')}\``;
    const keepOld = plan.ignoreNull.some((x) => x);
    const action = `source.${q(ACTION_COLUMN)}`;
    let result: MergeResult;
    try {
      result = await merge(await this.handle(), source.batch, {
        on: plan.keys,
        nullSafeKeys: true,
        whenMatched: [
          { condition: `${action} = ${ACT_DELETE}`, delete: true },
          ...(keepOld
            ? [{ condition: `${action} = ${ACT_UPSERT_ON_OLD}`, update: Object.fromEntries(plan.columns.map((c, i) => [c, plan.ignoreNull[i] ? `coalesce(source.${q(c)}, target.${q(c)})` : `source.${q(c)}`])) }]
            : []),
          { condition: `${action} <= ${ACT_UPSERT_ON_OLD}`, update: '*' },
        ],
        whenNotMatched: [{ condition: `${action} <= ${ACT_UPSERT_ON_OLD}`, insert: '*' }],
        // A TRUNCATE removes every row the batch does not keep.
        whenNotMatchedBySource: T !== undefined ? [{ delete: true }] : undefined,
        txn: { appId: this.settings.appId, version: batchId },
        mode: this.settings.mode ?? 'auto',
        snapshot,
        domainMetadata: [pointerAction(pointer), progressDomainAction(progress)],
        operation: this.settings.operation,
        operationParameters: { keys: pointer.keys, sequenceBy: pointer.sequenceBy, storedAs: 'SCD TYPE 1' },
        operationMetrics: { numUpsertedRows: upserts, numIgnoredEvents: reduced.ignoredEvents },
        commitInfo: { [COMMIT_INFO_KEY]: progress },
        targetFileSize: this.settings.targetFileSize,
        keyedRows,
        sourceIndex: source.direct ? groups.index : undefined,
        beforeCommit: staged ? () => staged.durable : undefined,
      });
    } catch (err) {
      await dropState();
      throw err;
    }
    if (result.skipped) {
      await dropState();
      return { version: result.version, skipped: true, numUpsertedRows: 0, numDeletedRows: 0, numIgnoredEvents: 0, addedFiles: 0 };
    }
    this.pointer = pointer;
    this.snapshot = this.table_?.snapshot ?? null;
    this.watermark = watermark;
    if (staged) {
      const before = store.paths;
      store.apply(staged.staged);
      await deleteQuietly(this.storage, before.filter((f) => !files.includes(f)));
    }
    const numDeleted = result.metrics.numTargetRowsDeleted;
    return { version: result.version, skipped: false, numUpsertedRows: upserts, numDeletedRows: numDeleted, numIgnoredEvents: reduced.ignoredEvents, addedFiles: result.metrics.numTargetFilesAdded };
  }

  /**
   * The newest sequence any key's state holds before this batch: null when
   * the flow has written nothing yet and the target is empty (nothing can be
   * newer), undefined when unknown (a flow adopted over existing rows, or an
   * older state record).
   */
  private newestBefore(snapshot: Snapshot): SeqValue | null | undefined {
    const p = this.pointer;
    if (p) return p.newest === undefined ? undefined : decodeSeq(p.newest);
    return snapshot.files().length === 0 ? null : undefined;
  }

  /** Whether every event of the batch (truncates aside) is newer than any key's state: then no state needs reading. */
  private allNewer(events: SeqRange, snapshot: Snapshot): boolean {
    const newest = this.newestBefore(snapshot);
    if (newest === undefined) return false;
    return newest === null || events.min === null || compareSeq(events.min, newest) > 0;
  }

  /**
   * The newest sequence of any key's state once the batch is applied (null:
   * none yet; undefined: unknown) — or a sequence above it: the batch's newest
   * event counts even when it is ignored, which can only make a later batch
   * read state it did not need (an event the batch ignores is not newer than
   * its key's state, or an earlier TRUNCATE).
   */
  private newestAfter(events: SeqRange, snapshot: Snapshot): SeqValue | null | undefined {
    const before = this.newestBefore(snapshot);
    if (before === undefined) return undefined;
    return events.max !== null && (before === null || compareSeq(events.max, before) > 0) ? events.max : before;
  }

  /**
   * Every key's state (a TRUNCATE needs them all): live keys' sequences from
   * the target rows or the state files, tombstones from the state files. A
   * live row is newer than any tombstone of its key.
   */
  private async allStates(plan: ResolvedOptions, snapshot: Snapshot, view: StateView, inTarget: boolean, fileSchema: arrow.Schema): Promise<Map<RowKey, KeyState>> {
    const states = await this.keyStates!.lookupAll(view, fileSchema);
    if (inTarget) {
      const live = await targetSequences(this.storage, snapshot, plan.keys, plan.sequenceBy, plan.structSequence);
      for (const [k, seq] of live) states.set(k, { seq, rank: UPSERT, at: 0 });
    }
    return states;
  }

  private async applyScd2(plan: ResolvedOptions, changes: ChangeBatch, snapshot: Snapshot, storeSchema: arrow.Schema, batchId: number, progress: StreamProgress, extra: Partial<CdcPointer>): Promise<FlowBatchResult> {
    const store = this.events!;
    const n = changes.kind.length;
    // The batch's keys as native key groups: stored events and target rows are probed against them.
    const groups = KeyGroups.of(changes, plan.keys);
    const { events: stored, groups: storedGroups } = store.eventsOf(groups);
    const hasStored = new Uint8Array(n);
    for (let i = 0; i < storedGroups.length; i++) hasStored[storedGroups[i]] = 1;
    // Deletion vectors (as SCD1's merge decides them): the keys' rows are located by their key pages and masked, no file is
    // rewritten — unless a located key has no stored events (its old rows must be read: then copy-on-write).
    const useDv = usesDeletionVectors(this.settings.mode ?? 'auto', snapshot, `applyChanges into ${this.table}`);
    const located = useDv ? await locateTargetRows(this.storage, snapshot, plan.keys, groups, (g) => hasStored[g] === 0) : null;
    const scan = located
      ? { touched: [], kept: [], old: [], removedRows: located.removedRows }
      : await scanTarget(this.storage, snapshot, (b) => groups.probe(keyColumnsOf(b, plan.keys)), (g) => hasStored[g] === 0);

    // Target rows of keys with no stored events (rows written before the flow kept events, or by a snapshot flow) become events.
    const synth = synthesizeEvents(scan.old, plan.columns, storeSchema, plan.keys);
    const kind = new Int8Array(n);
    for (let i = 0; i < n; i++) kind[i] = changes.kind[i];
    const fresh = new arrow.RecordBatch(storeSchema, arrow.makeData({
      type: new arrow.Struct(storeSchema.fields), length: n, nullCount: 0,
      children: [...changes.rows.data.children, changes.seq, arrow.makeData({ type: new arrow.Int8(), length: n, nullCount: 0, data: kind })],
    }));
    const pool = concatAs(storeSchema, [stored, synth, fresh]);
    const ncols = plan.columns.length;
    const order = seqValues(pool.data.children[ncols]);
    const kinds = pool.data.children[ncols + 1].values as Int8Array;
    const eventPool: EventPool = {
      order,
      kind: kinds,
      valid: pool.data.children.slice(0, ncols).map((d) => (i: number) => d.nullCount === 0 || d.getValid(i)),
      same: pool.data.children.slice(0, ncols).map((d) => sameValues(contiguous(d))),
    };
    const tracked = plan.tracked.map((c) => plan.columns.indexOf(c));
    if (plan.duplicates === 'error') assertNoDuplicates(changes, groups, plan, this.table);
    // Each key's events in pool (arrival) order, keys in order of first appearance: a chain of the pool's own key index.
    const byKey = KeyIndex.build(keyColumnsOf(pool, plan.keys), { nullSafe: true });
    const versions: Version[] = [];
    const rows: number[] = [];
    for (let i = 0; i < pool.numRows; i++) {
      if (byKey.first[i] !== i) continue;
      rows.length = 0;
      for (let r = i; r >= 0; r = byKey.next[r]) rows.push(r);
      for (const v of foldScd2(rows, eventPool, { tracked, ignoreNull: plan.ignoreNull })) versions.push(v);
    }
    const cols = Array.from({ length: ncols }, () => new Int32Array(versions.length));
    const starts = new Int32Array(versions.length);
    const ends = new Int32Array(versions.length);
    for (let v = 0; v < versions.length; v++) {
      const ver = versions[v];
      for (let c = 0; c < ncols; c++) cols[c][v] = columnRow(ver, c);
      starts[v] = ver.start;
      ends[v] = ver.end;
    }
    const seqData = pool.data.children[ncols];
    const start = gatherNullable(seqData, starts);
    const end = gatherNullable(seqData, ends);
    const targetSchema = new arrow.Schema(snapshot.arrowSchema.fields);
    const ordered = new arrow.Schema([...plan.columns.map((c) => targetSchema.fields.find((f) => f.name === c)!), targetSchema.fields.find((f) => f.name === START_AT)!, targetSchema.fields.find((f) => f.name === END_AT)!]);
    const newRows = assembleRows(ordered, pool, cols, [start, end], versions.length);

    const toStore = this.settings.keepEvents ? concatAs(storeSchema, [synth, fresh]) : concatAs(storeSchema, []);
    const staged = this.settings.keepEvents ? await store.stage(this.storage, this.settings.appId, batchId, toStore) : { paths: [], staged: [] };
    const pointer: CdcPointer = { appId: this.settings.appId, batchId, scdType: 2, keys: plan.keys, sequenceBy: plan.sequenceBy, files: staged.paths, ...extra };
    let upserts = 0;
    for (let i = 0; i < n; i++) if (changes.kind[i] === UPSERT) upserts++;
    const deletes = n - upserts;
    const written = staged.paths.filter((p) => !store.paths.includes(p));
    const mask = located ? (now: number) => maskFiles(this.storage, located.files, now, DEFAULT_INLINE_DV_BYTES) : undefined;
    const result = await this.commit(snapshot, scan, alignBatch(newRows, targetSchema, this.table), pointer, batchId, progress, {
      numSourceRows: n, numUpsertedRows: upserts, numDeletedRows: deletes, numOutputVersions: versions.length,
    }, written, mask);
    if (!result.skipped) {
      const before = store.paths;
      store.apply(staged.staged);
      await deleteQuietly(this.storage, before.filter((f) => !staged.paths.includes(f)));
    }
    return { ...result, numUpsertedRows: upserts, numDeletedRows: deletes, numIgnoredEvents: 0 };
  }

  private async commit(
    snapshot: Snapshot,
    scan: Awaited<ReturnType<typeof scanTarget>>,
    newRows: arrow.RecordBatch,
    pointer: CdcPointer,
    batchId: number,
    progress: StreamProgress,
    metrics: Record<string, number>,
    stateFiles: string[],
    mask?: TargetCommit['mask'],
  ): Promise<{ version: number; skipped: boolean; addedFiles: number }> {
    const schema = snapshot.arrowSchema;
    const newTable = new arrow.Table(schema, [alignBatch(newRows, schema, this.table)]);
    const data = new arrow.Table(schema, [...scan.kept.map((b) => alignBatch(b, schema, this.table)), ...newTable.batches]);
    try {
      const r = await commitTarget(this.storage, snapshot, {
        removes: scan.touched,
        data,
        newRows: newTable,
        txn: { appId: this.settings.appId, version: batchId },
        domains: [pointerAction(pointer), progressDomainAction(progress)],
        operation: this.settings.operation,
        operationParameters: { keys: pointer.keys, sequenceBy: pointer.sequenceBy, storedAs: `SCD TYPE ${pointer.scdType}` },
        commitInfo: { [COMMIT_INFO_KEY]: progress },
        metrics,
        targetFileSize: this.settings.targetFileSize,
        mask,
      });
      if (r.status === 'skipped') {
        await deleteQuietly(this.storage, stateFiles);
        return { version: r.version, skipped: true, addedFiles: 0 };
      }
      this.pointer = pointer;
      return { version: r.version, skipped: false, addedFiles: r.addedFiles };
    } catch (err) {
      await deleteQuietly(this.storage, stateFiles);
      throw err;
    }
  }
}

/** The state entries of the changed keys (tombstones only with `tombstonesOnly`): key columns and sequence gathered from their event rows. */
function stateEntries(changes: ChangeBatch, reduced: Scd1Plan, schema: arrow.Schema, tombstonesOnly: boolean): arrow.RecordBatch {
  const keyIdx = schema.fields.slice(0, -3).map((k) => changes.rows.schema.fields.findIndex((f) => f.name === k.name));
  let m = 0;
  for (let k = 0; k < reduced.count; k++) if (!tombstonesOnly || reduced.deleted[k]) m++;
  const keyRows = new Int32Array(m);
  const seqRows = new Int32Array(m);
  const rank = new Int8Array(m);
  const at = new Float64Array(m);
  for (let k = 0, j = 0; k < reduced.count; k++) {
    if (tombstonesOnly && !reduced.deleted[k]) continue;
    keyRows[j] = reduced.keyRow[k];
    seqRows[j] = reduced.seqRow[k];
    rank[j] = reduced.deleted[k] ? DELETE : UPSERT;
    at[j++] = reduced.at[k];
  }
  const children = [
    ...keyIdx.map((i) => gatherNullable(changes.rows.data.children[i], keyRows)),
    gatherNullable(changes.seq, seqRows),
    arrow.makeData({ type: new arrow.Int8(), length: m, nullCount: 0, data: rank }),
    arrow.makeData({ type: new arrow.Float64(), length: m, nullCount: 0, data: at }),
  ];
  return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: m, nullCount: 0, children }));
}

/**
 * The merge source of an SCD1 batch, each row with its {@link ACTION_COLUMN}.
 * When every value of a changed key comes from one event and no TRUNCATE
 * applies, that is the batch itself (no copy): the event carrying a key's
 * outcome gets its action, every other event ACT_NONE, which no clause
 * takes. Otherwise one row per changed key (values gathered from its events;
 * NULL where the current value is kept) and one per key a TRUNCATE spares.
 */
function scd1Source(changes: ChangeBatch, reduced: Scd1Plan, spared: arrow.RecordBatch | null, plan: ResolvedOptions): { batch: arrow.RecordBatch; upserts: number; direct: boolean } {
  const rows = changes.rows;
  const m = reduced.count;
  const fields = rows.schema.fields.map((f) => new arrow.Field(f.name, f.type, true));
  const schema = new arrow.Schema([...fields, new arrow.Field(ACTION_COLUMN, new arrow.Int8(), false)]);
  const actionOf = (k: number) => (reduced.deleted[k] ? ACT_DELETE : reduced.needsOld[k] ? ACT_UPSERT_ON_OLD : ACT_UPSERT);
  let upserts = 0;
  for (let k = 0; k < m; k++) if (!reduced.deleted[k]) upserts++;
  const batchOf = (children: arrow.Data[], length: number) =>
    new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length, nullCount: 0, children }));
  if (reduced.cols === null && reduced.truncateAt === undefined) {
    const action = new Int8Array(rows.numRows).fill(ACT_NONE);
    for (let k = 0; k < m; k++) action[reduced.seqRow[k]] = actionOf(k);
    const children = [...rows.data.children, arrow.makeData({ type: new arrow.Int8(), length: rows.numRows, nullCount: 0, data: action })];
    return { batch: batchOf(children, rows.numRows), upserts, direct: true };
  }
  const action = new Int8Array(m + (spared?.numRows ?? 0));
  // A delete reads only its key values: its own event row has them.
  for (let k = 0; k < m; k++) action[k] = actionOf(k);
  const seqRows = reduced.seqRow.subarray(0, m);
  // KEEP_OLD (-1) gathers NULL: the merge's coalesce then keeps the target's value.
  let children = rows.data.children.map((d, j) => gatherNullable(d, reduced.cols ? reduced.cols[j].subarray(0, m) : seqRows));
  if (spared && spared.numRows > 0) {
    const n = spared.numRows;
    const none = new Int32Array(n).fill(-1);
    children = children.map((d, j) => {
      const k = spared.schema.fields.findIndex((f) => f.name === plan.columns[j]);
      const extra = k >= 0 ? spared.data.children[k] : gatherNullable(rows.data.children[j], none);
      return concatAs(new arrow.Schema([fields[j]]), [columnBatch(fields[j], d), columnBatch(fields[j], extra)]).data.children[0];
    });
    action.fill(ACT_KEEP, m);
  }
  children.push(arrow.makeData({ type: new arrow.Int8(), length: action.length, nullCount: 0, data: action }));
  return { batch: batchOf(children, action.length), upserts, direct: false };
}

function columnBatch(field: arrow.Field, data: arrow.Data): arrow.RecordBatch {
  return new arrow.RecordBatch(new arrow.Schema([field]), arrow.makeData({ type: new arrow.Struct([field]), length: data.length, nullCount: 0, children: [data] }));
}

/** The key columns of the target rows whose keys are in `wanted` (reads only the key columns). */
async function keyRowsOf(storage: Storage, snapshot: Snapshot, keys: readonly string[], wanted: ReadonlySet<RowKey>): Promise<arrow.RecordBatch> {
  const schema = new arrow.Schema(keys.map((k) => snapshot.arrowSchema.fields.find((f) => f.name === k)!));
  const out: arrow.RecordBatch[] = [];
  for (const add of snapshot.files()) {
    const { data } = await scanFileRows(storage, snapshot, add, [...keys]);
    for (const b of data.batches) {
      const k = rowKeys(b, keys);
      const mask = new Uint8Array(k.length);
      let any = false;
      for (let i = 0; i < k.length; i++) if (wanted.has(k[i])) {
        mask[i] = 1;
        any = true;
      }
      if (any) out.push(filterBatch(b, mask));
    }
  }
  return concatAs(schema, out.map((b) => new arrow.RecordBatch(schema, b.data)));
}

/**
 * Events equivalent to existing SCD2 rows: an upsert at each version's
 * __START_AT, and a delete at its __END_AT unless another version of the key
 * starts there.
 */
export function synthesizeEvents(old: readonly arrow.RecordBatch[], columns: readonly string[], storeSchema: arrow.Schema, keys: readonly string[]): arrow.RecordBatch {
  const rowsSchema = new arrow.Schema([...columns.map((c) => old[0]?.schema.fields.find((f) => f.name === c) ?? storeSchema.fields.find((f) => f.name === c)!), ...[START_AT, END_AT].map((c) => old[0]?.schema.fields.find((f) => f.name === c) ?? new arrow.Field(c, storeSchema.fields.find((f) => f.name === SEQ_COLUMN)!.type, true))]);
  if (old.length === 0) return concatAs(storeSchema, []);
  const all = concatAs(rowsSchema, old.map((b) => projectBatch(b, [...columns, START_AT, END_AT])).map((b) => new arrow.RecordBatch(rowsSchema, b.data)));
  const nc = columns.length;
  const starts = seqValues(all.data.children[nc]);
  const endData = all.data.children[nc + 1];
  const ends = seqValues(endData);
  const k = rowKeys(all, keys);
  const startsOf = new Map<RowKey, SeqValue[]>();
  for (let i = 0; i < k.length; i++) {
    const list = startsOf.get(k[i]);
    if (list) list.push(starts[i]);
    else startsOf.set(k[i], [starts[i]]);
  }
  const rowIdx: number[] = [];
  const seqIdx: number[] = [];
  const kind: number[] = [];
  const m = all.numRows;
  for (let i = 0; i < m; i++) {
    rowIdx.push(i);
    seqIdx.push(i);
    kind.push(UPSERT);
  }
  for (let i = 0; i < m; i++) {
    const e = ends[i];
    if (e === null || !(endData.nullCount === 0 || endData.getValid(i))) continue;
    if (startsOf.get(k[i])!.some((s) => compareSeq(s, e) === 0)) continue;
    rowIdx.push(i);
    seqIdx.push(m + i);
    kind.push(DELETE);
  }
  const idx = Int32Array.from(rowIdx);
  const seqAll = concatAs(new arrow.Schema([new arrow.Field('s', endData.type, true)]), [
    new arrow.RecordBatch(new arrow.Schema([new arrow.Field('s', endData.type, true)]), arrow.makeData({ type: new arrow.Struct([new arrow.Field('s', endData.type, true)]), length: m, nullCount: 0, children: [all.data.children[nc]] })),
    new arrow.RecordBatch(new arrow.Schema([new arrow.Field('s', endData.type, true)]), arrow.makeData({ type: new arrow.Struct([new arrow.Field('s', endData.type, true)]), length: m, nullCount: 0, children: [endData] })),
  ]).data.children[0];
  const children = [
    ...all.data.children.slice(0, nc).map((d) => gatherNullable(d, idx)),
    gatherNullable(seqAll, Int32Array.from(seqIdx)),
    arrow.makeData({ type: new arrow.Int8(), length: idx.length, nullCount: 0, data: Int8Array.from(kind) }),
  ];
  return new arrow.RecordBatch(storeSchema, arrow.makeData({ type: new arrow.Struct(storeSchema.fields), length: idx.length, nullCount: 0, children }));
}

function assertNoDuplicates(changes: ChangeBatch, groups: KeyGroups, plan: ResolvedOptions, table: string): void {
  // A key has few events in a batch: each is compared with the key's earlier ones.
  for (const l of groups.leaders) {
    for (let i = groups.nextOf(l); i >= 0; i = groups.nextOf(i)) {
      for (let j = l; j !== i; j = groups.nextOf(j)) {
        if (compareSeq(changes.order[j], changes.order[i]) !== 0) continue;
        const key = rowKeys(changes.rows.slice(i, i + 1), plan.keys)[0];
        throw new ApplyChangesError(`applyChanges into ${table}: two events for key ${String(key)} of [${plan.keys.join(', ')}] have the same sequence value (row ${i} of the micro-batch); there must be one distinct update per key per sequence value`);
      }
    }
  }
}

/** The oldest and newest sequence values of a batch's events, truncates aside (null when it has none). */
interface SeqRange {
  min: SeqValue | null;
  max: SeqValue | null;
}

function seqRange(changes: ChangeBatch): SeqRange {
  const { order, kind } = changes;
  let min: SeqValue | null = null;
  let max: SeqValue | null = null;
  for (let i = 0; i < kind.length; i++) {
    if (kind[i] === TRUNCATE) continue;
    const s = order[i];
    if (min === null || compareSeq(s, min) < 0) min = s;
    if (max === null || compareSeq(s, max) > 0) max = s;
  }
  return { min, max };
}
