// Storage on the local file system. Commits rely on `putIfAbsent`, which
// writes the bytes to a private temp file first and then hard-links it into
// place: link(2) fails with EEXIST when the target exists, so exactly one of
// several racing writers wins, and readers never observe a partial file.
// Whole-object writes (commits, deletion vectors, state files) are made in
// one native request where the addon can (open, write, fsync, rename or
// link, directory fsync on one worker thread): eight thread-pool round trips
// cost milliseconds each while the pool and the JS thread are busy. Log
// listings (`listFrom`) and whole-file reads are one native request too.

import { randomUUID } from 'node:crypto';
import {
  close as closeCallback, fstat as fstatCallback, fsync as fsyncCallback, link as linkCallback, open as openCallback, read as readCallback,
  stat as statCallback, unlink as unlinkCallback, write as writeCallback,
} from 'node:fs';
import * as fs from 'node:fs/promises';
import { promisify } from 'node:util';
import * as nodePath from 'node:path';
import type { ByteRange, FileMeta, Storage } from './storage.ts';
import { forEachLimit } from '../for-each-limit.ts';
import { readRangesOneByOne } from './read-ranges.ts';
import { native } from '../../native/addon.ts';

/**
 * A {@link Storage} rooted at a local directory. Paths are relative to the
 * root and '/'-separated.
 *
 * @example
 * const storage = new LocalStorage('/data/orders');
 * await storage.putIfAbsent('_delta_log/00000000000000000000.json', bytes);
 */
export class LocalStorage implements Storage {
  readonly root: string;

  constructor(rootDir: string) {
    this.root = nodePath.resolve(rootDir);
  }

  /** Absolute path of a relative storage path; refuses paths escaping the root. */
  private abs(path: string): string {
    const full = nodePath.resolve(this.root, ...path.split('/'));
    if (full !== this.root && !full.startsWith(this.root + nodePath.sep)) {
      throw new Error(`Path '${path}' escapes the storage root ${this.root}`);
    }
    return full;
  }

  async read(path: string): Promise<Uint8Array | null> {
    // One native request (open, fstat, read, close on one worker thread) instead of four round trips.
    if (core.readWhole) return core.readWhole(this.abs(path));
    const fd = await this.openForRead(path);
    if (fd === null) return null;
    try {
      // One read of the whole size: fs.readFile goes in 512 KiB requests through the thread pool,
      // several times slower for the multi-megabyte state and data files read here.
      const { size } = await fstatFd(fd);
      // Unpooled and not zero-filled: every byte is read over.
      const out = new Uint8Array(Buffer.allocUnsafeSlow(size).buffer, 0, size);
      const filled = await readFully(fd, out, 0);
      return filled === size ? out : out.subarray(0, filled);
    } finally {
      await closeFd(fd);
    }
  }

  async readRange(path: string, start: number, end: number): Promise<Uint8Array> {
    checkRange({ path, start, end }, this.root);
    const fd = await openFd(this.abs(path), 'r');
    try {
      const out = new Uint8Array(end - start);
      const filled = await readFully(fd, out, start);
      if (filled < out.length) {
        throw new Error(`Byte range [${start}, ${end}) is past the end of ${path} in ${this.root} (read ${filled} bytes)`);
      }
      return out;
    } finally {
      await closeFd(fd);
    }
  }

