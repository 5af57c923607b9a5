#include "maintenance/column_reader.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>

#ifdef _WIN32
#include <io.h>
#else
#include <unistd.h>
#endif

#include "codec/codec.h"

namespace tributary::maintenance {

namespace {

[[noreturn]] void Fail(const std::string& m) { throw std::runtime_error(m); }

// Minimal compact-protocol reader for page headers: the fields decoding needs,
// everything else skipped.
class Thrift {
 public:
  Thrift(const uint8_t* p, const uint8_t* end) : p_(p), end_(end) {}
  const uint8_t* pos() const { return p_; }

  uint8_t Byte() {
    if (p_ >= end_) Fail("page header runs past the column chunk");
    return *p_++;
  }
  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      const uint8_t b = Byte();
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    Fail("bad varint in page header");
  }
  int64_t Zigzag() {
    const uint64_t v = Varint();
    return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
  }
  void Skip(int type) {
    switch (type) {
      case 1: case 2: return;
      case 3: Byte(); return;
      case 4: case 5: case 6: Varint(); return;
      case 7: Advance(8); return;
      case 8: Advance(Varint()); return;
      case 9: case 10: {
        const uint8_t h = Byte();
        uint64_t n = h >> 4;
        if (n == 15) n = Varint();
        const int et = h & 0x0f;
        for (uint64_t i = 0; i < n; ++i) {
          if (et == 1 || et == 2) Byte();
          else Skip(et);
        }
        return;
      }
      case 11: {
        const uint64_t n = Varint();
        if (n == 0) return;
        const uint8_t kv = Byte();
        for (uint64_t i = 0; i < n; ++i) {
          Skip(kv >> 4);
          Skip(kv & 0x0f);
        }
        return;
      }
      case 12: {
        int16_t last = 0;
        for (;;) {
          int ftype;
          int16_t id;
          if (!FieldHeader(&ftype, &id, &last)) return;
          Skip(ftype);
        }
      }
      default: Fail("unknown Thrift type in page header");
    }
  }
  // Reads a field header; false at the struct's stop byte.
  bool FieldHeader(int* type, int16_t* id, int16_t* last) {
    const uint8_t h = Byte();
    if (h == 0) return false;
    *type = h & 0x0f;
    const int delta = h >> 4;
    *id = delta ? static_cast<int16_t>(*last + delta) : static_cast<int16_t>(Zigzag());
    *last = *id;
    return true;
  }
  void Advance(uint64_t n) {
    if (n > static_cast<uint64_t>(end_ - p_)) Fail("page header runs past the column chunk");
    p_ += n;
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

struct PageHeader {
  int32_t type = -1;
  int32_t uncompressed = 0;
  int32_t compressed = 0;
  int32_t num_values = 0;
  int32_t encoding = 0;
  int32_t def_encoding = 3;
  // v2
  int32_t num_nulls = 0;
  int32_t def_bytes = 0;
  int32_t rep_bytes = 0;
  bool v2_compressed = true;
};

void ReadPageHeaderStruct(Thrift& t, int16_t kind, PageHeader& h) {
  int16_t last = 0;
  int type;
  int16_t id;
  while (t.FieldHeader(&type, &id, &last)) {
    auto i32 = [&] { return static_cast<int32_t>(t.Zigzag()); };
    if (kind == 5 && id == 1 && type == 5) h.num_values = i32();          // DataPageHeader.num_values
    else if (kind == 5 && id == 2 && type == 5) h.encoding = i32();
    else if (kind == 5 && id == 3 && type == 5) h.def_encoding = i32();
    else if (kind == 7 && id == 1 && type == 5) h.num_values = i32();     // DictionaryPageHeader
    else if (kind == 7 && id == 2 && type == 5) h.encoding = i32();
    else if (kind == 8 && id == 1 && type == 5) h.num_values = i32();     // DataPageHeaderV2
    else if (kind == 8 && id == 2 && type == 5) h.num_nulls = i32();
    else if (kind == 8 && id == 4 && type == 5) h.encoding = i32();
    else if (kind == 8 && id == 5 && type == 5) h.def_bytes = i32();
    else if (kind == 8 && id == 6 && type == 5) h.rep_bytes = i32();
    else if (kind == 8 && id == 7 && (type == 1 || type == 2)) h.v2_compressed = type == 1;
    else t.Skip(type);
  }
}

PageHeader ReadPageHeader(Thrift& t) {
  PageHeader h;
  int16_t last = 0;
  int type;
  int16_t id;
  while (t.FieldHeader(&type, &id, &last)) {
    if (id == 1 && type == 5) h.type = static_cast<int32_t>(t.Zigzag());
    else if (id == 2 && type == 5) h.uncompressed = static_cast<int32_t>(t.Zigzag());
    else if (id == 3 && type == 5) h.compressed = static_cast<int32_t>(t.Zigzag());
    else if ((id == 5 || id == 7 || id == 8) && type == 12) ReadPageHeaderStruct(t, id, h);
    else t.Skip(type);
  }
  if (h.compressed < 0 || h.uncompressed < 0 || h.num_values < 0) Fail("negative size in page header");
  return h;
}

// RLE / bit-packed hybrid decoder (levels and dictionary indices).
class Hybrid {
 public:
  Hybrid(const uint8_t* p, const uint8_t* end, int width) : p_(p), end_(end), width_(width) {
    if (width < 0 || width > 32) Fail("bit width out of range");
  }
  // Decodes exactly n values into out.
  void Decode(uint32_t* out, size_t n) {
    size_t i = 0;
    while (i < n) {
      if (run_left_ == 0 && packed_left_ == 0) NextRun();
      if (run_left_ > 0) {
        const size_t k = std::min<size_t>(run_left_, n - i);
        for (size_t j = 0; j < k; ++j) out[i + j] = run_value_;
        i += k;
        run_left_ -= k;
      } else {
        const size_t k = std::min<size_t>(packed_left_, n - i);
        for (size_t j = 0; j < k; ++j) out[i + j] = ReadBits();
        i += k;
        packed_left_ -= k;
      }
    }
  }

 private:
  void NextRun() {
    uint64_t h = 0;
    for (int shift = 0;; shift += 7) {
      if (p_ >= end_) Fail("RLE data ends early");
      const uint8_t b = *p_++;
      h |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) break;
      if (shift > 56) Fail("bad RLE header");
    }
    if (h & 1) {
      packed_left_ = (h >> 1) * 8;
      bit_pos_ = 0;
      packed_start_ = p_;
      const size_t bytes = static_cast<size_t>((h >> 1)) * static_cast<size_t>(width_);
      if (bytes > static_cast<size_t>(end_ - p_)) {
        // The final group may be truncated in practice: clamp to what exists.
        packed_bytes_ = static_cast<size_t>(end_ - p_);
      } else {
        packed_bytes_ = bytes;
      }
      p_ += packed_bytes_;
    } else {
      run_left_ = h >> 1;
      const int nbytes = (width_ + 7) / 8;
      if (nbytes > end_ - p_) Fail("RLE run value ends early");
      uint32_t v = 0;
      for (int b = 0; b < nbytes; ++b) v |= static_cast<uint32_t>(p_[b]) << (8 * b);
      p_ += nbytes;
      run_value_ = v;
    }
    if (run_left_ == 0 && packed_left_ == 0 && p_ >= end_) Fail("RLE data ends early");
  }
  uint32_t ReadBits() {
    uint64_t v = 0;
    for (int b = 0; b < width_; ++b, ++bit_pos_) {
      const size_t byte = bit_pos_ >> 3;
      if (byte >= packed_bytes_) Fail("bit-packed run ends early");
      v |= static_cast<uint64_t>((packed_start_[byte] >> (bit_pos_ & 7)) & 1) << b;
    }
    return static_cast<uint32_t>(v);
  }

  const uint8_t* p_;
  const uint8_t* end_;
  int width_;
  size_t run_left_ = 0;
  uint32_t run_value_ = 0;
  size_t packed_left_ = 0;
  const uint8_t* packed_start_ = nullptr;
  size_t packed_bytes_ = 0;
  size_t bit_pos_ = 0;
};

int FixedWidth(const ColumnSpec& s) {
  switch (s.physical_type) {
    case 1: case 4: return 4;   // INT32, FLOAT
    case 2: case 5: return 8;   // INT64, DOUBLE
    case 3: return 12;          // INT96
    case 7: return s.type_length;
    default: return 0;          // BOOLEAN (bits), BYTE_ARRAY (variable)
  }
}

struct Dictionary {
  bool present = false;
  std::vector<uint8_t> fixed;       // fixed-width values
  std::vector<uint32_t> offsets;    // BYTE_ARRAY: start of each value in `bytes` (+ end)
  std::vector<uint8_t> bytes;
  std::vector<uint8_t> bools;
  size_t count = 0;
};

class ColumnDecoder {
 public:
  ColumnDecoder(const ColumnSpec& spec, DecodedColumn& out, const PageSink* sink = nullptr)
      : s_(spec), out_(out), width_(FixedWidth(spec)), sink_(sink) {
    if (spec.physical_type == 6) out_.offsets.push_back(0);
  }

