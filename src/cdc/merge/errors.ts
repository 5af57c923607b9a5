// Errors of MERGE that callers may want to tell apart from I/O failures:
// invalid clauses, bad source rows. Every message names the table and the
// offending column or value; nothing has been written when one is thrown.

/** A merge refused before anything was written: invalid options or source rows. */
export class MergeError extends Error {
  override name = 'MergeError';
}

/** Several source rows matched one target row and would all modify it (Spark's DELTA_MULTIPLE_SOURCE_ROW_MATCHING_TARGET_ROW_IN_MERGE). */
export class MultipleSourceRowsMatchedError extends MergeError {
  override name = 'MultipleSourceRowsMatchedError';
}
