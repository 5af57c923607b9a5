// Durable SCD1 key state as columnar files: per key the sequence value of its
// last applied event, whether that was a delete (a tombstone) and when the
// tombstone was made. Arrow IPC files in the flow's state directory with the
// key columns plus __state_seq/__state_rank/__state_at; each commit adds one
// file with the keys it changed (a newer file overrides an older one per key)
// and every COMPACT_AFTER files (or after a TRUNCATE) one file with the whole
// state replaces them.
//
// Files are read lazily and never turned into a map of every key: a batch
// looks up only its own keys (one pass over each file's key column). When the
// target stores the sequence columns the files hold tombstones only — live
// keys' sequences are read from the target itself.
import { randomUUID } from 'node:crypto';
import * as arrow from 'apache-arrow';
import type { Storage } from '../../delta/storage/storage.ts';
import { concatData } from '../../reactive/batch/concatBatches.ts';
import { gatherData } from '../../reactive/expression/filter-batch.ts';
import type { KeyState } from './keyState.ts';
import { rowKeys, type RowKey } from './rowKey.ts';
import { compareSeq, contiguous, DELETE, seqValues, UPSERT, type SeqValue } from './sequence.ts';
import { COMPACT_AFTER, stateDirectory } from './stateDomain.ts';

/** State columns after the key columns. */
export const STATE_SEQ = '__state_seq';
export const STATE_RANK = '__state_rank';
export const STATE_AT = '__state_at';

interface StateFile {
  path: string;
  /** Loaded on first use. */
  batch: arrow.RecordBatch | null;
  keys: RowKey[] | null;
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
      if (!p.endsWith('.arrow')) {
        throw new Error(`Delta table ${storage.root}: CDC state file ${p} has a format this version no longer reads; the flow needs a full refresh`);
      }
    }
    this.files = paths.map((path) => ({ path, batch: null, keys: null }));
  }

  get paths(): string[] {
    return this.files.map((f) => f.path);
  }

  private async loaded(f: StateFile): Promise<{ batch: arrow.RecordBatch; keys: RowKey[] }> {
    if (!f.batch || !f.keys) {
      const bytes = await this.storage.read(f.path);
      if (!bytes) throw new Error(`Delta table ${this.storage.root}: CDC state file ${f.path} is missing; the flow needs a full refresh`);
      const table = arrow.tableFromIPC(bytes);
      f.batch = table.batches.length === 1
        ? table.batches[0]
        : new arrow.RecordBatch(table.schema, concatData(new arrow.Struct(table.schema.fields), table.batches.map((b) => b.data)) as arrow.Data<arrow.Struct>);
      f.keys = rowKeys(f.batch, this.keyColumns);
    }
    return { batch: f.batch, keys: f.keys };
  }

  /**
   * The stored state of the keys in `wanted` (all keys when omitted) that
   * still counts under `view`. The newest entry of a key decides: when it is
   * a collected tombstone or older than the truncate watermark, the key has
   * no state.
   */
  async lookup(view: StateView, wanted?: ReadonlySet<RowKey>): Promise<Map<RowKey, KeyState>> {
    const seen = new Set<RowKey>();
    const out = new Map<RowKey, KeyState>();
    for (let fi = this.files.length - 1; fi >= 0; fi--) {
      const { batch, keys } = await this.loaded(this.files[fi]);
      const rows: number[] = [];
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i];
        if ((wanted && !wanted.has(k)) || seen.has(k)) continue;
        seen.add(k);
        rows.push(i);
      }
      if (rows.length === 0) continue;
      for (const [k, s] of entriesAt(batch, keys, rows)) if (counts(s, view)) out.set(k, s);
      if (wanted && seen.size === wanted.size) break;
    }
    return out;
  }

  /**
   * Writes `entries` (a batch of the state schema) as a new file — or, when
   * due or `compact` is set, one file with every entry that still counts —
   * and returns the file list the commit must record. Memory is unchanged
   * until {@link apply}.
   */
  async stage(appId: string, batchId: number, entries: arrow.RecordBatch, view: StateView, compact: boolean): Promise<{ staged: StateFile[]; written: string }> {
    const path = `${stateDirectory(appId)}state-${String(batchId).padStart(20, '0')}-${randomUUID()}.arrow`;
    const keys = rowKeys(entries, this.keyColumns);
    const full = compact || this.files.length + 1 >= COMPACT_AFTER;
    let batch = entries;
    let batchKeys = keys;
    if (full) {
      const parts = [...(await Promise.all(this.files.map((f) => this.loaded(f)))), { batch: entries, keys }];
      const all = parts.length === 1 ? entries : new arrow.RecordBatch(entries.schema, concatData(new arrow.Struct(entries.schema.fields), parts.map((p) => contiguous(p.batch.data))) as arrow.Data<arrow.Struct>);
      const allKeys = parts.flatMap((p) => p.keys);
      // Newest entry per key, then only those that still count.
      const seen = new Set<RowKey>();
      const rows: number[] = [];
      for (let i = allKeys.length - 1; i >= 0; i--) {
        if (seen.has(allKeys[i])) continue;
        seen.add(allKeys[i]);
        rows.push(i);
      }
      const keep = keepCounting(all, allKeys, rows, view);
      batch = new arrow.RecordBatch(all.schema, gatherData(contiguous(all.data), keep) as arrow.Data<arrow.Struct>);
      batchKeys = Array.from(keep, (i) => allKeys[i]);
    }
    await this.storage.write(path, arrow.tableToIPC(new arrow.Table(batch.schema, [batch]), 'file'));
    const file: StateFile = { path, batch, keys: batchKeys };
    return { staged: full ? [file] : [...this.files, file], written: path };
  }

  /** Makes a committed stage the current state. */
  apply(staged: StateFile[]): void {
    this.files = staged;
  }
}

function counts(s: KeyState, view: StateView): boolean {
  if (s.rank === DELETE && s.at < view.gcBefore) return false;
  return view.watermark === undefined || compareSeq(s.seq, view.watermark) >= 0;
}

/** The states of rows `rows` of a state batch. */
function entriesAt(batch: arrow.RecordBatch, keys: readonly RowKey[], rows: readonly number[]): [RowKey, KeyState][] {
  const n = batch.schema.fields.length;
  const idx = Int32Array.from(rows);
  const seq = seqValues(gatherData(contiguous(batch.data.children[n - 3]), idx));
  const rank = contiguous(batch.data.children[n - 2]).values as Int8Array;
  const at = contiguous(batch.data.children[n - 1]).values as Float64Array;
  return rows.map((r, j) => [keys[r], { seq: seq[j], rank: rank[r] === DELETE ? DELETE : UPSERT, at: at[r] }]);
}

/** Of rows `rows` of a state batch, those that still count under `view` (ascending). */
function keepCounting(batch: arrow.RecordBatch, keys: readonly RowKey[], rows: readonly number[], view: StateView): Int32Array {
  const states = entriesAt(batch, keys, rows);
  const keep: number[] = [];
  rows.forEach((r, j) => {
    if (counts(states[j][1], view)) keep.push(r);
  });
  return Int32Array.from(keep.sort((a, b) => a - b));
}
