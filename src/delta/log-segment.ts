// The log segment of a version: the newest complete checkpoint at or below
// it plus the contiguous commit files after that checkpoint. Replaying a
// segment gives the table state at the version (PROTOCOL.md "Checkpoints",
// "Last Checkpoint File").

import type { FileMeta, Storage } from './storage/storage.ts';
import { CorruptLogError, TableNotFoundError, VersionNotFoundError } from './errors.ts';
import { LAST_CHECKPOINT_PATH, LOG_DIR, parseLogPath, versionPrefix, type LogFile } from './log-path.ts';

/** Content of `_delta_log/_last_checkpoint`: a hint, never trusted blindly. */
export interface LastCheckpointHint {
  version: number;
  size?: number;
  parts?: number;
  sizeInBytes?: number;
  numOfAddFiles?: number;
  v2Checkpoint?: { path: string; sizeInBytes: number; modificationTime: number } | null;
  checksum?: string;
  [key: string]: unknown;
}

/** A checkpoint chosen for a segment: all its files (one, or every part). */
export interface CheckpointRef {
  version: number;
  format: 'classic' | 'multipart' | 'v2';
  files: FileMeta[];
}

/** A commit file with its version. */
export interface CommitFile extends FileMeta {
  version: number;
}

/** The files to replay for one table version. */
export interface LogSegment {
  /** The version this segment reconstructs. */
  version: number;
  checkpoint: CheckpointRef | null;
  /** Commits after the checkpoint up to `version`, ascending, contiguous. */
  commits: CommitFile[];
  /** The commit file of `version` itself when it exists (it may be gone if only a checkpoint is left). */
  lastCommit: CommitFile | null;
}

/**
 * Reads `_last_checkpoint`; returns `null` when absent or unreadable. A
 * corrupt hint (a failed or partial write) must not make the table unreadable.
 */
export async function readLastCheckpoint(storage: Storage): Promise<LastCheckpointHint | null> {
  const bytes = await storage.read(LAST_CHECKPOINT_PATH);
  if (!bytes) return null;
  try {
    const json = JSON.parse(new TextDecoder().decode(bytes)) as LastCheckpointHint;
    if (!Number.isSafeInteger(json.version) || json.version < 0) return null;
    return json;
  } catch {
    return null;
  }
}

/**
 * Builds the log segment for `version` (the latest when omitted).
 *
 * Starts listing at the `_last_checkpoint` hint; when the hint is stale,
 * corrupt or points at an incomplete checkpoint, falls back to a full listing.
 *
 * @example
 * const seg = await buildLogSegment(storage);            // latest
 * const v3 = await buildLogSegment(storage, { version: 3 });
 */
export async function buildLogSegment(storage: Storage, opts: { version?: number } = {}): Promise<LogSegment> {
  const target = opts.version;
  if (target !== undefined && (!Number.isSafeInteger(target) || target < 0)) {
    throw new VersionNotFoundError(`Invalid version ${target} requested for Delta table ${storage.root}`);
  }
  const hint = await readLastCheckpoint(storage);
  if (hint && (target === undefined || hint.version <= target)) {
    const files = await storage.listFrom(LOG_DIR, versionPrefix(hint.version));
    const seg = segmentFromListing(storage, files, target, hint.version);
    if (seg) return seg;
  }
  const files = await storage.listFrom(LOG_DIR, '');
  const seg = segmentFromListing(storage, files, target, 0);
  if (seg) return seg;
  throw new TableNotFoundError(`No Delta table at ${storage.root}: ${LOG_DIR}/ has no commit or checkpoint files`);
}

/**
 * Segment from a listing that starts at `listedFrom`; `null` when the listing
 * cannot be trusted to hold the best checkpoint (retry with a full listing).
 */
function segmentFromListing(
  storage: Storage,
  files: FileMeta[],
  target: number | undefined,
  listedFrom: number,
): LogSegment | null {
  const commits = new Map<number, CommitFile>();
  // version → candidate checkpoints (each a complete set of files)
  const checkpoints = new Map<number, CheckpointRef[]>();
  const multipart: MultipartGroups = new Map();
  for (const f of files) {
    const p = parseLogPath(f.path);
    if (!p) continue;
    if (p.kind === 'commit') commits.set(p.version, { ...f, version: p.version });
    else if (p.kind === 'checkpoint') collectCheckpoint(p, f, checkpoints, multipart);
  }
  completeMultipart(multipart, checkpoints);

  const commitVersions = [...commits.keys()].sort((a, b) => a - b);
  const cpVersions = [...checkpoints.keys()].sort((a, b) => a - b);
  const latest = Math.max(commitVersions.at(-1) ?? -1, cpVersions.at(-1) ?? -1);
  if (latest < 0) return null;
  const version = target ?? latest;
  if (version > latest) {
    if (listedFrom > 0) return null;
    throw new VersionNotFoundError(
      `Version ${version} of Delta table ${storage.root} does not exist; the latest version is ${latest}`,
    );
  }
  const cpVersion = [...cpVersions].reverse().find((v) => v <= version);
  if (cpVersion === undefined && listedFrom > 0) return null;
  // Prefer classic/V2 single-file checkpoints, then multi-part: all are equivalent.
  const checkpoint = cpVersion === undefined ? null : pickCheckpoint(checkpoints.get(cpVersion) as CheckpointRef[]);

  const start = checkpoint ? checkpoint.version + 1 : 0;
  const segCommits: CommitFile[] = [];
  for (let v = start; v <= version; v++) {
    const c = commits.get(v);
    if (!c) {
      if (!checkpoint && v === 0 && commitVersions.length > 0 && commitVersions[0] <= version) {
        throw new VersionNotFoundError(
          `Cannot reconstruct version ${version} of Delta table ${storage.root}: commit 0 is missing ` +
            `(earliest commit is ${commitVersions[0]}) and no checkpoint at or before ${version} exists`,
        );
      }
      if (!checkpoint && segCommits.length === 0) {
        throw new VersionNotFoundError(
          `Cannot reconstruct version ${version} of Delta table ${storage.root}: no checkpoint at or before it and commit ${v} is missing`,
        );
      }
      throw new CorruptLogError(
        `Delta log of ${storage.root} has a gap: commit ${versionPrefix(v)}.json is missing ` +
          `(needed to reach version ${version}${checkpoint ? ` from checkpoint ${checkpoint.version}` : ''})`,
      );
    }
    segCommits.push(c);
  }
  return { version, checkpoint, commits: segCommits, lastCommit: commits.get(version) ?? null };
}

