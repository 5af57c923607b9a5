// All table I/O goes through this interface, so the log logic never touches a
// file system, an object store or memory directly (delta-kernel's "engine").

/** A listed object: its path relative to the storage root, size and mtime (ms). */
export interface FileMeta {
  path: string;
  size: number;
  modificationTime: number;
}

/** Bytes [start, end) of the object at `path` (relative to the storage root). */
export interface ByteRange {
  path: string;
  start: number;
  end: number;
}

export interface Storage {
  /** Whole object, or `null` when absent. */
  read(path: string): Promise<Uint8Array | null>;
  /** A byte range [start, end) of an object. */
  readRange(path: string, start: number, end: number): Promise<Uint8Array>;
  /**
   * Optional: several byte ranges at once, in order, with the errors of `readRange` (on local disk one
   * native request instead of three thread-pool round trips per range: the footers of a whole bin).
   */
  readRanges?(ranges: readonly ByteRange[]): Promise<Uint8Array[]>;
  /**
   * Optional (storages on a local file system): appends byte ranges of objects, in order, to `fd` — a
   * descriptor `writeFile` handed out — in the kernel where it can, so copied bytes never pass through memory.
   */
  copyRangesInto?(fd: number, ranges: readonly ByteRange[]): Promise<void>;
  /** Size and mtime, or `null` when absent. */
  head(path: string): Promise<FileMeta | null>;
  /** Writes or replaces an object (data files, checkpoints, `_last_checkpoint`). */
  write(path: string, data: Uint8Array): Promise<void>;
  /**
   * Optional (storages on a local file system): writes or replaces an object by handing `produce` an open,
   * writable descriptor of a private temporary file, so a writer can stream into it instead of building the
   * bytes in memory. The object appears at `path` atomically once `produce` resolves, as with `write`; if
   * `produce` throws, nothing appears and the temporary file is removed.
   */
  writeFile?<T>(path: string, produce: (fd: number) => Promise<T>): Promise<T>;
  /**
   * Optional (storages on a local file system): hands `consume` an open, read-only descriptor of an object,
   * so a reader can copy or read parts of it without loading it whole; the descriptor is closed when
   * `consume` settles. Resolves to `consume`'s value, or `null` when the object is absent.
   */
  readFile?<T>(path: string, consume: (fd: number) => Promise<T>): Promise<T | null>;
  /**
   * Writes an object only if nothing exists at `path`, atomically: the basis of
   * optimistic commits. Returns false (and writes nothing) when it already exists.
   */
  putIfAbsent(path: string, data: Uint8Array): Promise<boolean>;
  /** Objects under a prefix ("dir/" lists a directory), sorted by path; recursive. */
  list(prefix: string): Promise<FileMeta[]>;
  /** Objects in a directory whose names sort at or after `startAfter` (a file name in that directory). */
  listFrom(dir: string, startAfter: string): Promise<FileMeta[]>;
  /** Deletes an object; deleting a missing one is not an error. */
  delete(path: string): Promise<void>;
  /**
   * Optional: deletes many objects in bulk (VACUUM's thousands of files) — on native threads
   * locally, in DeleteObjects requests of up to 1,000 keys on S3 — with up to `concurrency`
   * requests in flight. Missing objects count as deleted. Throws naming the paths it could not
   * delete; the others are gone. Without it, callers delete one by one.
   */
  deleteMany?(paths: readonly string[], concurrency?: number): Promise<void>;
  /** A human-readable location, for error messages. */
  readonly root: string;
}
