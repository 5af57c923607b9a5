// MERGE INTO for Delta tables, one commit per call: plan (compile every
// clause), prune candidate files, join (key columns only), then change only
// the touched files — rewritten (copy-on-write) or masked with deletion
// vectors — append updated and inserted rows as new files, write change data
// when the table records a change feed, and commit with Delta's conflict
// checks. Anything that fails before the commit deletes the files it wrote
// and leaves the table as it was.

import * as arrow from 'apache-arrow';
import type { Add, AddCdcFile, Remove } from '../../delta/actions.ts';
import { shouldCheckpoint, writeCheckpoint } from '../../delta/checkpoint-writer.ts';
import { enforceConstraints, tableConstraints } from '../../delta/operations/constraints.ts';
import { removeOf } from '../../delta/operations/write.ts';
import { splitByPartition, writeDataFiles } from '../../delta/operations/write-files.ts';
import { fromAddPath } from '../../delta/partition-values.ts';
import { loadSnapshot, type Snapshot } from '../../delta/snapshot.ts';
import type { Storage } from '../../delta/storage/storage.ts';
import { deleteQuietly } from '../../delta/storage/delete-quietly.ts';
import type { DeltaTable } from '../../delta/table.ts';
import { readAhead } from '../../delta/read-ahead.ts';
import { Transaction } from '../../delta/transaction.ts';
import { assertWritable, protocolFeatures, requiredProtocol } from '../../delta/writer-features.ts';
import { canTake } from '../../delta/operations/take.ts';
import { concatBatches, concatData } from '../../reactive/batch/concatBatches.ts';
import { changeDataFeedEnabled, writeChangeData, type ChangeType } from './change-data.ts';
import { DEFAULT_INLINE_DV_BYTES, maskFiles, usesDeletionVectors } from './deletion-vectors.ts';
import { MergeError } from './errors.ts';
import { joinFiles, prepareSource } from './match.ts';
import type { MergeMetrics, MergeOptions, MergeResult } from './options.ts';
import { planMerge } from './plan.ts';
import { pruneFiles } from './prune.ts';
import { changesOfFile, insertSelections, sourceRows, sourceUpdateSelections, type FileChanges, type SourceSelection } from './rewrite.ts';

/**
 * Merges `source` rows into `table`, as Spark's and delta-rs's MERGE INTO.
 * Conditions and assignments are Spark SQL over the `source`/`target`
 * aliases. Bad options or source rows throw {@link MergeError} (a NULL join
 * key, two source rows modifying one target row, an unknown column) before
 * anything is written; a lost commit race throws the ConflictError.
 *
 * @example
 * await merge(table, changes, {
 *   on: ['id'],
 *   whenMatched: [{ condition: "source.op = 'D'", delete: true }, { update: '*' }],
 *   whenNotMatched: [{ condition: "source.op <> 'D'", insert: '*' }],
 *   txn: { appId: 'orders-cdc', version: batchId },
 * });
 */
