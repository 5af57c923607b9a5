// In-memory Storage for tests and ephemeral tables. Single-threaded JS makes
// each method atomic, so putIfAbsent has exactly one winner per path.

import type { FileMeta, Storage } from './storage.ts';

interface Entry {
  data: Uint8Array;
  modificationTime: number;
}

/**
 * A {@link Storage} held in a Map. Stored bytes are copied in and out, so
 * callers cannot mutate them behind the store's back.
 *
 * @example
 * const storage = new MemoryStorage();
 * await storage.write('data/part-0.parquet', bytes);
 */
export class MemoryStorage implements Storage {
  readonly root: string;
  private readonly entries = new Map<string, Entry>();
  /** Clock for modification times; tests may replace it for time travel. */
  now: () => number;

  constructor(root = 'memory://', now: () => number = Date.now) {
    this.root = root;
    this.now = now;
  }

  async read(path: string): Promise<Uint8Array | null> {
    const e = this.entries.get(path);
    return e ? copyOf(e.data) : null;
  }

  async readRange(path: string, start: number, end: number): Promise<Uint8Array> {
    const e = this.entries.get(path);
    if (!e) throw new Error(`No object at ${path} in ${this.root}`);
    if (start < 0 || end < start || end > e.data.length) {
      throw new Error(`Invalid byte range [${start}, ${end}) for ${path} (${e.data.length} bytes) in ${this.root}`);
    }
    return copyOf(e.data.subarray(start, end));
  }

  async head(path: string): Promise<FileMeta | null> {
    const e = this.entries.get(path);
    return e ? { path, size: e.data.length, modificationTime: e.modificationTime } : null;
  }

  async write(path: string, data: Uint8Array): Promise<void> {
    this.entries.set(path, { data: copyOf(data), modificationTime: this.now() });
  }

  async putIfAbsent(path: string, data: Uint8Array): Promise<boolean> {
    if (this.entries.has(path)) return false;
    this.entries.set(path, { data: copyOf(data), modificationTime: this.now() });
    return true;
  }

  /** Sets an object's modification time (tests of timestamp time travel). */
  setModificationTime(path: string, modificationTime: number): void {
    const e = this.entries.get(path);
    if (!e) throw new Error(`No object at ${path} in ${this.root}`);
    e.modificationTime = modificationTime;
  }

  async list(prefix: string): Promise<FileMeta[]> {
    const out: FileMeta[] = [];
    for (const [path, e] of this.entries) {
      if (path.startsWith(prefix)) out.push({ path, size: e.data.length, modificationTime: e.modificationTime });
    }
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async listFrom(dir: string, startAfter: string): Promise<FileMeta[]> {
    const d = dir.replace(/\/+$/, '');
    const prefix = d === '' ? '' : `${d}/`;
    const out: FileMeta[] = [];
    for (const [path, e] of this.entries) {
      if (!path.startsWith(prefix)) continue;
      const name = path.slice(prefix.length);
      // Only direct children, like a directory listing.
      if (name.includes('/') || name < startAfter) continue;
      out.push({ path, size: e.data.length, modificationTime: e.modificationTime });
    }
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async delete(path: string): Promise<void> {
    this.entries.delete(path);
  }

  async deleteMany(paths: readonly string[]): Promise<void> {
    for (const p of paths) this.entries.delete(p);
  }
}

/**
 * A copy of the bytes in a plain Uint8Array of their own. Not `slice()`: on
 * a Node Buffer that returns a view of the same memory, so the stored object
 * would change with the caller's buffer, and its `.buffer` would be the
 * whole (pooled) allocation.
 */
function copyOf(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.byteLength);
  out.set(bytes);
  return out;
}
