// WRITE: append and overwrite (whole table or `replaceWhere`). Everything
// that can fail on the input (schema, NOT NULL, invariants, CHECK
// constraints, replaceWhere conformance, append-only) is checked before the
// first data file is written; data files are written before the commit, and
// the commit is the only step that makes anything visible.

import * as arrow from 'apache-arrow';
import type { Action, Add, DomainMetadata, Metadata, Remove } from '../actions.ts';
import type { Storage } from '../storage/storage.ts';
import { deleteQuietly } from '../storage/delete-quietly.ts';
import { buildArrowData } from '../arrow-data.ts';
import type { ConflictError, ReadPredicate } from '../conflict-checker.ts';
import { fromAddPath, parsePartitionValue, type PartitionValue } from '../partition-values.ts';
import { scanSnapshot } from '../scan.ts';
import { serializeSchema, toArrowField, type StructType } from '../schema.ts';
import type { Snapshot } from '../snapshot.ts';
import { Transaction } from '../transaction.ts';
import { assertWritable, requiredProtocol } from '../writer-features.ts';
import { compileSqlPredicate, type CompiledPredicate } from './predicate.ts';
import { alignToSchema, mergeFields, toTable, type WriteInput } from './align.ts';
import { enforceConstraints, tableConstraints } from './constraints.ts';
import { splitByPartition, writeDataFiles, type PartitionGroup } from './write-files.ts';

/** An application's idempotent-write marker: skip the write when `appId` already committed `version` or later. */
export interface TxnId {
  appId: string;
  version: number;
}

export interface WriteOptions {
  mode: 'append' | 'overwrite';
  /** Overwrite only the rows matching this SQL predicate (mode 'overwrite'). */
  replaceWhere?: string;
  txn?: TxnId;
  /** Add the data's new columns to the table schema (mode 'append'). */
  mergeSchema?: boolean;
  /** Approximate in-memory bytes per data file. */
  targetFileSize?: number;
  /** Versions to try on lost commit races (default 50). */
  maxAttempts?: number;
  /** Extra top-level `commitInfo` fields (see TransactionOptions.commitInfo). */
  commitInfo?: Record<string, unknown>;
  /** Domain metadata to commit with the data (needs the table's `domainMetadata` writer feature). */
  domainMetadata?: DomainMetadata[];
}

/** What a write did. */
export type WriteResult =
  | {
      status: 'committed';
      version: number;
      addedFiles: Add[];
      removedFiles: Remove[];
      numOutputRows: number;
      /** The committed actions, commitInfo first (to advance a snapshot without re-reading the log). */
      actions?: Action[];
    }
  /** An idempotent write whose txn version was already committed: nothing was written. */
  | { status: 'skipped'; version: number; appId: string; committedVersion: number }
  | { status: 'conflict'; error: ConflictError };

/**
 * Appends or overwrites data in the table whose latest snapshot is `snapshot`.
 * Conflicts come back as a value (the data files written for the attempt are
 * deleted again); invalid input throws before anything is written.
 *
 * @example
 * const r = await writeTable(storage, snapshot, batches, { mode: 'overwrite', replaceWhere: "date = '2024-01-01'" });
 */
