// Definition/repetition levels of one Parquet leaf, computed from the chain of
// Arrow arrays leading to it (top-level field → structs/lists → leaf).
//
// Indexing follows Arrow JS: a node's validity bitmap (and a boolean leaf's
// value bits) are addressed at `bit_offset + i`; offsets and other value
// buffers are already sliced so that logical element i is at index i.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace tributary::parquet {

enum class NodeKind : int32_t { kLeaf = 0, kStruct = 1, kList = 2, kLargeList = 3 };

struct ArrowNode {
  NodeKind kind = NodeKind::kLeaf;
  bool optional = false;  // the Parquet field is OPTIONAL: adds a definition level
  int64_t length = 0;     // logical length of this array
  const uint8_t* validity = nullptr;  // null when the array has no nulls
  int64_t bit_offset = 0;
  // List offsets: length + 1 entries (int32 for kList, int64 for kLargeList).
  const int32_t* offsets32 = nullptr;
  const int64_t* offsets64 = nullptr;

  bool IsNull(int64_t i) const {
    if (validity == nullptr) return false;
    const int64_t b = bit_offset + i;
    return ((validity[b >> 3] >> (b & 7)) & 1) == 0;
  }
};

// Levels and value positions for a range of top-level rows of one leaf.
struct Segment {
  // All levels equal max_def and there is no repetition: def/rep are left
  // empty and the values are leaf elements [dense_start, dense_start + num_values).
  bool dense = false;
  int64_t dense_start = 0;
  int64_t num_levels = 0;
  int64_t num_values = 0;  // non-null leaf values
  std::vector<uint16_t> def;
  std::vector<uint16_t> rep;
  std::vector<int64_t> positions;  // leaf element of each non-null value (when !dense)

  void Clear() {
    dense = false;
    dense_start = num_levels = num_values = 0;
    def.clear();
    rep.clear();
    positions.clear();
  }
};

// Fills `out` for top-level rows [row_begin, row_end) of `path` (path[0] is
// the top-level array, path.back() the leaf). Throws std::runtime_error naming
// `column` when offsets point outside the child array.
void ComputeLevels(const std::vector<ArrowNode>& path, int64_t row_begin, int64_t row_end, const std::string& column,
                   Segment& out);

}  // namespace tributary::parquet