  // Decode only the rows `rows` (ascending, distinct): each data page
  // materializes just its selected rows, and a page without any is skipped
  // before decompression.
  void Select(const int32_t* rows, size_t count) {
    selecting_ = true;
    sel_ = rows;
    sel_count_ = count;
    const size_t w = static_cast<size_t>(width_);
    if (s_.physical_type == 0) out_.values.assign((count + 7) / 8, 0);
    else if (s_.physical_type != 6) out_.values.assign(count * w, 0);
    if (s_.max_def == 1) out_.validity.assign((count + 7) / 8, 0);
  }

  // Rows of the selection not reached by the pages decoded so far.
  size_t Unselected() const { return sel_count_ - sel_pos_; }

  void Chunk(const uint8_t* p, const uint8_t* end, int32_t codec, int64_t num_values) {
    dict_ = Dictionary();
    int64_t seen = 0;
    while (seen < num_values) {
      if (p >= end) Fail("column chunk ends before all its values");
      Thrift t(p, end);
      PageHeader h = ReadPageHeader(t);
      const uint8_t* body = t.pos();
      if (static_cast<size_t>(h.compressed) > static_cast<size_t>(end - body)) Fail("page runs past the column chunk");
      p = body + h.compressed;
      if (h.type == 2) {
        const auto [d, dn] = Decompressed(body, h, codec, 0);
        LoadDictionary(d, d + dn, h.num_values);
      } else if (h.type == 0) {
        if (!SkipPage(h)) {
          const auto [d, dn] = Decompressed(body, h, codec, 0);
          DataPage(d, d + dn, h, nullptr, 0);
        }
        seen += h.num_values;
      } else if (h.type == 3) {
        // v2: levels are stored uncompressed before the (maybe compressed) values.
        const size_t lv = static_cast<size_t>(h.def_bytes) + static_cast<size_t>(h.rep_bytes);
        if (h.rep_bytes != 0) Fail("repeated columns are not supported by the native reader");
        if (lv > static_cast<size_t>(h.compressed)) Fail("v2 page levels exceed the page");
        if (!SkipPage(h)) {
          const auto [d, dn] = Decompressed(body, h, h.v2_compressed ? codec : 0, lv);
          DataPage(d, d + dn, h, body, h.def_bytes);
        }
        seen += h.num_values;
      }
      // Index pages and unknown page types are skipped.
    }
  }

