// Change data files (PROTOCOL.md "Change Data Files"): with
// `delta.enableChangeDataFeed=true`, a commit that updates or deletes rows
// also writes the changed rows, tagged by `_change_type` (insert,
// update_preimage, update_postimage, delete), under `_change_data/` and
// lists them as `cdc` actions. Like data files, they are split by partition
// and leave the partition columns out.

import { randomUUID } from 'node:crypto';
import * as arrow from 'apache-arrow';
import type { AddCdcFile } from '../../delta/actions.ts';
import { addPathOf, splitByPartition } from '../../delta/operations/write-files.ts';
import { partitionDirectory } from '../../delta/partition-values.ts';
import type { Snapshot } from '../../delta/snapshot.ts';
import type { Storage } from '../../delta/storage/storage.ts';
import { writeParquet } from '../../parquet/write.ts';
import { CHANGE_TYPE_COLUMN, type ChangeType } from '../change-type.ts';

export { CHANGE_TYPE_COLUMN, type ChangeType } from '../change-type.ts';

/** Whether the table records a change data feed. */
export function changeDataFeedEnabled(snapshot: Snapshot): boolean {
  return snapshot.properties['delta.enableChangeDataFeed'] === 'true';
}

/**
 * Writes the changed rows (each list in the table's schema) as change data
 * files and returns their `cdc` actions (none when there are no rows).
 */
export async function writeChangeData(
  storage: Storage,
  snapshot: Snapshot,
  changes: readonly { type: ChangeType; rows: readonly arrow.RecordBatch[] }[],
): Promise<AddCdcFile[]> {
  const tagged: arrow.RecordBatch[] = [];
  const schema = new arrow.Schema([...snapshot.arrowSchema.fields, new arrow.Field(CHANGE_TYPE_COLUMN, new arrow.Utf8(), true)]);
  for (const { type, rows } of changes) {
    for (const b of rows) if (b.numRows > 0) tagged.push(withChangeType(schema, b, type));
  }
  if (tagged.length === 0) return [];
  const partition = new Set(snapshot.partitionColumns);
  const out: AddCdcFile[] = [];
  let index = 0;
  for (const group of splitByPartition(new arrow.Table(schema, tagged), snapshot.schema, snapshot.partitionColumns)) {
    const fileData = group.data.select(schema.fields.map((f) => f.name).filter((n) => !partition.has(n)));
    const relative = `_change_data/${partitionDirectory(snapshot.partitionColumns, group.values)}cdc-${String(index++).padStart(5, '0')}-${randomUUID()}.c000.snappy.parquet`;
    const { bytes } = await writeParquet(fileData, { compression: 'snappy' });
    await storage.write(relative, bytes);
    out.push({ path: addPathOf(relative), partitionValues: { ...group.values }, size: bytes.length, dataChange: false });
  }
  return out;
}

function withChangeType(schema: arrow.Schema, batch: arrow.RecordBatch, type: ChangeType): arrow.RecordBatch {
  const n = batch.numRows;
  const bytes = new TextEncoder().encode(type);
  const offsets = Int32Array.from({ length: n + 1 }, (_, i) => i * bytes.length);
  const values = new Uint8Array(n * bytes.length);
  for (let i = 0; i < n; i++) values.set(bytes, i * bytes.length);
  const column = arrow.makeData({ type: new arrow.Utf8(), length: n, nullCount: 0, valueOffsets: offsets, data: values });
  return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children: [...batch.data.children, column] }));
}
