// Durable SCD1 key state as columnar files: per key the sequence value of its
// last applied event, whether that was a delete (a tombstone) and when the
// tombstone was made. Files in the flow's state directory with the key
// columns plus __state_seq/__state_rank/__state_at; each commit adds one
// file with the keys it changed (a newer file overrides an older one per key)
// and every COMPACT_AFTER files (or after a TRUNCATE) one file with the whole
// state replaces them.
//
// Files are Parquet when the native decoder reads every column back (flat
// keys and sequence), else Arrow IPC. They are read lazily and never turned
// into a map of every key: a Parquet file's key column is probed against the
// batch's key groups page by page off the JS thread, and only the matching
// rows' state is decoded; an IPC file's key columns are probed in memory.
// When the target stores the sequence columns the files hold tombstones only
// — live keys' sequences are read from the target itself.
import { randomUUID } from 'node:crypto';
import * as arrow from 'apache-arrow';
import { decodedBatch, decodeRows, decodesNatively, planColumns, subPlan, withFile, type NativeReadPlan } from '../../delta/maintenance/native-read.ts';
import { readFooterOf } from '../../delta/maintenance/rowgroup-copy.ts';
import { readAhead } from '../../delta/read-ahead.ts';
import type { Storage } from '../../delta/storage/storage.ts';
import { writeParquet } from '../../parquet/write.ts';
import { concatData } from '../../reactive/batch/concatBatches.ts';
import { gatherData } from '../../reactive/expression/filter-batch.ts';
import { KeyIndex } from '../merge/key-index.ts';
import { contiguous } from '../merge/keys.ts';
import { keyColumnsOf, type KeyGroups } from './keyGroups.ts';
import type { GroupStates, KeyState } from './keyState.ts';
import { rowKeys, type RowKey } from './rowKey.ts';
import { compareSeq, DELETE, seqValues, UPSERT, type SeqValue } from './sequence.ts';
import { COMPACT_AFTER, stateDirectory } from './stateDomain.ts';

/** State columns after the key columns. */
export const STATE_SEQ = '__state_seq';
export const STATE_RANK = '__state_rank';
export const STATE_AT = '__state_at';

interface StateFile {
  path: string;
  /** Every entry, decoded on first use that needs them all (kept: compaction and later batches reuse it). */
  batch: arrow.RecordBatch | null;
}

/** Which stored entries still count: tombstones younger than `gcBefore` (ms), nothing a TRUNCATE superseded. */
export interface StateView {
  gcBefore: number;
  watermark: SeqValue | undefined;
}

/** The schema of state files for `keyFields` and a sequence type. */
export function stateSchema(keyFields: readonly arrow.Field[], seqType: arrow.DataType): arrow.Schema {
  return new arrow.Schema([
    ...keyFields.map((f) => new arrow.Field(f.name, f.type, true)),
    new arrow.Field(STATE_SEQ, seqType, false),
    new arrow.Field(STATE_RANK, new arrow.Int8(), false),
    new arrow.Field(STATE_AT, new arrow.Float64(), false),
  ]);
}

/** The key state files of one SCD1 flow. */
export class KeyStateFiles {
  private files: StateFile[];

  constructor(private readonly storage: Storage, private readonly keyColumns: readonly string[], paths: readonly string[]) {
    for (const p of paths) {
      if (!p.endsWith('.arrow') && !p.endsWith('.parquet')) {
        throw new Error(`Delta table ${storage.root}: CDC state file ${p} has a format this version no longer reads; the flow needs a full refresh`);
      }
    }
    this.files = paths.map((path) => ({ path, batch: null }));
  }

  get paths(): string[] {
    return this.files.map((f) => f.path);
  }

  private missing(f: StateFile): Error {
    return new Error(`Delta table ${this.storage.root}: CDC state file ${f.path} is missing; the flow needs a full refresh`);
  }

  /** How the native decoder reads a Parquet state file's columns (every column of `schema`). */
  private async planOf(f: StateFile, schema: arrow.Schema): Promise<NativeReadPlan> {
    const where = this.where(f);
    const meta = await this.storage.head(f.path);
    if (!meta) throw this.missing(f);
    const plan = planColumns((await readFooterOf(this.storage, f.path, meta.size, where)).meta, schema);
    if (!plan) throw new Error(`${where} does not hold the columns ${schema.fields.map((x) => `${x.name}: ${String(x.type)}`).join(', ')}`);
    return plan;
  }

  private where(f: StateFile): string {
    return `CDC state file ${f.path} of Delta table ${this.storage.root}`;
  }

