// Open addressing with linear probing. Hashes are computed column by column
// over blocks of rows (tight loops per layout), then the block's rows are
// inserted or looked up. A slot is a pair of int32: the first build row of a
// key and the low 32 bits of its hash, which reject almost every unequal
// candidate without touching the build columns (one cache line per lookup).
#include "join/key_hash.h"

#include "common/mix_hash.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace tributary::join {

namespace {

constexpr uint64_t kMul = 0x9E3779B97F4A7C15ull;
constexpr uint64_t kNullTag = 0xC2B2AE3D27D4EB4Full;
constexpr size_t kBlock = 2048;
constexpr size_t kAhead = 16;

inline uint64_t Rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

inline bool IsNull(const KeyColumn& c, size_t i) { return c.valid != nullptr && ((c.valid[i >> 3] >> (i & 7)) & 1) == 0; }

// A value of 1, 2, 4 or 8 bytes (the fixed widths below 16), zero-extended.
inline uint64_t Load(const uint8_t* p, int32_t width) {
  switch (width) {
    case 1:
      return *p;
    case 2: {
      uint16_t v;
      std::memcpy(&v, p, 2);
      return v;
    }
    case 4: {
      uint32_t v;
      std::memcpy(&v, p, 4);
      return v;
    }
    default: {
      uint64_t v;
      std::memcpy(&v, p, 8);
      return v;
    }
  }
}

// Float keys as bit patterns where equal SQL values have equal bits.
inline uint64_t FloatBits(double d) {
  if (d == 0) return 0;  // -0 joins 0
  if (std::isnan(d)) return 0x7FF8000000000000ull;
  uint64_t v;
  std::memcpy(&v, &d, 8);
  return v;
}

inline double FloatAt(const KeyColumn& c, size_t i) {
  if (c.kind == KeyKind::kFloat32) {
    float f;
    std::memcpy(&f, c.values + i * 4, 4);
    return f;
  }
  double d;
  std::memcpy(&d, c.values + i * 8, 8);
  return d;
}

uint64_t HashBytes(const uint8_t* p, size_t n) {
  uint64_t h = n * kMul;
  size_t k = 0;
  for (; k + 8 <= n; k += 8) {
    uint64_t w;
    std::memcpy(&w, p + k, 8);
    h = Rotl(h ^ (w * kMul), 29) * kMul;
  }
  if (k < n) {
    uint64_t w = 0;
    std::memcpy(&w, p + k, n - k);
    h = Rotl(h ^ (w * kMul), 29) * kMul;
  }
  return h;
}

inline uint64_t Combine(uint64_t h, uint64_t part) { return Rotl(h ^ part, 23) * kMul; }

// Folds one column's value hashes into out[0 .. end - begin); NULLs hash alike whatever their buffer holds.
template <typename Part>
inline void Accumulate(const KeyColumn& c, size_t begin, size_t n, uint64_t* out, Part part) {
  if (c.valid == nullptr) {
    for (size_t j = 0; j < n; ++j) out[j] = Combine(out[j], part(begin + j));
  } else {
    for (size_t j = 0; j < n; ++j) out[j] = Combine(out[j], IsNull(c, begin + j) ? kNullTag : part(begin + j));
  }
}

// Hashes rows [begin, end) of `rows` into out[0 .. end - begin), column by column.
void HashBlock(const KeyRows& rows, size_t begin, size_t end, uint64_t* out) {
  const size_t n = end - begin;
  std::fill(out, out + n, 0);
  for (const KeyColumn& c : rows.columns) {
    switch (c.kind) {
      case KeyKind::kFixed:
        if (c.width <= 8) {
          Accumulate(c, begin, n, out, [&](size_t i) { return Load(c.values + i * c.width, c.width) * kMul + 1; });
        } else {
          Accumulate(c, begin, n, out, [&](size_t i) { return HashBytes(c.values + i * c.width, static_cast<size_t>(c.width)); });
        }
        break;
      case KeyKind::kFloat32:
      case KeyKind::kFloat64:
        Accumulate(c, begin, n, out, [&](size_t i) { return FloatBits(FloatAt(c, i)) * kMul + 1; });
        break;
      case KeyKind::kBool:
        Accumulate(c, begin, n, out, [&](size_t i) -> uint64_t { return ((c.values[i >> 3] >> (i & 7)) & 1) + 1; });
        break;
      case KeyKind::kBytes:
        Accumulate(c, begin, n, out, [&](size_t i) { return HashBytes(c.values + c.offsets[i], static_cast<size_t>(c.offsets[i + 1] - c.offsets[i])); });
        break;
    }
  }
  for (size_t j = 0; j < n; ++j) out[j] = MixHash(out[j]);
}

bool AnyNull(const KeyRows& rows, size_t i) {
  for (const KeyColumn& c : rows.columns) {
    if (IsNull(c, i)) return true;
  }
  return false;
}

// Both sides have the same layouts (checked at the boundary).
bool Equal(const KeyRows& a, size_t i, const KeyRows& b, size_t j) {
  for (size_t k = 0; k < a.columns.size(); ++k) {
    const KeyColumn& x = a.columns[k];
    const KeyColumn& y = b.columns[k];
    const bool xn = IsNull(x, i);
    const bool yn = IsNull(y, j);
    if (xn || yn) {
      if (xn != yn) return false;
      continue;
    }
    switch (x.kind) {
      case KeyKind::kFixed:
        if (x.width <= 8) {
          if (Load(x.values + i * x.width, x.width) != Load(y.values + j * y.width, y.width)) return false;
        } else if (std::memcmp(x.values + i * x.width, y.values + j * y.width, static_cast<size_t>(x.width)) != 0) {
          return false;
        }
        break;
      case KeyKind::kFloat32:
      case KeyKind::kFloat64:
        if (FloatBits(FloatAt(x, i)) != FloatBits(FloatAt(y, j))) return false;
        break;
      case KeyKind::kBool:
        if (((x.values[i >> 3] >> (i & 7)) & 1) != ((y.values[j >> 3] >> (j & 7)) & 1)) return false;
        break;
      case KeyKind::kBytes: {
        const int32_t xl = x.offsets[i + 1] - x.offsets[i];
        const int32_t yl = y.offsets[j + 1] - y.offsets[j];
        if (xl != yl || std::memcmp(x.values + x.offsets[i], y.values + y.offsets[j], static_cast<size_t>(xl)) != 0) return false;
        break;
      }
    }
  }
  return true;
}

inline void Prefetch(const void* p) {
#if defined(__GNUC__)
  __builtin_prefetch(p);
#else
  (void)p;
#endif
}

// The first bytes of a build row's key values.
inline void PrefetchRow(const KeyRows& rows, size_t r) {
  for (const KeyColumn& c : rows.columns) {
    if (c.kind == KeyKind::kBytes) Prefetch(c.offsets + r);
    else if (c.kind != KeyKind::kBool) Prefetch(c.values + r * static_cast<size_t>(c.width));
  }
}

inline size_t SlotOf(uint64_t h, size_t mask) { return static_cast<size_t>(h >> 32) & mask; }

// The blocked Bloom filter in front of the slots: one 64-bit word per key
// with three bits set, from bits of a second hash independent of the slot's.
// It is a 32nd of the slots' size (12 to 24 bits per key), so it stays in L2
// while the slots do not: a probe row whose key is absent (most rows when a
// small batch probes a large table) costs one cached load.
struct Filter {
  uint64_t* words;
  size_t mask;
  static uint64_t Rehash(uint64_t h) { return h * kMul; }
  size_t WordOf(uint64_t h) const { return static_cast<size_t>(Rehash(h) >> 40) & mask; }
  static uint64_t BitsOf(uint64_t h) {
    const uint64_t r = Rehash(h);
    return (1ull << (r & 63)) | (1ull << ((r >> 6) & 63)) | (1ull << ((r >> 12) & 63));
  }
  void Add(uint64_t h) { words[WordOf(h)] |= BitsOf(h); }
  bool MayContain(uint64_t h) const {
    const uint64_t b = BitsOf(h);
    return (words[WordOf(h)] & b) == b;
  }
};

}  // namespace