export async function merge(table: DeltaTable, source: arrow.Table | arrow.RecordBatch | readonly arrow.RecordBatch[], options: MergeOptions): Promise<MergeResult> {
  const started = Date.now();
  const storage = table.storage;
  const name = storage.root;
  if (table.pinned) {
    throw new MergeError(`Delta table ${name} was opened at version ${table.version()} for time travel; call refresh() or open it without a version to merge into it`);
  }
  // Merges go against the latest version, as in Spark (or the caller's, which the commit checks for conflicts since).
  const snapshot = options.snapshot ?? (await loadSnapshot(storage));
  assertWritable(snapshot.protocol, snapshot.metadata, name);
  const sourceBatch = toSourceBatch(source, name);
  const plan = planMerge(options, sourceBatch.schema, snapshot.arrowSchema, name);
  const useDv = usesDeletionVectors(options.mode ?? 'auto', snapshot, `MERGE into Delta table ${snapshot.table}`);

  const txn = new Transaction(storage, snapshot, {
    operation: options.operation ?? 'MERGE',
    operationParameters: { ...plan.operationParameters, ...options.operationParameters },
    commitInfo: options.commitInfo,
    maxAttempts: options.maxAttempts,
  });
  const metrics = emptyMetrics(sourceBatch.numRows);
  if (options.txn) {
    const { appId, version } = options.txn;
    const committed = txn.txnVersion(appId);
    if (committed !== undefined && committed >= version) {
      metrics.executionTimeMs = Date.now() - started;
      return { version: snapshot.version, skipped: true, metrics };
    }
    txn.setTransaction(appId, version);
  }
  if (options.domainMetadata && options.domainMetadata.length > 0) {
    if (!protocolFeatures(snapshot.protocol).has('domainMetadata')) {
      const wanted = { ...snapshot.metadata, configuration: { ...snapshot.metadata.configuration, 'delta.feature.domainMetadata': 'supported' } };
      txn.updateProtocol(requiredProtocol(wanted, snapshot.protocol));
    }
    for (const d of options.domainMetadata) txn.addDomainMetadata(d);
  }

  const now = new Date();
  const sourceSide = prepareSource(plan, sourceBatch, name, options.sourceIndex);
  const onText = Array.isArray(options.on) ? options.on.join(', ') : (options.on as string);
  const pruned = pruneFiles(snapshot, plan, sourceSide, onText);
  txn.addReadPredicate(pruned.readPredicate);
  txn.markFilesRead(pruned.candidates);
  metrics.numTargetFilesBeforeSkipping = snapshot.files().length;
  metrics.numTargetFilesAfterSkipping = pruned.candidates.length;

  const join = await joinFiles(storage, snapshot, plan, sourceSide, pruned.candidates, options.keyedRows);
  const insertSel = insertSelections(plan, sourceSide, join.sourceMatched, now);
  const changes: FileChanges[] = [];
  const changeFeed = changeDataFeedEnabled(snapshot);
  // Unchanged rows to rewrite files with (copy-on-write), old images for the change feed.
  const want = { copied: !useDv, oldImages: changeFeed };
  // The next file is read (and decoded off the JS thread) while this one's changes are built.
  for await (const c of readAhead(join.touched, 2, (m) => changesOfFile(storage, snapshot, plan, sourceSide, m, want, now))) changes.push(c);

  // New rows that are source rows are gathered in one pass; a change feed needs updates and inserts apart.
  const updateSel = sourceUpdateSelections(plan, changes);
  const gather = (sel: SourceSelection[]) => sourceRows(plan, sourceSide, sel, snapshot.arrowSchema, name, now);
  const updated = [...changes.flatMap((c) => c.updated), ...(changeFeed ? gather(updateSel) : [])];
  const inserted = changeFeed ? gather(insertSel) : [];
  const newRows = [...updated, ...inserted, ...(changeFeed ? [] : gather([...updateSel, ...insertSel]))];
  // Everything that can fail on the data is checked before the first file is written.
  if (newRows.length > 0) {
    await enforceConstraints(new arrow.Table(snapshot.arrowSchema, newRows), snapshot.schema, tableConstraints(snapshot.schema, snapshot.properties), name);
  }
  if (changes.length > 0 && snapshot.properties['delta.appendOnly'] === 'true') {
    throw new MergeError(
      `Cannot update or delete rows of Delta table ${name}: it is append-only (table property delta.appendOnly=true); ` +
        'only WHEN NOT MATCHED THEN INSERT clauses may change it. Nothing was written',
    );
  }
  txn.validate();

  const removeTime = now.getTime();
  const written: string[] = [];
  try {
    let adds: Add[] = [];
    let removes: Remove[] = changes.map((c) => removeOf(c.match.add, removeTime));
    const output: arrow.RecordBatch[] = [...newRows];
    if (!useDv) for (const c of changes) if (c.copiedRows && c.copiedRows.numRows > 0) output.unshift(c.copiedRows);
    // Deletion vectors and data files are written at the same time; whatever either wrote is cleaned up if the other fails.
    const [maskedOut, dataOut] = await Promise.allSettled([
      useDv ? maskFiles(storage, changes, removeTime, options.deletionVectorInlineBytes ?? DEFAULT_INLINE_DV_BYTES) : Promise.resolve(null),
      output.length > 0 ? writeOutput(storage, snapshot, output, options.targetFileSize) : Promise.resolve([] as Add[]),
    ]);
    if (maskedOut.status === 'fulfilled' && maskedOut.value?.file) written.push(maskedOut.value.file);
    if (dataOut.status === 'fulfilled') written.push(...dataOut.value.map((a) => fromAddPath(a.path)));
    if (maskedOut.status === 'rejected') throw maskedOut.reason;
    if (dataOut.status === 'rejected') throw dataOut.reason;
    const masked = maskedOut.value;
    const dataAdds = dataOut.value;
    if (masked) {
      adds = masked.adds;
      removes = masked.removes;
      metrics.numTargetDeletionVectorsAdded = masked.dvAdded;
      metrics.numTargetDeletionVectorsRemoved = masked.dvRemoved;
      metrics.numTargetDeletionVectorsUpdated = masked.dvUpdated;
    }

    let cdc: AddCdcFile[] = [];
    const anyChange = changes.some((c) => c.changed.length > 0);
    // Inserts-only merges need no change files: readers take their adds as inserts (as Spark does).
    if (changeDataFeedEnabled(snapshot) && anyChange) {
      const parts: { type: ChangeType; rows: arrow.RecordBatch[] }[] = [
        { type: 'update_preimage', rows: changes.flatMap((c) => c.preimages) },
        { type: 'update_postimage', rows: updated },
        { type: 'delete', rows: changes.flatMap((c) => (c.deleted ? [c.deleted] : [])) },
        { type: 'insert', rows: inserted },
      ];
      cdc = await writeChangeData(storage, snapshot, parts);
      written.push(...cdc.map((c) => fromAddPath(c.path)));
    }
    for (const r of removes) txn.removeFile(r);
    for (const a of [...adds, ...dataAdds]) txn.addFile(a);
    for (const c of cdc) txn.addCdcFile(c);

    const sum = (f: (c: FileChanges) => number) => changes.reduce((s, c) => s + f(c), 0);
    metrics.numTargetRowsMatchedUpdated = sum((c) => c.counts.matchedUpdated);
    metrics.numTargetRowsMatchedDeleted = sum((c) => c.counts.matchedDeleted);
    metrics.numTargetRowsNotMatchedBySourceUpdated = sum((c) => c.counts.bySourceUpdated);
    metrics.numTargetRowsNotMatchedBySourceDeleted = sum((c) => c.counts.bySourceDeleted);
    metrics.numTargetRowsUpdated = metrics.numTargetRowsMatchedUpdated + metrics.numTargetRowsNotMatchedBySourceUpdated;
    metrics.numTargetRowsDeleted = metrics.numTargetRowsMatchedDeleted + metrics.numTargetRowsNotMatchedBySourceDeleted;
    metrics.numTargetRowsInserted = insertSel.reduce((s, sel) => s + sel.rows.length, 0);
    metrics.numTargetRowsCopied = useDv ? 0 : sum((c) => c.copiedCount);
    metrics.numOutputRows = output.reduce((s, b) => s + b.numRows, 0);
    metrics.numTargetFilesAdded = dataAdds.length;
    // With deletion vectors a touched file stays (re-added with its vector) unless all its rows went.
    const readded = new Set(adds.map((a) => a.path));
    metrics.numTargetFilesRemoved = removes.filter((r) => !readded.has(r.path)).length;
    metrics.numTargetChangeFilesAdded = cdc.length;
    metrics.numTargetBytesAdded = dataAdds.reduce((s, a) => s + a.size, 0);
    metrics.numTargetBytesRemoved = removes.filter((r) => !readded.has(r.path)).reduce((s, r) => s + (r.size ?? 0), 0);
    metrics.executionTimeMs = Date.now() - started;
    txn.setOperationMetrics({ ...options.operationMetrics, ...metrics });

    if (options.beforeCommit) await options.beforeCommit();
    const result = await txn.commit();
    if (result.status === 'conflict') {
      await deleteQuietly(storage, written);
      written.length = 0;
      throw result.error;
    }
    written.length = 0; // committed: the files are the table's now
    await table.refresh();
    const snap = table.snapshot;
    if (snap.version === result.version && shouldCheckpoint(result.version, snap.properties)) {
      // The commit stands either way; a failed checkpoint only means more JSON to replay.
      await writeCheckpoint(storage, snap).catch(() => undefined);
    }
    return { version: result.version, skipped: false, metrics };
  } finally {
    if (written.length > 0) await deleteQuietly(storage, written);
  }
}

