// Round-trips every native codec and cross-checks it against independent
// implementations in both directions: node's zlib (gzip, brotli), hyparquet's
// JS Snappy decoder and hyparquet-writer's Snappy encoder, fzstd's zstd decoder
// (via hyparquet-compressors), plus blocks built by hand from the format specs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { brotliCompressSync, brotliDecompressSync, deflateSync, gunzipSync, gzipSync, constants } from 'node:zlib';
import { snappyUncompress } from 'hyparquet';
import { snappyCompress } from 'hyparquet-writer/src/snappy.js';
import { decompressZstd } from 'hyparquet-compressors';
import { compressBlock, decompressBlock, codecIds } from '../../src/parquet/codec.ts';
import { native } from '../../src/native/addon.ts';
import type { ParquetCompression } from '../../src/parquet/types.ts';
import { prng } from '../support/prng.ts';

const codecs: ParquetCompression[] = ['uncompressed', 'snappy', 'gzip', 'brotli', 'zstd'];

function randomBytes(n: number, seed: number): Uint8Array {
  const r = prng(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(r() * 256);
  return out;
}

/** Bytes shaped like Parquet pages: sequential int64s, small random int32s, low-cardinality strings. */
function columnar(n: number, seed: number): Uint8Array {
  const r = prng(seed);
  const out = new Uint8Array(n);
  const view = new DataView(out.buffer);
  const words = ['pending', 'shipped', 'delivered', 'cancelled', 'returned'].map((w) => new TextEncoder().encode(w));
  let i = 0;
  let id = 1_000_000n;
  while (i < n) {
    const kind = Math.floor(i / 20_000) % 3;
    if (kind === 0 && i + 8 <= n) {
      view.setBigInt64(i, id++, true);
      i += 8;
    } else if (kind === 1 && i + 4 <= n) {
      view.setInt32(i, Math.floor(r() * 200_000), true);
      i += 4;
    } else {
      const w = words[Math.floor(r() * words.length)];
      for (let k = 0; k < w.length && i < n; k++) out[i++] = w[k];
    }
  }
  return out;
}

function pattern(n: number, unit: string): Uint8Array {
  const u = new TextEncoder().encode(unit);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = u[i % u.length];
  return out;
}

const inputs: Record<string, Uint8Array> = {
  empty: new Uint8Array(0),
  'one byte': Uint8Array.of(42),
  'two bytes': Uint8Array.of(1, 2),
  'five bytes': Uint8Array.of(9, 9, 9, 9, 9),
  'random 100': randomBytes(100, 1),
  'random 70000 (incompressible, > 64 KiB)': randomBytes(70_000, 2),
  'zeros 200000': new Uint8Array(200_000),
  'pattern offset 1..7': pattern(5_000, 'abcabcabcdefg'),
  'pattern 65536': pattern(65_536, 'tributary delta '),
  'pattern 65537': pattern(65_537, 'tributary delta '),
  'columnar 300000': columnar(300_000, 3),
  'columnar 1 MiB': columnar(1 << 20, 4),
};

function equalBytes(actual: Uint8Array, expected: Uint8Array, msg: string): void {
  assert.is(actual.length, expected.length, `${msg}: length`);
  assert.ok(Buffer.from(actual.buffer, actual.byteOffset, actual.length).equals(expected), `${msg}: bytes differ`);
}

/** Decodes with an implementation that shares no code with ours. */
function independentDecode(codec: ParquetCompression, packed: Uint8Array, size: number): Uint8Array {
  switch (codec) {
    case 'uncompressed':
      return packed;
    case 'snappy': {
      const out = new Uint8Array(size);
      snappyUncompress(packed, out);
      return out;
    }
    case 'gzip':
      return gunzipSync(packed);
    case 'brotli':
      return brotliDecompressSync(packed);
    case 'zstd':
      return decompressZstd(packed, new Uint8Array(size));
  }
}

for (const codec of codecs) {
  test(`${codec}: round-trips and an independent decoder agrees`, () => {
    for (const [name, data] of Object.entries(inputs)) {
      const packed = compressBlock(codec, data);
      equalBytes(decompressBlock(codec, packed, data.length), data, `${codec} ${name} native round-trip`);
      equalBytes(independentDecode(codec, packed, data.length), data, `${codec} ${name} independent decode`);
    }
  });
}

test('snappy: decodes blocks from an independent encoder (hyparquet-writer)', () => {
  for (const [name, data] of Object.entries(inputs)) {
    const packed = snappyCompress(data);
    equalBytes(decompressBlock('snappy', packed, data.length), data, `snappy ${name}`);
  }
});

test('snappy: compresses about as well as an independent encoder', () => {
  // A compressor that only emitted literals, or missed most matches, would
  // land far above hyparquet-writer's output size.
  for (const name of ['columnar 1 MiB', 'pattern 65537', 'zeros 200000', 'pattern offset 1..7']) {
    const data = inputs[name];
    const ours = compressBlock('snappy', data).length;
    const theirs = snappyCompress(data).length;
    assert.ok(ours <= theirs * 1.1 + 8, `${name}: ${ours} bytes vs reference ${theirs}`);
  }
  // Incompressible input must stay within a few bytes per 64 KiB of the input size.
  const random = inputs['random 70000 (incompressible, > 64 KiB)'];
  assert.ok(compressBlock('snappy', random).length <= random.length + 16);
});

test('snappy: decodes every element kind, built by hand from the format description', () => {
  // varint 20; literal "ab" (tag 1<<2); copy-4 offset 2 length 6 (tag (5<<2)|3) -> "ababab";
  // copy-1 offset 3 length 4 (tag 1, byte 3), overlapping its own output -> "babb";
  // copy-2 offset 1 length 6 (tag (5<<2)|2), a run of the last byte -> "bbbbbb";
  // literal with a one-byte length (tag 60<<2, length-1 = 1) -> "xy"
  const block = Uint8Array.of(20, 1 << 2, 0x61, 0x62, (5 << 2) | 3, 2, 0, 0, 0, 1, 3, (5 << 2) | 2, 1, 0, 60 << 2, 1, 0x78, 0x79);
  const text = new TextDecoder().decode(decompressBlock('snappy', block, 20));
  assert.is(text, 'ab' + 'ababab' + 'babb' + 'bbbbbb' + 'xy');
  // Overlapping copies with short offsets repeat the last `offset` bytes: literal "xyz", then
  // copy-2 offset 3 length 40, then copy-2 offset 5 length 64.
  const runs = Uint8Array.of(107, 2 << 2, 0x78, 0x79, 0x7a, (39 << 2) | 2, 3, 0, (63 << 2) | 2, 5, 0);
  const xyz = 'xyz'.repeat(15).slice(0, 43);
  const tail5 = xyz.slice(-5);
  assert.is(new TextDecoder().decode(decompressBlock('snappy', runs, 107)), xyz + tail5.repeat(13).slice(0, 64));
  // A 2-byte literal length (tag 61<<2): 300 bytes of literal.
  const lit = randomBytes(300, 7);
  const long = Uint8Array.of(0xac, 0x02, 61 << 2, (300 - 1) & 0xff, (300 - 1) >> 8, ...lit);
  equalBytes(decompressBlock('snappy', long, 300), lit, 'two-byte literal length');
});

test('gzip: decodes zlib output at several levels, zlib framing and concatenated members', () => {
  const data = inputs['columnar 300000'];
  for (const level of [1, 6, 9]) {
    equalBytes(decompressBlock('gzip', gzipSync(data, { level }), data.length), data, `gzip level ${level}`);
  }
  equalBytes(decompressBlock('gzip', deflateSync(data), data.length), data, 'zlib-framed deflate');
  const a = data.subarray(0, 1000);
  const b = data.subarray(1000, 5000);
  const two = Buffer.concat([gzipSync(a), gzipSync(b)]);
  equalBytes(decompressBlock('gzip', two, 5000), data.subarray(0, 5000), 'two gzip members');
});

test('brotli: decodes node zlib brotli output at several qualities', () => {
  const data = inputs['columnar 300000'];
  for (const quality of [0, 5, 11]) {
    const packed = brotliCompressSync(data.subarray(0, quality === 11 ? 20_000 : data.length), {
      params: { [constants.BROTLI_PARAM_QUALITY]: quality },
    });
    const expected = data.subarray(0, quality === 11 ? 20_000 : data.length);
    equalBytes(decompressBlock('brotli', packed, expected.length), expected, `brotli quality ${quality}`);
  }
});

test('zstd: decodes frames built by hand from RFC 8878 (raw and RLE blocks, two frames)', () => {
  // magic, descriptor 0x20 (single segment, 1-byte content size), content size 15,
  // raw block "hello" (header: size 5 << 3 | type 0 << 1 | last 0), RLE block of 10 'x' (10 << 3 | 1 << 1 | 1).
  const header = (size: number, type: number, last: number) => {
    const v = (size << 3) | (type << 1) | last;
    return [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff];
  };
  const frame = Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0x20, 15, ...header(5, 0, 0), 0x68, 0x65, 0x6c, 0x6c, 0x6f, ...header(10, 1, 1), 0x78);
  const expected = 'hello' + 'x'.repeat(10);
  assert.is(new TextDecoder().decode(decompressBlock('zstd', frame, 15)), expected);
  const two = Buffer.concat([frame, frame]);
  assert.is(new TextDecoder().decode(decompressBlock('zstd', two, 30)), expected + expected);
});

