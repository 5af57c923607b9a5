// Brotli through the encoder/decoder that the node process exports.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tributary::codec::brotli {

// Quality 4: roughly zstd-3-like speed with a better ratio than gzip; the
// higher qualities are an order of magnitude slower, a poor fit for ingest.
constexpr int kDefaultLevel = 4;

size_t MaxCompressedLength(size_t n);
// level < 0 = default; 0..11.
size_t Compress(int level, const uint8_t* src, size_t n, uint8_t* dst, size_t capacity);
void Decompress(const uint8_t* src, size_t n, uint8_t* dst, size_t uncompressed_size);

}  // namespace tributary::codec::brotli
