// Snappy block format, written from the format description: a varint of the
// uncompressed length, then elements whose tag's low 2 bits select
//   00 literal   (length-1 in the upper 6 bits, or 60..63 = 1..4 length bytes follow)
//   01 copy-1    (length 4..11 in bits 2..4, offset 11 bits: bits 5..7 + 1 byte)
//   10 copy-2    (length 1..64 in the upper 6 bits, 2-byte little-endian offset)
//   11 copy-4    (as copy-2 with a 4-byte offset; decoded, never emitted)
#include "codec/snappy.h"

#include <cstring>
#include <stdexcept>
#include <string>

#if defined(_MSC_VER)
#include <intrin.h>
#endif

namespace tributary::codec::snappy {

namespace {

// The input is compressed in independent 64 KiB fragments so every offset
// fits copy-2 and the hash table can hold 16-bit positions.
constexpr size_t kFragmentSize = size_t{1} << 16;
constexpr int kMaxHashBits = 14;
constexpr int kMinHashBits = 8;
// The match finder stops this far before a fragment's end so its 8-byte
// loads and 16-byte literal over-copies never read past the input.
constexpr size_t kInputMargin = 15;

inline uint32_t Load32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap32(v);
#endif
  return v;
}

inline uint64_t Load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v;
}

inline int TrailingZeros64(uint64_t x) {
#if defined(_MSC_VER)
  unsigned long i;
  _BitScanForward64(&i, x);
  return static_cast<int>(i);
#else
  return __builtin_ctzll(x);
#endif
}

// Multiplicative (Fibonacci) hashing of 4 bytes into `32 - shift` bits.
inline uint32_t Hash(uint32_t bytes, int shift) { return (bytes * 0x9E3779B1u) >> shift; }

// Length of the common prefix of a and b, with b < limit and a < b.
inline size_t MatchLength(const uint8_t* a, const uint8_t* b, const uint8_t* limit) {
  const uint8_t* start = b;
  while (b + 8 <= limit) {
    const uint64_t diff = Load64(a) ^ Load64(b);
    if (diff != 0) return static_cast<size_t>(b - start) + (TrailingZeros64(diff) >> 3);
    a += 8;
    b += 8;
  }
  while (b < limit && *a == *b) {
    ++a;
    ++b;
  }
  return static_cast<size_t>(b - start);
}

inline uint8_t* WriteVarint32(uint8_t* op, uint32_t v) {
  while (v >= 0x80) {
    *op++ = static_cast<uint8_t>(v | 0x80);
    v >>= 7;
  }
  *op++ = static_cast<uint8_t>(v);
  return op;
}

// `overcopy`: the 16 bytes at `lit` are readable and the output has slack,
// so short literals are copied with one fixed-size move.
inline uint8_t* EmitLiteral(uint8_t* op, const uint8_t* lit, size_t len, bool overcopy) {
  size_t code = len - 1;
  if (code < 60) {
    *op++ = static_cast<uint8_t>(code << 2);
    if (overcopy && len <= 16) {
      std::memcpy(op, lit, 16);
      return op + len;
    }
  } else {
    uint8_t* tag = op++;
    int bytes = 0;
    while (code > 0) {
      *op++ = static_cast<uint8_t>(code);
      code >>= 8;
      ++bytes;
    }
    *tag = static_cast<uint8_t>((59 + bytes) << 2);
  }
  std::memcpy(op, lit, len);
  return op + len;
}

inline uint8_t* EmitCopy2(uint8_t* op, size_t offset, size_t len) {
  op[0] = static_cast<uint8_t>(2 | ((len - 1) << 2));
  op[1] = static_cast<uint8_t>(offset);
  op[2] = static_cast<uint8_t>(offset >> 8);
  return op + 3;
}

