// The public contract of MERGE: clauses as Spark/delta-rs express them, with
// conditions and assignments as Spark SQL over the `source`/`target` aliases.
import type { DomainMetadata } from '../../delta/actions.ts';
import type { Add } from '../../delta/actions.ts';
import type { Snapshot } from '../../delta/snapshot.ts';
import type { KeyIndex } from './key-index.ts';
import type { KeyedRows } from './match.ts';

/** A `WHEN MATCHED [AND condition] THEN UPDATE SET ... | DELETE` clause. Exactly one of update/delete. */
export interface WhenMatchedClause {
  /** Extra SQL condition over source and target columns; the clause applies only where it is TRUE. */
  condition?: string;
  /** `'*'`: every target column from the source column of the same name; or target column → SQL expression. */
  update?: '*' | Record<string, string>;
  delete?: true;
}

/** A `WHEN NOT MATCHED [BY TARGET] [AND condition] THEN INSERT ...` clause (source columns only). */
export interface WhenNotMatchedClause {
  condition?: string;
  /** `'*'`: every target column from the source column of the same name; or target column → SQL expression (others NULL). */
  insert: '*' | Record<string, string>;
}

/** A `WHEN NOT MATCHED BY SOURCE [AND condition] THEN UPDATE SET ... | DELETE` clause (target columns only). */
export interface WhenNotMatchedBySourceClause {
  condition?: string;
  update?: Record<string, string>;
  delete?: true;
}

/** Options of {@link merge}. */
export interface MergeOptions {
  /**
   * The join condition: SQL over the `source`/`target` aliases
   * (`'source.id = target.id AND target.day = source.day'`), or key column
   * names present in both (`['id']`, `'id'`), the equi-join fast path.
   */
  on: string | string[];
  /** Alias of the source rows in SQL (default 'source'). */
  sourceAlias?: string;
  /** Alias of the target rows in SQL (default 'target'). */
  targetAlias?: string;
  /** Tried in order; the first clause whose condition is TRUE wins, as in Spark. */
  whenMatched?: WhenMatchedClause[];
  whenNotMatched?: WhenNotMatchedClause[];
  whenNotMatchedBySource?: WhenNotMatchedBySourceClause[];
  /** Idempotent merge: skipped when `appId` already committed `version` or later. */
  txn?: { appId: string; version: number };
  /**
   * How touched files change: rewritten ('copy-on-write') or masked with
   * deletion vectors ('deletion-vectors'); 'auto' (default) uses deletion
   * vectors when the table has `delta.enableDeletionVectors=true`.
   */
  mode?: 'copy-on-write' | 'deletion-vectors' | 'auto';
  /**
   * Deletion vectors of at most this many bytes are stored inline in the log
   * instead of in a `deletion_vector_<uuid>.bin` file (default 64; 0 = always
   * in files, as Spark writes them). Spark and delta-rs read both.
   */
  deletionVectorInlineBytes?: number;
  /** Extra top-level `commitInfo` fields recorded with the commit. */
  commitInfo?: Record<string, unknown>;
  /** Approximate in-memory bytes per written data file. */
  targetFileSize?: number;
  /** Versions to try on lost commit races (default 50). */
  maxAttempts?: number;
  /**
   * Domain metadata committed atomically with the merge (e.g. a flow's state
   * record). The table gets writer feature `domainMetadata` when it lacks it.
   */
  domainMetadata?: DomainMetadata[];
  /**
   * Join keys (`on` as key names) also match NULL to NULL, as `<=>` does:
   * APPLY CHANGES treats a NULL key as an ordinary key. Default false (SQL
   * `=`: a NULL source key is refused).
   */
  nullSafeKeys?: boolean;
  /** The commit's operation name (default 'MERGE'); APPLY CHANGES records its own. */
  operation?: string;
  /** Extra operationParameters recorded with the commit. */
  operationParameters?: Record<string, unknown>;
  /** Extra operationMetrics recorded with the commit (the merge's own win on a clash). */
  operationMetrics?: Record<string, number>;
  /**
   * Merge against this snapshot instead of loading the latest: a caller that
   * derived state (say, the domain metadata) from it gets any commit made
   * since checked as concurrent. Must be a recent version of the same table.
   */
  snapshot?: Snapshot;
  /**
   * For a caller that already probed the target with the same source keys
   * (APPLY CHANGES locates its batch's keys while it reads its state): the
   * rows of a data file of `snapshot` whose key is a source key, each with
   * the first source row of that key; null to let the merge probe the file
   * itself. Used when the join reads one key column and nothing else of the
   * target.
   */
  keyedRows?: (add: Add) => Promise<KeyedRows | null>;
  /**
   * An index the caller already built over the source's key column(s) as
   * they are (same rows, same null-safety): the merge uses it instead of
   * building its own.
   */
  sourceIndex?: KeyIndex;
  /**
   * Awaited after everything is written and just before the commit: files
   * the caller writes alongside (the commit's domain metadata names them)
   * become durable while the merge works. A rejection aborts the merge with
   * nothing committed.
   */
  beforeCommit?: () => Promise<void>;
}

/** What a merge did, as Spark's `operationMetrics` names it. */
export interface MergeMetrics {
  numSourceRows: number;
  numTargetRowsInserted: number;
  numTargetRowsUpdated: number;
  numTargetRowsMatchedUpdated: number;
  numTargetRowsNotMatchedBySourceUpdated: number;
  numTargetRowsDeleted: number;
  numTargetRowsMatchedDeleted: number;
  numTargetRowsNotMatchedBySourceDeleted: number;
  /** Unchanged rows rewritten because they share a file with changed rows (copy-on-write). */
  numTargetRowsCopied: number;
  numOutputRows: number;
  numTargetFilesAdded: number;
  numTargetFilesRemoved: number;
  numTargetChangeFilesAdded: number;
  numTargetDeletionVectorsAdded: number;
  numTargetDeletionVectorsRemoved: number;
  numTargetDeletionVectorsUpdated: number;
  numTargetBytesAdded: number;
  numTargetBytesRemoved: number;
  /** Files of the table before the merge, and those left after pruning (read to find matches). */
  numTargetFilesBeforeSkipping: number;
  numTargetFilesAfterSkipping: number;
  executionTimeMs: number;
}

/** Outcome of {@link merge}. Conflicts with concurrent commits are thrown. */
export interface MergeResult {
  /** The committed version, or the current one when the merge was skipped. */
  version: number;
  /**
   * True when skipped because `txn.appId` already committed `txn.version`.
   * A merge that changes no row still commits a version (as Spark does), so
   * its `txn` is recorded.
   */
  skipped: boolean;
  metrics: MergeMetrics;
}
