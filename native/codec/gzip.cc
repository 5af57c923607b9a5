#include "codec/gzip.h"

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <stdexcept>
#include <string>

namespace tributary::codec::gzip {

namespace {

// windowBits 15 + 16 selects the gzip wrapper; + 32 lets inflate detect
// either gzip or zlib framing (some old writers emitted zlib streams).
constexpr int kDeflateWindowBits = 15 + 16;
constexpr int kInflateWindowBits = 15 + 32;
constexpr uInt kMaxChunk = UINT_MAX;  // z_stream counts are 32-bit

[[noreturn]] void Fail(const char* what, int rc, const z_stream& s) {
  std::string msg = std::string("GZIP: ") + what + " failed (zlib code " + std::to_string(rc);
  if (s.msg != nullptr) msg += std::string(": ") + s.msg;
  throw std::runtime_error(msg + ")");
}

// Keeps avail_in/avail_out filled from 64-bit lengths.
void Feed(z_stream& s, const uint8_t*& in, size_t& in_left, uint8_t*& out, size_t& out_left) {
  if (s.avail_in == 0 && in_left > 0) {
    s.next_in = const_cast<Bytef*>(in);
    s.avail_in = static_cast<uInt>(std::min<size_t>(in_left, kMaxChunk));
    in += s.avail_in;
    in_left -= s.avail_in;
  }
  if (s.avail_out == 0 && out_left > 0) {
    s.next_out = out;
    s.avail_out = static_cast<uInt>(std::min<size_t>(out_left, kMaxChunk));
    out += s.avail_out;
    out_left -= s.avail_out;
  }
}

}  // namespace

size_t MaxCompressedLength(size_t n) {
  // zlib's most conservative deflateBound (stored blocks, any parameters)
  // plus the 18-byte gzip header and trailer.
  return n + ((n + 7) >> 3) + ((n + 63) >> 6) + 5 + 18 + 16;
}

size_t Compress(int level, const uint8_t* src, size_t n, uint8_t* dst, size_t capacity) {
  if (level < 0) level = kDefaultLevel;
  if (level > 9) throw std::runtime_error("GZIP: compression level " + std::to_string(level) + " is outside 0..9");
  z_stream s{};
  int rc = deflateInit2(&s, level, Z_DEFLATED, kDeflateWindowBits, 8, Z_DEFAULT_STRATEGY);
  if (rc != Z_OK) Fail("deflateInit2", rc, s);
  const uint8_t* in = src;
  size_t in_left = n;
  uint8_t* out = dst;
  size_t out_left = capacity;
  s.avail_in = 0;
  s.avail_out = 0;
  for (;;) {
    Feed(s, in, in_left, out, out_left);
    if (s.avail_out == 0) {
      deflateEnd(&s);
      throw std::runtime_error("GZIP: compressed data exceeds the output bound");
    }
    rc = deflate(&s, in_left == 0 ? Z_FINISH : Z_NO_FLUSH);
    if (rc == Z_STREAM_END) break;
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      deflateEnd(&s);
      Fail("deflate", rc, s);
    }
  }
  const size_t written = capacity - out_left - s.avail_out;
  deflateEnd(&s);
  return written;
}

void Decompress(const uint8_t* src, size_t n, uint8_t* dst, size_t uncompressed_size) {
  z_stream s{};
  int rc = inflateInit2(&s, kInflateWindowBits);
  if (rc != Z_OK) Fail("inflateInit2", rc, s);
  const uint8_t* in = src;
  size_t in_left = n;
  uint8_t* out = dst;
  size_t out_left = uncompressed_size;
  // inflate rejects a null next_out even when no output is wanted.
  uint8_t no_output;
  s.next_out = &no_output;
  s.avail_in = 0;
  s.avail_out = 0;
  for (;;) {
    Feed(s, in, in_left, out, out_left);
    rc = inflate(&s, Z_NO_FLUSH);
    const bool input_done = s.avail_in == 0 && in_left == 0;
    if (rc == Z_STREAM_END) {
      if (input_done) break;
      // A gzip file may hold several members back to back.
      rc = inflateReset(&s);
      if (rc != Z_OK) {
        inflateEnd(&s);
        Fail("inflateReset", rc, s);
      }
      continue;
    }
    if (rc == Z_BUF_ERROR) {  // no progress possible
      const size_t produced = uncompressed_size - out_left - s.avail_out;
      inflateEnd(&s);
      if (input_done) {
        throw std::runtime_error("GZIP: truncated stream (" + std::to_string(produced) + " of " +
                                 std::to_string(uncompressed_size) + " bytes decoded)");
      }
      throw std::runtime_error("GZIP: stream decodes to more than the expected " + std::to_string(uncompressed_size) +
                               " bytes");
    }
    if (rc != Z_OK) {
      inflateEnd(&s);
      Fail("inflate", rc, s);
    }
  }
  const size_t produced = uncompressed_size - out_left - s.avail_out;
  inflateEnd(&s);
  if (produced != uncompressed_size) {
    throw std::runtime_error("GZIP: stream decoded to " + std::to_string(produced) + " bytes, expected " +
                             std::to_string(uncompressed_size));
  }
}

}  // namespace tributary::codec::gzip