// offset in [1, 65535], len >= 4.
inline uint8_t* EmitCopy(uint8_t* op, size_t offset, size_t len) {
  // Split long matches so the last piece is at least 4 bytes (copy-1's minimum).
  while (len >= 68) {
    op = EmitCopy2(op, offset, 64);
    len -= 64;
  }
  if (len > 64) {
    op = EmitCopy2(op, offset, 60);
    len -= 60;
  }
  if (len < 12 && offset < 2048) {
    op[0] = static_cast<uint8_t>(1 | ((len - 4) << 2) | ((offset >> 8) << 5));
    op[1] = static_cast<uint8_t>(offset);
    return op + 2;
  }
  return EmitCopy2(op, offset, len);
}

int HashBitsFor(size_t len) {
  int bits = kMinHashBits;
  while (bits < kMaxHashBits && (size_t{1} << bits) < len) ++bits;
  return bits;
}

uint8_t* CompressFragment(const uint8_t* in, size_t len, uint8_t* op, uint16_t* table) {
  const uint8_t* const end = in + len;
  const uint8_t* next_emit = in;
  if (len > kInputMargin + 1) {
    const int bits = HashBitsFor(len);
    const int shift = 32 - bits;
    std::memset(table, 0, sizeof(uint16_t) << bits);
    const uint8_t* const ip_limit = end - kInputMargin;
    const uint8_t* ip = in + 1;
    uint32_t next_hash = Hash(Load32(ip), shift);
    for (;;) {
      // Look for a 4-byte match. Each miss lengthens the stride a little
      // (by 1 every 32 misses), so incompressible data is skipped quickly.
      uint32_t misses = 32;
      const uint8_t* next_ip = ip;
      const uint8_t* candidate;
      do {
        ip = next_ip;
        const uint32_t h = next_hash;
        next_ip = ip + (misses++ >> 5);
        if (next_ip > ip_limit) goto emit_tail;
        next_hash = Hash(Load32(next_ip), shift);
        candidate = in + table[h];
        table[h] = static_cast<uint16_t>(ip - in);
      } while (Load32(ip) != Load32(candidate));

      op = EmitLiteral(op, next_emit, static_cast<size_t>(ip - next_emit), true);

      // Emit copies while the position right after one copy starts another.
      uint64_t window;
      do {
        const uint8_t* match_start = ip;
        const size_t matched = 4 + MatchLength(candidate + 4, ip + 4, end);
        ip += matched;
        op = EmitCopy(op, static_cast<size_t>(match_start - candidate), matched);
        next_emit = ip;
        if (ip >= ip_limit) goto emit_tail;
        // Remember the position before ip too: it is often the start of the next repeat.
        window = Load64(ip - 1);
        table[Hash(static_cast<uint32_t>(window), shift)] = static_cast<uint16_t>(ip - 1 - in);
        const uint32_t h = Hash(static_cast<uint32_t>(window >> 8), shift);
        candidate = in + table[h];
        table[h] = static_cast<uint16_t>(ip - in);
      } while (static_cast<uint32_t>(window >> 8) == Load32(candidate));
      ++ip;
      next_hash = Hash(static_cast<uint32_t>(window >> 16), shift);
    }
  }
emit_tail:
  if (next_emit < end) op = EmitLiteral(op, next_emit, static_cast<size_t>(end - next_emit), false);
  return op;
}

[[noreturn]] void Corrupt(const std::string& why) { throw std::runtime_error("SNAPPY: corrupt block: " + why); }

}  // namespace

size_t MaxCompressedLength(size_t n) {
  // Worst case: all literals, one 3-byte literal header per 64 KiB fragment
  // (the n/6 term is the classic bound and leaves ample room), the varint,
  // and slack for the 16-byte literal over-copy.
  return 32 + n + n / 6 + 16;
}

size_t Compress(const uint8_t* src, size_t n, uint8_t* dst) {
  if (n > 0xFFFFFFFFu) {
    throw std::runtime_error("SNAPPY: input of " + std::to_string(n) + " bytes exceeds the format's 4 GiB block limit");
  }
  uint8_t* op = WriteVarint32(dst, static_cast<uint32_t>(n));
  uint16_t table[size_t{1} << kMaxHashBits];
  for (size_t pos = 0; pos < n; pos += kFragmentSize) {
    const size_t len = n - pos < kFragmentSize ? n - pos : kFragmentSize;
    op = CompressFragment(src + pos, len, op, table);
  }
  return static_cast<size_t>(op - dst);
}

