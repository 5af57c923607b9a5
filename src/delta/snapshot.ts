// A Snapshot is the immutable state of a Delta table at one version: the
// protocol, metadata, schema and active files that readers scan and that
// writers commit against (their read version).

import type { Schema } from 'apache-arrow';
import type { Add, CommitInfo, DomainMetadata, Metadata, Protocol, Remove, Txn } from './actions.ts';
import type { Storage } from './storage/storage.ts';
import { buildLogSegment, type LogSegment } from './log-segment.ts';
import { replaySegment, type TableState } from './replay.ts';
import { columnMappingMode, parseSchema, toArrowSchema, type ColumnMappingMode, type StructType } from './schema.ts';
import { assertReadable } from './table-features.ts';
import { inCommitTimestampConfig, readInCommitTimestamp, toEpochMillis, versionAtTimestamp } from './time-travel.ts';

export { readCommit } from './commit-reader.ts';
export { listCommits, type CommitFile } from './log-segment.ts';

/** Which version to load: a version number or a timestamp (not both); latest when neither. */
export interface SnapshotOptions {
  version?: number;
  /** ms since the epoch, a Date or an ISO-8601 string: the latest version committed at or before it. */
  timestamp?: number | Date | string;
}

/**
 * The state of a Delta table at one version.
 *
 * @example
 * const snap = await loadSnapshot(new LocalStorage('/data/orders'));
 * console.log(snap.version, snap.files().length, snap.arrowSchema.fields.map((f) => f.name));
 */
export class Snapshot {
  /** Location of the table (the storage root), for messages. */
  readonly table: string;
  readonly version: number;
  readonly protocol: Protocol;
  readonly metadata: Metadata;
  /** The logical schema (Delta struct type). */
  readonly schema: StructType;
  readonly partitionColumns: string[];
  /** Table properties (`metaData.configuration`). */
  readonly properties: Readonly<Record<string, string>>;
  /** Commit timestamp of `version` in ms: its in-commit timestamp, else the commit file's mtime. */
  readonly timestamp: number;
  readonly columnMappingMode: ColumnMappingMode;
  /** The files replayed to build this snapshot. */
  readonly logSegment: LogSegment;
  /** commitInfo of the commit that produced `version`, when it was replayed. */
  readonly commitInfo: CommitInfo | null;
  private readonly state: TableState;
  private arrow: Schema | undefined;
  private fileList: Add[] | undefined;

  /** Use {@link loadSnapshot}; this constructor trusts its arguments. */
  constructor(table: string, segment: LogSegment, state: TableState, timestamp: number) {
    this.table = table;
    this.version = segment.version;
    this.protocol = state.protocol;
    this.metadata = state.metadata;
    this.schema = parseSchema(state.metadata.schemaString);
    this.partitionColumns = state.metadata.partitionColumns ?? [];
    this.properties = state.metadata.configuration ?? {};
    this.timestamp = timestamp;
    this.columnMappingMode = columnMappingMode(this.properties);
    this.logSegment = segment;
    this.commitInfo = state.latestCommitInfo;
    this.state = state;
  }

  /** The Arrow schema of scans (logical names, Delta → Arrow type mapping). */
  get arrowSchema(): Schema {
    this.arrow ??= toArrowSchema(this.schema);
    return this.arrow;
  }

  /** Active data files: checkpoint files first, then in commit order. */
  files(): Add[] {
    this.fileList ??= [...this.state.files.values()].reverse();
    return this.fileList;
  }

  /** Number of active files. */
  get numFiles(): number {
    return this.state.files.size;
  }

  /** Remove tombstones still in the log (VACUUM applies the retention period). */
  tombstones(): Remove[] {
    return [...this.state.tombstones.values()].reverse();
  }

  /** The latest version committed by application `appId` (idempotent writes), if any. */
  txnVersion(appId: string): number | undefined {
    return this.state.txns.get(appId)?.version;
  }

  /** All `txn` entries, one per application. */
  txns(): Txn[] {
    return [...this.state.txns.values()];
  }

  /** Live domain metadata (removed domains are excluded). */
  domainMetadata(): DomainMetadata[] {
    return [...this.state.domains.values()].sort((a, b) => (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0));
  }

  /** Configuration string of one domain, or undefined when absent or removed. */
  domainConfiguration(domain: string): string | undefined {
    return this.state.domains.get(domain)?.configuration;
  }
}

/**
 * Loads the snapshot of a table at its latest version, a given version, or
 * the version current at a timestamp.
 *
 * Throws TableNotFoundError (no log), VersionNotFoundError,
 * TimestampOutOfRangeError, CorruptLogError, or UnsupportedFeatureError when
 * the table needs a reader feature Tributary lacks.
 *
 * @example
 * const latest = await loadSnapshot(storage);
 * const v0 = await loadSnapshot(storage, { version: 0 });
 * const asOf = await loadSnapshot(storage, { timestamp: '2026-01-01T00:00:00Z' });
 */
export async function loadSnapshot(storage: Storage, opts: SnapshotOptions = {}): Promise<Snapshot> {
  if (opts.version !== undefined && opts.timestamp !== undefined) {
    throw new Error(`Give either a version or a timestamp to load Delta table ${storage.root}, not both`);
  }
  if (opts.timestamp !== undefined) {
    const ts = toEpochMillis(opts.timestamp);
    const latest = await loadSnapshot(storage);
    const version = await versionAtTimestamp(storage, ts, latest.metadata);
    return version === latest.version ? latest : loadSnapshot(storage, { version });
  }
  const segment = await buildLogSegment(storage, { version: opts.version });
  const state = await replaySegment(storage, segment);
  assertReadable(state.protocol, state.metadata, storage.root);
  const timestamp = await commitTimestamp(storage, segment, state);
  return new Snapshot(storage.root, segment, state, timestamp);
}

async function commitTimestamp(storage: Storage, segment: LogSegment, state: TableState): Promise<number> {
  const ict = inCommitTimestampConfig(state.metadata);
  if (ict.enabled && segment.version >= ict.enablementVersion) {
    const fromReplay = segment.commits.length > 0 ? state.latestCommitInfo?.inCommitTimestamp : undefined;
    if (typeof fromReplay === 'number') return fromReplay;
    if (segment.lastCommit) return readInCommitTimestamp(storage, segment.version);
  }
  if (segment.lastCommit) return segment.lastCommit.modificationTime;
  // Only a checkpoint is left for this version.
  return segment.checkpoint?.files[0]?.modificationTime ?? 0;
}
