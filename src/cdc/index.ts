// Public API of the change-data module: MERGE, change data feed (and APPLY CHANGES, added by its own module).

export { merge } from './merge/merge.ts';
export type {
  MergeOptions, MergeResult, MergeMetrics, WhenMatchedClause, WhenNotMatchedClause, WhenNotMatchedBySourceClause,
} from './merge/options.ts';
export { MergeError } from './merge/errors.ts';
export { readChangeFeed, type ChangeFeedOptions } from './changeFeed.ts';
export { applyChanges, type ApplyChangesResult } from './applyChanges/applyChanges.ts';
export type { ApplyChangesOptions } from './applyChanges/options.ts';
export { ApplyChangesError } from './applyChanges/errors.ts';
export {
  applyChangesFromSnapshot, applyChangesFromSnapshots, type SnapshotFlowOptions, type SnapshotFlowResult, type SnapshotVersion, type SnapshotData,
} from './applyChanges/fromSnapshot.ts';
export { MultipleSourceRowsMatchedError } from './merge/errors.ts';
