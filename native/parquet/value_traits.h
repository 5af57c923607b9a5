// Per-physical-type behavior the column encoder is templated on: PLAIN
// encoding, sort order for statistics, and the dictionary table to use.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "parquet/dictionary.h"

namespace tributary::parquet {

// PLAIN-encoded values of a page, appended one at a time.
class ByteSink {
 public:
  void AppendRaw(const void* p, size_t n) {
    if (size_ + n > buf_.size()) Reserve((size_ + n) * 2);
    std::memcpy(buf_.data() + size_, p, n);
    size_ += n;
  }
  // Grows without zero-filling on every append (vector::resize would).
  void Reserve(size_t n) {
    if (n > buf_.size()) buf_.resize(n < 4096 ? 4096 : n);
  }
  size_t size() const { return size_; }
  const uint8_t* data() const { return buf_.data(); }
  void clear() { size_ = 0; }

 private:
  std::vector<uint8_t> buf_;
  size_t size_ = 0;
};

// Booleans are bit-packed LSB first.
class BitSink {
 public:
  void Append(bool v) {
    if ((bits_ & 7) == 0) buf_.push_back(0);
    if (v) buf_.back() |= static_cast<uint8_t>(1u << (bits_ & 7));
    ++bits_;
  }
  size_t size() const { return buf_.size(); }
  const uint8_t* data() const { return buf_.data(); }
  void clear() {
    buf_.clear();
    bits_ = 0;
  }
  void Reserve(size_t n) { buf_.reserve(n); }

 private:
  std::vector<uint8_t> buf_;
  size_t bits_ = 0;
};

template <typename T, bool kUnsigned>
struct NumericTraits {
  using Value = T;
  using Stat = T;
  using Dict = NumericDict<T>;
  using Sink = ByteSink;
  static constexpr bool kDictionary = true;
  // PLAIN is the values' own bytes: runs of them can be copied at once.
  static constexpr bool kBulkPlain = true;
  static Dict MakeDict() { return Dict(); }
  static size_t PlainSize(T) { return sizeof(T); }
  static void AppendPlain(Sink& s, T v) { s.AppendRaw(&v, sizeof(T)); }
  static bool Skip(T v) {
    if constexpr (std::is_floating_point_v<T>) return std::isnan(v);  // NaN has no place in min/max
    return false;
  }
  static bool Less(T a, T b) {
    if constexpr (kUnsigned) {
      using U = std::make_unsigned_t<T>;
      return static_cast<U>(a) < static_cast<U>(b);
    } else {
      return a < b;
    }
  }
  static void Assign(Stat& s, T v) { s = v; }
  static std::string Encode(T v) {
    std::string out(sizeof(T), '\0');
    std::memcpy(out.data(), &v, sizeof(T));
    return out;
  }
};

// BYTE_ARRAY (length-prefixed PLAIN, unsigned byte order) and
// FIXED_LEN_BYTE_ARRAY (raw PLAIN; signed order for decimals).
template <bool kLengthPrefix, bool kSignedOrder>
struct BytesTraits {
  using Value = std::string_view;
  using Stat = std::string;
  using Dict = BytesDict;
  using Sink = ByteSink;
  static constexpr bool kDictionary = true;
  static constexpr bool kBulkPlain = false;
  static Dict MakeDict() { return Dict(kLengthPrefix); }
  static size_t PlainSize(std::string_view v) { return v.size() + (kLengthPrefix ? 4 : 0); }
  static void AppendPlain(Sink& s, std::string_view v) {
    if constexpr (kLengthPrefix) {
      const auto n = static_cast<uint32_t>(v.size());
      s.AppendRaw(&n, 4);  // little-endian hosts only (checked in parquet_binding.cc)
    }
    s.AppendRaw(v.data(), v.size());
  }
  static bool Skip(std::string_view) { return false; }
  static bool Less(std::string_view a, std::string_view b) {
    if constexpr (kSignedOrder) {
      // Big-endian two's complement of equal length: the first byte is signed.
      if (!a.empty() && !b.empty() && a[0] != b[0]) return static_cast<int8_t>(a[0]) < static_cast<int8_t>(b[0]);
    }
    const size_t n = a.size() < b.size() ? a.size() : b.size();
    const int c = std::memcmp(a.data(), b.data(), n);
    return c != 0 ? c < 0 : a.size() < b.size();
  }
  static void Assign(Stat& s, std::string_view v) { s.assign(v.data(), v.size()); }
  static std::string Encode(std::string_view v) { return std::string(v); }
};

// A value of an Arrow dictionary-encoded column: its bytes plus its index in
// the batch's Arrow dictionary, so each Arrow entry is hashed once per batch.
struct DictRef {
  std::string_view view;
  uint32_t key = UINT32_MAX;  // UINT32_MAX: not from the Arrow dictionary
  DictRef() = default;
  DictRef(std::string_view v, uint32_t k = UINT32_MAX) : view(v), key(k) {}  // NOLINT: implicit by design
};

// BytesDict plus a per-batch map from Arrow dictionary index to Parquet index.
class RemapDict {
 public:
  RemapDict() : inner_(true) {}
  int32_t Insert(const DictRef& v, bool& inserted) {
    if (v.key < remap_.size()) {
      const int32_t known = remap_[v.key];
      if (known >= 0) {
        inserted = false;
        return known;
      }
      return remap_[v.key] = inner_.Insert(v.view, inserted);
    }
    return inner_.Insert(v.view, inserted);
  }
  void ResetRemap(size_t arrow_entries) { remap_.assign(arrow_entries, -1); }
  size_t size() const { return inner_.size(); }
  size_t bytes() const { return inner_.bytes(); }
  std::string_view Entry(size_t i) const { return inner_.Entry(i); }
  const uint8_t* PageData() const { return inner_.PageData(); }
  void Clear() {
    inner_.Clear();
    remap_.clear();
  }

 private:
  BytesDict inner_;
  std::vector<int32_t> remap_;
};

struct DictRefTraits {
  using Base = BytesTraits<true, false>;
  using Value = DictRef;
  using Stat = std::string;
  using Dict = RemapDict;
  using Sink = ByteSink;
  static constexpr bool kDictionary = true;
  static constexpr bool kBulkPlain = false;
  static Dict MakeDict() { return Dict(); }
  static size_t PlainSize(const DictRef& v) { return Base::PlainSize(v.view); }
  static void AppendPlain(Sink& s, const DictRef& v) { Base::AppendPlain(s, v.view); }
  static bool Skip(const DictRef&) { return false; }
  static bool Less(const DictRef& a, const DictRef& b) { return Base::Less(a.view, b.view); }
  static void Assign(Stat& s, const DictRef& v) { s.assign(v.view.data(), v.view.size()); }
  static std::string Encode(const DictRef& v) { return std::string(v.view); }
};

struct BoolTraits {
  using Value = uint8_t;
  using Stat = uint8_t;
  using Dict = NumericDict<uint8_t>;  // unused: booleans are never dictionary-encoded
  using Sink = BitSink;
  static constexpr bool kDictionary = false;
  static constexpr bool kBulkPlain = false;
  static Dict MakeDict() { return Dict(); }
  static size_t PlainSize(uint8_t) { return 1; }  // estimate only
  static void AppendPlain(Sink& s, uint8_t v) { s.Append(v != 0); }
  static bool Skip(uint8_t) { return false; }
  static bool Less(uint8_t a, uint8_t b) { return a < b; }
  static void Assign(Stat& s, uint8_t v) { s = v; }
  static std::string Encode(uint8_t v) { return std::string(1, static_cast<char>(v)); }
};

}  // namespace tributary::parquet