  void Finish() {
    if (out_.null_count == 0) out_.validity.clear();
  }

 private:
  // The page's value bytes (after `skip` raw level bytes for v2): in the
  // chunk itself when stored uncompressed, else decompressed into page_.
  std::pair<const uint8_t*, size_t> Decompressed(const uint8_t* body, const PageHeader& h, int32_t codec, size_t skip) {
    const size_t csize = static_cast<size_t>(h.compressed) - skip;
    const size_t usize = static_cast<size_t>(h.uncompressed) - skip;
    if (static_cast<size_t>(h.uncompressed) < skip) Fail("page sizes are inconsistent");
    if (codec == 0) {
      if (csize != usize) Fail("uncompressed page sizes disagree");
      return {body + skip, usize};
    }
    if (!codec::CodecName(codec)) Fail("unsupported codec " + std::to_string(codec));
    page_.resize(usize);
    codec::Decompress(static_cast<codec::Codec>(codec), body + skip, csize, page_.data(), usize);
    return {page_.data(), usize};
  }

  void LoadDictionary(const uint8_t* p, const uint8_t* end, int32_t n) {
    dict_.present = true;
    dict_.count = static_cast<size_t>(n);
    if (s_.physical_type == 6) {
      dict_.offsets.reserve(n + 1);
      for (int32_t i = 0; i < n; ++i) {
        if (end - p < 4) Fail("dictionary page ends early");
        uint32_t len;
        std::memcpy(&len, p, 4);
        p += 4;
        if (len > static_cast<size_t>(end - p)) Fail("dictionary value runs past the page");
        dict_.offsets.push_back(static_cast<uint32_t>(dict_.bytes.size()));
        dict_.bytes.insert(dict_.bytes.end(), p, p + len);
        p += len;
      }
      dict_.offsets.push_back(static_cast<uint32_t>(dict_.bytes.size()));
    } else if (s_.physical_type == 0) {
      dict_.bools.resize(n);
      for (int32_t i = 0; i < n; ++i) {
        if ((static_cast<size_t>(i) >> 3) >= static_cast<size_t>(end - p)) Fail("dictionary page ends early");
        dict_.bools[i] = (p[i >> 3] >> (i & 7)) & 1;
      }
    } else {
      const size_t bytes = static_cast<size_t>(n) * width_;
      if (bytes > static_cast<size_t>(end - p)) Fail("dictionary page ends early");
      dict_.fixed.assign(p, p + bytes);
    }
  }

