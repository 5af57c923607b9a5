// Scratch space for rewrites that must not hold a whole partition in memory:
// batches are appended to numbered spill files (Arrow IPC streams, or the
// native core's own format, see native/maintenance/spill.h) and read back,
// whole, one file at a time. For a local table the files live under
// `<table>/_tributary/tmp/` — on the table's own file system, never in a RAM
// disk, and hidden from readers and from VACUUM — otherwise under the OS temp
// directory. They are scratch, not table data: written with plain file calls
// (no Storage, no fsync), deleted once read back, and the whole area is
// removed by dispose(), on success and on failure alike. An area left by a
// process that died (kill -9, power loss) is removed by the next one made in
// the same place once it is a day old — no live rewrite leaves its area
// untouched that long.

import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as nodePath from 'node:path';
import * as arrow from 'apache-arrow';
import type { Storage } from '../storage/storage.ts';
import { LocalStorage } from '../storage/local-storage.ts';

/** Where a local table's scratch areas are made (hidden: `_`-prefixed). */
export const SPILL_PARENT = '_tributary/tmp';

/** Age (of its last change) past which an area is taken for the leftover of a dead process. */
export const STALE_SPILL_MS = 24 * 3600e3;

/**
 * A private directory of spill files, one per key.
 *
 * @example
 * const spill = await SpillArea.create(storage, 'optimize');
 * try {
 *   await spill.append(0, batch);
 *   const back = await spill.take(0); // [batch], and the file is gone
 * } finally {
 *   await spill.dispose();
 * }
 */
export class SpillArea {
  /** The directory holding the spill files. */
  readonly dir: string;
  private disposed = false;
  /** The local table root whose `_tributary/tmp` holds the area, if any. */
  private readonly tableRoot: string | null;

  private constructor(dir: string, tableRoot: string | null) {
    this.dir = dir;
    this.tableRoot = tableRoot;
  }

  /** Creates a new, empty area for `purpose` (a name part, e.g. 'optimize'). */
  static async create(storage: Storage, purpose: string): Promise<SpillArea> {
    const parent = storage instanceof LocalStorage ? nodePath.join(storage.root, ...SPILL_PARENT.split('/')) : tmpdir();
    const prefix = `${storage instanceof LocalStorage ? '' : 'tributary-'}${purpose}-`;
    await removeStale(parent, prefix);
    const dir = nodePath.join(parent, `${prefix}${randomUUID()}`);
    for (let attempt = 1; ; attempt++) {
      try {
        await fs.mkdir(dir, { recursive: true });
        return new SpillArea(dir, storage instanceof LocalStorage ? storage.root : null);
      } catch (err) {
        // A parent removed by another area's dispose() between two steps of the mkdir: make it again.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 3) throw err;
      }
    }
  }

  /** The spill file of `key` (for writers outside this class, such as the native core). */
  path(key: number): string {
    if (this.disposed) throw new Error(`Spill area ${this.dir} was already removed`);
    return nodePath.join(this.dir, `${key}.spill`);
  }

  /** Deletes the spill file of `key` once it has been read. */
  async remove(key: number): Promise<void> {
    await fs.rm(this.path(key), { force: true });
  }

  /** Appends one batch to the spill file of `key`. */
  async append(key: number, batch: arrow.RecordBatch): Promise<void> {
    await fs.appendFile(this.path(key), arrow.tableToIPC(new arrow.Table(batch.schema, [batch]), 'stream'));
  }

  /** Every batch appended to `key`, in order (views into one buffer), and deletes its file. */
  async take(key: number): Promise<arrow.RecordBatch[]> {
    const path = this.path(key);
    let bytes: Uint8Array;
    try {
      bytes = await fs.readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    await this.remove(key);
    const out: arrow.RecordBatch[] = [];
    // Each append is a complete IPC stream; the file is their concatenation.
    for (const reader of arrow.RecordBatchReader.readAll(bytes)) for (const b of reader) out.push(b);
    return out;
  }

  /** Removes the area and everything in it, and the table's scratch directories once empty (idempotent). */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await fs.rm(this.dir, { recursive: true, force: true });
    if (this.tableRoot === null) return;
    // Leave no empty `_tributary/tmp` behind; another area, or other `_tributary` state, keeps them.
    for (const rel of [SPILL_PARENT, SPILL_PARENT.split('/')[0]]) {
      try {
        await fs.rmdir(nodePath.join(this.tableRoot, ...rel.split('/')));
      } catch {
        return; // not empty (or already gone)
      }
    }
  }
}

/** Removes areas named `prefix…` under `parent` unchanged for {@link STALE_SPILL_MS}. */
async function removeStale(parent: string, prefix: string): Promise<void> {
  let names: string[];
  try {
    names = (await fs.readdir(parent)).filter((n) => n.startsWith(prefix));
  } catch {
    return; // no scratch directory yet
  }
  const now = Date.now();
  await Promise.all(
    names.map(async (n) => {
      const dir = nodePath.join(parent, n);
      try {
        if (now - (await fs.stat(dir)).mtimeMs > STALE_SPILL_MS) await fs.rm(dir, { recursive: true, force: true });
      } catch {
        // Removed meanwhile by its owner or another sweep.
      }
    }),
  );
}