size_t FilterWords(size_t capacity) { return std::max<size_t>(1, capacity / 8); }

namespace {

// A slot is kSlotInts int32: the first build row of a key (-1: empty), the
// low bits of its hash, and — for a single key column of at most 8 bytes
// without NULLs, the common case — the key itself, so that a lookup
// compares it there instead of loading the build row from elsewhere.
inline bool InlineKeys(const KeyRows& build) {
  if (build.columns.size() != 1) return false;
  const KeyColumn& c = build.columns[0];
  return c.valid == nullptr && c.kind != KeyKind::kBytes && !(c.kind == KeyKind::kFixed && c.width > 8);
}

// The inline form of a key: equal keys, equal bits (see FloatBits).
inline uint64_t InlineKey(const KeyColumn& c, size_t i) {
  switch (c.kind) {
    case KeyKind::kFixed: return Load(c.values + i * c.width, c.width);
    case KeyKind::kFloat32:
    case KeyKind::kFloat64: return FloatBits(FloatAt(c, i));
    case KeyKind::kBool: return (c.values[i >> 3] >> (i & 7)) & 1;
    default: return 0;
  }
}

struct SlotRef {
  int32_t* p;
  int32_t row() const { return p[0]; }
  int32_t tag() const { return p[1]; }
  uint64_t key() const {
    uint64_t v;
    std::memcpy(&v, p + 2, 8);
    return v;
  }
  void Set(int32_t r, int32_t t, uint64_t k) const {
    p[0] = r;
    p[1] = t;
    std::memcpy(p + 2, &k, 8);
  }
};

}  // namespace

