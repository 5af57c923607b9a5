// An optimistic transaction: it reads one snapshot, records what it read
// (predicates, files, application ids) and stages actions; commit() writes
// them as the next version, resolving lost races with the conflict checker.
// Data files are written before commit() by the caller; nothing is visible
// until the commit file exists, so a failed transaction leaves only orphans.

import { randomUUID } from 'node:crypto';
import type { Action, Add, AddCdcFile, CommitInfo, DomainMetadata, Metadata, Protocol, Remove } from './actions.ts';
import type { Storage } from './storage/storage.ts';
import type { Snapshot } from './snapshot.ts';
import { commitWithRetry, ENGINE_INFO, validateCommitActions, type CommitResult } from './commit.ts';
import type { CurrentTransactionInfo, IsolationLevel, ReadPredicate } from './conflict-checker.ts';
import { assertWritable, protocolFeatures, writeBlocker } from './writer-features.ts';

export interface TransactionOptions {
  /** Operation name recorded in commitInfo (WRITE, CREATE TABLE, ...). */
  operation: string;
  /** Operation parameters; values are recorded as strings, as Spark does. */
  operationParameters?: Record<string, unknown>;
  /** Free-form `commitInfo.userMetadata`. */
  userMetadata?: string;
  /**
   * Extra top-level `commitInfo` fields (a streaming sink's source offsets);
   * the standard fields (operation, timestamp, txnId, ...) take precedence.
   */
  commitInfo?: Record<string, unknown>;
  /** Versions to try on lost races before giving up (default 50). */
  maxAttempts?: number;
}

/**
 * A transaction against `snapshot` (or against an empty location when
 * `snapshot` is null: creating a table).
 *
 * @example
 * const txn = new Transaction(storage, snapshot, { operation: 'WRITE', operationParameters: { mode: 'Append' } });
 * txn.addFile(add);
 * const result = await txn.commit(); // { status: 'committed', version: 5 } | { status: 'conflict', error }
 */
export class Transaction {
  readonly storage: Storage;
  readonly snapshot: Snapshot | null;
  readonly txnId = randomUUID();
  private readonly options: TransactionOptions;
  private readonly readPredicates: ReadPredicate[] = [];
  private readonly readFilePaths = new Set<string>();
  private readonly readApps = new Set<string>();
  private wholeTableRead = false;
  private newMetadata: Metadata | undefined;
  private newProtocol: Protocol | undefined;
  private readonly fileActions: Action[] = [];
  private readonly txnActions = new Map<string, number>();
  private readonly domainActions: DomainMetadata[] = [];
  private metrics: Record<string, string> = {};
  private committed = false;

  constructor(storage: Storage, snapshot: Snapshot | null, options: TransactionOptions) {
    this.storage = storage;
    this.snapshot = snapshot;
    this.options = options;
  }

  /** The version this transaction read (-1 for a new table). */
  get readVersion(): number {
    return this.snapshot ? this.snapshot.version : -1;
  }

  /** Metadata the commit will leave: the staged update, else the snapshot's. */
  get metadata(): Metadata | undefined {
    return this.newMetadata ?? this.snapshot?.metadata;
  }

  /** Protocol the commit will leave: the staged update, else the snapshot's. */
  get protocol(): Protocol | undefined {
    return this.newProtocol ?? this.snapshot?.protocol;
  }

  /** Records that the transaction's outcome depends on every file of the table. */
  readWholeTable(): void {
    this.wholeTableRead = true;
  }

  /** Records a predicate by which the transaction read (and will replace) data. */
  addReadPredicate(predicate: ReadPredicate): void {
    this.readPredicates.push(predicate);
  }

  /** Records files whose content the transaction read. */
  markFilesRead(files: Iterable<{ path: string }>): void {
    for (const f of files) this.readFilePaths.add(f.path);
  }

  /**
   * The latest version `appId` committed as of the snapshot; recorded, so a
   * concurrent commit by the same application is a conflict.
   */
  txnVersion(appId: string): number | undefined {
    this.readApps.add(appId);
    return this.snapshot?.txnVersion(appId);
  }

  /** Stages `txn(appId, version)` for idempotent writes. */
  setTransaction(appId: string, version: number): void {
    if (!Number.isSafeInteger(version) || version < 0) {
      throw new Error(`Invalid txn version ${version} for application '${appId}' on Delta table ${this.storage.root}`);
    }
    this.txnActions.set(appId, version);
  }

  updateMetadata(metadata: Metadata): void {
    this.newMetadata = metadata;
  }

  updateProtocol(protocol: Protocol): void {
    this.newProtocol = protocol;
  }

  addFile(add: Add): void {
    this.fileActions.push({ add });
  }

  removeFile(remove: Remove): void {
    this.fileActions.push({ remove });
  }

  /** Stages a change data file (`cdc` action) written for this commit. */
  addCdcFile(cdc: AddCdcFile): void {
    this.fileActions.push({ cdc });
  }

  addDomainMetadata(domain: DomainMetadata): void {
    this.domainActions.push(domain);
  }

  /** Sets `commitInfo.operationMetrics` (values recorded as strings, as Spark does). */
  setOperationMetrics(metrics: Record<string, number | string>): void {
    this.metrics = Object.fromEntries(Object.entries(metrics).map(([k, v]) => [k, String(v)]));
  }

