// The Storage contract every implementation must keep, as uvu tests: run by
// test/delta/storage.test.ts for LocalStorage and MemoryStorage and by
// test/interop/s3.test.ts for S3Storage against a real S3 server.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Storage } from '../../src/delta/storage/storage.ts';
import { dec, enc, rejects } from '../delta/helpers.ts';

/** Runs `fn` with a fresh temp directory, removed afterwards. */
export async function withTemp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'tributary-storage-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Registers the contract's tests; `make` returns an empty storage (it may ignore the temp dir). */
export function storageContract(name: string, make: (dir: string) => Storage): void {
  test(`${name}: read/write/head/delete`, () =>
    withTemp(async (dir) => {
      const s = make(dir);
      assert.is(await s.read('a/b.txt'), null);
      assert.is(await s.head('a/b.txt'), null);
      await s.write('a/b.txt', enc('hello'));
      assert.is(dec(await s.read('a/b.txt')), 'hello');
      const h = await s.head('a/b.txt');
      assert.is(h?.size, 5);
      assert.is(h?.path, 'a/b.txt');
      assert.ok((h?.modificationTime ?? 0) > 0);
      await s.write('a/b.txt', enc('bye'));
      assert.is(dec(await s.read('a/b.txt')), 'bye');
      assert.is(dec(await s.readRange('a/b.txt', 1, 3)), 'ye');
      assert.is((await s.readRange('a/b.txt', 3, 3)).length, 0);
      await s.delete('a/b.txt');
      assert.is(await s.read('a/b.txt'), null);
      await s.delete('a/b.txt'); // deleting a missing object is not an error
    }));

  test(`${name}: readRange past the end is an error`, () =>
    withTemp(async (dir) => {
      const s = make(dir);
      await s.write('x', enc('abc'));
      await rejects(() => s.readRange('x', 1, 10));
    }));

  test(`${name}: putIfAbsent writes once`, () =>
    withTemp(async (dir) => {
      const s = make(dir);
      assert.is(await s.putIfAbsent('_delta_log/00000000000000000000.json', enc('first')), true);
      assert.is(await s.putIfAbsent('_delta_log/00000000000000000000.json', enc('second')), false);
      assert.is(dec(await s.read('_delta_log/00000000000000000000.json')), 'first');
    }));

  test(`${name}: concurrent putIfAbsent has exactly one winner`, () =>
    withTemp(async (dir) => {
      const s = make(dir);
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => s.putIfAbsent('c.json', enc(`w${i}`))));
      assert.is(results.filter(Boolean).length, 1);
      const winner = results.indexOf(true);
      assert.is(dec(await s.read('c.json')), `w${winner}`);
    }));

  test(`${name}: list is recursive and sorted; listFrom starts at a name`, () =>
    withTemp(async (dir) => {
      const s = make(dir);
      for (const p of ['d/2.json', 'd/10.json', 'd/sub/x', 'e/1', 'd/1.json']) await s.write(p, enc(p));
      assert.equal((await s.list('d/')).map((f) => f.path), ['d/1.json', 'd/10.json', 'd/2.json', 'd/sub/x']);
      assert.equal((await s.listFrom('d', '10')).map((f) => f.path), ['d/10.json', 'd/2.json']);
      assert.equal(await s.list('missing/'), []);
      assert.equal(await s.listFrom('missing', ''), []);
      const meta = (await s.list('e/'))[0]!;
      assert.is(meta.size, 3);
      assert.ok(meta.modificationTime > 0);
    }));

  test(`${name}: deleteMany deletes the paths given (missing ones too), nothing else`, () =>
    withTemp(async (dir) => {
      const s = make(dir);
      assert.ok(s.deleteMany, 'every storage here offers bulk deletes');
      const all = ['p/a', 'p/b', 'p/q/c', 'p/q/d', 'r/e'];
      for (const p of all) await s.write(p, enc(p));
      await s.deleteMany!(['p/b', 'p/q/c', 'p/missing', 'r/e'], 2);
      assert.equal((await s.list('')).map((f) => f.path), ['p/a', 'p/q/d']);
      await s.deleteMany!([]);
      assert.equal((await s.list('')).map((f) => f.path), ['p/a', 'p/q/d']);
    }));
}