size_t BuildTable(const KeyRows& build, bool null_safe, int32_t* slots, size_t capacity, uint64_t* filter, int32_t* first, int32_t* next) {
  const size_t mask = capacity - 1;
  for (size_t s = 0; s < capacity; ++s) SlotRef{slots + kSlotInts * s}.Set(-1, 0, 0);
  Filter f{filter, FilterWords(capacity) - 1};
  std::fill(filter, filter + FilterWords(capacity), 0);
  const bool inline_keys = InlineKeys(build);
  std::vector<int32_t> tail(build.rows);
  uint64_t h[kBlock];
  size_t distinct = 0;
  for (size_t begin = 0; begin < build.rows; begin += kBlock) {
    const size_t end = std::min(build.rows, begin + kBlock);
    HashBlock(build, begin, end, h);
    for (size_t i = begin; i < end; ++i) {
      // The slot of a row kAhead rows on is asked for now, so inserts do not wait on the table one by one.
      if (i + kAhead < end) Prefetch(slots + kSlotInts * SlotOf(h[i + kAhead - begin], mask));
      const uint64_t hash = h[i - begin];
      const int32_t tag = static_cast<int32_t>(static_cast<uint32_t>(hash));
      const uint64_t key = inline_keys ? InlineKey(build.columns[0], i) : 0;
      next[i] = -1;
      if (!null_safe && AnyNull(build, i)) {
        first[i] = -1;
        continue;
      }
      for (size_t s = SlotOf(hash, mask);; s = (s + 1) & mask) {
        const SlotRef slot{slots + kSlotInts * s};
        const int32_t r = slot.row();
        if (r < 0) {
          slot.Set(static_cast<int32_t>(i), tag, key);
          f.Add(hash);
          first[i] = static_cast<int32_t>(i);
          tail[i] = static_cast<int32_t>(i);
          ++distinct;
          break;
        }
        if (slot.tag() == tag && (inline_keys ? slot.key() == key : Equal(build, static_cast<size_t>(r), build, i))) {
          first[i] = r;
          next[tail[r]] = static_cast<int32_t>(i);
          tail[r] = static_cast<int32_t>(i);
          break;
        }
      }
    }
  }
  return distinct;
}

void ProbeTable(const KeyRows& build, const int32_t* slots, size_t capacity, const uint64_t* filter, const KeyRows& probe, bool null_safe, int32_t* out) {
  const size_t mask = capacity - 1;
  const Filter f{const_cast<uint64_t*>(filter), FilterWords(capacity) - 1};
  const bool inline_keys = InlineKeys(build);
  int32_t* const table = const_cast<int32_t*>(slots);
  uint64_t h[kBlock];
  uint32_t cand[kBlock];  // rows of the block that pass the filter
  int32_t row[kBlock];    // their first slot's build row when its hash bits match, else -1
  uint32_t slot[kBlock];  // and that slot
  for (size_t begin = 0; begin < probe.rows; begin += kBlock) {
    const size_t end = std::min(probe.rows, begin + kBlock);
    const size_t n = end - begin;
    HashBlock(probe, begin, end, h);
    // The lookup runs in passes over the block so that each pass's memory
    // loads were asked for (prefetched) a few rows earlier instead of
    // stalling one by one: the filter words, then the slots of the rows that
    // pass (with inline keys, that settles it), then the build values of the
    // slots whose hash bits match.
    size_t nc = 0;
    for (size_t j = 0; j < n; ++j) {
      Prefetch(f.words + f.WordOf(h[std::min(j + kAhead, n - 1)]));
      out[begin + j] = -1;
      if (!f.MayContain(h[j])) continue;
      if ((!null_safe || inline_keys) && AnyNull(probe, begin + j)) continue;  // inline keys hold no NULL
      cand[nc++] = static_cast<uint32_t>(j);
    }
    for (size_t c = 0; c < nc; ++c) {
      if (c + kAhead < nc) Prefetch(slots + kSlotInts * SlotOf(h[cand[c + kAhead]], mask));
      const uint64_t hash = h[cand[c]];
      const int32_t tag = static_cast<int32_t>(static_cast<uint32_t>(hash));
      const uint64_t key = inline_keys ? InlineKey(probe.columns[0], begin + cand[c]) : 0;
      size_t s = SlotOf(hash, mask);
      row[c] = -1;
      for (;; s = (s + 1) & mask) {
        const SlotRef ref{table + kSlotInts * s};
        const int32_t r = ref.row();
        if (r < 0) break;
        if (ref.tag() != tag) continue;
        if (inline_keys) {
          if (ref.key() != key) continue;
          out[begin + cand[c]] = r;
          break;
        }
        row[c] = r;
        PrefetchRow(build, static_cast<size_t>(r));
        break;
      }
      slot[c] = static_cast<uint32_t>(s);
    }
    if (inline_keys) continue;
    for (size_t c = 0; c < nc; ++c) {
      if (row[c] < 0) continue;
      const size_t i = begin + cand[c];
      const uint64_t hash = h[cand[c]];
      const int32_t tag = static_cast<int32_t>(static_cast<uint32_t>(hash));
      // Equal hash bits but another key (rare): go on along the chain.
      for (size_t s = slot[c];; s = (s + 1) & mask) {
        const SlotRef ref{table + kSlotInts * s};
        const int32_t r = ref.row();
        if (r < 0) break;
        if (ref.tag() == tag && Equal(build, static_cast<size_t>(r), probe, i)) {
          out[i] = r;
          break;
        }
      }
    }
  }
}

}  // namespace tributary::join
