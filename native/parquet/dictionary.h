// Open-addressing hash tables that assign dictionary indices in first-seen
// order and keep the entries PLAIN-encoded, ready to become the dictionary page.
#pragma once
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "common/mix_hash.h"

namespace tributary::parquet {

using tributary::MixHash;

inline uint64_t HashBytes(const uint8_t* p, size_t n) {
  uint64_t h = 0x9E3779B97F4A7C15ULL ^ (n * 0x100000001b3ULL);
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 31;
    p += 8;
    n -= 8;
  }
  uint64_t w = 0;
  std::memcpy(&w, p, n);
  h = (h ^ w) * 0x94d049bb133111ebULL;
  return MixHash(h);
}

// Fixed-width values, compared by bit pattern (so -0.0/0.0 and NaN payloads
// stay distinct and round-trip exactly). Slots hold the value next to its
// index, so a probe touches one cache line.
template <typename T>
class NumericDict {
 public:
  NumericDict() { Reset(1024); }

  // Index of v, inserting it when new (`inserted` tells which).
  int32_t Insert(T v, bool& inserted) {
    size_t slot = MixHash(Bits(v)) & mask_;
    for (;;) {
      Slot& s = slots_[slot];
      if (s.index < 0) break;
      if (std::memcmp(&s.value, &v, sizeof(T)) == 0) {
        inserted = false;
        return s.index;
      }
      slot = (slot + 1) & mask_;
    }
    inserted = true;
    const auto idx = static_cast<int32_t>(entries_.size());
    slots_[slot] = Slot{v, idx};
    entries_.push_back(v);
    if (entries_.size() * 2 > slots_.size()) Grow();
    return idx;
  }

  size_t size() const { return entries_.size(); }
  size_t bytes() const { return entries_.size() * sizeof(T); }
  T Entry(size_t i) const { return entries_[i]; }
  const uint8_t* PageData() const { return reinterpret_cast<const uint8_t*>(entries_.data()); }
  void Clear() {
    entries_.clear();
    entries_.shrink_to_fit();
    Reset(16);
  }

 private:
  struct Slot {
    T value;
    int32_t index;
  };
  static uint64_t Bits(T v) {
    uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof(T));
    return bits;
  }
  void Reset(size_t capacity) {
    slots_.assign(capacity, Slot{T{}, -1});
    mask_ = capacity - 1;
  }
  void Grow() {
    Reset(slots_.size() * 2);
    for (size_t i = 0; i < entries_.size(); ++i) {
      size_t slot = MixHash(Bits(entries_[i])) & mask_;
      while (slots_[slot].index >= 0) slot = (slot + 1) & mask_;
      slots_[slot] = Slot{entries_[i], static_cast<int32_t>(i)};
    }
  }

  std::vector<T> entries_;
  std::vector<Slot> slots_;
  size_t mask_ = 0;
};

// Byte strings. With `length_prefix` (BYTE_ARRAY) each entry is stored as a
// 4-byte length followed by its bytes; without it (FIXED_LEN_BYTE_ARRAY) as bytes.
class BytesDict {
 public:
  explicit BytesDict(bool length_prefix) : length_prefix_(length_prefix) { Reset(1024); }

  int32_t Insert(std::string_view v, bool& inserted) {
    const auto* p = reinterpret_cast<const uint8_t*>(v.data());
    const uint64_t h = HashBytes(p, v.size());
    const auto tag = static_cast<uint32_t>(h >> 32);
    size_t slot = h & mask_;
    for (;;) {
      const Slot s = slots_[slot];
      if (s.index < 0) break;
      const auto e = static_cast<size_t>(s.index);
      if (s.tag == tag && lengths_[e] == v.size() && Equal(page_.data() + starts_[e], p, v.size())) {
        inserted = false;
        return s.index;
      }
      slot = (slot + 1) & mask_;
    }
    inserted = true;
    const auto idx = static_cast<int32_t>(starts_.size());
    slots_[slot] = Slot{idx, tag};
    if (length_prefix_) {
      const auto n = static_cast<uint32_t>(v.size());
      const uint8_t len[4] = {static_cast<uint8_t>(n), static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n >> 16),
                              static_cast<uint8_t>(n >> 24)};
      page_.insert(page_.end(), len, len + 4);
    }
    starts_.push_back(page_.size());
    lengths_.push_back(static_cast<uint32_t>(v.size()));
    page_.insert(page_.end(), p, p + v.size());
    if (starts_.size() * 2 > slots_.size()) Grow();
    return idx;
  }

  size_t size() const { return starts_.size(); }
  size_t bytes() const { return page_.size(); }
  std::string_view Entry(size_t i) const {
    return {reinterpret_cast<const char*>(page_.data() + starts_[i]), lengths_[i]};
  }
  const uint8_t* PageData() const { return page_.data(); }
  void Clear() {
    page_.clear();
    page_.shrink_to_fit();
    starts_.clear();
    lengths_.clear();
    Reset(16);
  }

 private:
  struct Slot {
    int32_t index;
    uint32_t tag;  // high hash bits: most mismatches never touch the entry
  };
  // Short strings dominate dictionaries; a byte loop beats a memcmp call there.
  static bool Equal(const uint8_t* a, const uint8_t* b, size_t n) {
    if (n > 16) return std::memcmp(a, b, n) == 0;
    for (size_t i = 0; i < n; ++i) {
      if (a[i] != b[i]) return false;
    }
    return true;
  }
  void Reset(size_t capacity) {
    slots_.assign(capacity, Slot{-1, 0});
    mask_ = capacity - 1;
  }
  void Grow() {
    Reset(slots_.size() * 2);
    for (size_t i = 0; i < starts_.size(); ++i) {
      const uint64_t h = HashBytes(page_.data() + starts_[i], lengths_[i]);
      size_t slot = h & mask_;
      while (slots_[slot].index >= 0) slot = (slot + 1) & mask_;
      slots_[slot] = Slot{static_cast<int32_t>(i), static_cast<uint32_t>(h >> 32)};
    }
  }

  bool length_prefix_;
  std::vector<uint8_t> page_;
  std::vector<size_t> starts_;
  std::vector<uint32_t> lengths_;
  std::vector<Slot> slots_;
  size_t mask_ = 0;
};

}  // namespace tributary::parquet
