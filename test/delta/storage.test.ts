import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStorage, MemoryStorage, type Storage } from '../../src/delta/storage/index.ts';

import { dec, enc, rejects } from './helpers.ts';

async function withTemp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'tributary-storage-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// The same contract, checked against both implementations.
function contract(name: string, make: (dir: string) => Storage): void {
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
    }));
}

contract('LocalStorage', (dir) => new LocalStorage(dir));
contract('MemoryStorage', () => new MemoryStorage());

test('LocalStorage: paths cannot escape the root', () =>
  withTemp(async (dir) => {
    const s = new LocalStorage(join(dir, 'table'));
    await rejects(() => s.read('../outside'), /escapes the storage root/);
  }));

test('LocalStorage: temp files never appear in listings and are cleaned up', () =>
  withTemp(async (dir) => {
    const s = new LocalStorage(dir);
    await s.putIfAbsent('_delta_log/00000000000000000000.json', enc('x'));
    await s.putIfAbsent('_delta_log/00000000000000000000.json', enc('y'));
    await s.write('_delta_log/_last_checkpoint', enc('{}'));
    assert.equal((await readdir(join(dir, '_delta_log'))).sort(), ['00000000000000000000.json', '_last_checkpoint']);
  }));

test('LocalStorage: putIfAbsent races between processes have one winner', () =>
  withTemp(async (dir) => {
    // Each child process tries to create the same commit file; run 4 at once, 2 rounds.
    const script = join(dir, 'race.mts');
    const storageUrl = new URL('../../src/delta/storage/local-storage.ts', import.meta.url).href;
    await writeFile(
      script,
      `import { LocalStorage } from ${JSON.stringify(storageUrl)};
const [root, path, id] = process.argv.slice(2);
const ok = await new LocalStorage(root).putIfAbsent(path, new TextEncoder().encode('writer-' + id + '-' + 'x'.repeat(200000)));
process.stdout.write(ok ? 'won' : 'lost');`,
    );
    await mkdir(join(dir, 't'));
    const tsx = new URL('../../node_modules/tsx/dist/cli.mjs', import.meta.url).pathname;
    for (let round = 0; round < 2; round++) {
      const path = `_delta_log/${String(round).padStart(20, '0')}.json`;
      const outs = await Promise.all(
        Array.from({ length: 4 }, (_, i) =>
          new Promise<string>((resolve, reject) => {
            const p = spawn(process.execPath, [tsx, script, join(dir, 't'), path, String(i)]);
            let out = '';
            let err = '';
            p.stdout.on('data', (d) => (out += d));
            p.stderr.on('data', (d) => (err += d));
            p.on('error', reject);
            p.on('close', () => resolve(out || err));
          }),
        ),
      );
      assert.is(outs.filter((o) => o === 'won').length, 1, `round ${round}: ${outs.join(',')}`);
      assert.is(outs.filter((o) => o === 'lost').length, 3);
      const content = dec(await new LocalStorage(join(dir, 't')).read(path)) ?? '';
      assert.is(content, `writer-${outs.indexOf('won')}-${'x'.repeat(200000)}`);
    }
  }));

test('MemoryStorage: copies bytes in and out', async () => {
  const s = new MemoryStorage();
  const b = enc('abc');
  await s.write('k', b);
  b[0] = 0;
  const r = (await s.read('k')) as Uint8Array;
  r[1] = 0;
  assert.is(dec(await s.read('k')), 'abc');
});

test.run();
