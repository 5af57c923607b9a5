// Live keys' last sequence values read from the SCD1 target itself: when the
// sequence columns are target columns, a live row carries the sequence of the
// upsert that wrote it, so no per-key state is kept for live keys. Only the
// key and sequence columns of the target's files are read.
import * as arrow from 'apache-arrow';
import type { Add } from '../../delta/actions.ts';
import { decodeRows, planNativeRead, withColumns } from '../../delta/maintenance/native-read.ts';
import { readFooterOf } from '../../delta/maintenance/rowgroup-copy.ts';
import { fromAddPath } from '../../delta/partition-values.ts';
import { readAhead } from '../../delta/read-ahead.ts';
import { liveKeyedRows, type KeyedRows } from '../merge/match.ts';
import type { TargetRows } from './targetRows.ts';
import { scanFileRows } from '../../delta/scan-file.ts';
import type { Snapshot } from '../../delta/snapshot.ts';
import type { Storage } from '../../delta/storage/storage.ts';
import { gatherData } from '../../reactive/expression/filter-batch.ts';
import { rowKeys, type RowKey } from './rowKey.ts';
import { contiguous } from '../merge/keys.ts';
import { keyColumnsOf, type KeyGroups } from './keyGroups.ts';
import type { GroupStates } from './keyState.ts';
import { seqValues, UPSERT, type SeqValue } from './sequence.ts';

/** Whether every sequenceBy entry is a plain output column, so the target rows hold the sequence. */
export function sequenceInTarget(sequenceBy: readonly string[], columns: readonly string[]): boolean {
  return sequenceBy.every((s) => columns.includes(s));
}

/**
 * The sequence value of every row of `batch` from its sequence columns: the
 * column's value, or for struct sequencing (`struct`) one array per row.
 */
export function rowSequences(batch: arrow.RecordBatch, sequenceBy: readonly string[], struct: boolean): { data: arrow.Data; order: SeqValue[] } {
  const parts = sequenceBy.map((s) => contiguous(batch.data.children[batch.schema.fields.findIndex((f) => f.name === s)]));
  const data = struct
    ? arrow.makeData({
      type: new arrow.Struct(sequenceBy.map((s, i) => new arrow.Field(s, parts[i].type, true))),
      length: batch.numRows,
      nullCount: 0,
      children: parts,
    })
    : parts[0];
  return { data, order: seqValues(data) };
}

/**
 * Records, for each key group of a batch whose key has a target row, that
 * row's sequence value as a live state in `states` (a live row is newer than
 * any tombstone of its key). With `located` (the batch's keys already found
 * in the target) only the sequence columns of those rows are decoded;
 * otherwise, and for files that cannot be read so, the key and sequence
 * columns of every target file are read and probed against the groups.
 *
 * @example
 * await targetGroupSequences(storage, snapshot, ['id'], ['version'], false, groups, states, located);
 */
export async function targetGroupSequences(
  storage: Storage,
  snapshot: Snapshot,
  keys: readonly string[],
  sequenceBy: readonly string[],
  struct: boolean,
  groups: KeyGroups,
  states: GroupStates,
  located: TargetRows | null,
): Promise<void> {
  const columns = [...new Set([...keys, ...sequenceBy])];
  const seqSchema = new arrow.Schema(sequenceBy.map((s) => snapshot.arrowSchema.fields.find((f) => f.name === s)!));
  // A file whose rows cannot be located or decoded natively: its key and sequence columns are read and the keys probed.
  const scan = (add: Add) => scanFileRows(storage, snapshot, add, columns);
  const fromScan = ({ data }: Awaited<ReturnType<typeof scan>>) => {
    for (const b of data.batches) {
      const { rows, leaders } = groups.hits(keyColumnsOf(b, keys));
      if (rows.length === 0) continue;
      const picked = new arrow.RecordBatch(b.schema, gatherData(contiguous(b.data), rows) as arrow.Data<arrow.Struct>);
      const { order } = rowSequences(picked, sequenceBy, struct);
      for (let j = 0; j < rows.length; j++) states.set(leaders[j], order[j], UPSERT, 0);
    }
  };
  const fromLocated = async (add: Add, found: KeyedRows): Promise<boolean> => {
    // Live rows only (the deletion vector applied), each with its key's group.
    const at: number[] = [];
    const rows: number[] = [];
    const leaders: number[] = [];
    for (const i of liveKeyedRows(found).at) {
      const l = groups.leaderOf(found.first[i]);
      if (l < 0) continue;
      at.push(i);
      rows.push(found.rows[i]);
      leaders.push(l);
    }
    if (rows.length === 0) return true;
    let picked: arrow.RecordBatch;
    if (found.payload) {
      // Decoded with the located rows: the ones kept here.
      picked = new arrow.RecordBatch(found.payload.schema, gatherData(contiguous(found.payload.data), Int32Array.from(at)) as arrow.Data<arrow.Struct>);
    } else {
      const where = `Data file ${add.path} of Delta table ${storage.root}`;
      const plan = planNativeRead(snapshot, (await readFooterOf(storage, fromAddPath(add.path), add.size, where)).meta, seqSchema);
      if (!plan) return false;
      try {
        picked = await withColumns(storage, add, plan.columns, (file, columns) => decodeRows(file, seqSchema, { ...plan, columns }, Int32Array.from(rows)));
      } catch {
        return false; // an encoding the native decoder lacks
      }
    }
    const { order } = rowSequences(picked, sequenceBy, struct);
    for (let j = 0; j < rows.length; j++) states.set(leaders[j], order[j], UPSERT, 0);
    return true;
  };
  if (!located) {
    for await (const scanned of readAhead(snapshot.files(), 2, scan)) fromScan(scanned);
    return;
  }
  for await (const { add, found } of readAhead(located.files, 2, async (add) => ({ add, found: await located.of(add) }))) {
    if (!found || !(await fromLocated(add, found))) fromScan(await scan(add));
  }
}

/**
 * The sequence value of every live key's target row (a TRUNCATE needs them
 * all). Reads the key and sequence columns of every file.
 *
 * @example
 * const live = await targetSequences(storage, snapshot, ['id'], ['version'], false);
 */
export async function targetSequences(
  storage: Storage,
  snapshot: Snapshot,
  keys: readonly string[],
  sequenceBy: readonly string[],
  struct: boolean,
): Promise<Map<RowKey, SeqValue>> {
  const out = new Map<RowKey, SeqValue>();
  const columns = [...new Set([...keys, ...sequenceBy])];
  for (const add of snapshot.files()) {
    const { data } = await scanFileRows(storage, snapshot, add, columns);
    for (const b of data.batches) {
      const k = rowKeys(b, keys);
      const { order } = rowSequences(b, sequenceBy, struct);
      for (let i = 0; i < k.length; i++) out.set(k[i], order[i]);
    }
  }
  return out;
}
