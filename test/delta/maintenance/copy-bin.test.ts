// Bin-packing by row-group copy: on local storage the row groups are copied
// file to file (footers from ranged reads of the tails); the result is byte
// for byte the file the in-memory path assembles, and a footer larger than
// the first tail read is fetched whole.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { loadSnapshot } from '../../../src/delta/snapshot.ts';
import { LocalStorage } from '../../../src/delta/storage/local-storage.ts';
import { MemoryStorage } from '../../../src/delta/storage/memory-storage.ts';
import { fromAddPath } from '../../../src/delta/partition-values.ts';
import type { Storage } from '../../../src/delta/storage/storage.ts';
import { copyBin } from '../../../src/delta/maintenance/copy-bin.ts';
import { planBins } from '../../../src/delta/maintenance/bin-pack.ts';
import { readFooter, readFooterOf, schemaKey } from '../../../src/delta/maintenance/rowgroup-copy.ts';
import { buildTable, duckRows, duckTableRows, expectedKeys, tempTableDir } from './helpers.ts';

test('the streamed copy writes exactly the bytes the in-memory copy assembles', async () => {
  const dir = tempTableDir('copybin');
  const { rows } = await buildTable(dir, 9, 400);
  const local = new LocalStorage(dir);
  const snap = await loadSnapshot(local);
  const [bin] = planBins(snap.files(), 64 << 20);
  assert.is(bin.files.length, 9);
  // The same files in a storage without descriptors: read whole, assembled in memory.
  const memory = new MemoryStorage();
  for (const f of bin.files) await memory.write(fromAddPath(f.path), readFileSync(join(dir, fromAddPath(f.path))));
  assert.is((memory as Storage).readFile, undefined);

  const streamed = await copyBin(local, snap, bin);
  const inMemory = await copyBin(memory, snap, bin);
  assert.ok(streamed && inMemory);
  assert.is(streamed.rows, rows.length);
  assert.is(inMemory.rows, rows.length);
  const a = readFileSync(join(dir, fromAddPath(streamed.add.path)));
  const b = (await memory.read(fromAddPath(inMemory.add.path)))!;
  assert.is(streamed.add.size, a.length);
  assert.ok(Buffer.from(b).equals(a), 'identical files');
  assert.is(streamed.add.stats, inMemory.add.stats);
  assert.equal(await duckTableRows(dir, [streamed.add]), expectedKeys(rows));
});

test('a footer larger than the first tail read is read whole; a truncated file is refused by name', async () => {
  const dir = tempTableDir('widefooter');
  mkdirSync(dir, { recursive: true });
  // 400 columns: a footer of tens of KiB.
  const cols = Array.from({ length: 400 }, (_, i) => `i::BIGINT + ${i} AS column_with_a_long_name_${i}`).join(', ');
  const path = join(dir, 'wide.parquet');
  await duckRows(`COPY (SELECT ${cols} FROM range(0, 100) t(i)) TO '${path}' (FORMAT parquet)`);
  const bytes = new Uint8Array(readFileSync(path));
  const len = new DataView(bytes.buffer, bytes.byteOffset).getUint32(bytes.length - 8, true);
  assert.ok(len > 8 * 1024, `footer of ${len} bytes`);
  const ranged = await readFooterOf(new LocalStorage(dir), 'wide.parquet', bytes.length, 'wide.parquet');
  const whole = readFooter(bytes, 'wide.parquet');
  assert.is(ranged.numRows, 100);
  assert.is(ranged.size, bytes.length);
  assert.is(schemaKey(ranged), schemaKey(whole));

  writeFileSync(join(dir, 'cut.parquet'), bytes.subarray(0, bytes.length - 3));
  try {
    await readFooterOf(new LocalStorage(dir), 'cut.parquet', bytes.length - 3, 'Data file cut.parquet');
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, /Data file cut.parquet is not a Parquet file/);
  }
});

test('LocalStorage copies byte ranges into a descriptor in order and reads ranges in bulk; past the end is an error naming the file', async () => {
  const dir = tempTableDir('copyranges');
  mkdirSync(dir, { recursive: true });
  const src = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));
  writeFileSync(join(dir, 'src'), src);
  writeFileSync(join(dir, 'other'), Buffer.from('0123456789'));
  const storage = new LocalStorage(dir);
  const output = openSync(join(dir, 'dst'), 'w');
  try {
    writeSync(output, Buffer.from('head'));
    await storage.copyRangesInto(output, [
      { path: 'src', start: 100, end: 3100 },
      { path: 'other', start: 2, end: 5 },
      { path: 'src', start: 0, end: 10 },
    ]);
    await storage.copyRangesInto(output, [{ path: 'src', start: 4990, end: 5005 }]).then(
      () => assert.unreachable('a range past the end must fail'),
      (err: Error) => assert.match(err.message, /src: input ended 5 bytes before/),
    );
    await storage.copyRangesInto(output, [{ path: 'gone', start: 0, end: 1 }]).then(
      () => assert.unreachable('a missing file must fail'),
      (err: NodeJS.ErrnoException) => assert.is(err.code, 'ENOENT'),
    );
  } finally {
    closeSync(output);
  }
  const got = readFileSync(join(dir, 'dst'));
  // The failed copy appended the 10 bytes it could read before failing; the caller discards such a file.
  assert.ok(got.subarray(0, 3017).equals(Buffer.concat([Buffer.from('head'), src.subarray(100, 3100), Buffer.from('234'), src.subarray(0, 10)])));

  const [a, b, c] = await storage.readRanges([
    { path: 'src', start: 10, end: 20 },
    { path: 'other', start: 0, end: 10 },
    { path: 'src', start: 4990, end: 5000 },
  ]);
  assert.ok(Buffer.from(a).equals(src.subarray(10, 20)));
  assert.is(Buffer.from(b).toString(), '0123456789');
  assert.ok(Buffer.from(c).equals(src.subarray(4990)));
  await storage.readRanges([{ path: 'other', start: 5, end: 11 }]).then(
    () => assert.unreachable('a range past the end must fail'),
    (err: Error) => assert.match(err.message, /past the end of .*other \(read 5 bytes\)/),
  );
  await storage.readRanges([{ path: 'other', start: 5, end: 4 }]).then(
    () => assert.unreachable('a reversed range must fail'),
    (err: Error) => assert.match(err.message, /Invalid byte range \[5, 4\) for other/),
  );
});

test.run();