  async head(path: string): Promise<FileMeta | null> {
    try {
      const st = await statPath(this.abs(path));
      if (!st.isFile()) return null;
      return { path, size: st.size, modificationTime: Math.floor(st.mtimeMs) };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async write(path: string, data: Uint8Array): Promise<void> {
    const target = this.abs(path);
    if (core.writeDurably) {
      await writeNatively(target, data, true);
      return;
    }
    const tmp = await this.writeTemp(target, data);
    try {
      // rename(2) replaces atomically: readers see the old or the new object.
      await fs.rename(tmp, target);
    } catch (err) {
      await unlinkQuietly(tmp);
      throw err;
    }
    await syncDir(nodePath.dirname(target));
  }

  async writeFile<T>(path: string, produce: (fd: number) => Promise<T>): Promise<T> {
    const target = this.abs(path);
    const { tmp, fd } = await this.openTemp(target);
    let value: T;
    try {
      try {
        value = await produce(fd);
        await fsyncFd(fd);
      } finally {
        await closeFd(fd);
      }
      await fs.rename(tmp, target);
    } catch (err) {
      await unlinkQuietly(tmp);
      throw err;
    }
    await syncDir(nodePath.dirname(target));
    return value;
  }

  async readRanges(ranges: readonly ByteRange[]): Promise<Uint8Array[]> {
    for (const r of ranges) checkRange(r, this.root);
    if (core.readRanges) return core.readRanges(ranges.map((r) => ({ path: this.abs(r.path), start: r.start, end: r.end })));
    return readRangesOneByOne(this, ranges, 16);
  }

  async copyRangesInto(fd: number, ranges: readonly ByteRange[]): Promise<void> {
    for (const r of ranges) checkRange(r, this.root);
    if (core.copyRangesInto) {
      await core.copyRangesInto(fd, ranges.map((r) => ({ path: this.abs(r.path), start: r.start, end: r.end })));
      return;
    }
    // Without the addon: through memory, one range at a time.
    for (const r of ranges) {
      const bytes = await this.readRange(r.path, r.start, r.end);
      for (let at = 0; at < bytes.length; ) at += await writeFd(fd, bytes, at, bytes.length - at);
    }
  }

  async readFile<T>(path: string, consume: (fd: number) => Promise<T>): Promise<T | null> {
    const fd = await this.openForRead(path);
    if (fd === null) return null;
    try {
      return await consume(fd);
    } finally {
      await closeFd(fd);
    }
  }

  /** A descriptor of the file open for reading, or null when it does not exist. */
  private async openForRead(path: string): Promise<number | null> {
    try {
      return await openFd(this.abs(path), 'r');
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async putIfAbsent(path: string, data: Uint8Array): Promise<boolean> {
    const target = this.abs(path);
    if (core.writeDurably) return writeNatively(target, data, false);
    const tmp = await this.writeTemp(target, data);
    try {
      await linkPath(tmp, target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    } finally {
      await unlinkQuietly(tmp);
    }
    // The commit exists now: a failure to make it durable must not be reported
    // as a lost commit (the caller would clean up files the commit names).
    await syncDir(nodePath.dirname(target)).catch(() => undefined);
    return true;
  }

  async list(prefix: string): Promise<FileMeta[]> {
    // "a/b/" lists directory a/b; "a/b/x" lists entries of a/b starting with x.
    const slash = prefix.lastIndexOf('/');
    const dir = slash < 0 ? '' : prefix.slice(0, slash);
    const namePrefix = prefix.slice(slash + 1);
    const out: FileMeta[] = [];
    await this.walk(dir, namePrefix, out);
    out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return out;
  }

  async listFrom(dir: string, startAfter: string): Promise<FileMeta[]> {
    const d = dir.replace(/\/+$/, '');
    if (core.listDir) {
      // One native request: readdir and a stat per file on one worker thread (every snapshot load lists the log).
      const { paths, sizes, mtimes } = await core.listDir(this.abs(d), startAfter, TEMP_PREFIX);
      return paths.map((name, i) => ({ path: d === '' ? name : `${d}/${name}`, size: sizes[i], modificationTime: mtimes[i] }));
    }
    const entries = await readDirOrEmpty(this.abs(d));
    const names = entries
      .filter((e) => e.isFile() && e.name >= startAfter && !isTempName(e.name))
      .map((e) => e.name)
      .sort();
    const out: FileMeta[] = [];
    for (const name of names) {
      const rel = d === '' ? name : `${d}/${name}`;
      const meta = await this.head(rel);
      if (meta) out.push(meta);
    }
    return out;
  }

  async delete(path: string): Promise<void> {
    await fs.rm(this.abs(path), { force: true });
  }

  async deleteMany(paths: readonly string[], concurrency = 32): Promise<void> {
    let failed: string[];
    if (core.deleteFiles) {
      // Each unlink waits on the device (freed blocks are discarded, the journal written): many in
      // flight overlap those waits, even on few cores. The native side refuses, before deleting
      // anything, a path that is not plain and relative.
      failed = await core.deleteFiles(this.root, [...paths], concurrency);
    } else {
      for (const p of paths) this.abs(p); // refuses a path escaping the root before anything is deleted
      failed = [];
      await forEachLimit(paths, concurrency, async (p) => {
        try {
          await this.delete(p);
        } catch (err) {
          failed.push(`${p}: ${(err as Error).message}`);
        }
      });
    }
    if (failed.length > 0) throw new Error(`Could not delete ${failed.length} file(s) under ${this.root}: ${failed.slice(0, 5).join('; ')}`);
  }

  private async walk(dir: string, namePrefix: string, out: FileMeta[]): Promise<void> {
    const entries = await readDirOrEmpty(this.abs(dir));
    for (const e of entries) {
      if (!e.name.startsWith(namePrefix) || isTempName(e.name)) continue;
      const rel = dir === '' ? e.name : `${dir}/${e.name}`;
      if (e.isDirectory()) {
        await this.walk(rel, '', out);
      } else if (e.isFile()) {
        const meta = await this.head(rel);
        if (meta) out.push(meta);
      }
    }
  }

  /** Creates a uniquely named hidden temp file beside `target`, open for writing. */
  private async openTemp(target: string): Promise<{ tmp: string; fd: number }> {
    const dir = nodePath.dirname(target);
    const tmp = tempPathOf(target);
    try {
      return { tmp, fd: await openFd(tmp, 'wx') };
    } catch (err) {
      // The directory is created only when missing: commits, the common case, go to an existing _delta_log.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    await fs.mkdir(dir, { recursive: true });
    return { tmp, fd: await openFd(tmp, 'wx') };
  }

  /** Writes `data` to a uniquely named hidden temp file beside `target`, durably. */
  private async writeTemp(target: string, data: Uint8Array): Promise<string> {
    const { tmp, fd } = await this.openTemp(target);
    try {
      for (let at = 0; at < data.length; ) at += await writeFd(fd, data, at, data.length - at);
      await fsyncFd(fd);
    } catch (err) {
      await closeFd(fd);
      await unlinkQuietly(tmp);
      throw err;
    }
    await closeFd(fd);
    return tmp;
  }
}

// Log reads are many small files: the callback forms read a file in one
// native request (fs/promises' readFile makes several round trips through JS).
const statPath = promisify(statCallback);
// Ranged reads and commits open a file per call: plain descriptors cost a fraction of a FileHandle's promise machinery.
const openFd = promisify(openCallback);
const closeFd = promisify(closeCallback);
const fstatFd = promisify(fstatCallback);
const fsyncFd = promisify(fsyncCallback);
const linkPath = promisify(linkCallback);
const unlinkPath = promisify(unlinkCallback);
const writeFd = (fd: number, data: Uint8Array, offset: number, length: number): Promise<number> =>
  new Promise((resolve, reject) => writeCallback(fd, data, offset, length, null, (err, n) => (err ? reject(err) : resolve(n))));
const readFd = (fd: number, buffer: Uint8Array, offset: number, length: number, position: number): Promise<number> =>
  new Promise((resolve, reject) => readCallback(fd, buffer, offset, length, position, (err, n) => (err ? reject(err) : resolve(n))));

// Temp files are hidden so that listings (and other engines) ignore them.
const TEMP_PREFIX = '.tributary-';

/** Refuses a byte range that is not [start, end) with 0 ≤ start ≤ end. */
function checkRange(r: ByteRange, root: string): void {
  if (!(r.start >= 0) || !(r.end >= r.start)) throw new Error(`Invalid byte range [${r.start}, ${r.end}) for ${r.path} in ${root}`);
}

/** A uniquely named hidden temp file beside `target`. */
function tempPathOf(target: string): string {
  return nodePath.join(nodePath.dirname(target), `${TEMP_PREFIX}${nodePath.basename(target)}.${randomUUID()}.tmp`);
}

interface LocalNative {
  writeDurably(target: string, tmp: string, data: Uint8Array, replace: boolean, strictDirSync: boolean): Promise<boolean>;
  listDir(dir: string, startAfter: string, skipPrefix: string): Promise<{ paths: string[]; sizes: Float64Array; mtimes: Float64Array }>;
  /** The whole file, or null when it does not exist. */
  readWhole(path: string): Promise<Uint8Array | null>;
  readRanges(ranges: ByteRange[]): Promise<Uint8Array[]>;
  copyRangesInto(fd: number, ranges: ByteRange[]): Promise<void>;
  /** Unlinks root/path for each path on `threads` threads; the failures as "path: error" (a missing file is no failure). */
  deleteFiles(root: string, paths: string[], threads: number): Promise<string[]>;
}

// POSIX only (native/maintenance/file_ops.cc); elsewhere the fs calls above are used.
const core: Partial<LocalNative> = process.platform === 'win32' ? {} : (native as unknown as LocalNative);

/**
 * Writes `data` durably to `target` in one native request: replacing it
 * (`write`), or only when it does not exist (`putIfAbsent`: false when it
 * does). A missing directory is created, then the write is retried. A
 * commit's directory sync may fail without failing the commit (it exists
 * then); a plain write's may not.
 */
async function writeNatively(target: string, data: Uint8Array, replace: boolean): Promise<boolean> {
  const bytes = data instanceof Uint8Array && data.constructor === Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  try {
    return await core.writeDurably!(target, tempPathOf(target), bytes, replace, replace);
  } catch (err) {
    // The directory is created only when missing: commits, the common case, go to an existing _delta_log.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await fs.mkdir(nodePath.dirname(target), { recursive: true });
  return core.writeDurably!(target, tempPathOf(target), bytes, replace, replace);
}

/**
 * Makes a directory's entries (a rename or link just made) durable, so a
 * commit seen as successful, and the data files it names, survive a power
 * loss and not only a killed process. Platforms that cannot open a directory
 * for fsync (Windows) skip it.
 */
async function syncDir(dir: string): Promise<void> {
  let fd: number | undefined;
  try {
    fd = await openFd(dir, 'r');
    await fsyncFd(fd);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF') throw err;
  } finally {
    if (fd !== undefined) await closeFd(fd);
  }
}

/** Fills `out` from the file at `position` on; returns the bytes read (fewer only at the end of the file). */
async function readFully(fd: number, out: Uint8Array, position: number): Promise<number> {
  let filled = 0;
  while (filled < out.length) {
    const bytesRead = await readFd(fd, out, filled, out.length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled;
}

/** Removes a temp file, if it is still there. */
async function unlinkQuietly(path: string): Promise<void> {
  try {
    await unlinkPath(path);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

function isTempName(name: string): boolean {
  return name.startsWith(TEMP_PREFIX);
}

function isNotFound(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

async function readDirOrEmpty(dir: string) {
  try {
    return await fs.readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
}
