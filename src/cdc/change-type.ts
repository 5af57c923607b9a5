// The `_change_type` column of Delta's change data feed (change data files and feed rows).

/** The change types of Delta's change data feed. */
export type ChangeType = 'insert' | 'update_preimage' | 'update_postimage' | 'delete';

/** Name of the change type column in change data files and change feed rows. */
export const CHANGE_TYPE_COLUMN = '_change_type';
