// Shared helpers of the Delta read tests.

import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';

/** Root of the shared Delta fixtures; tests skip (saying so) when it is absent. */
export const FIXTURES = '/work/shared/fixtures/delta';

/** True when the fixture folder exists; otherwise prints why tests are skipped. */
export function haveFixtures(what: string): boolean {
  if (existsSync(FIXTURES)) return true;
  console.log(`SKIP ${what}: fixture folder ${FIXTURES} is absent`);
  return false;
}

/** Asserts that `fn` rejects, with a message matching `re` when given; returns the error. */
export async function rejects(fn: () => Promise<unknown>, re?: RegExp): Promise<Error> {
  try {
    await fn();
  } catch (err) {
    if (re) assert.match((err as Error).message, re);
    return err as Error;
  }
  assert.unreachable('expected a rejection');
  throw new Error('unreachable');
}

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
export const dec = (b: Uint8Array | null): string | null => (b === null ? null : new TextDecoder().decode(b));
