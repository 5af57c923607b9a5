import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import {
  crc32, tableCrc32, decodeUuidPath, deletionVectorPath, parseRoaringBitmapArray, readDeletionVector, z85Decode,
} from '../../src/delta/deletion-vector.ts';
import { loadSnapshot } from '../../src/delta/snapshot.ts';
import { LocalStorage, MemoryStorage } from '../../src/delta/storage/index.ts';
import { FIXTURES, haveFixtures, rejects } from './helpers.ts';

test('z85 decodes the ZeroMQ RFC 32 test vector', () => {
  // RFC 32: bytes 86 4F D2 6F B5 59 F7 5B encode to "HelloWorld".
  assert.equal([...z85Decode('HelloWorld')], [0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]);
  assert.throws(() => z85Decode('abc'), /multiple of 5/);
  assert.throws(() => z85Decode('abcd~'), /Invalid Z85 character/);
});

test('relative-path descriptor from PROTOCOL.md example 1', () => {
  const dv = { storageType: 'u' as const, pathOrInlineDv: 'ab^-aqEH.-t@S}K{vb[*k^', offset: 4, sizeInBytes: 40, cardinality: 6 };
  assert.equal(decodeUuidPath(dv.pathOrInlineDv), { prefix: 'ab', uuid: 'd2c639aa-8816-431a-aaf6-d3fe2512ff61' });
  assert.is(deletionVectorPath(dv), 'ab/deletion_vector_d2c639aa-8816-431a-aaf6-d3fe2512ff61.bin');
});

test('inline descriptor from PROTOCOL.md example 3 holds rows 3, 4, 7, 11, 18, 29', async () => {
  const dv = { storageType: 'i' as const, pathOrInlineDv: 'wi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L', sizeInBytes: 40, cardinality: 6 };
  assert.equal([...(await readDeletionVector(new MemoryStorage(), dv))], [3, 4, 7, 11, 18, 29]);
  // A wrong cardinality in the log is reported, not silently accepted.
  await rejects(() => readDeletionVector(new MemoryStorage(), { ...dv, cardinality: 5 }), /holds 6 rows, the log says 5/);
});

test('crc32 matches the standard check value', () => {
  assert.is(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  assert.is(tableCrc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  const bytes = Uint8Array.from({ length: 70000 }, (_, i) => (i * 131) & 0xff);
  assert.is(tableCrc32(bytes), crc32(bytes));
});

test('roaring: array, bitmap and run containers', () => {
  // Hand-assembled portable serializations (RoaringFormatSpec), one per container kind.
  const le32 = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];
  const le16 = (n: number) => [n & 0xff, (n >> 8) & 0xff];
  const wrap = (bitmap32: number[]) => new Uint8Array([...le32(1681511377), ...le32(1), ...le32(0), ...le32(0), ...bitmap32]);
  // run container: cookie 12347 with size-1 = 0 in the high 16 bits, run flag bit 0 set; runs [(5, len 3)] → 5..8
  const run = [...le32(12347), 1, ...le16(0), ...le16(3), ...le16(1), ...le16(5), ...le16(3)];
  assert.equal([...parseRoaringBitmapArray(wrap(run))], [5, 6, 7, 8]);
  // array container without runs: cookie 12346, size 1, key 1 (values + 65536), cardinality 2, offsets
  const arr = [...le32(12346), ...le32(1), ...le16(1), ...le16(1), ...le32(0), ...le16(2), ...le16(9)];
  assert.equal([...parseRoaringBitmapArray(wrap(arr))], [65538, 65545]);
  // bitmap container: cardinality 4097 (> 4096) → 8 KiB of bits; set bits 0..4096
  const bits = new Uint8Array(8192);
  for (let v = 0; v <= 4096; v++) bits[v >> 3] |= 1 << (v & 7);
  const bm = [...le32(12346), ...le32(1), ...le16(0), ...le16(4096), ...le32(0), ...bits];
  const rows = parseRoaringBitmapArray(wrap(bm));
  assert.is(rows.length, 4097);
  assert.is(rows[4096], 4096);
  assert.throws(() => parseRoaringBitmapArray(new Uint8Array(16)), /magic number/);
});

if (haveFixtures('deletion vector fixtures')) {
  test('on-disk DVs of fixture tables decode to their logged cardinalities, sorted and in range', async () => {
    for (const name of ['delta-golden/dv-partitioned-with-checkpoint', 'delta-golden/dv-with-columnmapping', 'delta-rs/table-with-dv-small', 'delta-golden/log-replay-dv-key-cases']) {
      const storage = new LocalStorage(join(FIXTURES, name));
      const snap = await loadSnapshot(storage);
      let seen = 0;
      for (const f of snap.files()) {
        if (!f.deletionVector) continue;
        seen++;
        const rows = await readDeletionVector(storage, f.deletionVector);
        assert.is(rows.length, f.deletionVector.cardinality);
        const numRecords = (JSON.parse(f.stats ?? '{}') as { numRecords: number }).numRecords;
        for (let i = 0; i < rows.length; i++) {
          assert.ok(rows[i] < numRecords, `${name}: row ${rows[i]} beyond ${numRecords}`);
          if (i > 0) assert.ok(rows[i] > rows[i - 1]);
        }
      }
      assert.ok(seen > 0, `${name} has DVs`);
    }
  });

  test('a corrupted DV file fails its checksum with a clear error', async () => {
    const src = new LocalStorage(join(FIXTURES, 'delta-rs/table-with-dv-small'));
    const snap = await loadSnapshot(src);
    const dv = snap.files().find((f) => f.deletionVector)?.deletionVector;
    assert.ok(dv && dv.storageType === 'u');
    const mem = new MemoryStorage();
    const path = deletionVectorPath(dv!);
    const bytes = (await src.read(path)) as Uint8Array;
    bytes[(dv!.offset ?? 0) + 4 + 10] ^= 0xff;
    await mem.write(path, bytes);
    await rejects(() => readDeletionVector(mem, dv!), /CRC-32/);
  });
}

test.run();