  void DataPage(const uint8_t* p, const uint8_t* end, const PageHeader& h, const uint8_t* v2_levels, int32_t v2_def_bytes) {
    const size_t n = static_cast<size_t>(h.num_values);
    const size_t base = out_.rows;
    defs_.assign(n, 1);
    if (s_.max_def == 1) {
      if (v2_levels) {
        Hybrid(v2_levels, v2_levels + v2_def_bytes, 1).Decode(defs_.data(), n);
      } else {
        if (h.def_encoding != 3) Fail("definition levels must be RLE encoded");
        if (end - p < 4) Fail("data page ends before its definition levels");
        uint32_t len;
        std::memcpy(&len, p, 4);
        p += 4;
        if (len > static_cast<size_t>(end - p)) Fail("definition levels run past the page");
        Hybrid(p, p + len, 1).Decode(defs_.data(), n);
        p += len;
      }
    } else if (s_.max_def != 0) {
      Fail("nested columns are not supported by the native reader");
    }
    size_t present = 0;
    for (size_t i = 0; i < n; ++i) present += defs_[i] != 0;
    if (selecting_) {
      SelectedRows(p, end, h, n, present);
      return;
    }
    if (sink_ && h.encoding == 0 && width_ > 0 && present == n) {
      // PLAIN fixed-width values without NULLs are already laid out as Arrow's: hand the page over in place.
      if (n * static_cast<size_t>(width_) > static_cast<size_t>(end - p)) Fail("PLAIN values end early");
      (*sink_)(PageView{n, p, nullptr, nullptr}, first_row_);
      first_row_ += n;
      return;
    }
    Grow(n);
    if (s_.max_def == 1) {
      for (size_t i = 0; i < n; ++i)
        if (defs_[i]) out_.validity[(base + i) >> 3] |= static_cast<uint8_t>(1u << ((base + i) & 7));
      out_.null_count += n - present;
    }
    const int enc = h.encoding;
    if (enc == 0) {
      Plain(p, end, n);
    } else if (enc == 2 || enc == 8) {
      DictionaryIndices(p, end, present);
      FromDictionary(n);
    } else {
      Fail("encoding " + std::to_string(enc) + " is not supported by the native reader");
    }
    out_.rows += n;
    if (sink_) {
      // Hand the page over and start the next one in the same (already grown) buffers.
      (*sink_)(PageView{out_.rows, out_.values.data(), out_.offsets.empty() ? nullptr : out_.offsets.data(), out_.null_count > 0 ? out_.validity.data() : nullptr}, first_row_);
      first_row_ += out_.rows;
      out_.rows = 0;
      out_.null_count = 0;
      out_.validity.clear();
      out_.values.clear();
      out_.offsets.clear();
      if (s_.physical_type == 6) out_.offsets.push_back(0);
    }
  }

