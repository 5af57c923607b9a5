// GZIP (deflate with the gzip wrapper, as Parquet's GZIP codec requires),
// using the zlib that the node process itself exports.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tributary::codec::gzip {

constexpr int kDefaultLevel = 6;

size_t MaxCompressedLength(size_t n);
// Writes at most `capacity` bytes at dst; returns the count. level < 0 = default; 0..9.
size_t Compress(int level, const uint8_t* src, size_t n, uint8_t* dst, size_t capacity);
// Accepts gzip or zlib framing and concatenated gzip members.
void Decompress(const uint8_t* src, size_t n, uint8_t* dst, size_t uncompressed_size);

}  // namespace tributary::codec::gzip