test('levels: each level round-trips, higher levels compress compressible data at least as well', () => {
  const data = inputs['columnar 300000'];
  const cases: [ParquetCompression, number, number][] = [
    ['gzip', 1, 9],
    ['zstd', 1, 19],
    ['brotli', 0, 9],
  ];
  for (const [codec, low, high] of cases) {
    const small = compressBlock(codec, data, low);
    const big = compressBlock(codec, data, high);
    equalBytes(independentDecode(codec, small, data.length), data, `${codec} level ${low}`);
    equalBytes(independentDecode(codec, big, data.length), data, `${codec} level ${high}`);
    assert.ok(big.length <= small.length, `${codec}: level ${high} gave ${big.length} bytes, level ${low} ${small.length}`);
  }
});

test('levels: the documented defaults (gzip 6, brotli 4, zstd 3) apply when no level is given', () => {
  const data = inputs['columnar 300000'];
  for (const [codec, level] of [['gzip', 6], ['brotli', 4], ['zstd', 3]] as const) {
    const byDefault = Buffer.from(compressBlock(codec, data));
    assert.ok(byDefault.equals(compressBlock(codec, data, level)), `${codec}: default is not level ${level}`);
    assert.ok(byDefault.equals(compressBlock(codec, data, -1)), `${codec}: -1 is not the default`);
  }
});

