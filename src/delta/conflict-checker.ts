// Optimistic concurrency: when another writer committed the version this
// transaction wanted, decide whether the transaction can still be committed
// on top of the winner (as if it had started after it) or must fail. The
// rules are Delta's ConflictChecker, in the same order:
//   1. protocol changed by the winner     → ProtocolChangedError
//   2. metadata changed by the winner     → MetadataChangedError
//   3. same metadata domain touched       → ConcurrentTransactionError
//   4. an appId this txn read was updated → ConcurrentTransactionError
//   5. the winner added files this txn's read predicates select
//      (under WriteSerializable, blind appends are exempt unless this txn
//      changes metadata)                  → ConcurrentAppendError
//   6. the winner removed a file this txn read (or any file, when the txn
//      read the whole table)              → ConcurrentDeleteReadError
//   7. the winner removed a file this txn removes → ConcurrentDeleteDeleteError

import type { Action, Add, CommitInfo, Protocol, Remove } from './actions.ts';
import { DeltaError } from './errors.ts';
import { protocolFeatures } from './writer-features.ts';

/** Isolation levels of a Delta commit (`commitInfo.isolationLevel`). */
export type IsolationLevel = 'Serializable' | 'WriteSerializable' | 'SnapshotIsolation';

/** Partition values of a file as the log stores them. */
export type PartitionValues = Readonly<Record<string, string | null>>;

/**
 * A predicate by which a transaction read the table. `matches` says whether a
 * file with the given partition values may hold rows the predicate selects
 * (answer true when unsure: a false "no" loses a conflict).
 */
export interface ReadPredicate {
  /** The predicate as text, for messages. */
  readonly text: string;
  matches(partitionValues: PartitionValues): boolean;
}

/** What a transaction read and wants to write: the input of conflict detection. */
export interface CurrentTransactionInfo {
  readPredicates: readonly ReadPredicate[];
  /** Paths of the files the transaction read (and whose content it depends on). */
  readFiles: ReadonlySet<string>;
  readWholeTable: boolean;
  /** appIds whose `txn` version the transaction looked up. */
  readAppIds: ReadonlySet<string>;
  /** The actions to commit (commitInfo excluded). */
  actions: readonly Action[];
  /** The transaction only adds new data and read nothing. */
  isBlindAppend: boolean;
  /** Partition columns of the snapshot the transaction read. */
  partitionColumns: readonly string[];
}

/** A commit that won the race for a version. */
export interface WinningCommit {
  version: number;
  actions: readonly Action[];
}

/** Base class of the errors that make a transaction lose a commit race. */
export class ConflictError extends DeltaError {
  override name = 'ConflictError';
  constructor(
    message: string,
    /** Version of the conflicting commit. */
    readonly winningVersion: number,
    /** Operation of the conflicting commit (from its commitInfo), if recorded. */
    readonly winningOperation: string | undefined,
  ) {
    super(message);
  }
}

/** Files were added, by a concurrent commit, where this transaction read. */
export class ConcurrentAppendError extends ConflictError {
  override name = 'ConcurrentAppendError';
}
/** A concurrent commit removed a file this transaction read. */
export class ConcurrentDeleteReadError extends ConflictError {
  override name = 'ConcurrentDeleteReadError';
}
/** A concurrent commit removed a file this transaction also removes. */
export class ConcurrentDeleteDeleteError extends ConflictError {
  override name = 'ConcurrentDeleteDeleteError';
}
/** A concurrent commit changed the table's metadata (schema, partitioning, properties). */
export class MetadataChangedError extends ConflictError {
  override name = 'MetadataChangedError';
}
/** A concurrent commit changed the table's protocol (or created the table). */
export class ProtocolChangedError extends ConflictError {
  override name = 'ProtocolChangedError';
}
/** A concurrent commit updated an application transaction (or domain) this transaction depends on. */
export class ConcurrentTransactionError extends ConflictError {
  override name = 'ConcurrentTransactionError';
}

export interface ConflictCheckOptions {
  isolationLevel: IsolationLevel;
  /** The table, for messages. */
  table: string;
  /** The protocol the transaction read (-1 version tables: null). */
  readProtocol: Protocol | null;
  /** Why this client cannot write a protocol, or null when it can. */
  unsupportedWriteReason?: (protocol: Protocol) => string | null;
}

/**
 * Checks the current transaction against one winning commit. Returns the
 * conflict, or `null` when the transaction may be retried at the next version.
 *
 * @example
 * const err = checkConflict(current, { version: 6, actions: await readCommit(storage, 6) }, opts);
 * if (err) return { status: 'conflict', error: err };
 */
