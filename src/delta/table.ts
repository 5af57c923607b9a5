// DeltaTable: the user-facing handle of one Delta table. It pins a snapshot
// for reads (time travel included) and runs writes against the latest
// version, turning commit conflicts into thrown errors.

import type * as arrow from 'apache-arrow';
import type { Add, DomainMetadata, Metadata, Protocol } from './actions.ts';
import type { Storage } from './storage/storage.ts';
import { openStorage } from './storage/open-storage.ts';
import { TableNotFoundError } from './errors.ts';
import { loadSnapshot, type Snapshot, type SnapshotOptions } from './snapshot.ts';
import { commitPath } from './log-path.ts';
import { scanSnapshot, type ScanOptions } from './scan.ts';
import { Transaction } from './transaction.ts';
import { shouldCheckpoint, writeCheckpoint, type CheckpointInfo } from './checkpoint-writer.ts';
import { newTableMetadata, type CreateTableOptions } from './operations/create.ts';
import { readHistory, type HistoryEntry } from './operations/history.ts';
import { removeOf, writeTable, type TxnId, type WriteResult } from './operations/write.ts';
import type { WriteInput } from './operations/align.ts';
import * as arrowLib from 'apache-arrow';

export type { CreateTableOptions } from './operations/create.ts';
export type { HistoryEntry } from './operations/history.ts';
export type { TxnId } from './operations/write.ts';

/** Options of {@link DeltaTable.append}. */
export interface AppendOptions {
  /** Idempotent write: skipped when `appId` already committed `version` or later. */
  txn?: TxnId;
  /** Add columns the data has and the table lacks (nullable, at the end). */
  mergeSchema?: boolean;
  /** Approximate in-memory bytes per data file. */
  targetFileSize?: number;
  /** Extra top-level `commitInfo` fields recorded with the commit (e.g. a streaming sink's offsets). */
  commitInfo?: Record<string, unknown>;
  /** Domain metadata committed atomically with the data (needs writer feature `domainMetadata`). */
  domainMetadata?: DomainMetadata[];
}

/** Options of {@link DeltaTable.overwrite}. */
export interface OverwriteOptions {
  /** Replace only rows matching this SQL predicate; the new data must match it too. */
  replaceWhere?: string;
  txn?: TxnId;
  targetFileSize?: number;
  commitInfo?: Record<string, unknown>;
  domainMetadata?: DomainMetadata[];
}

/** Outcome of a write through the table API (conflicts are thrown). */
export interface TableWriteResult {
  /** The version the write committed, or the current version when it was skipped. */
  version: number;
  /** True when an idempotent write was skipped because its txn version was already committed. */
  skipped: boolean;
  addedFiles: Add[];
  removedFiles: number;
  numOutputRows: number;
  /** The checkpoint written after the commit, if one was due. */
  checkpoint?: CheckpointInfo;
  /** Why a due checkpoint could not be written (the commit itself succeeded). */
  checkpointError?: Error;
}

function storageOf(location: string | Storage): Storage {
  return openStorage(location);
}

/**
 * A Delta table.
 *
 * @example
 * const t = await DeltaTable.create('/data/orders', { schema, partitionBy: ['country'] });
 * await t.append(batch, { txn: { appId: 'ingest', version: 1 } });
 * const rows = await t.toArrow();
 * const old = await DeltaTable.open('/data/orders', { version: 0 });
 */
export class DeltaTable {
  readonly storage: Storage;
  private snap: Snapshot;
  /** Whether the table was opened at a fixed version or timestamp (time travel). */
  readonly pinned: boolean;

  private constructor(storage: Storage, snapshot: Snapshot, pinned: boolean) {
    this.storage = storage;
    this.snap = snapshot;
    this.pinned = pinned;
  }

  /**
   * Creates a table at `location` (a directory path or a Storage).
   * mode 'error' (default) refuses an existing table, 'ignore' opens it,
   * 'overwrite' replaces its schema, properties and data in a new version.
   */
  static async create(location: string | Storage, options: CreateTableOptions): Promise<DeltaTable> {
    const storage = storageOf(location);
    const mode = options.mode ?? 'error';
    let existing: Snapshot | null = null;
    try {
      existing = await loadSnapshot(storage);
    } catch (err) {
      if (!(err instanceof TableNotFoundError)) throw err;
    }
    if (existing && mode === 'error') {
      throw new Error(`Delta table ${storage.root} already exists (version ${existing.version}); use mode 'ignore' or 'overwrite'`);
    }
    if (existing && mode === 'ignore') return new DeltaTable(storage, existing, false);

    const { metadata, protocol } = await newTableMetadata(options, storage.root, existing ?? undefined);
    const operation = existing ? 'CREATE OR REPLACE TABLE' : 'CREATE TABLE';
    const txn = new Transaction(storage, existing, {
      operation,
      operationParameters: {
        isManaged: 'false',
        description: options.description,
        partitionBy: JSON.stringify(metadata.partitionColumns),
        properties: JSON.stringify(metadata.configuration),
      },
    });
    txn.updateProtocol(protocol);
    txn.updateMetadata(metadata);
    if (existing) {
      txn.readWholeTable();
      const now = Date.now();
      for (const add of existing.files()) txn.removeFile(removeOf(add, now));
    }
    const result = await txn.commit();
    if (result.status === 'conflict') throw result.error;
    const snapshot = await loadSnapshot(storage, { version: result.version });
    return new DeltaTable(storage, snapshot, false);
  }