void Decompress(const uint8_t* src, size_t n, uint8_t* dst, size_t uncompressed_size) {
  const uint8_t* ip = src;
  const uint8_t* const ip_end = src + n;

  uint64_t declared = 0;
  for (int shift = 0;; shift += 7) {
    if (ip >= ip_end) Corrupt("truncated length header");
    if (shift > 28) Corrupt("length header is longer than 5 bytes");
    const uint8_t b = *ip++;
    declared |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) break;
  }
  if (declared != uncompressed_size) {
    throw std::runtime_error("SNAPPY: block declares " + std::to_string(declared) + " bytes, expected " +
                             std::to_string(uncompressed_size));
  }

  uint8_t* op = dst;
  uint8_t* const op_end = dst + uncompressed_size;
  while (ip < ip_end) {
    const uint8_t tag = *ip++;
    size_t len;
    size_t offset;
    switch (tag & 3) {
      case 0: {
        len = tag >> 2;
        if (len >= 60) {
          const size_t bytes = len - 59;
          if (static_cast<size_t>(ip_end - ip) < bytes) Corrupt("truncated literal length");
          len = 0;
          for (size_t i = 0; i < bytes; ++i) len |= static_cast<size_t>(ip[i]) << (8 * i);
          ip += bytes;
        }
        len += 1;
        const size_t in_left = static_cast<size_t>(ip_end - ip);
        const size_t out_left = static_cast<size_t>(op_end - op);
        if (len > in_left) Corrupt("literal runs past the end of the input");
        if (len > out_left) Corrupt("literal runs past the declared length");
        if (len <= 16 && in_left >= 16 && out_left >= 16) {
          std::memcpy(op, ip, 16);
        } else {
          std::memcpy(op, ip, len);
        }
        op += len;
        ip += len;
        continue;
      }
      case 1:
        if (ip_end - ip < 1) Corrupt("truncated copy");
        len = ((tag >> 2) & 7) + 4;
        offset = (static_cast<size_t>(tag >> 5) << 8) | ip[0];
        ip += 1;
        break;
      case 2:
        if (ip_end - ip < 2) Corrupt("truncated copy");
        len = (tag >> 2) + 1;
        offset = ip[0] | (static_cast<size_t>(ip[1]) << 8);
        ip += 2;
        break;
      default:
        if (ip_end - ip < 4) Corrupt("truncated copy");
        len = (tag >> 2) + 1;
        offset = Load32(ip);
        ip += 4;
        break;
    }
    const size_t produced = static_cast<size_t>(op - dst);
    if (offset == 0 || offset > produced) {
      Corrupt("copy offset " + std::to_string(offset) + " at output position " + std::to_string(produced));
    }
    const size_t out_left = static_cast<size_t>(op_end - op);
    if (len > out_left) Corrupt("copy runs past the declared length");
    const uint8_t* from = op - offset;
    if (out_left >= len + 8) {
      size_t i = 0;
      size_t gap = offset;
      if (gap < 8) {
        // A short offset repeats a pattern of `offset` bytes. Write the first
        // stretch byte by byte; after that any multiple of the offset is an
        // equally valid source, and a multiple >= 8 allows 8-byte chunks.
        while (gap < 8) gap += offset;
        const size_t head = len < gap ? len : gap;
        for (; i < head; ++i) op[i] = from[i];
      }
      // Each 8-byte source chunk ends at or before its destination starts, so
      // the chunked copy is byte-exact despite the overlap.
      for (; i < len; i += 8) std::memcpy(op + i, op + i - gap, 8);
    } else {
      for (size_t i = 0; i < len; ++i) op[i] = from[i];
    }
    op += len;
  }
  if (op != op_end) {
    throw std::runtime_error("SNAPPY: block decoded to " + std::to_string(op - dst) + " bytes, expected " +
                             std::to_string(uncompressed_size));
  }
}

}  // namespace tributary::codec::snappy
