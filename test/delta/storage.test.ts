import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { readdir, writeFile, mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalStorage, MemoryStorage } from '../../src/delta/storage/index.ts';
import { toArrayBuffer } from '../../src/delta/parquet-file.ts';
import { dec, enc, rejects } from './helpers.ts';
import { storageContract, withTemp } from '../support/storage-contract.ts';


storageContract('LocalStorage', (dir) => new LocalStorage(dir));
storageContract('MemoryStorage', () => new MemoryStorage());

test('LocalStorage: paths cannot escape the root', () =>
  withTemp(async (dir) => {
    const s = new LocalStorage(join(dir, 'table'));
    await rejects(() => s.read('../outside'), /escapes the storage root/);
    // A bulk delete with one bad path deletes nothing.
    await s.write('kept', enc('x'));
    await writeFile(join(dir, 'outside'), 'y');
    await rejects(() => s.deleteMany(['kept', '../outside']), /escapes the storage root|is not a plain relative path/);
    assert.equal((await s.list('')).map((f) => f.path), ['kept']);
    assert.equal((await readdir(dir)).sort(), ['outside', 'table']);
  }));

test('LocalStorage: a read that fails names the path and carries the fs error code', () =>
  withTemp(async (dir) => {
    const s = new LocalStorage(dir);
    await s.write('d/x', enc('x'));
    const err = (await rejects(() => s.read('d'), /EISDIR/)) as NodeJS.ErrnoException;
    assert.is(err.code, 'EISDIR');
    assert.match(err.message, /'[^']*\/d'/);
    assert.is(await s.read('d/missing'), null);
    assert.is(dec(await s.read('d/x')), 'x');
  }));

test('LocalStorage: deleteMany names the files it could not delete and deletes the rest', () =>
  withTemp(async (dir) => {
    const s = new LocalStorage(dir);
    for (const p of ['a', 'b', 'd/x']) await s.write(p, enc(p));
    // A non-empty directory cannot be unlinked.
    await rejects(() => s.deleteMany(['a', 'd', 'b']), /Could not delete 1 file\(s\) under .*: d: /);
    assert.equal((await s.list('')).map((f) => f.path), ['d/x']);
  }));

test('LocalStorage: temp files never appear in listings and are cleaned up', () =>
  withTemp(async (dir) => {
    const s = new LocalStorage(dir);
    await s.putIfAbsent('_delta_log/00000000000000000000.json', enc('x'));
    await s.putIfAbsent('_delta_log/00000000000000000000.json', enc('y'));
    await s.write('_delta_log/_last_checkpoint', enc('{}'));
    assert.equal((await readdir(join(dir, '_delta_log'))).sort(), ['00000000000000000000.json', '_last_checkpoint']);
  }));

test('LocalStorage: a failed write names the path and the error, and leaves no temp file', () =>
  withTemp(async (dir) => {
    const s = new LocalStorage(dir);
    await writeFile(join(dir, 'plain'), 'a file, not a directory');
    // Writing below a file: ENOTDIR from the (native or fs) open, as Node reports it.
    for (const op of [() => s.write('plain/x.bin', enc('x')), () => s.putIfAbsent('plain/y.json', enc('y'))]) {
      const err = await op().then(() => null, (e: NodeJS.ErrnoException) => e);
      assert.ok(err, 'the write fails');
      assert.is(err!.code, 'ENOTDIR');
      assert.match(err!.message, /plain/);
    }
    await s.write('deep/new/dir/z.bin', enc('z'));
    assert.is(dec(await s.read('deep/new/dir/z.bin')), 'z', 'missing directories are created');
    await s.write('deep/new/dir/z.bin', enc('zz'));
    assert.is(dec(await s.read('deep/new/dir/z.bin')), 'zz', 'write replaces');
    assert.is(await s.putIfAbsent('deep/new/dir/z.bin', enc('q')), false, 'putIfAbsent leaves an existing object');
    assert.equal((await readdir(join(dir, 'deep/new/dir'))).sort(), ['z.bin']);
    assert.equal((await readdir(dir)).sort(), ['deep', 'plain']);
  }));

test('LocalStorage: listFrom lists regular files from a name on, sorted, with sizes and times; no temp files, directories or links', () =>
  withTemp(async (dir) => {
    const s = new LocalStorage(dir);
    for (const name of ['00000000000000000002.json', '00000000000000000000.json', '00000000000000000001.json', '_last_checkpoint']) await s.write(`_delta_log/${name}`, enc(name));
    await mkdir(join(dir, '_delta_log', '00000000000000000003.dir'));
    await writeFile(join(dir, '_delta_log', '.tributary-00000000000000000004.json.x.tmp'), 'partial');
    await symlink(join(dir, '_delta_log', '_last_checkpoint'), join(dir, '_delta_log', '00000000000000000005.json'));
    const all = await s.listFrom('_delta_log/', '');
    assert.equal(all.map((f) => f.path), ['_delta_log/00000000000000000000.json', '_delta_log/00000000000000000001.json', '_delta_log/00000000000000000002.json', '_delta_log/_last_checkpoint']);
    assert.equal(all.map((f) => f.size), [25, 25, 25, 16]);
    assert.ok(all.every((f) => Math.abs(f.modificationTime - Date.now()) < 60_000), 'modification times in ms');
    assert.equal((await s.listFrom('_delta_log', '00000000000000000001.json')).map((f) => f.path), ['_delta_log/00000000000000000001.json', '_delta_log/00000000000000000002.json', '_delta_log/_last_checkpoint']);
    assert.equal(await s.listFrom('missing', ''), []);
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

test('MemoryStorage and toArrayBuffer: a Node Buffer view is copied, not aliased (its slice() is a view)', async () => {
  const s = new MemoryStorage();
  const pool = Buffer.from('xxxxHELLO-WORLDyyyy');
  const view = pool.subarray(4, 15); // 'HELLO-WORLD' inside a larger allocation
  await s.write('k', view);
  pool.fill(0x7a);
  assert.is(dec(await s.read('k')), 'HELLO-WORLD');
  assert.is(dec(await s.readRange('k', 6, 11)), 'WORLD');
  const ab = toArrayBuffer(Buffer.from('..abc..').subarray(2, 5));
  assert.is(ab.byteLength, 3);
  assert.is(dec(new Uint8Array(ab)), 'abc');
});

test.run();
