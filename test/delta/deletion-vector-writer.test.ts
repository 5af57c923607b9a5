// The deletion vector encoder: RoaringBitmapArrays (array and bitmap
// containers, several containers), Z85 (the RFC 32 test vector), UUID paths,
// and .bin files / inline descriptors read back by the decoder that is
// itself checked against Spark-written vectors (deletion-vector.test.ts).
// Python deltalake reading merged tables with both kinds is in test/cdc/merge.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  encodeUuidPath, serializeRoaringBitmapArray, unionRows, writeDeletionVectors, z85Encode,
} from '../../src/delta/deletion-vector-writer.ts';
import { decodeUuidPath, deletionVectorPath, parseRoaringBitmapArray, readDeletionVector, z85Decode } from '../../src/delta/deletion-vector.ts';
import { MemoryStorage } from '../../src/delta/storage/memory-storage.ts';

function sortedUnique(values: number[]): Uint32Array {
  return Uint32Array.from([...new Set(values)].sort((a, b) => a - b));
}

function rand(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) >>> 0) / 4294967296);
}

test('Z85 matches the RFC 32 test vector and round-trips', () => {
  const hello = Uint8Array.of(0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b);
  assert.is(z85Encode(hello), 'HelloWorld');
  const r = rand(1);
  const bytes = Uint8Array.from({ length: 64 }, () => Math.floor(r() * 256));
  assert.equal(z85Decode(z85Encode(bytes)), bytes);
  assert.throws(() => z85Encode(Uint8Array.of(1, 2, 3)), /multiple of 4/);
});

test('UUID paths decode to the UUID and file name they encode', () => {
  const uuid = 'd2c639aa-8816-431a-aaf6-d3fe2512ff61';
  const p = encodeUuidPath(uuid);
  assert.is(p.length, 20);
  assert.equal(decodeUuidPath(p), { prefix: '', uuid });
  assert.equal(decodeUuidPath(encodeUuidPath(uuid, 'ab')), { prefix: 'ab', uuid });
  assert.is(deletionVectorPath({ storageType: 'u', pathOrInlineDv: p, offset: 1, sizeInBytes: 1, cardinality: 1 }), `deletion_vector_${uuid}.bin`);
});

test('bitmaps round-trip: empty, sparse, dense (bitmap containers), many containers', () => {
  const r = rand(7);
  const cases: Uint32Array[] = [
    new Uint32Array(0),
    Uint32Array.of(0),
    Uint32Array.of(3, 7, 65535, 65536, 70000),
    sortedUnique(Array.from({ length: 5000 }, () => Math.floor(r() * 60000))), // > 4096 in one container
    sortedUnique(Array.from({ length: 3000 }, () => Math.floor(r() * 2 ** 24))), // hundreds of containers
    Uint32Array.from({ length: 70000 }, (_, i) => i), // full containers
    Uint32Array.of(4294967295),
  ];
  for (const rows of cases) {
    const bytes = serializeRoaringBitmapArray(rows);
    assert.equal(parseRoaringBitmapArray(bytes), rows, `round trip of ${rows.length} rows`);
  }
  // An array container costs 2 bytes a row; a bitmap container a fixed 8 KiB.
  const sparse = serializeRoaringBitmapArray(Uint32Array.of(1, 2, 3));
  const dense = serializeRoaringBitmapArray(Uint32Array.from({ length: 5000 }, (_, i) => i));
  assert.is(sparse.length, 12 + 4 + 8 + 8 + 6);
  assert.is(dense.length, 12 + 4 + 8 + 8 + 8192);
  assert.throws(() => serializeRoaringBitmapArray(Uint32Array.of(5, 5)), /ascending and distinct/);
});

test('several vectors in one .bin file, each read back through its descriptor (CRC checked)', async () => {
  const storage = new MemoryStorage('/mem/t');
  const lists = [Uint32Array.of(1, 2, 3), Uint32Array.from({ length: 5000 }, (_, i) => i * 3), Uint32Array.of(42)];
  const { descriptors, file } = await writeDeletionVectors(storage, lists);
  assert.ok(file && /^deletion_vector_[0-9a-f-]{36}\.bin$/.test(file));
  assert.is(descriptors[0].offset, 1, 'the first entry follows the version byte');
  for (let i = 0; i < lists.length; i++) {
    assert.is(descriptors[i].storageType, 'u');
    assert.is(descriptors[i].cardinality, lists[i].length);
    assert.equal(await readDeletionVector(storage, descriptors[i]), lists[i]);
  }
  // Corrupting a bitmap byte is caught by the checksum.
  const bytes = (await storage.read(file!))!;
  bytes[descriptors[0].offset! + 4 + 2] ^= 0xff;
  await storage.write(file!, bytes);
  await readDeletionVector(storage, descriptors[0]).then(
    () => assert.unreachable('corruption must be detected'),
    (err: Error) => assert.match(err.message, /CRC-32/),
  );
});

test('small vectors go inline under the threshold; no file is written for them', async () => {
  const storage = new MemoryStorage('/mem/t2');
  const lists = [Uint32Array.of(9, 10), Uint32Array.from({ length: 100 }, (_, i) => i)];
  const { descriptors, file } = await writeDeletionVectors(storage, lists, { inlineThreshold: 64 });
  assert.is(descriptors[0].storageType, 'i');
  assert.is(descriptors[1].storageType, 'u');
  assert.ok(file);
  assert.equal(await readDeletionVector(storage, descriptors[0]), lists[0]);
  assert.equal(await readDeletionVector(storage, descriptors[1]), lists[1]);
  const allInline = await writeDeletionVectors(new MemoryStorage('/mem/t3'), [lists[0]], { inlineThreshold: 64 });
  assert.is(allInline.file, null);
});

test('unionRows merges ascending lists without duplicates', () => {
  assert.equal(unionRows(Uint32Array.of(1, 4, 9), Uint32Array.of(0, 4, 10)), Uint32Array.of(0, 1, 4, 9, 10));
  assert.equal(unionRows(new Uint32Array(0), Uint32Array.of(2)), Uint32Array.of(2));
});

test.run();
