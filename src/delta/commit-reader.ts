// Reads commit files: newline-delimited JSON, one action per line.

import { isAscii } from 'node:buffer';
import type { Action } from './actions.ts';
import type { Storage } from './storage/storage.ts';
import { CorruptLogError, VersionNotFoundError } from './errors.ts';
import { commitPath } from './log-path.ts';

const decoder = new TextDecoder();

/**
 * The actions of commit `version`, in file order.
 *
 * @example
 * const actions = await readCommit(storage, 0); // [{ protocol }, { metaData }, { add }, ...]
 */
export async function readCommit(storage: Storage, version: number): Promise<Action[]> {
  const path = commitPath(version);
  const bytes = await storage.read(path);
  if (!bytes) throw new VersionNotFoundError(`Commit ${version} of Delta table ${storage.root} does not exist (${path})`);
  return parseActions(bytes, `${storage.root}/${path}`);
}

/**
 * The text of a commit file. Logs are ASCII almost always (non-ASCII paths
 * are percent-encoded, and JSON escapes the rest only optionally): such bytes
 * become a Latin-1 string, which Node keeps outside the V8 heap above 1 MB —
 * replaying a large commit then neither copies it into the heap nor starts a
 * major GC for it, as a UTF-8 decode does.
 */
function decodeText(bytes: Uint8Array): string {
  return isAscii(bytes) ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1') : decoder.decode(bytes);
}

/** Parses newline-delimited JSON actions; `where` names the file in errors. */
export function parseActions(bytes: Uint8Array, where: string): Action[] {
  const text = decodeText(bytes);
  const out: Action[] = [];
  let lineNo = 0;
  for (const line of text.split('\n')) {
    lineNo++;
    const trimmed = line.trim();
    if (trimmed === '') continue;
    let obj: unknown;
    try {
      obj = JSON.parse(trimmed);
    } catch (err) {
      throw new CorruptLogError(`Invalid JSON on line ${lineNo} of ${where}: ${(err as Error).message}`);
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
      throw new CorruptLogError(`Line ${lineNo} of ${where} is not an action object`);
    }
    // Unknown action types are skipped, as the protocol requires of readers.
    out.push(obj as Action);
  }
  return out;
}