  /**
   * Opens an existing table at its latest version, or — for reading only —
   * at a version or timestamp (time travel).
   */
  static async open(location: string | Storage, options: SnapshotOptions = {}): Promise<DeltaTable> {
    const storage = storageOf(location);
    const snapshot = await loadSnapshot(storage, options);
    return new DeltaTable(storage, snapshot, options.version !== undefined || options.timestamp !== undefined);
  }

  /** The snapshot reads use. */
  get snapshot(): Snapshot {
    return this.snap;
  }

  version(): number {
    return this.snap.version;
  }

  /** The table schema as Arrow. */
  schema(): arrow.Schema {
    return this.snap.arrowSchema;
  }

  metadata(): Metadata {
    return this.snap.metadata;
  }

  protocol(): Protocol {
    return this.snap.protocol;
  }

  /** Active data files of the loaded version. */
  files(): Add[] {
    return this.snap.files();
  }

  /** Loads the latest version (a time-traveled handle moves to the latest too). */
  async refresh(): Promise<this> {
    // A handle at the latest version only needs the commits since; a time-traveled one starts over.
    this.snap = this.pinned ? await loadSnapshot(this.storage) : await this.snap.update(this.storage);
    (this as { pinned: boolean }).pinned = false;
    return this;
  }

  /** Provenance of the newest `limit` versions, newest first. */
  history(limit?: number): Promise<HistoryEntry[]> {
    return readHistory(this.storage, limit);
  }

  /** Batches of the loaded version, or of another version/timestamp. */
  async *scan(options: ScanOptions & SnapshotOptions = {}): AsyncIterable<arrow.RecordBatch> {
    const snapshot = await this.snapshotFor(options);
    yield* scanSnapshot(this.storage, snapshot, options);
  }

  /** All rows of the loaded version (or of `version`/`timestamp`) as an Arrow table. */
  async toArrow(options: ScanOptions & SnapshotOptions = {}): Promise<arrow.Table> {
    const snapshot = await this.snapshotFor(options);
    const batches: arrow.RecordBatch[] = [];
    for await (const b of scanSnapshot(this.storage, snapshot, options)) batches.push(b);
    const schema = options.columns
      ? new arrowLib.Schema(options.columns.map((c) => snapshot.arrowSchema.fields.find((f) => f.name === c)!))
      : snapshot.arrowSchema;
    return new arrowLib.Table(schema, batches);
  }

  /** Appends rows. Throws the ConflictError subclass when a concurrent commit makes the append impossible. */
  append(data: WriteInput, options: AppendOptions = {}): Promise<TableWriteResult> {
    const { txn, mergeSchema, targetFileSize, commitInfo, domainMetadata } = options;
    return this.write(data, { mode: 'append', txn, mergeSchema, targetFileSize, commitInfo, domainMetadata });
  }

  /**
   * Replaces the table's rows (all of them, or those matching `replaceWhere`).
   * Refused on append-only tables.
   */
  overwrite(data: WriteInput, options: OverwriteOptions = {}): Promise<TableWriteResult> {
    const { replaceWhere, txn, targetFileSize, commitInfo, domainMetadata } = options;
    return this.write(data, { mode: 'overwrite', replaceWhere, txn, targetFileSize, commitInfo, domainMetadata });
  }

  private async write(data: WriteInput, options: Parameters<typeof writeTable>[3]): Promise<TableWriteResult> {
    if (this.pinned) {
      throw new Error(`Delta table ${this.storage.root} was opened at version ${this.snap.version} for time travel; call refresh() or open it without a version to write`);
    }
    // Writes go against the latest version, as in Spark: a stale handle must not resurrect removed files.
    // Only the commits since the handle's version are read.
    const latest = await this.snap.update(this.storage);
    const result: WriteResult = await writeTable(this.storage, latest, data, options);
    if (result.status === 'conflict') {
      this.snap = latest;
      throw result.error;
    }
    if (result.status === 'skipped') {
      this.snap = latest;
      return { version: result.version, skipped: true, addedFiles: [], removedFiles: 0, numOutputRows: 0 };
    }
    const out: TableWriteResult = {
      version: result.version,
      skipped: false,
      addedFiles: result.addedFiles,
      removedFiles: result.removedFiles.length,
      numOutputRows: result.numOutputRows,
    };
    this.snap = await this.committedSnapshot(latest, result);
    if (shouldCheckpoint(result.version, this.snap.properties)) {
      try {
        out.checkpoint = await writeCheckpoint(this.storage, this.snap);
        const file = await this.storage.head(out.checkpoint.path);
        if (file) this.snap = this.snap.withCheckpoint({ version: out.checkpoint.version, format: 'classic', files: [file] });
      } catch (err) {
        // The commit stands; readers just replay more JSON until the next checkpoint.
        out.checkpointError = err as Error;
      }
    }
    return out;
  }

  /**
   * The snapshot at the version `result` committed on top of `read`: built
   * from the committed actions when nobody committed in between (no log
   * read), loaded otherwise.
   */
  private async committedSnapshot(read: Snapshot, result: Extract<WriteResult, { status: 'committed' }>): Promise<Snapshot> {
    if (result.actions && result.version === read.version + 1) {
      const file = await this.storage.head(commitPath(result.version));
      if (file) return read.advance([{ version: result.version, actions: result.actions, file }]);
    }
    return loadSnapshot(this.storage, { version: result.version });
  }

  private async snapshotFor(options: SnapshotOptions): Promise<Snapshot> {
    if (options.version === undefined && options.timestamp === undefined) return this.snap;
    return loadSnapshot(this.storage, { version: options.version, timestamp: options.timestamp });
  }
}