export async function writeTable(storage: Storage, snapshot: Snapshot, input: WriteInput, options: WriteOptions): Promise<WriteResult> {
  const table = storage.root;
  assertWritable(snapshot.protocol, snapshot.metadata, table);
  const overwrite = options.mode === 'overwrite';
  if (!overwrite && options.replaceWhere !== undefined) throw new Error(`replaceWhere needs mode 'overwrite' (Delta table ${table})`);
  if (overwrite && snapshot.properties['delta.appendOnly'] === 'true') {
    throw new Error(
      `Cannot overwrite Delta table ${table}: it is append-only (table property delta.appendOnly=true, feature appendOnly); only appends are allowed`,
    );
  }

  const params: Record<string, unknown> = {
    mode: overwrite ? 'Overwrite' : 'Append',
    partitionBy: JSON.stringify(snapshot.partitionColumns),
  };
  if (options.replaceWhere !== undefined) params.predicate = JSON.stringify([options.replaceWhere]);
  const txn = new Transaction(storage, snapshot, {
    operation: 'WRITE',
    operationParameters: params,
    maxAttempts: options.maxAttempts,
    commitInfo: options.commitInfo,
  });
  for (const d of options.domainMetadata ?? []) txn.addDomainMetadata(d);

  if (options.txn) {
    const { appId, version } = options.txn;
    const committed = txn.txnVersion(appId);
    if (committed !== undefined && committed >= version) {
      return { status: 'skipped', version: snapshot.version, appId, committedVersion: committed };
    }
    txn.setTransaction(appId, version);
  }

  // Shape the data; a schema change is a metadata update (and maybe a protocol upgrade).
  const { data, addedFields } = alignToSchema(toTable(input), snapshot.arrowSchema, { table, mergeSchema: options.mergeSchema });
  let schema: StructType = snapshot.schema;
  if (addedFields.length > 0) {
    schema = mergeFields(snapshot.schema, addedFields);
    const metadata: Metadata = { ...snapshot.metadata, schemaString: serializeSchema(schema) };
    txn.updateMetadata(metadata);
    const protocol = requiredProtocol(metadata, snapshot.protocol);
    if (JSON.stringify(protocol) !== JSON.stringify(snapshot.protocol)) txn.updateProtocol(protocol);
  }
  await enforceConstraints(data, schema, tableConstraints(schema, snapshot.properties), table);

  let groups = splitByPartition(data, schema, snapshot.partitionColumns);
  const removes: Remove[] = [];
  let copiedRows = 0;
  if (overwrite) {
    const now = Date.now();
    if (options.replaceWhere === undefined) {
      txn.readWholeTable();
      for (const add of snapshot.files()) removes.push(removeOf(add, now));
    } else {
      const plan = await planReplaceWhere(storage, snapshot, data, options.replaceWhere);
      txn.addReadPredicate(plan.readPredicate);
      txn.markFilesRead(plan.readFiles);
      for (const add of plan.removed) removes.push(removeOf(add, now));
      groups = [...groups, ...plan.kept];
      copiedRows = plan.kept.reduce((s, g) => s + g.data.numRows, 0);
      const cdf = snapshot.properties['delta.enableChangeDataFeed'] === 'true';
      if (cdf && plan.kept.length > 0) {
        throw new Error(
          `replaceWhere '${options.replaceWhere}' would rewrite files of Delta table ${table} partially, which needs change data files ` +
            '(delta.enableChangeDataFeed=true); Tributary does not write them yet. Use a predicate on partition columns only.',
        );
      }
    }
  }

  // Invalid transactions fail here, before the first data file exists.
  txn.validate();
  const adds = await writeDataFiles(storage, groups, {
    schema,
    partitionColumns: snapshot.partitionColumns,
    configuration: snapshot.properties,
    targetFileSize: options.targetFileSize,
    table,
  });
  for (const a of adds) txn.addFile(a);
  for (const r of removes) txn.removeFile(r);
  const metrics: Record<string, number> = {
    numFiles: adds.length,
    numOutputRows: data.numRows,
    numOutputBytes: adds.reduce((s, a) => s + a.size, 0),
  };
  if (overwrite) {
    metrics.numRemovedFiles = removes.length;
    metrics.numRemovedBytes = removes.reduce((s, r) => s + (r.size ?? 0), 0);
    if (options.replaceWhere !== undefined) metrics.numCopiedRows = copiedRows;
  }
  txn.setOperationMetrics(metrics);

  // Commit-time errors (an I/O failure of the log write) leave the outcome
  // unknown, so the files are kept: if unreferenced, they are orphans VACUUM removes.
  const result = await txn.commit();
  if (result.status === 'conflict') {
    await deleteQuietly(storage, adds.map((a) => fromAddPath(a.path)));
    return { status: 'conflict', error: result.error };
  }
  return { status: 'committed', version: result.version, addedFiles: adds, removedFiles: removes, numOutputRows: data.numRows, actions: result.actions };
}

/**
 * A `remove` for an active file, carrying what VACUUM and CDF readers use.
 * `dataChange` is false only when the same rows are re-added elsewhere (OPTIMIZE's rewrites).
 * @example txn.removeFile(removeOf(add, Date.now()));
 */
export function removeOf(add: Add, deletionTimestamp: number, dataChange = true): Remove {
  const r: Remove = {
    path: add.path,
    deletionTimestamp,
    dataChange,
    extendedFileMetadata: true,
    partitionValues: add.partitionValues,
    size: add.size,
  };
  if (add.stats) r.stats = add.stats;
  if (add.tags) r.tags = add.tags;
  if (add.deletionVector) r.deletionVector = add.deletionVector;
  if (add.baseRowId != null) r.baseRowId = add.baseRowId;
  if (add.defaultRowCommitVersion != null) r.defaultRowCommitVersion = add.defaultRowCommitVersion;
  return r;
}

