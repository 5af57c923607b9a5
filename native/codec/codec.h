// Block compression for Parquet pages. Codec ids are Parquet's
// CompressionCodec enum values, so they go into the footer unchanged.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace tributary::codec {

enum class Codec : int32_t {
  kUncompressed = 0,
  kSnappy = 1,
  kGzip = 2,
  kBrotli = 4,
  kZstd = 6,
};

// Appends the compressed form of src[0, n) to `out` and returns the number of
// bytes appended. `level` < 0 means the codec's default. Throws
// std::runtime_error naming the codec on failure. Thread-safe: no shared state.
size_t Compress(Codec codec, int level, const uint8_t* src, size_t n, std::vector<uint8_t>& out);

// Upper bound of Compress's output for n input bytes.
size_t MaxCompressedLength(Codec codec, size_t n);

// Decompresses src[0, n) into exactly `uncompressed_size` bytes at dst (for the
// native reader used by compaction). Throws on corrupt input or size mismatch.
void Decompress(Codec codec, const uint8_t* src, size_t n, uint8_t* dst, size_t uncompressed_size);

// Parquet's name for the codec ("SNAPPY", ...), or nullptr for an id this
// library does not implement (e.g. LZO, LZ4).
const char* CodecName(int32_t id);

}  // namespace tributary::codec
