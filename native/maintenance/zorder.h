// Z-order clustering keys: each column's values are mapped to their rank in
// sorted order, scaled to a fixed number of bits (so skewed and string
// columns spread evenly over the key space), then the ranks are interleaved
// bit by bit (Morton order) or along a Hilbert curve, and the rows sorted by
// the resulting 64-bit key.
//
// Memory is kept to a few bytes per row beyond the inputs: columns are read
// in place from the chunks they were decoded into (one per data file), ranks
// are computed one column at a time, and the final sort runs one grid cell at
// a time (rows are first bucketed by cell).
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "maintenance/page_alloc.h"

namespace tributary::maintenance {

enum class ColumnKind : int32_t { kInt32 = 0, kInt64 = 1, kFloat64 = 2, kBytes = 3 };

// A run of consecutive rows of a column, in Arrow layout. `valid` is a
// validity bitmap whose bit `valid_offset + i` is row i's (null when the
// chunk has no nulls). For kBytes, `offsets` has rows + 1 entries into `data`.
struct ZChunk {
  size_t rows = 0;
  const uint8_t* data = nullptr;
  size_t data_bytes = 0;
  const int32_t* offsets = nullptr;
  const uint8_t* valid = nullptr;
  size_t valid_offset = 0;
};

// One column: its chunks cover the rows in order.
struct ZColumn {
  ColumnKind kind = ColumnKind::kInt64;
  std::vector<ZChunk> chunks;
};

enum class Curve : int32_t { kMorton = 0, kHilbert = 1 };

// Rank of every row in [0, 2^bits): nulls 0, equal values equal ranks,
// otherwise floor(position among non-null values * 2^bits / count). The sort
// runs on up to `threads` threads.
BigVector<uint32_t> RangeRanks(const ZColumn& col, size_t rows, int bits, int threads = 1);

// Coarse grid levels for file-aligned clustering: at each level the rank
// range of dimension `dim` is cut into `radix` equal quantile slices (within
// the slice the earlier levels of that dimension chose). Rows are ordered by
// the grid cell (levels read as mixed-radix digits, first level most
// significant — a Z-order over the coarse grid) and then by the fine key.
// Without levels every row is in cell 0.
struct GridLevel {
  int32_t dim = 0;
  int32_t radix = 1;
};

struct ClusterResult {
  BigVector<uint32_t> order;  // row indices in clustered order (ties keep the input order)
  BigVector<uint32_t> cells;  // grid cell of each row, in output order
};

// Cells are sorted on up to `threads` threads. `ranked(d)`, when given, is
// called once column d is no longer read, so its owner can free it.
ClusterResult ClusterOrderGrid(const std::vector<ZColumn>& cols, size_t rows, Curve curve, int threads,
                               const std::vector<GridLevel>& levels, const std::function<void(size_t)>& ranked = {});

// Interleaved key of one row's ranks (exposed for tests through the binding).
uint64_t MortonKey(const uint32_t* ranks, size_t dims, int bits);
uint64_t HilbertKey(const uint32_t* ranks, size_t dims, int bits);

}  // namespace tributary::maintenance
