// Bin-packing by row-group copy: on local storage the row groups are copied
// file to file (footers from ranged reads of the tails); the result is byte
// for byte the file the in-memory path assembles, and a footer larger than
// the first tail read is fetched whole.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { native } from '../../../src/native/addon.ts';
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

test('copyRange appends a byte range at the output offset and refuses a range past the end of the input', async () => {
  const dir = tempTableDir('copyrange');
  mkdirSync(dir, { recursive: true });
  const src = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));
  writeFileSync(join(dir, 'src'), src);
  const copy = (native as unknown as { copyRange(i: number, o: number, s: number, n: number): Promise<void> }).copyRange;
  const input = openSync(join(dir, 'src'), 'r');
  const output = openSync(join(dir, 'dst'), 'w');
  try {
    writeSync(output, Buffer.from('head'));
    await copy(input, output, 100, 3000);
    await copy(input, output, 0, 10);
    await copy(input, output, 4990, 15).then(
      () => assert.unreachable('a range past the end must fail'),
      (err: Error) => assert.match(err.message, /input ended 5 bytes before/),
    );
  } finally {
    closeSync(input);
    closeSync(output);
  }
  const got = readFileSync(join(dir, 'dst'));
  // The failed copy appended the 10 bytes it could read before failing; the caller discards such a file.
  assert.ok(got.subarray(0, 3014).equals(Buffer.concat([Buffer.from('head'), src.subarray(100, 3100), src.subarray(0, 10)])));
});

test.run();
