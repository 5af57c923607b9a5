// Reading Delta's change data feed (Spark's `table_changes`): the row-level
// changes of a range of versions, each row tagged with `_change_type`,
// `_commit_version` and `_commit_timestamp`. A version that wrote change data
// files (`cdc` actions) is read from them alone; any other version is
// derived from its data files as Spark does — files added with dataChange are
// inserts, files removed with dataChange are deletes, and a file re-added
// with a larger deletion vector deletes the rows the new vector adds.

import * as arrow from 'apache-arrow';
import type { Action, Add, AddCdcFile, Metadata, Remove } from '../delta/actions.ts';
import { readCommit } from '../delta/commit-reader.ts';
import { listCommits } from '../delta/log-segment.ts';
import { scanFileRows } from '../delta/scan-file.ts';
import { parseSchema, toArrowSchema } from '../delta/schema.ts';
import { loadSnapshot, type Snapshot } from '../delta/snapshot.ts';
import type { Storage } from '../delta/storage/storage.ts';
import { LocalStorage } from '../delta/storage/local-storage.ts';
import { inCommitTimestampConfig, monotonicTimestamps, toEpochMillis } from '../delta/time-travel.ts';
import type { DeltaTable } from '../delta/table.ts';
import { takeRows } from '../delta/operations/take.ts';
import { CHANGE_TYPE_COLUMN, type ChangeType } from './change-type.ts';

/** Which versions to read: by version or by timestamp (inclusive bounds). */
export interface ChangeFeedOptions {
  /** First version (default 0, or from `startingTimestamp`). */
  startingVersion?: number;
  /** Last version (default: the latest). */
  endingVersion?: number;
  /** The first version committed at or after this time. */
  startingTimestamp?: number | Date | string;
  /** The last version committed at or before this time. */
  endingTimestamp?: number | Date | string;
}

/** Columns every change feed row carries after the table's columns. */
export const COMMIT_VERSION_COLUMN = '_commit_version';
export const COMMIT_TIMESTAMP_COLUMN = '_commit_timestamp';

/**
 * The change data feed of `table` between two versions (inclusive): the
 * table's columns (latest schema) plus `_change_type` (insert,
 * update_preimage, update_postimage, delete), `_commit_version` (long) and
 * `_commit_timestamp` (timestamp). Throws when a version in the range was
 * written while `delta.enableChangeDataFeed` was off, as Spark does.
 *
 * @example
 * const changes = await readChangeFeed(table, { startingVersion: 3 });
 * for (const row of changes) console.log(row._change_type, row._commit_version, row.id);
 */
