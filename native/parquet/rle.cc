#include "parquet/rle.h"

namespace tributary::parquet {

namespace {

void PutVarint(uint64_t v, std::vector<uint8_t>& out) {
  while (v >= 0x80) {
    out.push_back(static_cast<uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<uint8_t>(v));
}

// Bit-packs values[0, n) as ceil(n / 8) groups of 8, zero-padding the last.
template <typename T>
void PutLiterals(const T* values, size_t n, int bit_width, std::vector<uint8_t>& out) {
  if (n == 0) return;
  const size_t groups = (n + 7) / 8;
  PutVarint((static_cast<uint64_t>(groups) << 1) | 1, out);
  const size_t start = out.size();
  out.resize(start + groups * static_cast<size_t>(bit_width));
  uint8_t* dst = out.data() + start;
  uint64_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < groups * 8; ++i) {
    const uint64_t v = i < n ? static_cast<uint64_t>(values[i]) : 0;
    acc |= v << bits;
    bits += bit_width;
    while (bits >= 8) {
      *dst++ = static_cast<uint8_t>(acc);
      acc >>= 8;
      bits -= 8;
    }
  }
}

}  // namespace

void RleEncodeRun(uint32_t value, size_t count, int bit_width, std::vector<uint8_t>& out) {
  if (count == 0) return;
  PutVarint(static_cast<uint64_t>(count) << 1, out);
  for (int b = 0; b < (bit_width + 7) / 8; ++b) out.push_back(static_cast<uint8_t>(value >> (8 * b)));
}

template <typename T>
void RleEncode(const T* values, size_t n, int bit_width, std::vector<uint8_t>& out) {
  size_t i = 0;
  size_t lit_start = 0;
  while (i < n) {
    const T v = values[i];
    size_t j = i + 1;
    while (j < n && values[j] == v) ++j;
    if (j - i >= 8) {
      // Literal groups stay whole: i - lit_start is a multiple of 8 here.
      PutLiterals(values + lit_start, i - lit_start, bit_width, out);
      RleEncodeRun(static_cast<uint32_t>(v), j - i, bit_width, out);
      i = j;
      lit_start = i;
    } else {
      i = i + 8 < n ? i + 8 : n;
    }
  }
  PutLiterals(values + lit_start, n - lit_start, bit_width, out);
}

template void RleEncode<uint16_t>(const uint16_t*, size_t, int, std::vector<uint8_t>&);
template void RleEncode<uint32_t>(const uint32_t*, size_t, int, std::vector<uint8_t>&);

}  // namespace tributary::parquet
