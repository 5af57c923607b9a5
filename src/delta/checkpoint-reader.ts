// Reads checkpoint files into actions: classic and multi-part Parquet
// checkpoints, V2 checkpoints (JSON or Parquet, "UUID-named") and their
// sidecar files (PROTOCOL.md "Checkpoints", "V2 Spec").

import { parquetMetadataAsync, parquetReadObjects, parquetSchema, type Compressors, type FileMetaData } from 'hyparquet';
import type { Action } from './actions.ts';
import type { Storage } from './storage/storage.ts';
import { CorruptLogError } from './errors.ts';
import type { CheckpointRef } from './log-segment.ts';
import { sidecarPath } from './log-path.ts';
import { storageAsyncBuffer } from './parquet-file.ts';
import { parseActions } from './commit-reader.ts';
import { decodeCheckpoint, NATIVE_CODECS, type DecodedAction } from './checkpoint-decoder.ts';

// The fast decoder decompresses natively with the Parquet writer's codecs
// (Snappy, gzip, Brotli, zstd); WebAssembly decoders for the rest (LZ4) and
// for the general reader load only when a file needs them.
let otherCodecs: Promise<Compressors> | undefined;
async function compressorsFor(metadata: FileMetaData | null): Promise<Compressors> {
  const plain = metadata?.row_groups.every((rg) => rg.columns.every((c) => c.meta_data?.codec === 'UNCOMPRESSED' || (c.meta_data?.codec ?? '') in NATIVE_CODECS));
  if (plain) return {};
  otherCodecs ??= import('hyparquet-compressors').then((m) => m.compressors as Compressors);
  return otherCodecs;
}

/** Top-level checkpoint columns replay needs (commitInfo and cdc never appear in checkpoints). */
const CHECKPOINT_COLUMNS = ['add', 'remove', 'metaData', 'protocol', 'txn', 'domainMetadata', 'checkpointMetadata', 'sidecar'];
/** Sidecars hold only file actions. */
const SIDECAR_COLUMNS = ['add', 'remove'];

/**
 * All actions of a checkpoint, including those in V2 sidecars.
 *
 * @example
 * const seg = await buildLogSegment(storage);
 * const actions = seg.checkpoint ? await readCheckpoint(storage, seg.checkpoint) : [];
 */
export async function readCheckpoint(storage: Storage, checkpoint: CheckpointRef): Promise<Action[]> {
  const out: Action[] = [];
  for (const file of checkpoint.files) {
    const actions = file.path.endsWith('.json')
      ? await readJsonCheckpoint(storage, file.path)
      : await readParquetActions(storage, file.path, file.size, CHECKPOINT_COLUMNS);
    for (const a of actions) {
      if ('sidecar' in a) {
        const p = sidecarPath(a.sidecar.path);
        for (const s of await readParquetActions(storage, p, a.sidecar.sizeInBytes, SIDECAR_COLUMNS)) out.push(s);
      } else {
        out.push(a);
      }
    }
  }
  return out;
}

async function readJsonCheckpoint(storage: Storage, path: string): Promise<Action[]> {
  const bytes = await storage.read(path);
  if (!bytes) throw new CorruptLogError(`Checkpoint ${path} of Delta table ${storage.root} disappeared while reading`);
  return parseActions(bytes, path);
}

/** Reads the action columns of a checkpoint-shaped Parquet file. */
export async function readParquetActions(storage: Storage, path: string, size: number | undefined, columns: string[]): Promise<Action[]> {
  const file = await storageAsyncBuffer(storage, path, size);
  let decoded: DecodedAction[] | undefined;
  let rows: Record<string, unknown>[] = [];
  try {
    const metadata = await parquetMetadataAsync(file);
    const present = new Set(parquetSchema(metadata).children.map((c) => c.element.name));
    const wanted = columns.filter((c) => present.has(c));
    if (wanted.length === 0) return [];
    const compressors = await compressorsFor(metadata);
    try {
      decoded = await decodeCheckpoint(file, metadata, wanted, compressors);
    } catch {
      // Outside the fast decoder's subset (UnsupportedCheckpointEncoding) or a file it finds
      // malformed: the general reader handles every Parquet feature and decides whether it is corrupt.
      rows = await parquetReadObjects({ file, metadata, columns: wanted, compressors: await compressorsFor(null) });
    }
  } catch (err) {
    throw new CorruptLogError(`Cannot read checkpoint file ${path} of Delta table ${storage.root}: ${(err as Error).message}`);
  }
  const out: Action[] = [];
  if (decoded) {
    // The fast decoder already yields plain values (numbers, no undefined fields).
    for (const { column, value } of decoded) {
      const action = normalizeAction(column, value);
      if (action) out.push(action);
    }
    return out;
  }
  for (const row of rows) {
    for (const key of columns) {
      const value = row[key];
      if (value === null || value === undefined || typeof value !== 'object') continue;
      const action = normalizeAction(key, plain(value) as Record<string, unknown>);
      if (action) out.push(action);
    }
  }
  return out;
}

// Actions use JS numbers (all these values are far below 2^53) and no
// undefined fields; `v` is already in that form and is adjusted in place.
function normalizeAction(key: string, v: Record<string, unknown>): Action | null {
  switch (key) {
    case 'add': {
      if (typeof v.path !== 'string') return null;
      // Keep the JSON string form; rebuild it from stats_parsed when only that was written.
      if (typeof v.stats !== 'string' && v.stats_parsed && typeof v.stats_parsed === 'object') {
        v.stats = JSON.stringify(v.stats_parsed);
      }
      delete v.stats_parsed;
      delete v.partitionValues_parsed;
      v.partitionValues ??= {};
      return { add: v as never };
    }
    case 'remove':
      if (typeof v.path !== 'string') return null;
      delete v.stats_parsed;
      delete v.partitionValues_parsed;
      return { remove: v as never };
    case 'metaData':
      if (typeof v.id !== 'string' || typeof v.schemaString !== 'string') return null;
      v.configuration ??= {};
      v.partitionColumns ??= [];
      return { metaData: v as never };
    case 'protocol':
      if (typeof v.minReaderVersion !== 'number') return null;
      return { protocol: v as never };
    case 'txn':
      if (typeof v.appId !== 'string') return null;
      return { txn: v as never };
    case 'domainMetadata':
      if (typeof v.domain !== 'string') return null;
      return { domainMetadata: v as never };
    case 'checkpointMetadata':
      if (typeof v.version !== 'number') return null;
      return { checkpointMetadata: v as never };
    case 'sidecar':
      if (typeof v.path !== 'string') return null;
      return { sidecar: v as never };
    default:
      return null;
  }
}

/** Deep copy with bigint → number, Date → ISO string and undefined fields dropped. */
function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object' && !(value instanceof Uint8Array)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) out[k] = plain(v);
    }
    return out;
  }
  return value;
}