  /** Every entry of a file. */
  private async loaded(f: StateFile, schema: arrow.Schema): Promise<arrow.RecordBatch> {
    if (!f.batch) {
      if (f.path.endsWith('.parquet')) {
        const plan = await this.planOf(f, schema);
        f.batch = await withFile(this.storage, f.path, this.where(f), undefined, (file) => decodeRows(file, schema, plan));
      } else {
        const bytes = await this.storage.read(f.path);
        if (!bytes) throw this.missing(f);
        const table = arrow.tableFromIPC(bytes);
        f.batch = table.batches.length === 1
          ? table.batches[0]
          : new arrow.RecordBatch(table.schema, concatData(new arrow.Struct(table.schema.fields), table.batches.map((b) => b.data)) as arrow.Data<arrow.Struct>);
      }
    }
    return f.batch;
  }

  /**
   * The entries of a file whose key has a group in `groups`: each one's
   * group leader (-1: the key has only truncates) and state. A Parquet file
   * is probed by pages and its state columns decoded at the matching rows,
   * in one read of the file on a worker thread; an IPC file's keys are probed
   * in memory.
   */
  private async matches(f: StateFile, schema: arrow.Schema, groups: KeyGroups): Promise<{ leaders: Int32Array; state: EntryStates }> {
    const k = this.keyColumns.length;
    const stateSchema = new arrow.Schema(schema.fields.slice(k));
    if (f.path.endsWith('.parquet') && !f.batch && k === 1) {
      const plan = await this.planOf(f, schema);
      const state = subPlan(plan, stateSchema.fields.map((_, i) => k + i));
      const paged = await withFile(this.storage, f.path, this.where(f), undefined, (file) => groups.probePages(file, plan.columns[0], schema.fields[0].type, state.columns)).catch(() => null);
      if (paged) return { leaders: paged.leaders, state: entryStates(decodedBatch(stateSchema, state, paged.payload, paged.rows.length).data.children) };
    }
    const batch = await this.loaded(f, schema);
    const { rows, leaders } = groups.hits(keyColumnsOf(batch, this.keyColumns));
    return { leaders, state: entryStates(batch.data.children.slice(k).map((d) => gatherData(contiguous(d), rows))) };
  }

  /**
   * Fills `states` with the stored state of the batch's key groups that
   * still counts under `view` (`schema`: the files' schema, see
   * {@link stateSchema}). Files are searched newest first; the newest entry
   * of a key decides: when it is a collected tombstone or older than the
   * truncate watermark, the key has no state.
   */
  async lookupGroups(view: StateView, groups: KeyGroups, states: GroupStates, schema: arrow.Schema): Promise<void> {
    const seen = new Uint8Array(groups.size);
    let remaining = groups.leaders.length;
    const newestFirst = [...this.files].reverse();
    // The next files are read and probed while this one's states are decoded.
    for await (const found of readAhead(newestFirst, 2, (f) => this.matches(f, schema, groups))) {
      if (remaining === 0) break;
      remaining -= setNewest(states, found.leaders, found.state, seen, view);
    }
  }

  /** Every key's stored state that still counts under `view` (a TRUNCATE needs them all). */
  async lookupAll(view: StateView, schema: arrow.Schema): Promise<Map<RowKey, KeyState>> {
    const out = new Map<RowKey, KeyState>();
    const seen = new Set<RowKey>();
    for (let fi = this.files.length - 1; fi >= 0; fi--) {
      const batch = await this.loaded(this.files[fi], schema);
      const keys = rowKeys(batch, this.keyColumns);
      const rows: number[] = [];
      for (let i = keys.length - 1; i >= 0; i--) {
        if (seen.has(keys[i])) continue;
        seen.add(keys[i]);
        rows.push(i);
      }
      if (rows.length === 0) continue;
      const found = entriesAt(batch, rows);
      rows.forEach((r, j) => {
        if (counts(found.seq[j], found.rank[j], found.at[j], view)) out.set(keys[r], { seq: found.seq[j], rank: found.rank[j], at: found.at[j] });
      });
    }
    return out;
  }