export function checkConflict(
  current: CurrentTransactionInfo,
  winning: WinningCommit,
  options: ConflictCheckOptions,
): ConflictError | null {
  const w = summarize(winning);
  const where = `(version ${winning.version}${w.operation ? `, operation ${w.operation}` : ''})`;
  const retry = 'Refresh the table and try the operation again.';
  const table = options.table;

  // 1. Protocol.
  if (w.protocol) {
    const currentChangesProtocol = current.actions.some((a) => 'protocol' in a);
    const unsupported = options.unsupportedWriteReason?.(w.protocol) ?? null;
    const addsFeatures = options.readProtocol !== null && addedFeatures(options.readProtocol, w.protocol).length > 0;
    if (currentChangesProtocol || unsupported || addsFeatures || options.readProtocol === null) {
      const detail =
        options.readProtocol === null
          ? ' This happens when several writers create a table in the same empty location at once; create the table ahead of time to avoid it.'
          : unsupported
            ? ` ${unsupported}`
            : '';
      return new ProtocolChangedError(
        `The protocol of Delta table ${table} was changed by a concurrent commit ${where}.${detail} ${retry}`,
        winning.version,
        w.operation,
      );
    }
  }

  // 2. Metadata.
  if (w.metadataChanged) {
    return new MetadataChangedError(
      `The metadata of Delta table ${table} (schema, partitioning or properties) was changed by a concurrent commit ${where}. ${retry}`,
      winning.version,
      w.operation,
    );
  }

  // 3. Domain metadata: any domain both commits touch.
  const currentDomains = new Set(current.actions.flatMap((a) => ('domainMetadata' in a ? [a.domainMetadata.domain] : [])));
  const clash = w.domains.find((d) => currentDomains.has(d));
  if (clash !== undefined) {
    return new ConcurrentTransactionError(
      `Metadata domain '${clash}' of Delta table ${table} was changed by a concurrent commit ${where}. ${retry}`,
      winning.version,
      w.operation,
    );
  }

  // 4. Application transactions.
  const app = w.appIds.find((id) => current.readAppIds.has(id));
  if (app !== undefined) {
    return new ConcurrentTransactionError(
      `Application '${app}' committed to Delta table ${table} concurrently ${where} (a streaming query or idempotent writer running twice?). ${retry}`,
      winning.version,
      w.operation,
    );
  }

  // 5. Added files the transaction should have read.
  const metadataChanged = current.actions.some((a) => 'metaData' in a);
  let toCheck: Add[];
  if (options.isolationLevel === 'SnapshotIsolation') toCheck = [];
  else if (options.isolationLevel === 'WriteSerializable' && !metadataChanged) toCheck = w.changedDataAdds;
  else toCheck = [...w.changedDataAdds, ...w.blindAppendAdds];
  if (!current.isBlindAppend && toCheck.length > 0) {
    const hit = toCheck.find((f) => fileMatchesReads(current, f.partitionValues));
    if (hit) {
      return new ConcurrentAppendError(
        `Files were added to ${partitionText(current.partitionColumns, hit.partitionValues)} of Delta table ${table} by a concurrent commit ${where}, where this transaction read. ${retry}`,
        winning.version,
        w.operation,
      );
    }
  }

  // 6. Removed files the transaction read.
  const readHit = w.removes.find((r) => current.readFiles.has(r.path));
  if (readHit || (w.removes.length > 0 && current.readWholeTable)) {
    const part = readHit ? partitionText(current.partitionColumns, readHit.partitionValues ?? {}) : 'the table';
    return new ConcurrentDeleteReadError(
      `A concurrent commit ${where} removed data this transaction read, in ${part} of Delta table ${table}${readHit ? ` (file ${readHit.path})` : ''}. ${retry}`,
      winning.version,
      w.operation,
    );
  }

  // 7. Files removed twice.
  const removing = new Set(current.actions.flatMap((a) => ('remove' in a ? [a.remove.path] : [])));
  const twice = w.removes.find((r) => removing.has(r.path));
  if (twice) {
    return new ConcurrentDeleteDeleteError(
      `A concurrent commit ${where} removed file ${twice.path} in ${partitionText(current.partitionColumns, twice.partitionValues ?? {})} of Delta table ${table}, which this transaction also removes. ${retry}`,
      winning.version,
      w.operation,
    );
  }
  return null;
}

interface WinningSummary {
  operation: string | undefined;
  protocol: Protocol | undefined;
  metadataChanged: boolean;
  domains: string[];
  appIds: string[];
  changedDataAdds: Add[];
  blindAppendAdds: Add[];
  removes: Remove[];
}

function summarize(commit: WinningCommit): WinningSummary {
  let commitInfo: CommitInfo | undefined;
  let protocol: Protocol | undefined;
  let metadataChanged = false;
  const domains: string[] = [];
  const appIds: string[] = [];
  const adds: Add[] = [];
  const removes: Remove[] = [];
  for (const a of commit.actions) {
    if ('commitInfo' in a) commitInfo ??= a.commitInfo;
    else if ('protocol' in a) protocol = a.protocol;
    else if ('metaData' in a) metadataChanged = true;
    else if ('domainMetadata' in a) domains.push(a.domainMetadata.domain);
    else if ('txn' in a) appIds.push(a.txn.appId);
    else if ('add' in a) adds.push(a.add);
    else if ('remove' in a) removes.push(a.remove);
  }
  const blind = commitInfo?.isBlindAppend === true;
  return {
    operation: typeof commitInfo?.operation === 'string' ? commitInfo.operation : undefined,
    protocol,
    metadataChanged,
    domains,
    appIds,
    // As in Delta, every add/remove counts, dataChange or not: a rewrite
    // (OPTIMIZE) still replaces the files another transaction read.
    changedDataAdds: blind ? [] : adds,
    blindAppendAdds: blind ? adds : [],
    removes,
  };
}

function fileMatchesReads(current: CurrentTransactionInfo, partitionValues: PartitionValues): boolean {
  // Predicates are matched on partition values only, so on an unpartitioned
  // table any added file may hold rows the transaction should have seen.
  if (current.readWholeTable || current.partitionColumns.length === 0) return true;
  return current.readPredicates.some((p) => p.matches(partitionValues));
}

function partitionText(columns: readonly string[], values: PartitionValues): string {
  if (columns.length === 0) return 'the table';
  return `partition [${columns.map((c) => `${c}=${values[c] ?? 'null'}`).join(', ')}]`;
}

/** Features the new protocol enables that the old one did not. */
export function addedFeatures(before: Protocol, after: Protocol): string[] {
  const had = protocolFeatures(before);
  return [...protocolFeatures(after)].filter((f) => !had.has(f));
}
