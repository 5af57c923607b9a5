// Zstandard from the sources bundled with zstd-napi.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tributary::codec::zstd {

constexpr int kDefaultLevel = 3;

size_t MaxCompressedLength(size_t n);
// level <= 0 = default; 1..ZSTD_maxCLevel() (22).
size_t Compress(int level, const uint8_t* src, size_t n, uint8_t* dst, size_t capacity);
void Decompress(const uint8_t* src, size_t n, uint8_t* dst, size_t uncompressed_size);

}  // namespace tributary::codec::zstd
