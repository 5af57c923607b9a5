// Live keys' last sequence values read from the SCD1 target itself: when the
// sequence columns are target columns, a live row carries the sequence of the
// upsert that wrote it, so no per-key state is kept for live keys. Only the
// key and sequence columns of the target's files are read.
import * as arrow from 'apache-arrow';
import { readAhead } from '../../delta/read-ahead.ts';
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
 * any tombstone of its key). Reads the key and sequence columns of every
 * target file and probes the keys against the groups.
 *
 * @example
 * await targetGroupSequences(storage, snapshot, ['id'], ['version'], false, groups, states);
 */
export async function targetGroupSequences(
  storage: Storage,
  snapshot: Snapshot,
  keys: readonly string[],
  sequenceBy: readonly string[],
  struct: boolean,
  groups: KeyGroups,
  states: GroupStates,
): Promise<void> {
  const columns = [...new Set([...keys, ...sequenceBy])];
  for await (const { data } of readAhead(snapshot.files(), 2, (add) => scanFileRows(storage, snapshot, add, columns))) {
    for (const b of data.batches) {
      const hit = groups.probe(keyColumnsOf(b, keys));
      const rows: number[] = [];
      for (let i = 0; i < hit.length; i++) if (hit[i] >= 0) rows.push(i);
      if (rows.length === 0) continue;
      const idx = Int32Array.from(rows);
      const picked = new arrow.RecordBatch(b.schema, gatherData(contiguous(b.data), idx) as arrow.Data<arrow.Struct>);
      const { order } = rowSequences(picked, sequenceBy, struct);
      rows.forEach((r, j) => states.set(hit[r], order[j], UPSERT, 0));
    }
  }
}

/**
 * The sequence value of the target row of each key in `wanted` (all live
 * keys when omitted). Keys without a row are absent.
 *
 * @example
 * const live = await targetSequences(storage, snapshot, ['id'], ['version'], false, new Set([1, 2]));
 */
export async function targetSequences(
  storage: Storage,
  snapshot: Snapshot,
  keys: readonly string[],
  sequenceBy: readonly string[],
  struct: boolean,
  wanted?: ReadonlySet<RowKey>,
): Promise<Map<RowKey, SeqValue>> {
  const out = new Map<RowKey, SeqValue>();
  const columns = [...new Set([...keys, ...sequenceBy])];
  for (const add of snapshot.files()) {
    const { data } = await scanFileRows(storage, snapshot, add, columns);
    for (const b of data.batches) {
      const k = rowKeys(b, keys);
      const rows: number[] = [];
      for (let i = 0; i < k.length; i++) if (!wanted || wanted.has(k[i])) rows.push(i);
      if (rows.length === 0) continue;
      const idx = Int32Array.from(rows);
      const picked = new arrow.RecordBatch(b.schema, gatherData(contiguous(b.data), idx) as arrow.Data<arrow.Struct>);
      const { order } = rowSequences(picked, sequenceBy, struct);
      rows.forEach((r, j) => out.set(k[r], order[j]));
    }
  }
  return out;
}
