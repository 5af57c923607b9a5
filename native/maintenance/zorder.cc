#include "maintenance/zorder.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <utility>

namespace tributary::maintenance {

namespace {

// Maps a value to an unsigned integer with the same order.
inline uint64_t OrderedInt(int64_t v) { return static_cast<uint64_t>(v) ^ (uint64_t{1} << 63); }
inline uint64_t OrderedDouble(double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, 8);
  return (bits >> 63) ? ~bits : bits | (uint64_t{1} << 63);
}

// First 8 bytes, big-endian, zero-padded: orders like memcmp on the prefix.
inline uint64_t Prefix8(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | (i < n ? p[i] : 0);
  return v;
}

// Stable LSD radix sort of `v` by the little-endian key bytes `byte(x, i)`,
// i < key_bytes (byte key_bytes-1 most significant). All histograms come from
// one scan, and a byte on which every record agrees (the high bytes of small
// cell numbers) costs no pass. Stability keeps ties in input order.
template <typename T, typename ByteFn>
void RadixSort(std::vector<T>& v, int key_bytes, ByteFn byte) {
  const size_t n = v.size();
  if (n < 2) return;
  std::vector<std::array<size_t, 256>> counts(key_bytes);
  for (auto& c : counts) c.fill(0);
  for (const T& x : v)
    for (int b = 0; b < key_bytes; ++b) ++counts[b][byte(x, b)];
  std::vector<T> tmp(n);
  for (int b = 0; b < key_bytes; ++b) {
    auto& c = counts[b];
    if (c[byte(v[0], b)] == n) continue;
    size_t sum = 0;
    for (auto& k : c) {
      const size_t t = k;
      k = sum;
      sum += t;
    }
    for (const T& x : v) tmp[c[byte(x, b)]++] = x;
    v.swap(tmp);
  }
}

// Spreads the low 32 bits of x to the even bit positions (two-dimensional Morton interleave).
inline uint64_t Spread2(uint64_t x) {
  x &= 0xffffffffu;
  x = (x | (x << 16)) & 0x0000ffff0000ffffULL;
  x = (x | (x << 8)) & 0x00ff00ff00ff00ffULL;
  x = (x | (x << 4)) & 0x0f0f0f0f0f0f0f0fULL;
  x = (x | (x << 2)) & 0x3333333333333333ULL;
  x = (x | (x << 1)) & 0x5555555555555555ULL;
  return x;
}

}  // namespace

std::vector<uint32_t> RangeRanks(const ZColumn& col, size_t rows, int bits) {
  std::vector<uint32_t> ranks(rows, 0);
  std::vector<std::pair<uint64_t, uint32_t>> keyed;
  keyed.reserve(rows);
  auto valid = [&](size_t i) { return col.valid == nullptr || col.valid[i] != 0; };
  for (size_t i = 0; i < rows; ++i) {
    if (!valid(i)) continue;
    uint64_t k = 0;
    switch (col.kind) {
      case ColumnKind::kInt32: {
        int32_t v;
        std::memcpy(&v, col.data + i * 4, 4);
        k = OrderedInt(v);
        break;
      }
      case ColumnKind::kInt64: {
        int64_t v;
        std::memcpy(&v, col.data + i * 8, 8);
        k = OrderedInt(v);
        break;
      }
      case ColumnKind::kFloat64: {
        double v;
        std::memcpy(&v, col.data + i * 8, 8);
        k = OrderedDouble(v);
        break;
      }
      case ColumnKind::kBytes:
        k = Prefix8(col.data + col.offsets[i], static_cast<size_t>(col.offsets[i + 1] - col.offsets[i]));
        break;
    }
    keyed.emplace_back(k, static_cast<uint32_t>(i));
  }
  // Built in row order, so a stable sort by key alone orders (key, row) pairs.
  RadixSort(keyed, 8, [](const std::pair<uint64_t, uint32_t>& x, int b) { return static_cast<uint8_t>(x.first >> (8 * b)); });
  const size_t n = keyed.size();
  auto bytesOf = [&](uint32_t r) {
    return std::string_view(reinterpret_cast<const char*>(col.data + col.offsets[r]),
                            static_cast<size_t>(col.offsets[r + 1] - col.offsets[r]));
  };
  if (col.kind == ColumnKind::kBytes) {
    // Equal 8-byte prefixes: order the run by the whole value.
    for (size_t s = 0; s < n;) {
      size_t e = s + 1;
      while (e < n && keyed[e].first == keyed[s].first) ++e;
      if (e - s > 1) {
        std::stable_sort(keyed.begin() + s, keyed.begin() + e,
                         [&](const auto& a, const auto& b) { return bytesOf(a.second) < bytesOf(b.second); });
      }
      s = e;
    }
  }
  auto same = [&](size_t a, size_t b) {
    if (keyed[a].first != keyed[b].first) return false;
    return col.kind != ColumnKind::kBytes || bytesOf(keyed[a].second) == bytesOf(keyed[b].second);
  };
  size_t group_start = 0;
  for (size_t p = 0; p < n; ++p) {
    if (p > 0 && !same(p, p - 1)) group_start = p;
    // group_start < n <= 2^32 and bits <= 32, so the product fits in 64 bits.
    ranks[keyed[p].second] = static_cast<uint32_t>((static_cast<uint64_t>(group_start) << bits) / n);
  }
  return ranks;
}

