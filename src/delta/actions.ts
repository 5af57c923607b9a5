// The actions of the Delta transaction log, as PROTOCOL.md names them. One
// commit file is newline-delimited JSON, one action per line, each line an
// object with exactly one of these keys.

/** `protocol`: the reader/writer versions and, at 3/7, the named table features. */
export interface Protocol {
  minReaderVersion: number;
  minWriterVersion: number;
  readerFeatures?: string[];
  writerFeatures?: string[];
}

/** `metaData`: schema, partitioning and table properties. */
export interface Metadata {
  id: string;
  name?: string | null;
  description?: string | null;
  format: { provider: string; options: Record<string, string> };
  /** The schema as Delta's JSON struct type, serialized to a string. */
  schemaString: string;
  partitionColumns: string[];
  createdTime?: number | null;
  configuration: Record<string, string>;
}

/** A deletion vector descriptor (`storageType` u = relative path, i = inline, p = absolute path). */
export interface DeletionVectorDescriptor {
  storageType: 'u' | 'i' | 'p';
  pathOrInlineDv: string;
  offset?: number;
  sizeInBytes: number;
  cardinality: number;
}

/** `add`: a data file that is part of the table from this version on. */
export interface Add {
  path: string;
  partitionValues: Record<string, string | null>;
  size: number;
  modificationTime: number;
  dataChange: boolean;
  /** Per-file statistics as a JSON string: numRecords, minValues, maxValues, nullCount. */
  stats?: string | null;
  tags?: Record<string, string> | null;
  deletionVector?: DeletionVectorDescriptor | null;
  baseRowId?: number | null;
  defaultRowCommitVersion?: number | null;
  clusteringProvider?: string | null;
}

/** `remove`: a logical delete of a file; the file stays on disk until VACUUM. */
export interface Remove {
  path: string;
  deletionTimestamp?: number | null;
  dataChange: boolean;
  extendedFileMetadata?: boolean;
  partitionValues?: Record<string, string | null> | null;
  size?: number | null;
  stats?: string | null;
  tags?: Record<string, string> | null;
  deletionVector?: DeletionVectorDescriptor | null;
  baseRowId?: number | null;
  defaultRowCommitVersion?: number | null;
}

/** `cdc`: a change data file (under `_change_data/`) written by a commit. */
export interface AddCdcFile {
  path: string;
  partitionValues: Record<string, string | null>;
  size: number;
  dataChange: boolean;
  tags?: Record<string, string> | null;
}

/** `txn`: the latest version an application has committed, for idempotent writes. */
export interface Txn {
  appId: string;
  version: number;
  lastUpdated?: number | null;
}

/** `commitInfo`: provenance; free-form beyond the common fields. */
export interface CommitInfo {
  timestamp?: number;
  inCommitTimestamp?: number;
  operation?: string;
  operationParameters?: Record<string, unknown>;
  readVersion?: number;
  isolationLevel?: string;
  isBlindAppend?: boolean;
  operationMetrics?: Record<string, string>;
  engineInfo?: string;
  txnId?: string;
  [key: string]: unknown;
}

/** `domainMetadata`: named configuration owned by a feature or a system. */
export interface DomainMetadata {
  domain: string;
  configuration: string;
  removed: boolean;
}

/** `sidecar`: a V2 checkpoint's pointer to a file holding some of its add/remove actions. */
export interface Sidecar {
  path: string;
  sizeInBytes: number;
  modificationTime: number;
  tags?: Record<string, string> | null;
}

/** `checkpointMetadata`: present once in every V2 checkpoint. */
export interface CheckpointMetadata {
  version: number;
  tags?: Record<string, string> | null;
}

/** One line of a commit file. */
export type Action =
  | { protocol: Protocol }
  | { metaData: Metadata }
  | { add: Add }
  | { remove: Remove }
  | { cdc: AddCdcFile }
  | { txn: Txn }
  | { commitInfo: CommitInfo }
  | { domainMetadata: DomainMetadata }
  | { sidecar: Sidecar }
  | { checkpointMetadata: CheckpointMetadata };