/** The merge's source as one contiguous batch whose columns can be gathered by row. */
function toSourceBatch(source: arrow.Table | arrow.RecordBatch | readonly arrow.RecordBatch[], table: string): arrow.RecordBatch {
  let schema: arrow.Schema;
  let batches: arrow.RecordBatch[];
  if (source instanceof arrow.Table) {
    schema = source.schema;
    batches = source.batches;
  } else if (source instanceof arrow.RecordBatch) {
    schema = source.schema;
    batches = [source];
  } else if (Array.isArray(source)) {
    if (source.length === 0) throw new MergeError(`MERGE into Delta table ${table}: the source is an empty list of record batches (it has no schema); pass an empty arrow.Table instead`);
    schema = source[0].schema;
    batches = [...source];
  } else {
    throw new MergeError(`MERGE into Delta table ${table}: the source must be an Arrow Table, RecordBatch or RecordBatch[]`);
  }
  const nonEmpty = batches.filter((b) => b.numRows > 0);
  if (nonEmpty.length === 0) {
    const children = schema.fields.map((f) => arrow.makeVector(arrow.vectorFromArray([], f.type)).data[0]);
    return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: 0, nullCount: 0, children }));
  }
  let batch = nonEmpty.length === 1 ? nonEmpty[0] : concatBatches(nonEmpty);
  batch = decodeDictionaries(batch);
  schema = batch.schema;
  // Sliced input: copy into fresh buffers (concatenating with an empty slice forces the copy).
  if (!canTake(batch)) batch = new arrow.RecordBatch(schema, concatData(new arrow.Struct(schema.fields), [batch.data, batch.data.slice(0, 0)]) as arrow.Data<arrow.Struct>);
  if (!canTake(batch)) {
    const i = batch.data.children.findIndex((c) => !canTake(new arrow.RecordBatch(new arrow.Schema([new arrow.Field('c', c.type)]), arrow.makeData({ type: new arrow.Struct([new arrow.Field('c', c.type)]), length: c.length, nullCount: 0, children: [c] }))));
    const f = schema.fields[Math.max(0, i)];
    throw new MergeError(`MERGE into Delta table ${table}: source column '${f.name}' has Arrow type ${String(f.type)}, which MERGE cannot read; cast it to a plain type first`);
  }
  return batch;
}

