#include "maintenance/zorder.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <string>
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
// cell numbers) costs no pass. Stability keeps ties in input order. Large
// inputs are split among `threads` threads: each counts and scatters its own
// slice, the slices' offsets interleaved so the result is the same.
template <typename V, typename ByteFn>
void RadixSort(V& v, int key_bytes, ByteFn byte, int threads = 1) {
  const size_t n = v.size();
  if (n < 2 || key_bytes <= 0) return;
  const size_t parts = n >= (size_t{1} << 18) ? static_cast<size_t>(std::max(1, std::min(threads, 8))) : 1;
  auto lo = [&](size_t t) { return n * t / parts; };
  auto run = [&](auto&& fn) {
    std::vector<std::thread> pool;
    for (size_t t = 1; t < parts; ++t) pool.emplace_back(fn, t);
    fn(size_t{0});
    for (auto& th : pool) th.join();
  };
  // Which bytes vary at all: one scan of every byte's histogram (invariant under the passes).
  std::vector<std::vector<std::array<size_t, 256>>> all(parts, std::vector<std::array<size_t, 256>>(key_bytes));
  run([&](size_t t) {
    for (auto& c : all[t]) c.fill(0);
    for (size_t i = lo(t), e = lo(t + 1); i < e; ++i)
      for (int b = 0; b < key_bytes; ++b) ++all[t][b][byte(v[i], b)];
  });
  V tmp(n);
  std::vector<std::array<size_t, 256>> counts(parts);
  bool fresh = true;  // the slices still hold their records of the first scan
  for (int b = 0; b < key_bytes; ++b) {
    size_t first = 0;
    for (size_t t = 0; t < parts; ++t) first += all[t][b][byte(v[0], b)];
    if (first == n) continue;
    // Each slice's digits of byte b in the current order (a pass moves records between slices).
    if (fresh || parts == 1) {
      for (size_t t = 0; t < parts; ++t) counts[t] = all[t][b];
    } else {
      run([&](size_t t) {
        counts[t].fill(0);
        for (size_t i = lo(t), e = lo(t + 1); i < e; ++i) ++counts[t][byte(v[i], b)];
      });
    }
    // Digit-major, slice-minor offsets: equal digits keep slice (input) order.
    size_t sum = 0;
    for (int d = 0; d < 256; ++d)
      for (size_t t = 0; t < parts; ++t) {
        const size_t k = counts[t][d];
        counts[t][d] = sum;
        sum += k;
      }
    run([&](size_t t) {
      auto& c = counts[t];
      for (size_t i = lo(t), e = lo(t + 1); i < e; ++i) tmp[c[byte(v[i], b)]++] = v[i];
    });
    v.swap(tmp);
    fresh = false;
  }
}