  // idx_ = the page's `present` dictionary indices (RLE/bit-packed after their bit width), checked against the dictionary.
  void DictionaryIndices(const uint8_t* p, const uint8_t* end, size_t present) {
    if (!dict_.present) Fail("dictionary-encoded page without a dictionary page");
    if (present == 0) return;
    if (p >= end) Fail("dictionary indices missing");
    const int bw = *p++;
    idx_.resize(present);
    Hybrid(p, end, bw).Decode(idx_.data(), present);
    for (uint32_t ix : idx_)
      if (ix >= dict_.count) Fail("dictionary index out of range");
  }

  // With a selection: whether a data page holds no selected row (it is then
  // not decompressed at all; only the row count moves on).
  bool SkipPage(const PageHeader& h) {
    if (!selecting_) return false;
    const size_t end = first_row_ + static_cast<size_t>(h.num_values);
    if (sel_pos_ < sel_count_ && static_cast<size_t>(sel_[sel_pos_]) < end) return false;
    first_row_ = end;
    return true;
  }

  // The selected rows of this page (column rows [first_row_, first_row_ + n)),
  // appended to out_; values are located by their index among the page's
  // present (non-NULL) values.
  void SelectedRows(const uint8_t* p, const uint8_t* end, const PageHeader& h, size_t n, size_t present) {
    const int enc = h.encoding;
    const bool dict = enc == 2 || enc == 8;
    if (dict) {
      DictionaryIndices(p, end, present);
    } else if (enc != 0) {
      Fail("encoding " + std::to_string(enc) + " is not supported by the native reader");
    }
    const size_t w = static_cast<size_t>(width_);
    const bool bytes = s_.physical_type == 6;
    const bool bits = s_.physical_type == 0;
    const size_t hi = first_row_ + n;
    size_t r = 0;      // page row reached
    size_t pi = 0;     // present values before row r
    const uint8_t* vp = p;  // PLAIN byte arrays: the value of row r
    auto byte_array = [&](const uint8_t* at, uint32_t& len) {
      if (end - at < 4) Fail("PLAIN byte array ends early");
      std::memcpy(&len, at, 4);
      if (len > static_cast<size_t>(end - at - 4)) Fail("PLAIN byte array value runs past the page");
      return at + 4;
    };
    for (; sel_pos_ < sel_count_ && static_cast<size_t>(sel_[sel_pos_]) < hi; ++sel_pos_) {
      if (static_cast<size_t>(sel_[sel_pos_]) < first_row_) Fail("rows to decode must be ascending and distinct");
      const size_t target = static_cast<size_t>(sel_[sel_pos_]) - first_row_;
      for (; r < target; ++r) {
        if (!defs_[r]) continue;
        if (bytes && !dict) {
          uint32_t len;
          vp = byte_array(vp, len) + len;
        }
        ++pi;
      }
      const size_t k = out_.rows++;
      if (!defs_[r]) {
        ++out_.null_count;
        if (bytes) PushOffset();
        continue;
      }
      if (!out_.validity.empty()) out_.validity[k >> 3] |= static_cast<uint8_t>(1u << (k & 7));
      if (dict) {
        const uint32_t ix = idx_[pi];
        if (bytes) out_.values.insert(out_.values.end(), dict_.bytes.begin() + dict_.offsets[ix], dict_.bytes.begin() + dict_.offsets[ix + 1]);
        else if (bits) { if (dict_.bools[ix]) out_.values[k >> 3] |= static_cast<uint8_t>(1u << (k & 7)); }
        else std::memcpy(out_.values.data() + k * w, dict_.fixed.data() + static_cast<size_t>(ix) * w, w);
      } else if (bytes) {
        uint32_t len;
        const uint8_t* v = byte_array(vp, len);
        out_.values.insert(out_.values.end(), v, v + len);
      } else if (bits) {
        if ((pi >> 3) >= static_cast<size_t>(end - p)) Fail("PLAIN booleans end early");
        if ((p[pi >> 3] >> (pi & 7)) & 1) out_.values[k >> 3] |= static_cast<uint8_t>(1u << (k & 7));
      } else {
        if ((pi + 1) * w > static_cast<size_t>(end - p)) Fail("PLAIN values end early");
        std::memcpy(out_.values.data() + k * w, p + pi * w, w);
      }
      if (bytes) PushOffset();
    }
    first_row_ = hi;
  }