export async function readChangeFeed(table: DeltaTable | Storage | string, options: ChangeFeedOptions = {}): Promise<arrow.Table> {
  const storage = typeof table === 'string' ? new LocalStorage(table) : 'storage' in table ? table.storage : table;
  const name = storage.root;
  const latest = await loadSnapshot(storage);
  const commits = await listCommits(storage);
  const fileTimes = monotonicTimestamps(commits);
  const versions = commits.map((c) => c.version);

  let start = options.startingVersion;
  let end = options.endingVersion;
  if (start !== undefined && options.startingTimestamp !== undefined) throw new Error(`Give a starting version or a starting timestamp for the change feed of Delta table ${name}, not both`);
  if (end !== undefined && options.endingTimestamp !== undefined) throw new Error(`Give an ending version or an ending timestamp for the change feed of Delta table ${name}, not both`);

  // Commit timestamps: in-commit timestamps where enabled, else monotonic file times (as time travel uses).
  const timestamps = new Map<number, number>();
  const ict = inCommitTimestampConfig(latest.metadata);
  const commitActions = new Map<number, Action[]>();
  const actionsOf = async (v: number) => {
    let a = commitActions.get(v);
    if (!a) commitActions.set(v, (a = await readCommit(storage, v)));
    return a;
  };
  const timestampOf = async (i: number): Promise<number> => {
    const v = versions[i];
    let t = timestamps.get(v);
    if (t !== undefined) return t;
    t = fileTimes[i];
    if (ict.enabled && v >= ict.enablementVersion) {
      const info = (await actionsOf(v)).find((a): a is Extract<Action, { commitInfo: unknown }> => 'commitInfo' in a);
      if (info && typeof info.commitInfo.inCommitTimestamp === 'number') t = info.commitInfo.inCommitTimestamp;
    }
    timestamps.set(v, t);
    return t;
  };
  if (options.startingTimestamp !== undefined) {
    const ts = toEpochMillis(options.startingTimestamp);
    start = undefined;
    for (let i = 0; i < versions.length; i++) {
      if ((await timestampOf(i)) >= ts) {
        start = versions[i];
        break;
      }
    }
    if (start === undefined) throw new Error(`No version of Delta table ${name} was committed at or after ${new Date(ts).toISOString()} (the change feed's starting timestamp)`);
  }
  if (options.endingTimestamp !== undefined) {
    const ts = toEpochMillis(options.endingTimestamp);
    end = undefined;
    for (let i = 0; i < versions.length; i++) if ((await timestampOf(i)) <= ts) end = versions[i];
    if (end === undefined) throw new Error(`No version of Delta table ${name} was committed at or before ${new Date(ts).toISOString()} (the change feed's ending timestamp)`);
  }
  start ??= 0;
  end ??= latest.version;
  if (!Number.isInteger(start) || start < 0) throw new Error(`Invalid starting version ${start} for the change feed of Delta table ${name}`);
  if (end > latest.version) throw new Error(`Ending version ${end} of the change feed is after the latest version ${latest.version} of Delta table ${name}`);

  const schema = latest.arrowSchema;
  const outSchema = new arrow.Schema([
    ...schema.fields,
    new arrow.Field(CHANGE_TYPE_COLUMN, new arrow.Utf8(), true),
    new arrow.Field(COMMIT_VERSION_COLUMN, new arrow.Int64(), true),
    new arrow.Field(COMMIT_TIMESTAMP_COLUMN, new arrow.TimestampMicrosecond('UTC'), true),
  ]);
  const out: arrow.RecordBatch[] = [];
  if (start > end) return new arrow.Table(outSchema);
  const first = versions.indexOf(start);
  if (first < 0) throw new Error(`Version ${start} of Delta table ${name} is not in the log (cleaned up, or not yet written); the change feed cannot start there`);

  // Metadata in force at each version: the snapshot before the range, then metaData actions as they come.
  let metadata: Metadata = start === 0 ? (undefined as unknown as Metadata) : (await loadSnapshot(storage, { version: start - 1 })).metadata;
  for (let i = first; i < versions.length && versions[i] <= end; i++) {
    const v = versions[i];
    const actions = await actionsOf(v);
    for (const a of actions) if ('metaData' in a) metadata = a.metaData;
    const cdc = actions.flatMap((a) => ('cdc' in a ? [a.cdc] : []));
    const adds = actions.flatMap((a) => ('add' in a && a.add.dataChange ? [a.add] : []));
    const removes = actions.flatMap((a) => ('remove' in a && a.remove.dataChange ? [a.remove] : []));
    if (cdc.length === 0 && adds.length === 0 && removes.length === 0) continue;
    if (!metadata || metadata.configuration['delta.enableChangeDataFeed'] !== 'true') {
      throw new Error(
        `Cannot read the change data feed of Delta table ${name} for versions ${start} to ${end}: ` +
          `version ${v} changed data while delta.enableChangeDataFeed was not enabled`,
      );
    }
    const ts = BigInt(await timestampOf(i)) * 1000n;
    const view = snapshotAt(latest, metadata);
    const emit = (data: arrow.Table, type: ChangeType | null) => {
      for (const b of data.batches) if (b.numRows > 0) out.push(tagged(outSchema, schema, b, type, BigInt(v), ts));
    };
    if (cdc.length > 0) {
      for (const c of cdc) emit(await readCdcFile(storage, view, c), null);
      continue;
    }
    // Files re-added with a new deletion vector: the rows the new vector drops are deletes.
    const addedByPath = new Map(adds.map((a) => [a.path, a] as const));
    const paired = new Set<string>();
    for (const r of removes) {
      const readded = addedByPath.get(r.path);
      if (readded) {
        paired.add(r.path);
        emit(await droppedRows(storage, view, r, readded), 'delete');
      } else {
        emit((await scanFileRows(storage, view, removeAsAdd(r))).data, 'delete');
      }
    }
    for (const a of adds) if (!paired.has(a.path)) emit((await scanFileRows(storage, view, a)).data, 'insert');
  }
  return new arrow.Table(outSchema, out);
}

