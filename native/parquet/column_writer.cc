#include "parquet/column_writer.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <type_traits>

#include "parquet/gather.h"
#include "parquet/page_writer.h"
#include "parquet/rle.h"
#include "parquet/value_traits.h"

namespace tributary::parquet {

namespace {

// Top-level rows whose levels and values are materialized at a time.
constexpr int64_t kSliceRows = 16384;

// Values seen before estimating whether the dictionary can stay under its limit.
constexpr size_t kDictionaryProbe = 8192;

// Number of distinct values D in a population from which n uniform draws
// showed d distinct ones: solves D (1 - e^(-n/D)) = d. Infinite when d == n.
double EstimateDistinct(double n, double d) {
  if (d >= n) return 1e300;
  double lo = d, hi = 1e15;
  for (int i = 0; i < 100; ++i) {
    const double mid = (lo + hi) / 2;
    if (mid * (1 - std::exp(-n / mid)) < d) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return lo;
}

// One encoder per chunk: values go to the dictionary (RLE_DICTIONARY pages)
// until it overflows or proves useless, then to PLAIN pages. Statistics are
// taken per value in PLAIN mode and from the dictionary's entries otherwise.
template <typename Traits>
class ValueEncoder {
 public:
  using V = typename Traits::Value;

  ValueEncoder(const ColumnSpec& spec, const EncodeOptions& options, int64_t expected_values, PageSink* sink)
      : spec_(spec),
        options_(options),
        expected_values_(expected_values),
        pages_(spec, options, sink),
        dict_(Traits::MakeDict()),
        dict_mode_(Traits::kDictionary && options.dictionary) {}

  // Called before the segments of each batch (dictionary sources remap per batch).
  void BeginBatch(const LeafBuffers& leaf) {
    if constexpr (std::is_same_v<typename Traits::Dict, RemapDict>) {
      if (dict_mode_) dict_.ResetRemap(static_cast<size_t>(leaf.dict_length));
    }
  }

  void Write(const Segment& seg, const V* values) {
    const uint16_t max_def = spec_.max_def;
    null_count_ += seg.num_levels - seg.num_values;
    if (seg.dense) {
      for (int64_t k = 0; k < seg.num_values;) {
        if (NeedFlush()) FlushPage();
        if constexpr (Traits::kBulkPlain) {
          if (!dict_mode_) {
            // Copy as many values as fit in the page in one go.
            const auto limit = static_cast<size_t>(options_.data_page_size);
            const size_t used = PageBytes();
            const auto room = static_cast<int64_t>((limit > used ? (limit - used) / sizeof(V) : 0) + 1);
            const int64_t count = std::min(seg.num_values - k, room);
            if (max_def > 0) pages_.def.insert(pages_.def.end(), static_cast<size_t>(count), max_def);
            pages_.levels += count;
            plain_.AppendRaw(values + k, static_cast<size_t>(count) * sizeof(V));
            UpdateStatsBulk(values + k, count);
            k += count;
            continue;
          }
        }
        if (max_def > 0) pages_.def.push_back(max_def);
        ++pages_.levels;
        Add(values[k]);
        ++k;
      }
      return;
    }
    int64_t vi = 0;
    const bool repeated = spec_.max_rep > 0;
    for (int64_t li = 0; li < seg.num_levels; ++li) {
      // Pages start at row boundaries (repetition level 0).
      if ((!repeated || seg.rep[static_cast<size_t>(li)] == 0) && NeedFlush()) FlushPage();
      const uint16_t d = seg.def[static_cast<size_t>(li)];
      pages_.def.push_back(d);
      if (repeated) pages_.rep.push_back(seg.rep[static_cast<size_t>(li)]);
      ++pages_.levels;
      if (d == max_def) Add(values[vi++]);
    }
  }

  EncodedChunk Finish() {
    FlushPage();
    EncodedChunk out;
    if (dict_pages_) {
      StatsFromDictionary();
      pages_.WriteDictionaryPage(dict_.PageData(), dict_.bytes(), dict_.size());
    }
    ColumnChunkMeta& m = out.meta;
    m.type = spec_.type;
    m.path = spec_.path_in_schema;
    m.codec = static_cast<int32_t>(options_.codec);
    m.num_values = pages_.num_values;
    m.total_uncompressed_size = pages_.total_uncompressed;
    m.total_compressed_size = pages_.total_compressed;
    if (dict_pages_) {
      m.dictionary_page_offset = 0;
      m.data_page_offset = static_cast<int64_t>(pages_.dictionary_page.size());
      m.encodings.push_back(Encoding::kPlain);  // the dictionary page
      m.encodings.push_back(Encoding::kRleDictionary);
    }
    if (plain_pages_ && !dict_pages_) m.encodings.push_back(Encoding::kPlain);
    if (spec_.max_def > 0 || spec_.max_rep > 0) m.encodings.push_back(Encoding::kRle);
    m.stats.null_count = null_count_;
    if (has_stats_) {
      m.stats.has_min_max = true;
      V lo = View(min_), hi = View(max_);
      if constexpr (std::is_floating_point_v<V>) {
        // Readers may compare against either zero: widen the bounds to both.
        if (lo == 0) lo = -static_cast<V>(0);
        if (hi == 0) hi = static_cast<V>(0);
      }
      m.stats.min = Traits::Encode(lo);
      m.stats.max = Traits::Encode(hi);
    }
    out.dictionary_page = std::move(pages_.dictionary_page);
    out.data_pages = std::move(pages_.data_pages);
    return out;
  }

 private:
  using StatT = typename Traits::Stat;

  size_t PageBytes() const {
    const size_t level_bytes = static_cast<size_t>(pages_.levels) >> 2;
    if (dict_mode_) return ((indices_.size() * static_cast<size_t>(bit_width_)) >> 3) + level_bytes;
    return plain_.size() + level_bytes;
  }

  bool NeedFlush() const {
    return switch_to_plain_ || PageBytes() >= static_cast<size_t>(options_.data_page_size);
  }

  void Add(V v) {
    if (dict_mode_) {
      bool inserted = false;
      const int32_t idx = dict_.Insert(v, inserted);
      indices_.push_back(static_cast<uint32_t>(idx));
      page_plain_bytes_ += Traits::PlainSize(v);
      if (indices_.size() == kDictionaryProbe && !dict_pages_ && DictionaryWillOverflow()) {
        ConvertPageToPlain();  // mostly distinct values: hashing them all would be wasted
        return;
      }
      if (inserted) {
        while ((size_t{1} << bit_width_) < dict_.size()) ++bit_width_;
        if (dict_.bytes() > static_cast<size_t>(options_.dictionary_page_size_limit)) {
          // Already-written pages reference the dictionary: keep it, and go
          // PLAIN from the next row on. Otherwise drop it altogether.
          if (dict_pages_) {
            switch_to_plain_ = true;
          } else {
            ConvertPageToPlain();
          }
          return;
        }
      }
      return;
    }
    if (!Traits::Skip(v)) UpdateStats(v);
    Traits::AppendPlain(plain_, v);
  }

  void UpdateStats(const V& v) {
    if (!has_stats_) {
      Traits::Assign(min_, v);
      Traits::Assign(max_, v);
      has_stats_ = true;
      return;
    }
    if (Traits::Less(v, View(min_))) Traits::Assign(min_, v);
    if (Traits::Less(View(max_), v)) Traits::Assign(max_, v);
  }

  void UpdateStatsBulk(const V* v, int64_t n) {
    int64_t i = 0;
    while (i < n && Traits::Skip(v[i])) ++i;
    if (i == n) return;
    V lo = v[i], hi = v[i];
    for (++i; i < n; ++i) {
      if (Traits::Skip(v[i])) continue;
      if (Traits::Less(v[i], lo)) lo = v[i];
      if (Traits::Less(hi, v[i])) hi = v[i];
    }
    UpdateStats(lo);
    UpdateStats(hi);
  }

  static V View(const StatT& s) {
    if constexpr (std::is_same_v<StatT, std::string>) {
      return V(std::string_view(s));
    } else {
      return s;
    }
  }

  void StatsFromDictionary() {
    for (size_t i = 0; i < dict_.size(); ++i) {
      const V v = dict_.Entry(i);
      if (!Traits::Skip(v)) UpdateStats(v);
    }
  }

  // Re-encodes the current (only) page's indices as PLAIN values and stops
  // using the dictionary for this chunk.
  void ConvertPageToPlain() {
    plain_.clear();
    plain_.Reserve(page_plain_bytes_);
    for (uint32_t idx : indices_) Traits::AppendPlain(plain_, dict_.Entry(idx));
    StatsFromDictionary();
    indices_.clear();
    indices_.shrink_to_fit();
    dict_.Clear();
    dict_mode_ = false;
  }

  // From the first values, estimates the chunk's distinct values; true when
  // their dictionary would clearly exceed its size limit, or when dictionary
  // plus indices would not come out clearly smaller than PLAIN (mostly
  // distinct values, such as ids: hashing them all would be wasted work).
  bool DictionaryWillOverflow() const {
    const double n = static_cast<double>(indices_.size());
    const double d = static_cast<double>(dict_.size());
    const double expected = static_cast<double>(expected_values_);
    const double distinct = std::min(EstimateDistinct(n, d), expected);
    const double entry_bytes = static_cast<double>(dict_.bytes()) / d;
    if (distinct * entry_bytes > 2.0 * static_cast<double>(options_.dictionary_page_size_limit)) return true;
    const double index_bytes = expected * std::ceil(std::log2(std::max(2.0, distinct))) / 8;
    const double plain_bytes = expected * static_cast<double>(page_plain_bytes_) / n;
    return distinct * entry_bytes + index_bytes > 0.9 * plain_bytes;
  }

  // Judged on the first page: either it is already smaller than PLAIN, or
  // values repeat enough (at most half distinct, indices under 3/4 of the PLAIN
  // size) that later pages, which add few new entries, will be.
  bool DictionaryWorthwhile() const {
    const size_t index_bytes = (indices_.size() * static_cast<size_t>(bit_width_) + 7) >> 3;
    if ((dict_.bytes() + index_bytes) * 10 < page_plain_bytes_ * 9) return true;
    return dict_.size() * 2 <= indices_.size() && index_bytes * 4 < page_plain_bytes_ * 3;
  }

  void FlushPage() {
    if (pages_.levels > 0) {
      if (dict_mode_ && !dict_pages_ && !DictionaryWorthwhile()) ConvertPageToPlain();
      if (dict_mode_) {
        scratch_.clear();
        scratch_.push_back(static_cast<uint8_t>(bit_width_));
        RleEncode(indices_.data(), indices_.size(), bit_width_, scratch_);
        pages_.WriteDataPage(scratch_.data(), scratch_.size(), Encoding::kRleDictionary);
        indices_.clear();
        page_plain_bytes_ = 0;
        dict_pages_ = true;
      } else {
        pages_.WriteDataPage(plain_.data(), plain_.size(), Encoding::kPlain);
        plain_.clear();
        plain_pages_ = true;
      }
    }
    if (switch_to_plain_) {
      switch_to_plain_ = false;
      dict_mode_ = false;
    }
  }

  const ColumnSpec& spec_;
  const EncodeOptions& options_;
  int64_t expected_values_;
  PageWriter pages_;
  typename Traits::Dict dict_;
  typename Traits::Sink plain_;
  std::vector<uint32_t> indices_;
  std::vector<uint8_t> scratch_;
  size_t page_plain_bytes_ = 0;
  int bit_width_ = 1;  // dictionary indices need at least one bit for readers
  bool dict_mode_;
  bool dict_pages_ = false;
  bool plain_pages_ = false;
  bool switch_to_plain_ = false;
  int64_t null_count_ = 0;
  bool has_stats_ = false;
  StatT min_{};
  StatT max_{};
};

// Walks every batch range: levels, then values, into one encoder.
template <typename Traits, typename GatherFn>
EncodedChunk EncodeWith(const ColumnSpec& spec, const EncodeOptions& options, const std::vector<BatchRange>& ranges,
                        PageSink* sink, GatherFn gather) {
  int64_t rows = 0;
  for (const BatchRange& r : ranges) rows += r.row_end - r.row_begin;
  ValueEncoder<Traits> encoder(spec, options, rows, sink);
  Segment seg;
  for (const BatchRange& r : ranges) {
    encoder.BeginBatch(spec.leaves[r.batch]);
    // Slices of rows keep levels, positions and gathered values small (and in
    // cache) however large the row group is.
    for (int64_t begin = r.row_begin; begin < r.row_end; begin += kSliceRows) {
      const int64_t end = std::min(r.row_end, begin + kSliceRows);
      ComputeLevels(spec.paths[r.batch], begin, end, spec.name, seg);
      encoder.Write(seg, gather(spec.leaves[r.batch], seg));
    }
  }
  return encoder.Finish();
}

template <typename T>
bool NumericLess(const std::string& a, const std::string& b, bool is_unsigned) {
  T x, y;
  std::memcpy(&x, a.data(), sizeof(T));
  std::memcpy(&y, b.data(), sizeof(T));
  if constexpr (std::is_integral_v<T>) {
    if (is_unsigned) return static_cast<std::make_unsigned_t<T>>(x) < static_cast<std::make_unsigned_t<T>>(y);
  }
  return x < y;
}

}  // namespace

EncodedChunk EncodeColumnChunk(const ColumnSpec& spec, const EncodeOptions& options,
                               const std::vector<BatchRange>& ranges, PageSink* sink) {
  switch (spec.type) {
    case PhysicalType::kBoolean: {
      std::vector<uint8_t> scratch;
      return EncodeWith<BoolTraits>(spec, options, ranges, sink, [&](const LeafBuffers& leaf, const Segment& seg) {
        return GatherBool(spec, leaf, seg, scratch);
      });
    }
    case PhysicalType::kInt32: {
      std::vector<int32_t> scratch;
      auto gather = [&](const LeafBuffers& leaf, const Segment& seg) { return GatherInt32(spec, leaf, seg, scratch); };
      if (spec.unsigned_order) return EncodeWith<NumericTraits<int32_t, true>>(spec, options, ranges, sink, gather);
      return EncodeWith<NumericTraits<int32_t, false>>(spec, options, ranges, sink, gather);
    }
    case PhysicalType::kInt64: {
      std::vector<int64_t> scratch;
      auto gather = [&](const LeafBuffers& leaf, const Segment& seg) { return GatherInt64(spec, leaf, seg, scratch); };
      if (spec.unsigned_order) return EncodeWith<NumericTraits<int64_t, true>>(spec, options, ranges, sink, gather);
      return EncodeWith<NumericTraits<int64_t, false>>(spec, options, ranges, sink, gather);
    }
    case PhysicalType::kFloat: {
      std::vector<float> scratch;
      return EncodeWith<NumericTraits<float, false>>(spec, options, ranges, sink, [&](const LeafBuffers& leaf, const Segment& seg) {
        return GatherFloat(spec, leaf, seg, scratch);
      });
    }
    case PhysicalType::kDouble: {
      std::vector<double> scratch;
      return EncodeWith<NumericTraits<double, false>>(spec, options, ranges, sink, [&](const LeafBuffers& leaf, const Segment& seg) {
        return GatherDouble(spec, leaf, seg, scratch);
      });
    }
    case PhysicalType::kByteArray:
    case PhysicalType::kFixedLenByteArray: {
      std::vector<std::string_view> scratch;
      std::vector<uint8_t> bytes;
      auto gather = [&](const LeafBuffers& leaf, const Segment& seg) {
        return GatherBytes(spec, leaf, seg, scratch, bytes);
      };
      if (spec.source == SourceKind::kDictionary) {
        std::vector<DictRef> refs;
        return EncodeWith<DictRefTraits>(spec, options, ranges, sink, [&](const LeafBuffers& leaf, const Segment& seg) {
          return GatherDictRefs(spec, leaf, seg, refs);
        });
      }
      if (spec.type == PhysicalType::kByteArray) return EncodeWith<BytesTraits<true, false>>(spec, options, ranges, sink, gather);
      if (spec.source == SourceKind::kDecimal) return EncodeWith<BytesTraits<false, true>>(spec, options, ranges, sink, gather);
      return EncodeWith<BytesTraits<false, false>>(spec, options, ranges, sink, gather);
    }
  }
  throw std::runtime_error("column '" + spec.name + "': unsupported physical type");
}

bool StatLess(const ColumnSpec& spec, const std::string& a, const std::string& b) {
  switch (spec.type) {
    case PhysicalType::kBoolean: return a < b;
    case PhysicalType::kInt32: return NumericLess<int32_t>(a, b, spec.unsigned_order);
    case PhysicalType::kInt64: return NumericLess<int64_t>(a, b, spec.unsigned_order);
    case PhysicalType::kFloat: return NumericLess<float>(a, b, false);
    case PhysicalType::kDouble: return NumericLess<double>(a, b, false);
    case PhysicalType::kByteArray: return BytesTraits<true, false>::Less(a, b);
    case PhysicalType::kFixedLenByteArray:
      return spec.source == SourceKind::kDecimal ? BytesTraits<false, true>::Less(a, b)
                                                 : BytesTraits<false, false>::Less(a, b);
  }
  return false;
}

}  // namespace tributary::parquet
