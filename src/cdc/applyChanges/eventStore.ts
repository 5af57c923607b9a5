// Durable SCD2 event history: every applied event (output columns, sequence
// value, kind) kept as Arrow IPC files in the flow's state directory, so a
// late event can be folded together with all earlier events of its key and
// the key's versions recomputed exactly — including events that were
// absorbed into a version (untracked-only changes) and deletes that closed
// nothing. One file per commit; every COMPACT_AFTER files are rewritten as one.
import { randomUUID } from 'node:crypto';
import * as arrow from 'apache-arrow';
import type { Storage } from '../../delta/storage/storage.ts';
import { gatherData } from '../../reactive/expression/filter-batch.ts';
import { concatData } from '../../reactive/batch/concatBatches.ts';
import { contiguous } from '../merge/keys.ts';
import { canTake, takeRows } from '../../delta/operations/take.ts';
import { keyColumnsOf, type KeyGroups } from './keyGroups.ts';
import { concatAs } from './assemble.ts';
import { concatRows } from '../merge/rewrite.ts';
import { COMPACT_AFTER, stateDirectory } from './stateDomain.ts';

/** Sequence and kind columns of stored events. */
export const SEQ_COLUMN = '__seq';
export const KIND_COLUMN = '__kind';

interface StoredFile {
  path: string;
  batch: arrow.RecordBatch;
}

/** The stored events of one SCD2 flow (cached in memory between batches). */
export class EventStore {
  private files: StoredFile[] = [];

  constructor(readonly schema: arrow.Schema, private readonly keyColumns: readonly string[]) {}

  /** The schema of stored events: output columns, then __seq and __kind. */
  static schemaOf(output: readonly arrow.Field[], seqType: arrow.DataType): arrow.Schema {
    return new arrow.Schema([...output, new arrow.Field(SEQ_COLUMN, seqType, false), new arrow.Field(KIND_COLUMN, new arrow.Int8(), false)]);
  }

  get paths(): string[] {
    return this.files.map((f) => f.path);
  }

  /** Loads the event files listed by a state record. */
  static async load(storage: Storage, paths: readonly string[], schema: arrow.Schema, keys: readonly string[]): Promise<EventStore> {
    const store = new EventStore(schema, keys);
    for (const path of paths) {
      const bytes = await storage.read(path);
      if (!bytes) throw new Error(`Delta table ${storage.root}: CDC event file ${path} is missing; the flow needs a full refresh`);
      const table = arrow.tableFromIPC(bytes);
      const batch = table.batches.length === 1 ? table.batches[0] : new arrow.RecordBatch(table.schema, concatData(new arrow.Struct(table.schema.fields), table.batches.map((b) => b.data)) as arrow.Data<arrow.Struct>);
      store.files.push({ path, batch });
    }
    return store;
  }

  /**
   * The stored events of the keys of `groups`, in storage (arrival) order, as
   * one batch of the store schema, with the group of each (each file's key
   * columns probed against the groups' native index).
   */
  eventsOf(groups: KeyGroups): { events: arrow.RecordBatch; groups: Int32Array } {
    const parts: arrow.RecordBatch[] = [];
    const partGroups: Int32Array[] = [];
    for (const f of this.files) {
      const { rows, leaders } = groups.hits(keyColumnsOf(f.batch, this.keyColumns));
      if (rows.length === 0) continue;
      parts.push(canTake(f.batch) ? takeRows(f.batch, rows) : new arrow.RecordBatch(this.schema, gatherData(contiguous(f.batch.data), rows) as arrow.Data<arrow.Struct>));
      partGroups.push(leaders);
    }
    return { events: concatAs(this.schema, parts), groups: concatRows(partGroups) };
  }

  /** Writes `events` as a new file (or everything as one compacted file when due); returns the paths the commit must record. */
  async stage(storage: Storage, appId: string, batchId: number, events: arrow.RecordBatch): Promise<{ paths: string[]; staged: StoredFile[] }> {
    const dir = stateDirectory(appId);
    const path = `${dir}events-${String(batchId).padStart(20, '0')}-${randomUUID()}.arrow`;
    const compact = this.files.length + 1 >= COMPACT_AFTER;
    const batch = compact
      ? new arrow.RecordBatch(this.schema, concatData(new arrow.Struct(this.schema.fields), [...this.files.map((f) => f.batch.data), events.data]) as arrow.Data<arrow.Struct>)
      : events;
    await storage.write(path, arrow.tableToIPC(new arrow.Table(this.schema, [batch]), 'file'));
    const file = { path, batch };
    const staged = compact ? [file] : [...this.files, file];
    return { paths: staged.map((f) => f.path), staged };
  }

  /** Makes a committed stage the current state. */
  apply(staged: StoredFile[]): void {
    this.files = staged;
  }
}
