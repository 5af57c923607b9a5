// Raw Snappy block format (no framing), the form Parquet's SNAPPY codec uses:
// a varint of the uncompressed length followed by literal and copy elements.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tributary::codec::snappy {

size_t MaxCompressedLength(size_t n);
// dst must hold MaxCompressedLength(n) bytes; returns the bytes written.
size_t Compress(const uint8_t* src, size_t n, uint8_t* dst);
// Throws on corrupt input or when the block does not decode to exactly
// uncompressed_size bytes.
void Decompress(const uint8_t* src, size_t n, uint8_t* dst, size_t uncompressed_size);

}  // namespace tributary::codec::snappy
