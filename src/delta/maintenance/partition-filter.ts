// OPTIMIZE's `where`: which partitions to touch, decided from the log's
// partition values alone (never from data), as Delta requires of an OPTIMIZE
// predicate.

import * as arrow from 'apache-arrow';
import { buildArrowData } from '../arrow-data.ts';
import { parsePartitionValue, type PartitionValue } from '../partition-values.ts';
import { toArrowField } from '../schema.ts';
import type { Snapshot } from '../snapshot.ts';
import { compileSqlPredicate } from '../operations/predicate.ts';

/** A partition predicate: SQL over partition columns, or a function of typed partition values. */
export type PartitionPredicate = string | ((values: Record<string, PartitionValue>) => boolean);

/**
 * For each entry of `partitions` (serialized values, as the log stores them),
 * whether the predicate selects it: TRUE selects, FALSE and NULL do not.
 * Throws when a SQL predicate references a non-partition column.
 */
export async function selectPartitions(
  snapshot: Snapshot,
  predicate: PartitionPredicate,
  partitions: readonly Readonly<Record<string, string | null>>[],
): Promise<boolean[]> {
  const table = snapshot.table;
  const fields = snapshot.partitionColumns.map((c) => {
    const f = snapshot.schema.fields.find((x) => x.name === c);
    if (!f) throw new Error(`Partition column '${c}' is not in the schema of Delta table ${table}`);
    return f;
  });
  const typed = (pv: Readonly<Record<string, string | null>>) =>
    Object.fromEntries(fields.map((f) => [f.name, parsePartitionValue(pv[f.name] ?? null, f.type, f.name)]));
  if (typeof predicate === 'function') return partitions.map((pv) => predicate(typed(pv)) === true);

  if (fields.length === 0) {
    throw new Error(`OPTIMIZE where '${predicate}' on Delta table ${table}: the table is not partitioned, so there is nothing to filter on`);
  }
  const schema = new arrow.Schema(fields.map((f) => {
    const af = toArrowField(f);
    return new arrow.Field(af.name, af.type, true, af.metadata);
  }));
  let compiled;
  try {
    compiled = await compileSqlPredicate(predicate, schema, table);
  } catch (err) {
    throw new Error(
      `OPTIMIZE where '${predicate}' on Delta table ${table} must reference partition columns only (${snapshot.partitionColumns.join(', ')}): ${(err as Error).message}`,
    );
  }
  const columns = fields.map((f, i) =>
    buildArrowData(schema.fields[i].type, partitions.map((pv) => typed(pv)[f.name]), f.name),
  );
  const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length: partitions.length, nullCount: 0, children: columns });
  const { mask } = compiled.mask(new arrow.RecordBatch(schema, struct));
  return Array.from(mask, (m) => m === 1);
}