/** The latest snapshot with an older version's schema and partitioning, for reading that version's files. */
function snapshotAt(latest: Snapshot, metadata: Metadata): Snapshot {
  if (metadata.schemaString === latest.metadata.schemaString && JSON.stringify(metadata.partitionColumns) === JSON.stringify(latest.partitionColumns)) return latest;
  const schema = parseSchema(metadata.schemaString);
  return Object.create(latest, {
    schema: { value: schema },
    arrowSchema: { value: toArrowSchema(schema) },
    partitionColumns: { value: metadata.partitionColumns },
    metadata: { value: metadata },
  }) as Snapshot;
}

/** Reads a change data file: the data columns plus `_change_type`, partition values from its action. */
async function readCdcFile(storage: Storage, snapshot: Snapshot, cdc: AddCdcFile): Promise<arrow.Table> {
  const changeField = { name: CHANGE_TYPE_COLUMN, type: 'string', nullable: true, metadata: {} };
  const schema = { ...snapshot.schema, fields: [...snapshot.schema.fields, changeField] };
  const view = Object.create(snapshot, {
    schema: { value: schema },
    arrowSchema: { value: toArrowSchema(schema) },
  }) as Snapshot;
  const add: Add = { path: cdc.path, partitionValues: cdc.partitionValues, size: cdc.size, modificationTime: 0, dataChange: false };
  return (await scanFileRows(storage, view, add)).data;
}

/** Rows live under the removed entry's deletion vector but not under the re-added one's. */
async function droppedRows(storage: Storage, snapshot: Snapshot, removed: Remove, readded: Add): Promise<arrow.Table> {
  const before = await scanFileRows(storage, snapshot, removeAsAdd(removed));
  const after = await scanFileRows(storage, snapshot, readded);
  const still = new Set(after.rowIndexes);
  const gone: number[] = [];
  before.rowIndexes.forEach((r, i) => {
    if (!still.has(r)) gone.push(i);
  });
  // Scans yield one batch per row group: map positions to (batch, offset).
  const out: arrow.RecordBatch[] = [];
  let base = 0;
  let g = 0;
  for (const b of before.data.batches) {
    const local: number[] = [];
    while (g < gone.length && gone[g] < base + b.numRows) local.push(gone[g++] - base);
    if (local.length > 0) out.push(takeRows(b, Int32Array.from(local)));
    base += b.numRows;
  }
  return new arrow.Table(before.data.schema, out);
}

function removeAsAdd(r: Remove): Add {
  return {
    path: r.path,
    partitionValues: r.partitionValues ?? {},
    size: r.size ?? 0,
    modificationTime: 0,
    dataChange: true,
    deletionVector: r.deletionVector ?? null,
  };
}

/** A batch of the output schema: the table's columns (by name; absent ones NULL), then the change columns. */
function tagged(outSchema: arrow.Schema, schema: arrow.Schema, batch: arrow.RecordBatch, type: ChangeType | null, version: bigint, ts: bigint): arrow.RecordBatch {
  const n = batch.numRows;
  const children = schema.fields.map((f) => {
    const col = batch.getChild(f.name);
    return col ? col.data[0] : arrow.vectorFromArray(new Array(n).fill(null), f.type).data[0];
  });
  const changeType = type === null ? batch.getChild(CHANGE_TYPE_COLUMN)!.data[0] : arrow.vectorFromArray(new Array<string>(n).fill(type), new arrow.Utf8()).data[0];
  const versions = arrow.makeData({ type: new arrow.Int64(), length: n, nullCount: 0, data: new BigInt64Array(n).fill(version) });
  const times = arrow.makeData({ type: new arrow.TimestampMicrosecond('UTC'), length: n, nullCount: 0, data: new BigInt64Array(n).fill(ts) });
  return new arrow.RecordBatch(outSchema, arrow.makeData({ type: new arrow.Struct(outSchema.fields), length: n, nullCount: 0, children: [...children, changeType, versions, times] }));
}