  /** The staged actions (no commitInfo), in commit order: protocol, metaData, txn, domains, files. */
  stagedActions(): Action[] {
    const out: Action[] = [];
    if (this.newProtocol) out.push({ protocol: this.newProtocol });
    if (this.newMetadata) out.push({ metaData: this.newMetadata });
    const now = Date.now();
    for (const [appId, version] of this.txnActions) out.push({ txn: { appId, version, lastUpdated: now } });
    for (const d of this.domainActions) out.push({ domainMetadata: d });
    out.push(...this.fileActions);
    return out;
  }

  /**
   * Commits the staged actions. Resolves to the committed version or to the
   * conflict that made it impossible; throws for invalid transactions (a
   * feature the table requires that Tributary cannot honour, append-only
   * violations) before touching the log.
   */
  /**
   * Throws when the staged transaction may not be committed: a feature the
   * table requires that Tributary cannot honour, an invalid combination of
   * actions, or removing data from an append-only table. Call it before
   * writing data files; commit() calls it again.
   */
  validate(): void {
    const table = this.storage.root;
    const protocol = this.protocol;
    const metadata = this.metadata;
    if (!protocol || !metadata) throw new Error(`Cannot commit to ${table}: a new table needs a protocol and metadata action`);
    if (this.snapshot) assertWritable(this.snapshot.protocol, this.snapshot.metadata, table);
    const blocker = writeBlocker(protocol, metadata);
    if (blocker) throw blocker.toError(table);
    const actions = this.stagedActions();
    validateCommitActions(actions, table);
    if (this.domainActions.length > 0 && !protocolFeatures(protocol).has('domainMetadata')) {
      throw new Error(`Cannot write domain metadata to Delta table ${table}: its protocol lacks writer feature 'domainMetadata'`);
    }
    if (metadata.configuration['delta.appendOnly'] === 'true' && actions.some((a) => 'remove' in a && a.remove.dataChange)) {
      throw new Error(
        `Cannot remove data from Delta table ${table}: it is append-only (table property delta.appendOnly=true, feature appendOnly). ` +
          'Only appends are allowed; unset the property to delete or overwrite.',
      );
    }
  }

  /**
   * Commits the staged actions. Resolves to the committed version or to the
   * conflict that made it impossible; throws (before touching the log) when
   * {@link validate} fails.
   */
  async commit(): Promise<CommitResult> {
    if (this.committed) throw new Error(`Transaction ${this.txnId} on Delta table ${this.storage.root} was already committed`);
    this.validate();
    const metadata = this.metadata as Metadata;
    const actions = this.stagedActions();
    const dataChange = actions.some((a) => ('add' in a && a.add.dataChange) || ('remove' in a && a.remove.dataChange));

    const dependsOnFiles = this.readPredicates.length > 0 || this.readFilePaths.size > 0 || this.wholeTableRead;
    const onlyAdds = actions.every((a) => !('remove' in a));
    const isBlindAppend = onlyAdds && !dependsOnFiles;
    const isolationLevel: IsolationLevel = dataChange ? tableIsolationLevel(metadata) : 'SnapshotIsolation';

    const current: CurrentTransactionInfo = {
      readPredicates: this.readPredicates,
      readFiles: this.readFilePaths,
      readWholeTable: this.wholeTableRead,
      readAppIds: this.readApps,
      actions,
      isBlindAppend,
      partitionColumns: this.snapshot?.partitionColumns ?? metadata.partitionColumns,
    };
    const { timestamp: _t, readVersion: _r, ...extra } = this.options.commitInfo ?? {};
    const commitInfo: CommitInfo = {
      ...extra,
      operation: this.options.operation,
      operationParameters: stringifyParameters(this.options.operationParameters ?? {}),
      isolationLevel,
      isBlindAppend,
      operationMetrics: this.metrics,
      engineInfo: ENGINE_INFO,
      txnId: this.txnId,
    };
    if (this.options.userMetadata !== undefined) commitInfo.userMetadata = this.options.userMetadata;

    const result = await commitWithRetry({
      storage: this.storage,
      readVersion: this.readVersion,
      actions,
      commitInfo,
      current,
      conflict: {
        isolationLevel,
        readProtocol: this.snapshot?.protocol ?? null,
        unsupportedWriteReason: (p) => writeBlocker(p, metadata)?.reason ?? null,
      },
      maxAttempts: this.options.maxAttempts,
    });
    if (result.status === 'committed') this.committed = true;
    return result;
  }
}

/** The table's isolation level for data changes (`delta.isolationLevel`, default WriteSerializable). */
export function tableIsolationLevel(metadata: Metadata): IsolationLevel {
  const v = metadata.configuration['delta.isolationLevel'];
  if (v === undefined || v === 'WriteSerializable') return 'WriteSerializable';
  if (v === 'Serializable') return 'Serializable';
  throw new Error(`Unsupported delta.isolationLevel '${v}': expected Serializable or WriteSerializable`);
}

/** Spark records operation parameters as strings (JSON for lists and objects). */
function stringifyParameters(params: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return out;
}