test('levels: out-of-range levels are rejected with the codec named', () => {
  const data = inputs['random 100'];
  assert.throws(() => compressBlock('gzip', data, 10), /GZIP.*level 10/);
  assert.throws(() => compressBlock('brotli', data, 12), /BROTLI.*level 12/);
  assert.throws(() => compressBlock('zstd', data, 23), /ZSTD.*level 23/);
  assert.throws(() => compressBlock('zstd', data, 1.5), /ZSTD.*level/);
});

test('errors: wrong sizes, truncation and garbage raise errors naming the codec', () => {
  const data = inputs['columnar 300000'];
  const names: Record<ParquetCompression, string> = {
    uncompressed: 'UNCOMPRESSED',
    snappy: 'SNAPPY',
    gzip: 'GZIP',
    brotli: 'BROTLI',
    zstd: 'ZSTD',
  };
  for (const codec of codecs) {
    const packed = compressBlock(codec, data);
    const name = new RegExp(names[codec]);
    assert.throws(() => decompressBlock(codec, packed, data.length + 1), name, `${codec}: too large a size`);
    assert.throws(() => decompressBlock(codec, packed, data.length - 1), name, `${codec}: too small a size`);
    assert.throws(() => decompressBlock(codec, packed.subarray(0, packed.length >> 1), data.length), name, `${codec}: truncated`);
    if (codec === 'uncompressed') continue;
    assert.throws(() => decompressBlock(codec, new Uint8Array(0), data.length), name, `${codec}: empty input`);
    // Random corruptions must fail cleanly or (rarely, for codecs without checksums) decode to something; never crash.
    const r = prng(11);
    for (let t = 0; t < 200; t++) {
      const bad = Uint8Array.from(packed.subarray(0, Math.min(packed.length, 4096)));
      for (let k = 0; k < 4; k++) bad[Math.floor(r() * bad.length)] ^= 1 << Math.floor(r() * 8);
      try {
        decompressBlock(codec, bad, 8192);
      } catch (e) {
        assert.match((e as Error).message, name);
      }
    }
  }
  // A Snappy copy reaching before the start of the output.
  assert.throws(() => decompressBlock('snappy', Uint8Array.of(4, (3 << 2) | 1, 1), 4), /SNAPPY.*offset/);
});

test('errors: unsupported codec ids and non-byte input are rejected', () => {
  for (const id of [3, 5, 7, -1, 1.5]) {
    assert.throws(() => native.compress(id, new Uint8Array(4)), /codec id/);
  }
  assert.throws(() => native.compress(codecIds.snappy, new Uint16Array(4) as unknown as Uint8Array), /SNAPPY.*Uint8Array/);
  assert.throws(() => native.decompress(codecIds.zstd, new Uint8Array(4), -1), /ZSTD.*uncompressedSize/);
  assert.throws(() => compressBlock('lzo' as ParquetCompression, new Uint8Array(4)), /lzo/);
});

test.run();
