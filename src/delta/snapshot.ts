// A Snapshot is the immutable state of a Delta table at one version: the
// protocol, metadata, schema and active files that readers scan and that
// writers commit against (their read version).

import type { Schema } from 'apache-arrow';
import type { Action, Add, CommitInfo, DomainMetadata, Metadata, Protocol, Remove, Txn } from './actions.ts';
import type { FileMeta, Storage } from './storage/storage.ts';
import { buildLogSegment, extendLogSegment, type CheckpointRef, type LogSegment } from './log-segment.ts';
import { LOG_DIR, versionPrefix } from './log-path.ts';
import { advanceState, readCommitFiles, replaySegment, type TableState } from './replay.ts';
import { columnMappingMode, parseSchema, toArrowSchema, type ColumnMappingMode, type StructType } from './schema.ts';
import { assertReadable } from './table-features.ts';
import { CorruptLogError } from './errors.ts';
import { inCommitTimestampConfig, readInCommitTimestamp, toEpochMillis, versionAtTimestamp } from './time-travel.ts';

export { readCommit } from './commit-reader.ts';
export { listCommits, type CommitFile } from './log-segment.ts';

/** Which version to load: a version number or a timestamp (not both); latest when neither. */
export interface SnapshotOptions {
  version?: number;
  /** ms since the epoch, a Date or an ISO-8601 string: the latest version committed at or before it. */
  timestamp?: number | Date | string;
  /**
   * A snapshot of the same table to start from when loading the latest
   * version: only the commits after it are read (see {@link Snapshot.update}).
   * Ignored when `version` or `timestamp` is given.
   */
  from?: Snapshot;
}

/** A commit this process just wrote: its version, actions (commitInfo included) and file. */
export interface CommittedVersion {
  version: number;
  actions: readonly Action[];
  /** The commit file as listed (its mtime is the commit timestamp without in-commit timestamps). */
  file: FileMeta;
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

  /**
   * The latest snapshot of the same table, reading only the commits after
   * this one's version (one listing of `_delta_log` from `version + 1`).
   * Returns `this` when nothing was committed since; loads from scratch when
   * the log cannot be followed from here (commits cleaned up).
   *
   * @example
   * let snap = await loadSnapshot(storage);
   * snap = await snap.update(storage); // after other writers committed
   */
  async update(storage: Storage): Promise<Snapshot> {
    if (storage.root !== this.table) {
      throw new Error(`Cannot update the snapshot of Delta table ${this.table} from another location (${storage.root})`);
    }
    const listing = await storage.listFrom(LOG_DIR, versionPrefix(this.version + 1));
    const next = extendLogSegment(this.logSegment, listing);
    if (!next) return loadSnapshot(storage);
    if (next.added.length === 0) return this;
    const commits = await readCommitFiles(storage, next.added.map((c) => c.path));
    return this.advanceWith(next.segment, commits.reverse(), storage.root);
  }

  /**
   * The snapshot after `commits`, which follow this version directly and in
   * order (typically the commit this process just wrote), without reading
   * the log. Throws when they do not continue this version.
   *
   * @example
   * const r = await txn.commit();
   * if (r.status === 'committed') snap = snap.advance([{ version: r.version, actions: r.actions, file }]);
   */
  advance(commits: readonly CommittedVersion[]): Snapshot {
    if (commits.length === 0) return this;
    commits.forEach((c, i) => {
      if (c.version !== this.version + 1 + i) {
        throw new Error(`Cannot advance the snapshot of Delta table ${this.table} at version ${this.version} by commit ${c.version}: commits must follow it in order`);
      }
    });
    const added = commits.map((c) => ({ ...c.file, version: c.version }));
    const seg = this.logSegment;
    const segment: LogSegment = { version: added[added.length - 1].version, checkpoint: seg.checkpoint, commits: [...seg.commits, ...added], lastCommit: added[added.length - 1] };
    return this.advanceWith(segment, commits.map((c) => [...c.actions]).reverse(), this.table);
  }

  /**
   * This snapshot described by `checkpoint` (written at this very version),
   * so later updates and advances keep a short log segment.
   */
  withCheckpoint(checkpoint: CheckpointRef): Snapshot {
    if (checkpoint.version !== this.version) {
      throw new Error(`Checkpoint ${checkpoint.version} does not describe version ${this.version} of Delta table ${this.table}`);
    }
    const segment: LogSegment = { version: this.version, checkpoint, commits: [], lastCommit: this.logSegment.lastCommit };
    return new Snapshot(this.table, segment, this.state, this.timestamp);
  }

  private advanceWith(segment: LogSegment, commitsNewestFirst: Action[][], table: string): Snapshot {
    const state = advanceState(this.state, commitsNewestFirst, table);
    assertReadable(state.protocol, state.metadata, table);
    const ict = inCommitTimestampConfig(state.metadata);
    let timestamp = segment.lastCommit?.modificationTime ?? 0;
    if (ict.enabled && segment.version >= ict.enablementVersion) {
      // The newest commit was replayed, so its commitInfo is at hand (as loadSnapshot would read it).
      const fromIct = state.latestCommitInfo?.inCommitTimestamp;
      if (typeof fromIct !== 'number') {
        throw new CorruptLogError(
          `Commit ${segment.version} of Delta table ${table} has no commitInfo.inCommitTimestamp although in-commit timestamps are enabled`,
        );
      }
      timestamp = fromIct;
    }
    return new Snapshot(table, segment, state, timestamp);
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
  if (opts.from && opts.version === undefined && opts.timestamp === undefined) return opts.from.update(storage);
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