// In-place MSD radix sort (American flag sort) of distinct words by their
// bits below `top` (a multiple of 8): no second buffer, so the ranks of
// several columns can be computed at once in the memory one LSD sort needs.
void FlagSort(uint64_t* a, size_t n, int top) {
  if (n < 48 || top <= 0) {
    std::sort(a, a + n);
    return;
  }
  const int shift = top - 8;
  size_t count[256] = {0};
  for (size_t i = 0; i < n; ++i) ++count[(a[i] >> shift) & 255];
  size_t head[256], tail[256];
  size_t at = 0;
  for (int d = 0; d < 256; ++d) {
    head[d] = at;
    at += count[d];
    tail[d] = at;
  }
  for (int d = 0; d < 256; ++d) {
    while (head[d] < tail[d]) {
      uint64_t v = a[head[d]];
      int vd = static_cast<int>((v >> shift) & 255);
      while (vd != d) {
        std::swap(v, a[head[vd]++]);
        vd = static_cast<int>((v >> shift) & 255);
      }
      a[head[d]++] = v;
    }
  }
  if (shift == 0) return;
  size_t start = 0;
  for (int d = 0; d < 256; ++d) {
    if (count[d] > 1) FlagSort(a + start, count[d], shift);
    start += count[d];
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

// Whether row `i` of a chunk is non-null.
inline bool Valid(const ZChunk& c, size_t i) {
  if (c.valid == nullptr) return true;
  const size_t b = c.valid_offset + i;
  return (c.valid[b >> 3] >> (b & 7)) & 1;
}

inline std::string_view BytesOf(const ZChunk& c, size_t i) {
  return std::string_view(reinterpret_cast<const char*>(c.data + c.offsets[i]), static_cast<size_t>(c.offsets[i + 1] - c.offsets[i]));
}

// An unsigned integer with the order of the value (for bytes: of its first 8 bytes).
inline uint64_t OrderedKey(ColumnKind kind, const ZChunk& c, size_t i) {
  switch (kind) {
    case ColumnKind::kInt32: {
      int32_t v;
      std::memcpy(&v, c.data + i * 4, 4);
      return OrderedInt(v);
    }
    case ColumnKind::kInt64: {
      int64_t v;
      std::memcpy(&v, c.data + i * 8, 8);
      return OrderedInt(v);
    }
    case ColumnKind::kFloat64: {
      double v;
      std::memcpy(&v, c.data + i * 8, 8);
      return OrderedDouble(v);
    }
    case ColumnKind::kBytes:
      return Prefix8(c.data + c.offsets[i], static_cast<size_t>(c.offsets[i + 1] - c.offsets[i]));
  }
  return 0;
}

// Calls fn(row, chunk, index in chunk) for every non-null row, in row order.
template <typename Fn>
void ForEachValid(const ZColumn& col, Fn fn) {
  size_t row = 0;
  for (const ZChunk& c : col.chunks) {
    for (size_t i = 0; i < c.rows; ++i)
      if (Valid(c, i)) fn(row + i, c, i);
    row += c.rows;
  }
}

inline int BitWidth(uint64_t x) {
  int w = 0;
  while (w < 64 && (x >> w) != 0) ++w;
  return w;
}

}  // namespace

BigVector<uint32_t> RangeRanks(const ZColumn& col, size_t rows, int bits, int threads) {
  BigVector<uint32_t> ranks(rows, 0);
  size_t n = 0;
  uint64_t lo = ~uint64_t{0}, hi = 0;
  ForEachValid(col, [&](size_t, const ZChunk& c, size_t i) {
    const uint64_t k = OrderedKey(col.kind, c, i);
    lo = std::min(lo, k);
    hi = std::max(hi, k);
    ++n;
  });
  if (n == 0) return ranks;
  // Rank of the first row of a group of equal values that starts at sorted position p.
  // p < n <= 2^32 and bits <= 32, so the product fits in 64 bits.
  auto rank = [&](size_t p) { return static_cast<uint32_t>((static_cast<uint64_t>(p) << bits) / n); };

  const int row_bits = BitWidth(rows - 1);
  const int key_bits = BitWidth(hi - lo);
  if (col.kind != ColumnKind::kBytes && key_bits + row_bits <= 64) {
    // (value − min, row) packed into one word: sorting the words orders by value, ties by row,
    // at 8 bytes a row, sorted in place. The words are distinct, so any sort gives this order.
    BigVector<uint64_t> packed;
    packed.reserve(n);
    ForEachValid(col, [&](size_t row, const ZChunk& c, size_t i) { packed.push_back(((OrderedKey(col.kind, c, i) - lo) << row_bits) | row); });
    FlagSort(packed.data(), packed.size(), (key_bits + row_bits + 7) / 8 * 8);
    const uint64_t row_mask = row_bits == 0 ? 0 : (~uint64_t{0} >> (64 - row_bits));
    size_t group_start = 0;
    for (size_t p = 0; p < n; ++p) {
      if (p > 0 && (packed[p] >> row_bits) != (packed[p - 1] >> row_bits)) group_start = p;
      ranks[packed[p] & row_mask] = rank(group_start);
    }
    return ranks;
  }

  // Wide value ranges and byte strings: (key, row) pairs, built in row order, so a stable sort by key orders ties by row.
  BigVector<std::pair<uint64_t, uint32_t>> keyed;
  keyed.reserve(n);
  ForEachValid(col, [&](size_t row, const ZChunk& c, size_t i) { keyed.emplace_back(OrderedKey(col.kind, c, i), static_cast<uint32_t>(row)); });
  RadixSort(keyed, 8, [](const std::pair<uint64_t, uint32_t>& x, int b) { return static_cast<uint8_t>(x.first >> (8 * b)); }, threads);
  // Byte strings: the chunk and index of a row, for whole-value comparisons.
  std::vector<size_t> starts;
  if (col.kind == ColumnKind::kBytes) {
    size_t at = 0;
    for (const ZChunk& c : col.chunks) {
      starts.push_back(at);
      at += c.rows;
    }
  }
  auto bytesOf = [&](uint32_t row) {
    const size_t k = static_cast<size_t>(std::upper_bound(starts.begin(), starts.end(), static_cast<size_t>(row)) - starts.begin()) - 1;
    return BytesOf(col.chunks[k], row - starts[k]);
  };
  if (col.kind == ColumnKind::kBytes) {
    // Equal 8-byte prefixes: order the run by the whole value.
    for (size_t s = 0; s < n;) {
      size_t e = s + 1;
      while (e < n && keyed[e].first == keyed[s].first) ++e;
      if (e - s > 1) {
        std::stable_sort(keyed.begin() + s, keyed.begin() + e, [&](const auto& a, const auto& b) { return bytesOf(a.second) < bytesOf(b.second); });
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
    ranks[keyed[p].second] = rank(group_start);
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

ClusterResult ClusterOrderGrid(const std::vector<ZColumn>& cols, size_t rows, Curve curve, int threads,
                               const std::vector<GridLevel>& levels, const std::function<void(size_t)>& ranked) {
  const size_t dims = cols.size();
  if (dims == 0 || dims > 64) throw std::runtime_error("Z-order needs 1 to 64 columns");
  if (rows > 0xffffffffu) throw std::runtime_error("Z-order supports at most 2^32 - 1 rows per partition");
  for (const auto& c : cols) {
    size_t n = 0;
    for (const auto& ch : c.chunks) n += ch.rows;
    if (n != rows) throw std::runtime_error("Z-order column chunks do not add up to the row count");
  }
  uint64_t total_cells = 1;
  std::vector<uint64_t> dim_cells(dims, 1);
  for (const auto& l : levels) {
    if (l.dim < 0 || static_cast<size_t>(l.dim) >= dims || l.radix < 1) throw std::runtime_error("invalid grid level");
    total_cells *= static_cast<uint64_t>(l.radix);
    dim_cells[l.dim] *= static_cast<uint64_t>(l.radix);
    if (total_cells > 0xffffffffu) throw std::runtime_error("too many grid cells");
  }
  const int bits = static_cast<int>(std::min<size_t>(32, 64 / dims));
  // Columns are ranked on up to `threads` threads at once (their sorts need no second buffer).
  std::vector<BigVector<uint32_t>> ranks(dims);
  {
    std::atomic<size_t> next{0};
    std::vector<std::string> errors(static_cast<size_t>(std::max(1, threads)));
    auto rank_columns = [&](size_t w) {
      try {
        for (size_t d = next++; d < dims; d = next++) {
          ranks[d] = RangeRanks(cols[d], rows, bits, 1);
          if (ranked) ranked(d);
        }
      } catch (const std::exception& e) {
        errors[w] = e.what();
      }
    };
    const size_t workers = std::max<size_t>(1, std::min<size_t>(dims, static_cast<size_t>(std::max(1, threads))));
    std::vector<std::thread> pool;
    for (size_t w = 1; w < workers; ++w) pool.emplace_back(rank_columns, w);
    rank_columns(0);
    for (auto& t : pool) t.join();
    for (const auto& e : errors)
      if (!e.empty()) throw std::runtime_error(e);
  }

  // The cell of a row is a sum of one term per dimension: with slot = the row's
  // slice among its dimension's dim_cells equal quantile slices, each level l of
  // that dimension contributes digit (slot / (radices of its later levels)) % radix
  // times the level's mixed-radix weight. Tabulated per dimension and slot.
  std::vector<std::vector<uint32_t>> term(dims);
  if (!levels.empty()) {
    std::vector<uint64_t> weight(levels.size(), 1);
    for (size_t l = levels.size() - 1; l > 0; --l) weight[l - 1] = weight[l] * static_cast<uint64_t>(levels[l].radix);
    for (size_t d = 0; d < dims; ++d) {
      term[d].assign(static_cast<size_t>(dim_cells[d]), 0);
      for (uint64_t slot = 0; slot < dim_cells[d]; ++slot) {
        uint64_t after = dim_cells[d], c = 0;
        for (size_t l = 0; l < levels.size(); ++l) {
          if (static_cast<size_t>(levels[l].dim) != d) continue;
          after /= static_cast<uint64_t>(levels[l].radix);
          c += ((slot / after) % static_cast<uint64_t>(levels[l].radix)) * weight[l];
        }
        term[d][slot] = static_cast<uint32_t>(c);
      }
    }
  }
  BigVector<uint32_t> cell_of(levels.empty() ? 0 : rows);
  for (size_t i = 0; i < cell_of.size(); ++i) {
    uint32_t c = 0;
    for (size_t d = 0; d < dims; ++d) c += term[d][(static_cast<uint64_t>(ranks[d][i]) * dim_cells[d]) >> bits];
    cell_of[i] = c;
  }
  auto cellOf = [&](size_t i) -> uint32_t { return levels.empty() ? 0 : cell_of[i]; };
  // Rows bucketed by cell, ascending within each: a stable sort of the order by cell.
  std::vector<size_t> start(static_cast<size_t>(total_cells) + 1, 0);
  for (size_t i = 0; i < rows; ++i) ++start[cellOf(i) + 1];
  for (size_t c = 0; c < total_cells; ++c) start[c + 1] += start[c];
  ClusterResult out;
  out.order.resize(rows);
  out.cells.resize(rows);
  {
    std::vector<size_t> fill(start.begin(), start.end() - 1);
    for (size_t i = 0; i < rows; ++i) out.order[fill[cellOf(i)]++] = static_cast<uint32_t>(i);
  }
  cell_of = {};
  for (size_t c = 0; c < total_cells; ++c) std::fill(out.cells.begin() + start[c], out.cells.begin() + start[c + 1], static_cast<uint32_t>(c));

  // Within a cell, by the fine key; the bucket is in row order, so the stable sort breaks ties by row.
  struct Keyed {
    uint64_t key;
    uint32_t row;
  };
  std::atomic<size_t> next{0};
  std::vector<std::string> errors(static_cast<size_t>(std::max(1, threads)));
  auto work = [&](size_t w) {
    try {
      BigVector<Keyed> keyed;
      std::vector<uint32_t> r(dims);
      for (size_t c = next++; c < total_cells; c = next++) {
        const size_t s = start[c], e = start[c + 1];
        if (e - s < 2) continue;
        keyed.resize(e - s);
        for (size_t p = s; p < e; ++p) {
          const uint32_t row = out.order[p];
          for (size_t d = 0; d < dims; ++d) r[d] = ranks[d][row];
          keyed[p - s] = {curve == Curve::kHilbert ? HilbertKey(r.data(), dims, bits) : MortonKey(r.data(), dims, bits), row};
        }
        RadixSort(keyed, 8, [](const Keyed& x, int b) { return static_cast<uint8_t>(x.key >> (8 * b)); });
        for (size_t p = s; p < e; ++p) out.order[p] = keyed[p - s].row;
      }
    } catch (const std::exception& e) {
      errors[w] = e.what();
    }
  };
  const size_t workers = std::max<size_t>(1, std::min<size_t>(static_cast<size_t>(std::max(1, threads)), static_cast<size_t>(total_cells)));
  std::vector<std::thread> pool;
  for (size_t w = 1; w < workers; ++w) pool.emplace_back(work, w);
  work(0);
  for (auto& t : pool) t.join();
  for (const auto& e : errors)
    if (!e.empty()) throw std::runtime_error(e);
  return out;
}

}  // namespace tributary::maintenance