  void Grow(size_t n) {
    const size_t rows = out_.rows + n;
    if (s_.max_def == 1) out_.validity.resize((rows + 7) / 8, 0);
    if (s_.physical_type == 0) out_.values.resize((rows + 7) / 8, 0);
    else if (width_ > 0) out_.values.resize(rows * width_, 0);
  }

  void Plain(const uint8_t* p, const uint8_t* end, size_t n) {
    const size_t base = out_.rows;
    if (s_.physical_type == 6) {
      for (size_t i = 0; i < n; ++i) {
        if (defs_[i]) {
          if (end - p < 4) Fail("PLAIN byte array ends early");
          uint32_t len;
          std::memcpy(&len, p, 4);
          p += 4;
          if (len > static_cast<size_t>(end - p)) Fail("PLAIN byte array value runs past the page");
          out_.values.insert(out_.values.end(), p, p + len);
          p += len;
        }
        PushOffset();
      }
    } else if (s_.physical_type == 0) {
      size_t bit = 0;
      for (size_t i = 0; i < n; ++i) {
        if (!defs_[i]) continue;
        if ((bit >> 3) >= static_cast<size_t>(end - p)) Fail("PLAIN booleans end early");
        if ((p[bit >> 3] >> (bit & 7)) & 1) out_.values[(base + i) >> 3] |= static_cast<uint8_t>(1u << ((base + i) & 7));
        ++bit;
      }
    } else {
      const size_t w = static_cast<size_t>(width_);
      uint8_t* dst = out_.values.data() + base * w;
      if (s_.max_def == 0) {
        if (n * w > static_cast<size_t>(end - p)) Fail("PLAIN values end early");
        std::memcpy(dst, p, n * w);
      } else {
        for (size_t i = 0; i < n; ++i) {
          if (!defs_[i]) continue;
          if (w > static_cast<size_t>(end - p)) Fail("PLAIN values end early");
          std::memcpy(dst + i * w, p, w);
          p += w;
        }
      }
    }
  }

  void FromDictionary(size_t n) {
    const size_t base = out_.rows;
    size_t k = 0;
    if (s_.physical_type == 6) {
      for (size_t i = 0; i < n; ++i) {
        if (defs_[i]) {
          const uint32_t ix = idx_[k++];
          out_.values.insert(out_.values.end(), dict_.bytes.begin() + dict_.offsets[ix], dict_.bytes.begin() + dict_.offsets[ix + 1]);
        }
        PushOffset();
      }
    } else if (s_.physical_type == 0) {
      for (size_t i = 0; i < n; ++i)
        if (defs_[i] && dict_.bools[idx_[k++]]) out_.values[(base + i) >> 3] |= static_cast<uint8_t>(1u << ((base + i) & 7));
    } else {
      const size_t w = static_cast<size_t>(width_);
      uint8_t* dst = out_.values.data() + base * w;
      for (size_t i = 0; i < n; ++i)
        if (defs_[i]) std::memcpy(dst + i * w, dict_.fixed.data() + static_cast<size_t>(idx_[k++]) * w, w);
    }
  }

  void PushOffset() {
    if (out_.values.size() > 0x7fffffffu) Fail("byte array column exceeds 2 GiB");
    out_.offsets.push_back(static_cast<int32_t>(out_.values.size()));
  }