uint64_t MortonKey(const uint32_t* ranks, size_t dims, int bits) {
  // Two columns (the common case): the bit loop below, by shifts and masks.
  if (dims == 2 && bits == 32) return (Spread2(ranks[0]) << 1) | Spread2(ranks[1]);
  uint64_t key = 0;
  for (int b = bits - 1; b >= 0; --b)
    for (size_t d = 0; d < dims; ++d) key = (key << 1) | ((ranks[d] >> b) & 1u);
  return key;
}

uint64_t HilbertKey(const uint32_t* ranks, size_t dims, int bits) {
  // Skilling's "Programming the Hilbert curve" (AIP 2004): axes → transposed index.
  uint32_t x[64];
  for (size_t d = 0; d < dims; ++d) x[d] = ranks[d];
  const uint32_t m = uint32_t{1} << (bits - 1);
  for (uint32_t q = m; q > 1; q >>= 1) {
    const uint32_t p = q - 1;
    for (size_t i = 0; i < dims; ++i) {
      if (x[i] & q) {
        x[0] ^= p;
      } else {
        const uint32_t t = (x[0] ^ x[i]) & p;
        x[0] ^= t;
        x[i] ^= t;
      }
    }
  }
  for (size_t i = 1; i < dims; ++i) x[i] ^= x[i - 1];
  uint32_t t = 0;
  for (uint32_t q = m; q > 1; q >>= 1)
    if (x[dims - 1] & q) t ^= q - 1;
  for (size_t i = 0; i < dims; ++i) x[i] ^= t;
  return MortonKey(x, dims, bits);
}

std::vector<uint32_t> ClusterOrder(const std::vector<ZColumn>& cols, size_t rows, Curve curve, int threads) {
  return ClusterOrderGrid(cols, rows, curve, threads, {}).order;
}

ClusterResult ClusterOrderGrid(const std::vector<ZColumn>& cols, size_t rows, Curve curve, int threads,
                               const std::vector<GridLevel>& levels) {
  const size_t dims = cols.size();
  if (dims == 0 || dims > 64) throw std::runtime_error("Z-order needs 1 to 64 columns");
  if (rows > 0xffffffffu) throw std::runtime_error("Z-order supports at most 2^32 - 1 rows per partition");
  uint64_t total_cells = 1;
  std::vector<uint64_t> dim_cells(dims, 1);
  for (const auto& l : levels) {
    if (l.dim < 0 || static_cast<size_t>(l.dim) >= dims || l.radix < 1) throw std::runtime_error("invalid grid level");
    total_cells *= static_cast<uint64_t>(l.radix);
    dim_cells[l.dim] *= static_cast<uint64_t>(l.radix);
    if (total_cells > 0xffffffffu) throw std::runtime_error("too many grid cells");
  }
  const int bits = static_cast<int>(std::min<size_t>(32, 64 / dims));
  std::vector<std::vector<uint32_t>> ranks(dims);
  const size_t workers = std::max<size_t>(1, std::min<size_t>(dims, static_cast<size_t>(threads)));
  if (workers == 1) {
    for (size_t d = 0; d < dims; ++d) ranks[d] = RangeRanks(cols[d], rows, bits);
  } else {
    std::vector<std::thread> pool;
    std::vector<std::string> errors(workers);
    for (size_t w = 0; w < workers; ++w) {
      pool.emplace_back([&, w] {
        try {
          for (size_t d = w; d < dims; d += workers) ranks[d] = RangeRanks(cols[d], rows, bits);
        } catch (const std::exception& e) {
          errors[w] = e.what();
        }
      });
    }
    for (auto& t : pool) t.join();
    for (const auto& e : errors)
      if (!e.empty()) throw std::runtime_error(e);
  }
  struct Keyed {
    uint64_t key;
    uint32_t cell;
    uint32_t row;
  };
  std::vector<Keyed> keyed(rows);
  std::vector<uint32_t> row(dims);
  std::vector<uint64_t> slot(dims);
  std::vector<uint64_t> left(dims);
  for (size_t i = 0; i < rows; ++i) {
    for (size_t d = 0; d < dims; ++d) row[d] = ranks[d][i];
    uint32_t cell = 0;
    if (!levels.empty()) {
      // Each dimension's slice among its dim_cells equal quantile slices, read digit by digit.
      for (size_t d = 0; d < dims; ++d) {
        slot[d] = (static_cast<uint64_t>(row[d]) * dim_cells[d]) >> bits;
        left[d] = dim_cells[d];
      }
      uint64_t c = 0;
      for (const auto& l : levels) {
        left[l.dim] /= static_cast<uint64_t>(l.radix);
        const uint64_t digit = slot[l.dim] / left[l.dim];
        slot[l.dim] %= left[l.dim];
        c = c * static_cast<uint64_t>(l.radix) + digit;
      }
      cell = static_cast<uint32_t>(c);
    }
    const uint64_t k = curve == Curve::kHilbert ? HilbertKey(row.data(), dims, bits) : MortonKey(row.data(), dims, bits);
    keyed[i] = {k, cell, static_cast<uint32_t>(i)};
  }
  ranks.clear();
  // By (cell, key); rows are in input order, so stability breaks ties by row.
  RadixSort(keyed, 12, [](const Keyed& x, int b) {
    return static_cast<uint8_t>(b < 8 ? x.key >> (8 * b) : x.cell >> (8 * (b - 8)));
  });
  ClusterResult out;
  out.order.resize(rows);
  // Without levels every row is in cell 0; the caller still gets a cell per row.
  out.cells.resize(rows);
  for (size_t i = 0; i < rows; ++i) {
    out.order[i] = keyed[i].row;
    out.cells[i] = keyed[i].cell;
  }
  return out;
}

}  // namespace tributary::maintenance
