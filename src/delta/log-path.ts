// Names of the files in `_delta_log/`, per PROTOCOL.md "Delta Log Entries":
//   00000000000000000010.json                          commit (version 10)
//   00000000000000000010.checkpoint.parquet            classic checkpoint
//   00000000000000000010.checkpoint.0000000001.0000000003.parquet   multi-part
//   00000000000000000010.checkpoint.<uuid>.json|parquet V2 (UUID-named) checkpoint
//   00000000000000000010.crc                           version checksum
//   00000000000000000004.00000000000000000010.compacted.json   log compaction
//   _last_checkpoint, _sidecars/<file>, _staged_commits/ (ignored here)

/** Directory of the transaction log, relative to the table root. */
export const LOG_DIR = '_delta_log';
/** The `_last_checkpoint` hint file. */
export const LAST_CHECKPOINT_PATH = `${LOG_DIR}/_last_checkpoint`;
/** Directory of V2 checkpoint sidecar files. */
export const SIDECAR_DIR = `${LOG_DIR}/_sidecars`;

/** Zero-pads a version to the 20 digits log file names use. */
export function versionPrefix(version: number): string {
  if (!Number.isSafeInteger(version) || version < 0) {
    throw new Error(`Invalid Delta table version: ${version}`);
  }
  return String(version).padStart(20, '0');
}

/** Path of the commit file for `version`, e.g. `_delta_log/00000000000000000003.json`. */
export function commitPath(version: number): string {
  return `${LOG_DIR}/${versionPrefix(version)}.json`;
}

/** Path of the `.crc` checksum file for `version`. */
export function checksumPath(version: number): string {
  return `${LOG_DIR}/${versionPrefix(version)}.crc`;
}

/** Path of a classic single-file checkpoint. */
export function classicCheckpointPath(version: number): string {
  return `${LOG_DIR}/${versionPrefix(version)}.checkpoint.parquet`;
}

/** Paths of the parts of a multi-part checkpoint (parts are numbered from 1). */
export function multiPartCheckpointPaths(version: number, parts: number): string[] {
  const out: string[] = [];
  for (let i = 1; i <= parts; i++) {
    out.push(`${LOG_DIR}/${versionPrefix(version)}.checkpoint.${pad10(i)}.${pad10(parts)}.parquet`);
  }
  return out;
}

/** Path of a V2 (UUID-named) checkpoint. */
export function v2CheckpointPath(version: number, uuid: string, format: 'json' | 'parquet'): string {
  return `${LOG_DIR}/${versionPrefix(version)}.checkpoint.${uuid}.${format}`;
}

/** Path of a sidecar file named in a V2 checkpoint's `sidecar` action (a file name or a relative URI). */
export function sidecarPath(name: string): string {
  return name.includes('/') ? `${LOG_DIR}/${name}` : `${SIDECAR_DIR}/${name}`;
}

/** A recognized `_delta_log` file. */
export type LogFile =
  | { kind: 'commit'; version: number; path: string }
  | { kind: 'checksum'; version: number; path: string }
  | { kind: 'compaction'; version: number; endVersion: number; path: string }
  | { kind: 'checkpoint'; version: number; path: string; format: 'classic' }
  | { kind: 'checkpoint'; version: number; path: string; format: 'multipart'; part: number; parts: number }
  | { kind: 'checkpoint'; version: number; path: string; format: 'v2'; uuid: string; fileType: 'json' | 'parquet' };

const COMMIT_RE = /^(\d{20})\.json$/;
const CHECKSUM_RE = /^(\d{20})\.crc$/;
const COMPACTION_RE = /^(\d{20})\.(\d{20})\.compacted\.json$/;
const CLASSIC_RE = /^(\d{20})\.checkpoint\.parquet$/;
const MULTIPART_RE = /^(\d{20})\.checkpoint\.(\d{10})\.(\d{10})\.parquet$/;
const V2_RE = /^(\d{20})\.checkpoint\.([0-9a-fA-F-]{36})\.(json|parquet)$/;

/**
 * Classifies a path under `_delta_log/` (full relative path or bare file
 * name). Returns `null` for anything else: `_last_checkpoint`, sidecars,
 * staged commits, temp files.
 *
 * @example
 * parseLogPath('_delta_log/00000000000000000007.json') // { kind: 'commit', version: 7, ... }
 */
export function parseLogPath(path: string): LogFile | null {
  const slash = path.lastIndexOf('/');
  const dir = slash < 0 ? '' : path.slice(0, slash);
  // Only direct children of _delta_log; `_staged_commits/` and `_sidecars/` are not log entries.
  if (dir !== '' && dir !== LOG_DIR && !dir.endsWith(`/${LOG_DIR}`)) return null;
  const name = path.slice(slash + 1);
  let m: RegExpExecArray | null;
  if ((m = COMMIT_RE.exec(name))) return { kind: 'commit', version: Number(m[1]), path };
  if ((m = CLASSIC_RE.exec(name))) return { kind: 'checkpoint', version: Number(m[1]), path, format: 'classic' };
  if ((m = MULTIPART_RE.exec(name))) {
    const part = Number(m[2]);
    const parts = Number(m[3]);
    if (part < 1 || part > parts) return null;
    return { kind: 'checkpoint', version: Number(m[1]), path, format: 'multipart', part, parts };
  }
  if ((m = V2_RE.exec(name))) {
    return { kind: 'checkpoint', version: Number(m[1]), path, format: 'v2', uuid: m[2], fileType: m[3] as 'json' | 'parquet' };
  }
  if ((m = CHECKSUM_RE.exec(name))) return { kind: 'checksum', version: Number(m[1]), path };
  if ((m = COMPACTION_RE.exec(name))) {
    return { kind: 'compaction', version: Number(m[1]), endVersion: Number(m[2]), path };
  }
  return null;
}

/** Version of a commit file path, or `null` when the path is not a commit file. */
export function commitVersion(path: string): number | null {
  const f = parseLogPath(path);
  return f && f.kind === 'commit' ? f.version : null;
}

function pad10(n: number): string {
  return String(n).padStart(10, '0');
}