  const ColumnSpec& s_;
  DecodedColumn& out_;
  int width_;
  const PageSink* sink_;
  size_t first_row_ = 0;  // column row of the next page's first row
  bool selecting_ = false;
  const int32_t* sel_ = nullptr;
  size_t sel_count_ = 0;
  size_t sel_pos_ = 0;
  Dictionary dict_;
  std::vector<uint8_t> page_;
  std::vector<uint32_t> defs_;
  std::vector<uint32_t> idx_;
};

}  // namespace

namespace {

void CheckSpec(const ColumnSpec& spec) {
  if (spec.physical_type == 3) Fail("INT96 is not supported by the native reader");
  if (spec.physical_type == 7 && spec.type_length <= 0) Fail("FIXED_LEN_BYTE_ARRAY needs a positive type length");
}

void DecodeChunks(ColumnDecoder& d, const uint8_t* file, size_t size, const ColumnSpec& spec) {
  for (size_t i = 0; i < spec.chunks.size(); ++i) {
    const ChunkRange& c = spec.chunks[i];
    if (c.start > c.end || c.end > size) Fail("column chunk byte range is outside the file");
    d.Chunk(file + c.start, file + c.end, spec.chunk_codecs.empty() ? spec.codec : spec.chunk_codecs[i], c.num_values);
  }
}

}  // namespace

DecodedColumn DecodeColumn(const uint8_t* file, size_t size, const ColumnSpec& spec) {
  CheckSpec(spec);
  DecodedColumn out;
  size_t total = 0;
  for (const auto& c : spec.chunks) total += static_cast<size_t>(c.num_values);
  if (spec.physical_type == 6) {
    out.offsets.reserve(total + 1);
  }
  ColumnDecoder d(spec, out);
  DecodeChunks(d, file, size, spec);
  d.Finish();
  return out;
}

void DecodeColumnPages(const uint8_t* file, size_t size, const ColumnSpec& spec, const PageSink& sink) {
  CheckSpec(spec);
  DecodedColumn page;
  ColumnDecoder d(spec, page, &sink);
  DecodeChunks(d, file, size, spec);
}

DecodedColumn DecodeColumnRows(const uint8_t* file, size_t size, const ColumnSpec& spec, const int32_t* rows, size_t count) {
  CheckSpec(spec);
  for (size_t i = 1; i < count; ++i) {
    if (rows[i] <= rows[i - 1]) Fail("rows to decode must be ascending and distinct");
  }
  if (count > 0 && rows[0] < 0) Fail("rows to decode must be ascending and distinct");
  DecodedColumn out;
  ColumnDecoder d(spec, out);
  d.Select(rows, count);
  DecodeChunks(d, file, size, spec);
  if (d.Unselected() > 0) Fail("row to decode is past the end of the column");
  if (out.null_count == 0) out.validity.clear();
  return out;
}

BigVector<uint8_t> ReadChunkSpan(int fd, std::vector<ColumnSpec>& specs) {
  // The chunks' byte ranges, merged where close (one read beats two short ones), read into one buffer.
  struct Block {
    size_t start, end, at;
  };
  std::vector<Block> blocks;
  for (const auto& s : specs)
    for (const auto& c : s.chunks) {
      if (c.start > c.end) Fail("column chunk byte range is inverted");
      if (c.end > c.start) blocks.push_back({c.start, c.end, 0});
    }
  std::sort(blocks.begin(), blocks.end(), [](const Block& a, const Block& b) { return a.start < b.start; });
  constexpr size_t kGap = 64 * 1024;
  std::vector<Block> merged;
  for (const Block& b : blocks) {
    if (!merged.empty() && b.start <= merged.back().end + kGap) merged.back().end = std::max(merged.back().end, b.end);
    else merged.push_back(b);
  }
  size_t total = 0;
  for (Block& m : merged) {
    m.at = total;
    total += m.end - m.start;
  }
  BigVector<uint8_t> buf(total);
#ifdef _WIN32
  (void)fd;
  Fail("reading column chunks from a descriptor is not available on Windows");
#else
  for (const Block& m : merged) {
    for (size_t done = 0; done < m.end - m.start;) {
      const ssize_t n = pread(fd, buf.data() + m.at + done, m.end - m.start - done, static_cast<off_t>(m.start + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) Fail(std::string("cannot read column chunks: ") + std::strerror(errno));
      if (n == 0) Fail("the file ends before its column chunks do");
      done += static_cast<size_t>(n);
    }
  }
#endif
  for (auto& s : specs)
    for (auto& c : s.chunks) {
      if (c.end == c.start) {
        c.start = c.end = 0;
        continue;
      }
      // The merged block holding the chunk: the last one starting at or before it.
      const auto it = std::upper_bound(merged.begin(), merged.end(), c.start, [](size_t x, const Block& m) { return x < m.start; }) - 1;
      const size_t len = c.end - c.start;
      c.start = it->at + (c.start - it->start);
      c.end = c.start + len;
    }
  return buf;
}

}  // namespace tributary::maintenance