interface ReplaceWherePlan {
  /** Files to remove entirely. */
  removed: Add[];
  /** Rows of partially matching files that must be written again. */
  kept: PartitionGroup[];
  readFiles: Add[];
  readPredicate: ReadPredicate;
}

/**
 * Decides, file by file, what `replaceWhere` replaces. A predicate on
 * partition columns only is decided from the log (whole files); any other
 * predicate is evaluated on the files' rows: files with no matching row stay,
 * files whose rows all match go, and the others are rewritten without the
 * matching rows. The new data must match the predicate entirely.
 */
async function planReplaceWhere(storage: Storage, snapshot: Snapshot, data: arrow.Table, predicate: string): Promise<ReplaceWherePlan> {
  const table = storage.root;
  let compiled: CompiledPredicate;
  try {
    compiled = await compileSqlPredicate(predicate, snapshot.arrowSchema, table);
  } catch (err) {
    throw new Error(`Invalid replaceWhere '${predicate}' for Delta table ${table}: ${(err as Error).message}`);
  }
  for (const batch of data.batches) {
    const m = compiled.mask(batch);
    if (m.trueCount !== batch.numRows) {
      const row = m.mask.indexOf(0);
      const values = compiled.columns.map((c) => `${c} = ${String(batch.getChild(c)?.get(row) ?? 'NULL')}`).join(', ');
      throw new Error(
        `Written data does not conform to partial table overwrite condition or constraint '${predicate}' (row with ${values}); nothing was written to Delta table ${table}`,
      );
    }
  }

  const partitionCols = new Set(snapshot.partitionColumns);
  const partitionOnly = compiled.columns.every((c) => partitionCols.has(c));
  const files = snapshot.files();
  if (partitionOnly) {
    const matches = evaluateOnPartitions(snapshot, compiled, files.map((f) => f.partitionValues));
    const removed = files.filter((_, i) => matches[i]);
    return {
      removed,
      kept: [],
      readFiles: removed,
      readPredicate: {
        text: predicate,
        matches: (pv) => evaluateOnPartitions(snapshot, compiled, [pv])[0],
      },
    };
  }

  const removed: Add[] = [];
  const kept: PartitionGroup[] = [];
  for (const add of files) {
    const batches: arrow.RecordBatch[] = [];
    // A view of the snapshot holding just this file, so the regular scan (column mapping, DVs, partition values) applies.
    const one = Object.create(snapshot, { files: { value: () => [add] } }) as Snapshot;
    for await (const b of scanSnapshot(storage, one)) batches.push(b);
    let matching = 0;
    let rows = 0;
    const keepSlices: arrow.RecordBatch[] = [];
    for (const b of batches) {
      const m = compiled.mask(b);
      matching += m.trueCount;
      rows += b.numRows;
      // Rows where the predicate is FALSE or NULL survive, as in Spark's `NOT (pred) OR (pred) IS NULL`.
      let start = -1;
      for (let r = 0; r <= b.numRows; r++) {
        const keep = r < b.numRows && m.mask[r] === 0;
        if (keep && start < 0) start = r;
        else if (!keep && start >= 0) {
          keepSlices.push(b.slice(start, r));
          start = -1;
        }
      }
    }
    if (matching === 0) continue;
    removed.push(add);
    if (matching < rows) {
      kept.push({ values: { ...add.partitionValues }, data: new arrow.Table(snapshot.arrowSchema, keepSlices) });
    }
  }
  return { removed, kept, readFiles: files, readPredicate: { text: predicate, matches: () => true } };
}

/** The predicate on rows made of partition values (one row per file); TRUE → true, FALSE/NULL → false. */
function evaluateOnPartitions(snapshot: Snapshot, compiled: CompiledPredicate, values: readonly Readonly<Record<string, string | null>>[]): boolean[] {
  const fields = snapshot.schema.fields;
  const columns = snapshot.arrowSchema.fields.map((af, i) => {
    const f = fields[i];
    const isPartition = snapshot.partitionColumns.includes(f.name);
    // Data columns are unknown here: NULL keeps them out of a partition-only predicate's result.
    const vals: PartitionValue[] = values.map((pv) => (isPartition ? parsePartitionValue(pv[f.name] ?? null, f.type, f.name) : null));
    return buildArrowData(toArrowField(f).type, vals, f.name);
  });
  const schema = new arrow.Schema(snapshot.arrowSchema.fields.map((f) => new arrow.Field(f.name, f.type, true, f.metadata)));
  const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length: values.length, nullCount: 0, children: columns });
  const { mask } = compiled.mask(new arrow.RecordBatch(schema, struct));
  return Array.from(mask, (m) => m === 1);
}