/** Dictionary-encoded columns (as `tableFromArrays` makes strings) decoded to their value type. */
function decodeDictionaries(batch: arrow.RecordBatch): arrow.RecordBatch {
  if (!batch.schema.fields.some((f) => f.type.typeId === arrow.Type.Dictionary)) return batch;
  const fields: arrow.Field[] = [];
  const children = batch.schema.fields.map((f, i) => {
    const vec = batch.getChildAt(i)!;
    if (f.type.typeId !== arrow.Type.Dictionary) {
      fields.push(f);
      return batch.data.children[i];
    }
    const type = (f.type as arrow.Dictionary).dictionary;
    fields.push(new arrow.Field(f.name, type, f.nullable, f.metadata));
    return arrow.vectorFromArray([...vec], type).data[0];
  });
  const schema = new arrow.Schema(fields, batch.schema.metadata);
  return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(fields), length: batch.numRows, nullCount: 0, children }));
}

/** Writes output rows as new data files split by partition. */
async function writeOutput(storage: Storage, snapshot: Snapshot, rows: arrow.RecordBatch[], targetFileSize: number | undefined): Promise<Add[]> {
  const groups = splitByPartition(new arrow.Table(snapshot.arrowSchema, rows), snapshot.schema, snapshot.partitionColumns);
  return writeDataFiles(storage, groups, {
    schema: snapshot.schema,
    partitionColumns: snapshot.partitionColumns,
    configuration: snapshot.properties,
    targetFileSize,
    table: snapshot.table,
  });
}

function emptyMetrics(numSourceRows: number): MergeMetrics {
  return {
    numSourceRows,
    numTargetRowsInserted: 0,
    numTargetRowsUpdated: 0,
    numTargetRowsMatchedUpdated: 0,
    numTargetRowsNotMatchedBySourceUpdated: 0,
    numTargetRowsDeleted: 0,
    numTargetRowsMatchedDeleted: 0,
    numTargetRowsNotMatchedBySourceDeleted: 0,
    numTargetRowsCopied: 0,
    numOutputRows: 0,
    numTargetFilesAdded: 0,
    numTargetFilesRemoved: 0,
    numTargetChangeFilesAdded: 0,
    numTargetDeletionVectorsAdded: 0,
    numTargetDeletionVectorsRemoved: 0,
    numTargetDeletionVectorsUpdated: 0,
    numTargetBytesAdded: 0,
    numTargetBytesRemoved: 0,
    numTargetFilesBeforeSkipping: 0,
    numTargetFilesAfterSkipping: 0,
    executionTimeMs: 0,
  };
}
