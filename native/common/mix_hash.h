// MurmurHash3's 64-bit finalizer: every input bit affects every output bit.
// Shared by the Parquet dictionaries and the join's key tables.
#pragma once
#include <cstdint>

namespace tributary {

inline uint64_t MixHash(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

}  // namespace tributary
