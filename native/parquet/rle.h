// The RLE / bit-packed hybrid encoding used for definition/repetition levels
// and dictionary indices: runs of >= 8 equal values become RLE runs, the rest
// is bit-packed in groups of 8 (padding only in the final group).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace tributary::parquet {

// Bits needed to represent max_value (0 for 0).
inline int BitWidth(uint64_t max_value) {
  int w = 0;
  while (max_value != 0) {
    ++w;
    max_value >>= 1;
  }
  return w;
}

// Appends the hybrid encoding of values[0, n), each < 2^bit_width (<= 32).
template <typename T>
void RleEncode(const T* values, size_t n, int bit_width, std::vector<uint8_t>& out);

// Appends one RLE run of `count` copies of value: the encoding of a constant
// level sequence (e.g. a page without nulls).
void RleEncodeRun(uint32_t value, size_t count, int bit_width, std::vector<uint8_t>& out);

extern template void RleEncode<uint16_t>(const uint16_t*, size_t, int, std::vector<uint8_t>&);
extern template void RleEncode<uint32_t>(const uint32_t*, size_t, int, std::vector<uint8_t>&);

}  // namespace tributary::parquet
