// Hash tables over the key columns of Arrow record batches: the build and
// probe sides of MERGE's join and of APPLY CHANGES' key lookups. Keys are
// hashed and compared on their Arrow buffers (no per-row JS values); a table
// is a plain int32 array owned by the caller, so nothing native outlives a
// call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tributary::join {

/** How a key column's values are laid out. */
enum class KeyKind : int32_t {
  kFixed = 0,    // `width` bytes per value, compared bytewise (integers, dates, timestamps, decimals)
  kFloat32 = 1,  // compared as Spark's join does: -0 equals 0, NaN equals NaN
  kFloat64 = 2,
  kBool = 3,     // one bit per value (Arrow's boolean layout)
  kBytes = 4,    // int32 offsets into a byte buffer (utf8, binary)
};

/** One key column of a batch, as Arrow lays it out (offset 0). */
struct KeyColumn {
  KeyKind kind = KeyKind::kFixed;
  int32_t width = 0;
  const uint8_t* values = nullptr;
  const int32_t* offsets = nullptr;  // kBytes only
  const uint8_t* valid = nullptr;    // validity bitmap, bit i = row i; null when no value is NULL
};

/** The key columns of one batch. */
struct KeyRows {
  std::vector<KeyColumn> columns;
  size_t rows = 0;
};

/** int32 per slot of a table: first build row, hash bits, and 8 bytes of inline key. */
constexpr size_t kSlotInts = 4;

/**
 * Inserts every build row. `slots` holds `capacity` (a power of two greater
 * than the build rows) slots of kSlotInts int32 (key_hash.cc says what they
 * hold); `filter` (FilterWords(capacity) words) is a Bloom filter of the keys. `first` gets each row's first row with
 * an equal key and `next` the following row with that key (-1 at the end).
 * Without `null_safe` a row with a NULL key part is left out (first = -1):
 * SQL's `=` never matches NULL. Returns the number of distinct keys.
 */
size_t BuildTable(const KeyRows& build, bool null_safe, int32_t* slots, size_t capacity, uint64_t* filter, int32_t* first, int32_t* next);

/** The 64-bit words of a table's Bloom filter (`filter` in Build/ProbeTable). */
size_t FilterWords(size_t capacity);

/** For each probe row, the first build row with an equal key, or -1. */
void ProbeTable(const KeyRows& build, const int32_t* slots, size_t capacity, const uint64_t* filter, const KeyRows& probe, bool null_safe, int32_t* out);

}  // namespace tributary::join
