#include "codec/zstd.h"

#include <zstd.h>

#include <stdexcept>
#include <string>

namespace tributary::codec::zstd {

namespace {

[[noreturn]] void Fail(const char* what, size_t rc) {
  throw std::runtime_error(std::string("ZSTD: ") + what + " failed: " + ZSTD_getErrorName(rc));
}

// One context per thread: creating a ZSTD_CCtx costs more than compressing a
// small page, and thread_local keeps Compress free of shared state.
ZSTD_CCtx* ThreadCompressor() {
  struct Holder {
    ZSTD_CCtx* ctx = ZSTD_createCCtx();
    ~Holder() { ZSTD_freeCCtx(ctx); }
  };
  thread_local Holder holder;
  if (holder.ctx == nullptr) throw std::runtime_error("ZSTD: out of memory creating a compression context");
  return holder.ctx;
}

ZSTD_DCtx* ThreadDecompressor() {
  struct Holder {
    ZSTD_DCtx* ctx = ZSTD_createDCtx();
    ~Holder() { ZSTD_freeDCtx(ctx); }
  };
  thread_local Holder holder;
  if (holder.ctx == nullptr) throw std::runtime_error("ZSTD: out of memory creating a decompression context");
  return holder.ctx;
}

}  // namespace

size_t MaxCompressedLength(size_t n) {
  const size_t bound = ZSTD_compressBound(n);
  if (ZSTD_isError(bound)) Fail("compressBound", bound);
  return bound;
}

size_t Compress(int level, const uint8_t* src, size_t n, uint8_t* dst, size_t capacity) {
  if (level <= 0) level = kDefaultLevel;  // 0 is zstd's own "default" too
  if (level > ZSTD_maxCLevel()) {
    throw std::runtime_error("ZSTD: compression level " + std::to_string(level) + " is outside 1.." +
                             std::to_string(ZSTD_maxCLevel()));
  }
  const size_t rc = ZSTD_compressCCtx(ThreadCompressor(), dst, capacity, src, n, level);
  if (ZSTD_isError(rc)) Fail("compress", rc);
  return rc;
}

void Decompress(const uint8_t* src, size_t n, uint8_t* dst, size_t uncompressed_size) {
  // ZSTD_decompressDCtx handles concatenated frames and fails if they need
  // more room than uncompressed_size.
  const size_t rc = ZSTD_decompressDCtx(ThreadDecompressor(), dst, uncompressed_size, src, n);
  if (ZSTD_isError(rc)) Fail("decompress", rc);
  if (rc != uncompressed_size) {
    throw std::runtime_error("ZSTD: stream decoded to " + std::to_string(rc) + " bytes, expected " +
                             std::to_string(uncompressed_size));
  }
}

}  // namespace tributary::codec::zstd
