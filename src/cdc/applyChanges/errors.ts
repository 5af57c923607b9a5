// Errors of APPLY CHANGES that callers may tell apart from I/O failures. Each
// message names the target table and the offending column, key or value;
// nothing has been written to the target when one is thrown.

/** An APPLY CHANGES flow refused its options or a micro-batch. */
export class ApplyChangesError extends Error {
  override name = 'ApplyChangesError';
}