function pickCheckpoint(candidates: CheckpointRef[]): CheckpointRef {
  const rank = { v2: 0, classic: 1, multipart: 2 } as const;
  return [...candidates].sort((a, b) => rank[a.format] - rank[b.format])[0];
}

/** Parts of multipart checkpoints seen so far, keyed by `version/parts` (two writers may split differently). */
type MultipartGroups = Map<string, { version: number; parts: number; files: Map<number, FileMeta> }>;

/** Files a checkpoint entry: a single-file checkpoint into `checkpoints`, a part into its multipart group. */
function collectCheckpoint(
  p: Extract<LogFile, { kind: 'checkpoint' }>,
  f: FileMeta,
  checkpoints: Map<number, CheckpointRef[]>,
  multipart: MultipartGroups,
): void {
  if (p.format === 'multipart') {
    const key = `${p.version}/${p.parts}`;
    let g = multipart.get(key);
    if (!g) multipart.set(key, (g = { version: p.version, parts: p.parts, files: new Map() }));
    g.files.set(p.part, f);
  } else {
    pushTo(checkpoints, p.version, { version: p.version, format: p.format, files: [f] });
  }
}

/** Adds every complete multipart group to `checkpoints`, parts in order; an incomplete one is skipped (a writer died mid-checkpoint). */
function completeMultipart(multipart: MultipartGroups, checkpoints: Map<number, CheckpointRef[]>): void {
  for (const g of multipart.values()) {
    if (g.files.size !== g.parts) continue;
    const parts = [...g.files.keys()].sort((a, b) => a - b).map((i) => g.files.get(i) as FileMeta);
    pushTo(checkpoints, g.version, { version: g.version, format: 'multipart', files: parts });
  }
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const arr = map.get(key);
  if (arr) arr.push(value);
  else map.set(key, [value]);
}

/**
 * The segment of a newer version, from `base` and a listing of `_delta_log`
 * entries after `base.version` (`storage.listFrom(LOG_DIR, versionPrefix(base.version + 1))`).
 * `added` are the commits after `base.version` (what must be replayed on top
 * of the state of `base`); `segment` uses the newest complete checkpoint of
 * the listing when there is one, so segments stay short on long-lived handles.
 * Returns `null` when the listing cannot extend `base` (commits missing after
 * it, e.g. cleaned up): load the version from scratch then. `added` is empty
 * when nothing was committed after `base`.
 *
 * @example
 * const listing = await storage.listFrom(LOG_DIR, versionPrefix(seg.version + 1));
 * const next = extendLogSegment(seg, listing); // { segment, added } | null
 */
export function extendLogSegment(base: LogSegment, listing: readonly FileMeta[]): { segment: LogSegment; added: CommitFile[] } | null {
  const added: CommitFile[] = [];
  const checkpoints = new Map<number, CheckpointRef[]>();
  const multipart: MultipartGroups = new Map();
  for (const f of listing) {
    const p = parseLogPath(f.path);
    if (!p || p.version <= base.version) continue;
    if (p.kind === 'commit') added.push({ ...f, version: p.version });
    else if (p.kind === 'checkpoint') collectCheckpoint(p, f, checkpoints, multipart);
  }
  added.sort((a, b) => a.version - b.version);
  for (let i = 0; i < added.length; i++) if (added[i].version !== base.version + 1 + i) return null;
  const version = added.at(-1)?.version ?? base.version;
  // A checkpoint past the last commit we see means commits were cleaned up or are being written: start over.
  if ([...checkpoints.keys(), ...[...multipart.values()].map((g) => g.version)].some((v) => v > version)) return null;
  if (added.length === 0) return { segment: base, added };
  completeMultipart(multipart, checkpoints);
  const cpVersion = Math.max(-1, ...checkpoints.keys());
  const lastCommit = added[added.length - 1];
  const segment: LogSegment =
    cpVersion >= 0
      ? { version, checkpoint: pickCheckpoint(checkpoints.get(cpVersion) as CheckpointRef[]), commits: added.filter((c) => c.version > cpVersion), lastCommit }
      : { version, checkpoint: base.checkpoint, commits: [...base.commits, ...added], lastCommit };
  return { segment, added };
}

/**
 * Commit files in `[from, to]` (inclusive; `to` defaults to the latest),
 * ascending. Versions whose files were cleaned up are simply absent.
 */
export async function listCommits(storage: Storage, opts: { from?: number; to?: number } = {}): Promise<CommitFile[]> {
  const from = opts.from ?? 0;
  const files = await storage.listFrom(LOG_DIR, versionPrefix(from));
  const out: CommitFile[] = [];
  for (const f of files) {
    const p = parseLogPath(f.path);
    if (!p || p.kind !== 'commit' || p.version < from) continue;
    if (opts.to !== undefined && p.version > opts.to) break;
    out.push({ ...f, version: p.version });
  }
  return out;
}