  /**
   * Stages `entries` (a batch of the state schema) as a new file — or, when
   * due or `compact` is set, one file with every entry that still counts —
   * and returns the file list the commit must record, at once; the file is
   * written (and made durable) by `durable`, which the caller awaits before
   * committing. Memory is unchanged until {@link apply}.
   */
  async stage(appId: string, batchId: number, entries: arrow.RecordBatch, view: StateView, compact: boolean): Promise<{ staged: StateFile[]; written: string; durable: Promise<void> }> {
    const parquet = entries.schema.fields.every((f) => decodesNatively(f.type));
    const path = `${stateDirectory(appId)}state-${String(batchId).padStart(20, '0')}-${randomUUID()}.${parquet ? 'parquet' : 'arrow'}`;
    const full = compact || this.files.length + 1 >= COMPACT_AFTER;
    let batch = entries;
    if (full) {
      const parts = [...(await Promise.all(this.files.map((f) => this.loaded(f, entries.schema)))), entries];
      const all = parts.length === 1 ? entries : new arrow.RecordBatch(entries.schema, concatData(new arrow.Struct(entries.schema.fields), parts.map((p) => contiguous(p.data))) as arrow.Data<arrow.Struct>);
      // Newest entry per key (the last row of its key), then only those that still count.
      const index = KeyIndex.build(keyColumnsOf(all, this.keyColumns), { nullSafe: true });
      const rows: number[] = [];
      for (let i = 0; i < all.numRows; i++) if (index.next[i] < 0) rows.push(i);
      batch = new arrow.RecordBatch(all.schema, gatherData(contiguous(all.data), keepCounting(all, rows, view)) as arrow.Data<arrow.Struct>);
    }
    const table = new arrow.Table(batch.schema, [batch]);
    // Uncompressed: every batch probes these files, and decompressing them cost as much as the probe.
    const durable = (async () => {
      await this.storage.write(path, parquet ? (await writeParquet(table, { compression: 'uncompressed' })).bytes : arrow.tableToIPC(table, 'file'));
    })();
    // Observed here; the caller learns of a failure when it awaits `durable`.
    durable.catch(() => undefined);
    const file: StateFile = { path, batch };
    return { staged: full ? [file] : [...this.files, file], written: path, durable };
  }

  /** Makes a committed stage the current state. */
  apply(staged: StateFile[]): void {
    this.files = staged;
  }
}

/** State columns of some entries of a file. */
interface EntryStates {
  seq: SeqValue[];
  rank: Int8Array;
  at: Float64Array;
}

function entryStates(cols: arrow.Data[]): EntryStates {
  return { seq: seqValues(cols[0]), rank: cols[1].values as Int8Array, at: cols[2].values as Float64Array };
}

/**
 * Records the entries of a file whose group has no newer entry yet (a file
 * holds each key once, so only older files can repeat it) and that still
 * count under `view`; marks their groups seen. Returns how many groups it
 * marked.
 */
function setNewest(states: GroupStates, leaders: Int32Array, s: EntryStates, seen: Uint8Array, view: StateView): number {
  let marked = 0;
  for (let i = 0; i < leaders.length; i++) {
    const l = leaders[i];
    if (l < 0 || seen[l]) continue;
    seen[l] = 1;
    marked++;
    const rank = s.rank[i] === DELETE ? DELETE : UPSERT;
    if (counts(s.seq[i], rank, s.at[i], view)) states.set(l, s.seq[i], rank, s.at[i]);
  }
  return marked;
}

function counts(seq: SeqValue, rank: number, at: number, view: StateView): boolean {
  if (rank === DELETE && at < view.gcBefore) return false;
  return view.watermark === undefined || compareSeq(seq, view.watermark) >= 0;
}

/** The entries at rows `rows` of a state batch, as columns. */
function entriesAt(batch: arrow.RecordBatch, rows: readonly number[]): { seq: SeqValue[]; rank: (typeof UPSERT | typeof DELETE)[]; at: number[] } {
  const n = batch.schema.fields.length;
  const idx = Int32Array.from(rows);
  const seq = seqValues(gatherData(contiguous(batch.data.children[n - 3]), idx));
  const rank = contiguous(batch.data.children[n - 2]).values as Int8Array;
  const at = contiguous(batch.data.children[n - 1]).values as Float64Array;
  return { seq, rank: rows.map((r) => (rank[r] === DELETE ? DELETE : UPSERT)), at: rows.map((r) => at[r]) };
}

/** Of rows `rows` (ascending) of a state batch, those that still count under `view`, in the same order. */
function keepCounting(batch: arrow.RecordBatch, rows: readonly number[], view: StateView): Int32Array {
  const found = entriesAt(batch, rows);
  const keep: number[] = [];
  rows.forEach((r, j) => {
    if (counts(found.seq[j], found.rank[j], found.at[j], view)) keep.push(r);
  });
  return Int32Array.from(keep);
}
