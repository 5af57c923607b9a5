// Lists and deletes the files VACUUM considers: every file under the table
// root except the log and other hidden entries. Local tables are walked and
// stat'ed by the native core on a worker thread (thousands of files in a few
// milliseconds, no promise per file), with async fs as the fallback; other
// storages use their own recursive listing. Deletes go in bulk where the
// storage offers it (Storage.deleteMany), else with bounded parallelism.

import * as fs from 'node:fs/promises';
import * as nodePath from 'node:path';
import type { FileMeta, Storage } from '../storage/storage.ts';
import { LocalStorage } from '../storage/local-storage.ts';
import { native } from '../../native/addon.ts';
import { forEachLimit } from '../for-each-limit.ts';

interface FileOpsNative {
  listTree(root: string, keepPrefixes: string[]): Promise<{ paths: string[]; sizes: Float64Array; mtimes: Float64Array }>;
}
// POSIX only (see native/maintenance/file_ops.cc); elsewhere the async-fs paths below are used.
const core: Partial<FileOpsNative> = process.platform === 'win32' ? {} : (native as unknown as FileOpsNative);

/**
 * Whether a file or directory name is hidden from VACUUM, as in Delta:
 * names starting with `_` or `.`, except `_change_data` and partition
 * directories such as `_year=2024` (a partition column starting with `_`).
 */
export function isHiddenName(name: string, partitionColumns: readonly string[]): boolean {
  if (!(name.startsWith('_') || name.startsWith('.'))) return false;
  if (name === '_change_data') return false;
  return !partitionColumns.some((c) => name.startsWith(`${c}=`));
}

/**
 * Files under the table root, skipping hidden names (see {@link isHiddenName})
 * at every level; paths relative to the root, '/'-separated.
 */
export async function listVacuumCandidates(storage: Storage, partitionColumns: readonly string[], parallelism = 32): Promise<FileMeta[]> {
  if (storage instanceof LocalStorage) {
    if (core.listTree) {
      const { paths, sizes, mtimes } = await core.listTree(storage.root, partitionColumns.map((c) => `${c}=`));
      return paths.map((path, i) => ({ path, size: sizes[i], modificationTime: mtimes[i] })).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    }
    return listLocal(storage.root, partitionColumns, parallelism);
  }
  const all = await storage.list('');
  return all.filter((f) => !f.path.split('/').some((part) => isHiddenName(part, partitionColumns)));
}

async function listLocal(root: string, partitionColumns: readonly string[], parallelism: number): Promise<FileMeta[]> {
  const out: FileMeta[] = [];
  let dirs = [''];
  // Breadth-first: each level's directories are read in parallel, then the files' stats.
  while (dirs.length > 0) {
    const nextDirs: string[] = [];
    const files: string[] = [];
    await forEachLimit(dirs, parallelism, async (dir) => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await fs.readdir(nodePath.join(root, ...dir.split('/')), { withFileTypes: true });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return; // removed while listing
        throw err;
      }
      for (const e of entries) {
        if (isHiddenName(e.name, partitionColumns)) continue;
        const rel = dir === '' ? e.name : `${dir}/${e.name}`;
        if (e.isDirectory()) nextDirs.push(rel);
        else if (e.isFile()) files.push(rel);
      }
    });
    await forEachLimit(files, parallelism, async (rel) => {
      try {
        const st = await fs.stat(nodePath.join(root, ...rel.split('/')));
        out.push({ path: rel, size: st.size, modificationTime: Math.floor(st.mtimeMs) });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    });
    dirs = nextDirs;
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Deletes files (paths relative to the storage root) with up to `parallelism`
 * requests in flight: in bulk where the storage can (native threads locally,
 * DeleteObjects batches on S3), else one by one. Throws naming the files that
 * could not be deleted.
 */
export async function deleteAll(storage: Storage, paths: readonly string[], parallelism = 32): Promise<void> {
  if (paths.length === 0) return;
  try {
    if (storage.deleteMany) await storage.deleteMany(paths, parallelism);
    else await forEachLimit(paths, parallelism, (p) => storage.delete(p));
  } catch (err) {
    throw new Error(`VACUUM of Delta table ${storage.root}: ${(err as Error).message}`, { cause: err });
  }
}
