// Dispatch from the Parquet codec id to the codec implementations.
#include "codec/codec.h"

#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

#include "codec/brotli.h"
#include "codec/gzip.h"
#include "codec/snappy.h"
#include "codec/zstd.h"

namespace tributary::codec {

namespace {

[[noreturn]] void UnknownCodec(Codec codec) {
  throw std::runtime_error("unsupported Parquet compression codec id " + std::to_string(static_cast<int>(codec)));
}

}  // namespace

const char* CodecName(int32_t id) {
  switch (static_cast<Codec>(id)) {
    case Codec::kUncompressed: return "UNCOMPRESSED";
    case Codec::kSnappy: return "SNAPPY";
    case Codec::kGzip: return "GZIP";
    case Codec::kBrotli: return "BROTLI";
    case Codec::kZstd: return "ZSTD";
  }
  return nullptr;
}

size_t MaxCompressedLength(Codec codec, size_t n) {
  switch (codec) {
    case Codec::kUncompressed: return n;
    case Codec::kSnappy: return snappy::MaxCompressedLength(n);
    case Codec::kGzip: return gzip::MaxCompressedLength(n);
    case Codec::kBrotli: return brotli::MaxCompressedLength(n);
    case Codec::kZstd: return zstd::MaxCompressedLength(n);
  }
  UnknownCodec(codec);
}

namespace {

// Largest block compressed through the per-thread scratch buffer; bigger ones
// are compressed straight into `out` (paying for its zero-fill once).
constexpr size_t kMaxScratchBytes = size_t{16} << 20;

// Compressing into an uninitialised per-thread buffer and appending only the
// bytes produced avoids zero-filling the worst-case bound in `out` for every
// page (a measurable cost next to Snappy). Per thread, so no shared state.
uint8_t* Scratch(size_t size) {
  struct Buffer {
    std::unique_ptr<uint8_t[]> data;
    size_t capacity = 0;
  };
  thread_local Buffer buffer;
  if (buffer.capacity < size) {
    buffer.data.reset(new uint8_t[size]);
    buffer.capacity = size;
  }
  return buffer.data.get();
}

size_t CompressInto(Codec codec, int level, const uint8_t* src, size_t n, uint8_t* dst, size_t capacity) {
  switch (codec) {
    case Codec::kSnappy: return snappy::Compress(src, n, dst);
    case Codec::kGzip: return gzip::Compress(level, src, n, dst, capacity);
    case Codec::kBrotli: return brotli::Compress(level, src, n, dst, capacity);
    case Codec::kZstd: return zstd::Compress(level, src, n, dst, capacity);
    default: UnknownCodec(codec);
  }
}

}  // namespace

size_t Compress(Codec codec, int level, const uint8_t* src, size_t n, std::vector<uint8_t>& out) {
  if (codec == Codec::kUncompressed) {
    out.insert(out.end(), src, src + n);
    return n;
  }
  const size_t bound = MaxCompressedLength(codec, n);
  if (bound <= kMaxScratchBytes) {
    uint8_t* scratch = Scratch(bound);
    const size_t written = CompressInto(codec, level, src, n, scratch, bound);
    out.insert(out.end(), scratch, scratch + written);
    return written;
  }
  const size_t start = out.size();
  out.resize(start + bound);
  size_t written = 0;
  try {
    written = CompressInto(codec, level, src, n, out.data() + start, bound);
  } catch (...) {
    out.resize(start);  // leave the caller's buffer as it was
    throw;
  }
  out.resize(start + written);
  return written;
}

void Decompress(Codec codec, const uint8_t* src, size_t n, uint8_t* dst, size_t uncompressed_size) {
  switch (codec) {
    case Codec::kUncompressed:
      if (n != uncompressed_size) {
        throw std::runtime_error("UNCOMPRESSED: page is " + std::to_string(n) + " bytes, expected " +
                                 std::to_string(uncompressed_size));
      }
      if (n > 0) std::memcpy(dst, src, n);
      return;
    case Codec::kSnappy: return snappy::Decompress(src, n, dst, uncompressed_size);
    case Codec::kGzip: return gzip::Decompress(src, n, dst, uncompressed_size);
    case Codec::kBrotli: return brotli::Decompress(src, n, dst, uncompressed_size);
    case Codec::kZstd: return zstd::Decompress(src, n, dst, uncompressed_size);
  }
  UnknownCodec(codec);
}

}  // namespace tributary::codec
