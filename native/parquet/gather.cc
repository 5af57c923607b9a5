#include "parquet/gather.h"

#include <cstring>
#include <type_traits>
#include <stdexcept>
#include <string>

namespace tributary::parquet {

namespace {

// Calls f(k, position) for each non-null value k of the segment.
template <typename F>
inline void ForEachPosition(const Segment& seg, F&& f) {
  if (seg.dense) {
    for (int64_t k = 0; k < seg.num_values; ++k) f(k, seg.dense_start + k);
  } else {
    const int64_t* pos = seg.positions.data();
    for (int64_t k = 0; k < seg.num_values; ++k) f(k, pos[k]);
  }
}

template <typename Src, typename Dst, typename Conv>
const Dst* Convert(const LeafBuffers& leaf, const Segment& seg, std::vector<Dst>& scratch, Conv conv) {
  const auto* src = reinterpret_cast<const Src*>(leaf.data);
  if constexpr (std::is_same_v<Src, Dst>) {
    if (seg.dense) return src + seg.dense_start;
  }
  scratch.resize(static_cast<size_t>(seg.num_values));
  Dst* out = scratch.data();
  ForEachPosition(seg, [&](int64_t k, int64_t p) { out[k] = conv(src[p]); });
  return out;
}

[[noreturn]] void Fail(const ColumnSpec& spec, const std::string& what) {
  throw std::runtime_error("column '" + spec.name + "': " + what);
}

template <typename Off>
inline std::string_view Slice(const ColumnSpec& spec, const Off* offsets, const uint8_t* data, size_t data_bytes,
                              int64_t i) {
  const int64_t b = offsets[i];
  const int64_t e = offsets[i + 1];
  if (b < 0 || e < b || static_cast<uint64_t>(e) > data_bytes) {
    Fail(spec, "value offsets [" + std::to_string(b) + ", " + std::to_string(e) + ") of element " + std::to_string(i) +
                   " are outside the " + std::to_string(data_bytes) + "-byte data buffer");
  }
  return {reinterpret_cast<const char*>(data) + b, static_cast<size_t>(e - b)};
}

template <typename Idx>
void GatherRefs(const ColumnSpec& spec, const LeafBuffers& leaf, const Segment& seg, DictRef* out) {
  const auto* indices = reinterpret_cast<const Idx*>(leaf.data);
  ForEachPosition(seg, [&](int64_t k, int64_t p) {
    const Idx raw = indices[p];
    if constexpr (std::is_signed_v<Idx>) {
      if (raw < 0) Fail(spec, "negative dictionary index " + std::to_string(raw) + " at element " + std::to_string(p));
    }
    if (static_cast<uint64_t>(raw) >= static_cast<uint64_t>(leaf.dict_length)) {
      Fail(spec, "dictionary index " + std::to_string(raw) + " at element " + std::to_string(p) +
                     " is outside the dictionary of " + std::to_string(leaf.dict_length) + " values");
    }
    const auto d = static_cast<int64_t>(raw);
    out[k] = DictRef(spec.dict_large ? Slice(spec, leaf.dict_offsets64, leaf.dict_data, leaf.dict_data_bytes, d)
                                     : Slice(spec, leaf.dict_offsets32, leaf.dict_data, leaf.dict_data_bytes, d),
                     static_cast<uint32_t>(d));
  });
}

}  // namespace

const DictRef* GatherDictRefs(const ColumnSpec& spec, const LeafBuffers& leaf, const Segment& seg,
                              std::vector<DictRef>& scratch) {
  if (leaf.dict_length >= static_cast<int64_t>(UINT32_MAX)) Fail(spec, "Arrow dictionary has too many entries");
  scratch.resize(static_cast<size_t>(seg.num_values));
  DictRef* out = scratch.data();
  switch (leaf.index_kind) {
    case SourceKind::kInt8: GatherRefs<int8_t>(spec, leaf, seg, out); break;
    case SourceKind::kInt16: GatherRefs<int16_t>(spec, leaf, seg, out); break;
    case SourceKind::kInt32: GatherRefs<int32_t>(spec, leaf, seg, out); break;
    case SourceKind::kInt64: GatherRefs<int64_t>(spec, leaf, seg, out); break;
    case SourceKind::kUInt8: GatherRefs<uint8_t>(spec, leaf, seg, out); break;
    case SourceKind::kUInt16: GatherRefs<uint16_t>(spec, leaf, seg, out); break;
    case SourceKind::kUInt32: GatherRefs<uint32_t>(spec, leaf, seg, out); break;
    case SourceKind::kUInt64: GatherRefs<uint64_t>(spec, leaf, seg, out); break;
    default: Fail(spec, "internal error: dictionary indices are not integers");
  }
  return out;
}

const uint8_t* GatherBool(const ColumnSpec&, const LeafBuffers& leaf, const Segment& seg,
                          std::vector<uint8_t>& scratch) {
  scratch.resize(static_cast<size_t>(seg.num_values));
  uint8_t* out = scratch.data();
  ForEachPosition(seg, [&](int64_t k, int64_t p) {
    const int64_t b = leaf.bit_offset + p;
    out[k] = (leaf.data[b >> 3] >> (b & 7)) & 1;
  });
  return out;
}

const int32_t* GatherInt32(const ColumnSpec& spec, const LeafBuffers& leaf, const Segment& seg,
                           std::vector<int32_t>& scratch) {
  switch (spec.source) {
    case SourceKind::kInt32: return Convert<int32_t, int32_t>(leaf, seg, scratch, [](int32_t v) { return v; });
    case SourceKind::kInt8: return Convert<int8_t, int32_t>(leaf, seg, scratch, [](int8_t v) { return int32_t{v}; });
    case SourceKind::kInt16: return Convert<int16_t, int32_t>(leaf, seg, scratch, [](int16_t v) { return int32_t{v}; });
    case SourceKind::kUInt8: return Convert<uint8_t, int32_t>(leaf, seg, scratch, [](uint8_t v) { return int32_t{v}; });
    case SourceKind::kUInt16:
      return Convert<uint16_t, int32_t>(leaf, seg, scratch, [](uint16_t v) { return int32_t{v}; });
    case SourceKind::kUInt32:
      // UINT_32 is stored as the same 32 bits; readers reinterpret it as unsigned.
      return Convert<uint32_t, int32_t>(leaf, seg, scratch, [](uint32_t v) { return static_cast<int32_t>(v); });
    case SourceKind::kDate64:
      return Convert<int64_t, int32_t>(leaf, seg, scratch, [](int64_t ms) {
        int64_t days = ms / 86400000;
        if (ms % 86400000 < 0) --days;  // floor toward the earlier day
        return static_cast<int32_t>(days);
      });
    default: Fail(spec, "internal error: source kind is not INT32");
  }
}

const int64_t* GatherInt64(const ColumnSpec& spec, const LeafBuffers& leaf, const Segment& seg,
                           std::vector<int64_t>& scratch) {
  switch (spec.source) {
    case SourceKind::kInt64:
    case SourceKind::kUInt64: return Convert<int64_t, int64_t>(leaf, seg, scratch, [](int64_t v) { return v; });
    case SourceKind::kTimestampSec:
      return Convert<int64_t, int64_t>(leaf, seg, scratch, [&](int64_t s) {
        int64_t ms;
        if (__builtin_mul_overflow(s, int64_t{1000}, &ms)) {
          Fail(spec, "timestamp " + std::to_string(s) + " s overflows int64 milliseconds");
        }
        return ms;
      });
    default: Fail(spec, "internal error: source kind is not INT64");
  }
}

const float* GatherFloat(const ColumnSpec&, const LeafBuffers& leaf, const Segment& seg, std::vector<float>& scratch) {
  return Convert<float, float>(leaf, seg, scratch, [](float v) { return v; });
}

const double* GatherDouble(const ColumnSpec&, const LeafBuffers& leaf, const Segment& seg,
                           std::vector<double>& scratch) {
  return Convert<double, double>(leaf, seg, scratch, [](double v) { return v; });
}

const std::string_view* GatherBytes(const ColumnSpec& spec, const LeafBuffers& leaf, const Segment& seg,
                                    std::vector<std::string_view>& scratch, std::vector<uint8_t>& bytes) {
  scratch.resize(static_cast<size_t>(seg.num_values));
  std::string_view* out = scratch.data();
  switch (spec.source) {
    case SourceKind::kBinary:
      ForEachPosition(seg, [&](int64_t k, int64_t p) { out[k] = Slice(spec, leaf.offsets32, leaf.data, leaf.data_bytes, p); });
      break;
    case SourceKind::kLargeBinary:
      ForEachPosition(seg, [&](int64_t k, int64_t p) { out[k] = Slice(spec, leaf.offsets64, leaf.data, leaf.data_bytes, p); });
      break;
    case SourceKind::kFixedBinary: {
      const auto w = static_cast<size_t>(spec.width);
      ForEachPosition(seg, [&](int64_t k, int64_t p) {
        out[k] = {reinterpret_cast<const char*>(leaf.data) + static_cast<size_t>(p) * w, w};
      });
      break;
    }
    case SourceKind::kDecimal: {
      // Little-endian two's complement of `width` bytes → big-endian of
      // type_length bytes; the dropped high bytes must be pure sign extension.
      const auto w = static_cast<size_t>(spec.width);
      const auto n = static_cast<size_t>(spec.type_length);
      bytes.resize(static_cast<size_t>(seg.num_values) * n);
      uint8_t* dst = bytes.data();
      ForEachPosition(seg, [&](int64_t k, int64_t p) {
        const uint8_t* src = leaf.data + static_cast<size_t>(p) * w;
        const uint8_t sign = (src[n - 1] & 0x80) ? 0xFF : 0x00;
        for (size_t b = n; b < w; ++b) {
          if (src[b] != sign) Fail(spec, "decimal at element " + std::to_string(p) + " does not fit its precision");
        }
        uint8_t* o = dst + static_cast<size_t>(k) * n;
        for (size_t b = 0; b < n; ++b) o[b] = src[n - 1 - b];
        out[k] = {reinterpret_cast<const char*>(o), n};
      });
      break;
    }
    default: Fail(spec, "internal error: source kind is not binary");
  }
  return out;
}

}  // namespace tributary::parquet
