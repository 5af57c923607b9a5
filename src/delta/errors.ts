// Errors raised while reading a Delta table. Distinct classes let callers
// (the writer's conflict checker, history(), CLI) react to a specific cause
// without parsing messages; every message names the table and the value.

/** Base class of Tributary's Delta read errors. */
export class DeltaError extends Error {
  override name = 'DeltaError';
}

/** The location holds no Delta log (no commit and no checkpoint). */
export class TableNotFoundError extends DeltaError {
  override name = 'TableNotFoundError';
}

/** A requested version, or a file the log needs to reach it, does not exist. */
export class VersionNotFoundError extends DeltaError {
  override name = 'VersionNotFoundError';
}

/** A timestamp lies before the first commit (or after the last) of a table. */
export class TimestampOutOfRangeError extends DeltaError {
  override name = 'TimestampOutOfRangeError';
}

/** The log is inconsistent: a gap between commits, unparseable JSON, a missing protocol. */
export class CorruptLogError extends DeltaError {
  override name = 'CorruptLogError';
}

/** The table needs a reader/writer feature or protocol version Tributary does not support. */
export class UnsupportedFeatureError extends DeltaError {
  override name = 'UnsupportedFeatureError';
  constructor(message: string, readonly feature: string) {
    super(message);
  }
}

/** The table's schema (or a value) has a type Tributary cannot represent. */
export class UnsupportedTypeError extends DeltaError {
  override name = 'UnsupportedTypeError';
}
