// JS boundary (on worker threads):
//   spillScatter(file: Uint8Array | fd, columns, deleted: Uint32Array | null,
//                dest: Uint16Array | Uint32Array, paths: string[], inputIndex) → Promise<number>
//     columns as for decodeColumns; dest[i] indexes `paths` for the i-th kept row.
//   spillGather(path, columns: { type, typeLength }[], rows: Uint32Array, reuse?: Decoded[]) → Promise<Decoded[]>
//     Decoded as decodeColumns returns it; where `reuse` (an earlier result, no
//     longer used) has large enough buffers, the result is views of them.
#include "maintenance/spill.h"

#include <fcntl.h>
#include <napi.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <stdexcept>

#ifdef _WIN32
#include <io.h>
#else
#include <sys/mman.h>
#include <unistd.h>
#endif

#include "common/promise_worker.h"
#include "maintenance/column_js.h"

namespace tributary::maintenance {

namespace {

constexpr uint32_t kMagic = 0x31505354;  // "TSP1"

[[noreturn]] void Fail(const std::string& m) { throw std::runtime_error(m); }

template <typename T>
void Put(std::vector<uint8_t>& out, T v) {
  const size_t at = out.size();
  out.resize(at + sizeof(T));
  std::memcpy(out.data() + at, &v, sizeof(T));
}

inline bool Bit(const uint8_t* bits, size_t i) { return (bits[i >> 3] >> (i & 7)) & 1; }
inline void SetBit(uint8_t* bits, size_t i) { bits[i >> 3] |= static_cast<uint8_t>(1u << (i & 7)); }

// Segments from concurrent scatters must not interleave within a file.
std::mutex& WriteMutex() {
  static std::mutex m;
  return m;
}

void AppendToFile(const std::string& path, const std::vector<uint8_t>& bytes) {
#ifdef _WIN32
  (void)path;
  (void)bytes;
  Fail("spill files are not available on Windows");
#else
  std::lock_guard<std::mutex> lock(WriteMutex());
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) Fail("cannot open spill file " + path + ": " + std::strerror(errno));
  for (size_t done = 0; done < bytes.size();) {
    const ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const std::string msg = "cannot write spill file " + path + ": " + std::strerror(errno);
      close(fd);
      Fail(msg);
    }
    done += static_cast<size_t>(n);
  }
  if (close(fd) != 0) Fail("cannot write spill file " + path + ": " + std::strerror(errno));
#endif
}

// A spill file mapped read-only: its pages are the page cache's, and are
// unmapped (not left to the allocator) as soon as the gather is done.
class MappedFile {
 public:
  explicit MappedFile(const std::string& path) {
#ifdef _WIN32
    Fail("spill files are not available on Windows: " + path);
#else
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) Fail("cannot open spill file " + path + ": " + std::strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
      close(fd);
      Fail("cannot stat spill file " + path);
    }
    size_ = static_cast<size_t>(st.st_size);
    if (size_ > 0) {
      void* p = mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
      if (p == MAP_FAILED) {
        close(fd);
        Fail("cannot map spill file " + path + ": " + std::strerror(errno));
      }
      data_ = static_cast<const uint8_t*>(p);
    }
    close(fd);
#endif
  }
  ~MappedFile() {
#ifndef _WIN32
    if (data_) munmap(const_cast<uint8_t*>(data_), size_);
#endif
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

// One column of one segment, pointing into the spill file's bytes.
struct SegColumn {
  const uint8_t* validity = nullptr;  // null: every row valid
  const int32_t* offsets = nullptr;   // bytes kind (unaligned: read with memcpy)
  const uint8_t* values = nullptr;
};

struct Segment {
  uint32_t input = 0;
  size_t rows = 0;
  std::vector<SegColumn> columns;
};

class Reader {
 public:
  Reader(const uint8_t* p, const uint8_t* end, const std::string& path) : p_(p), end_(end), path_(path) {}
  bool Done() const { return p_ == end_; }
  template <typename T>
  T Get() {
    T v;
    std::memcpy(&v, Take(sizeof(T)), sizeof(T));
    return v;
  }
  const uint8_t* Take(size_t n) {
    if (static_cast<size_t>(end_ - p_) < n) Fail("spill file " + path_ + " is truncated");
    const uint8_t* at = p_;
    p_ += n;
    return at;
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
  const std::string& path_;
};

inline int32_t OffsetAt(const int32_t* offsets, size_t i) {
  int32_t v;
  std::memcpy(&v, offsets + i, 4);
  return v;
}

}  // namespace

SpillKind SpillKindOf(const ColumnSpec& spec) {
  switch (spec.physical_type) {
    case 0:
      return {1, 0};
    case 6:
      return {2, 0};
    case 1:
    case 4:
      return {0, 4};
    case 2:
    case 5:
      return {0, 8};
    case 7:
      if (spec.type_length <= 0) Fail("FIXED_LEN_BYTE_ARRAY needs a positive type length");
      return {0, static_cast<uint32_t>(spec.type_length)};
    default:
      Fail("physical type " + std::to_string(spec.physical_type) + " cannot be spilled");
  }
}

size_t ScatterToSpill(const std::vector<DecodedColumn>& columns, const std::vector<SpillKind>& kinds, const uint32_t* deleted,
                      size_t deleted_count, const std::vector<uint32_t>& dest, const std::vector<std::string>& paths,
                      uint32_t input_index) {
  if (columns.size() != kinds.size()) Fail("spill: columns and kinds differ in number");
  const size_t rows = columns.empty() ? 0 : columns[0].rows;
  for (const auto& c : columns)
    if (c.rows != rows) Fail("spill: the decoded columns differ in row count");
  // The kept (live) rows, bucketed by output file in ascending order.
  std::vector<uint32_t> kept;
  kept.reserve(rows);
  size_t d = 0;
  for (size_t r = 0; r < rows; ++r) {
    while (d < deleted_count && deleted[d] < r) ++d;
    if (d < deleted_count && deleted[d] == r) continue;
    kept.push_back(static_cast<uint32_t>(r));
  }
  // Not the rows the order was planned for (the caller reports it): nothing is written.
  if (kept.size() != dest.size()) return kept.size();
  std::vector<size_t> start(paths.size() + 1, 0);
  for (uint32_t k : dest) {
    if (k >= paths.size()) Fail("spill: destination out of range");
    ++start[k + 1];
  }
  for (size_t k = 0; k < paths.size(); ++k) start[k + 1] += start[k];
  std::vector<uint32_t> by_file(kept.size());
  {
    std::vector<size_t> fill(start.begin(), start.end() - 1);
    for (size_t i = 0; i < kept.size(); ++i) by_file[fill[dest[i]]++] = kept[i];
  }
  std::vector<uint8_t> seg;
  for (size_t k = 0; k < paths.size(); ++k) {
    const uint32_t* sel = by_file.data() + start[k];
    const size_t n = start[k + 1] - start[k];
    if (n == 0) continue;
    seg.clear();
    Put<uint32_t>(seg, kMagic);
    Put<uint32_t>(seg, input_index);
    Put<uint64_t>(seg, n);
    Put<uint32_t>(seg, static_cast<uint32_t>(columns.size()));
    for (size_t c = 0; c < columns.size(); ++c) {
      const DecodedColumn& col = columns[c];
      const bool has_validity = !col.validity.empty();
      uint64_t nulls = 0;
      if (has_validity)
        for (size_t i = 0; i < n; ++i) nulls += !Bit(col.validity.data(), sel[i]);
      uint64_t value_bytes = 0;
      if (kinds[c].kind == 0) value_bytes = static_cast<uint64_t>(n) * kinds[c].width;
      else if (kinds[c].kind == 1) value_bytes = (n + 7) / 8;
      else
        for (size_t i = 0; i < n; ++i) value_bytes += static_cast<uint64_t>(col.offsets[sel[i] + 1] - col.offsets[sel[i]]);
      Put<uint8_t>(seg, kinds[c].kind);
      Put<uint8_t>(seg, has_validity ? 1 : 0);
      Put<uint32_t>(seg, kinds[c].width);
      Put<uint64_t>(seg, nulls);
      Put<uint64_t>(seg, value_bytes);
    }
    for (size_t c = 0; c < columns.size(); ++c) {
      const DecodedColumn& col = columns[c];
      if (!col.validity.empty()) {
        const size_t at = seg.size();
        seg.resize(at + (n + 7) / 8, 0);
        for (size_t i = 0; i < n; ++i)
          if (Bit(col.validity.data(), sel[i])) SetBit(seg.data() + at, i);
      }
      switch (kinds[c].kind) {
        case 0: {
          const size_t w = kinds[c].width;
          const size_t at = seg.size();
          seg.resize(at + n * w);
          uint8_t* out = seg.data() + at;
          if (w == 8) {
            for (size_t i = 0; i < n; ++i) std::memcpy(out + i * 8, col.values.data() + static_cast<size_t>(sel[i]) * 8, 8);
          } else if (w == 4) {
            for (size_t i = 0; i < n; ++i) std::memcpy(out + i * 4, col.values.data() + static_cast<size_t>(sel[i]) * 4, 4);
          } else {
            for (size_t i = 0; i < n; ++i) std::memcpy(out + i * w, col.values.data() + static_cast<size_t>(sel[i]) * w, w);
          }
          break;
        }
        case 1: {
          const size_t at = seg.size();
          seg.resize(at + (n + 7) / 8, 0);
          for (size_t i = 0; i < n; ++i)
            if (Bit(col.values.data(), sel[i])) SetBit(seg.data() + at, i);
          break;
        }
        default: {
          int32_t pos = 0;
          Put<int32_t>(seg, 0);
          for (size_t i = 0; i < n; ++i) {
            pos += col.offsets[sel[i] + 1] - col.offsets[sel[i]];
            Put<int32_t>(seg, pos);
          }
          for (size_t i = 0; i < n; ++i) {
            const int32_t a = col.offsets[sel[i]], b = col.offsets[sel[i] + 1];
            seg.insert(seg.end(), col.values.begin() + a, col.values.begin() + b);
          }
        }
      }
    }
    AppendToFile(paths[k], seg);
  }
  return kept.size();
}

std::vector<GatheredColumn> GatherFromSpill(const std::string& path, const std::vector<SpillKind>& kinds, const uint32_t* rows,
                                            size_t count, const std::vector<ReuseBuffers>& reuse) {
  const MappedFile file(path);
  Reader rd(file.data(), file.data() + file.size(), path);
  std::vector<Segment> segs;
  while (!rd.Done()) {
    if (rd.Get<uint32_t>() != kMagic) Fail("spill file " + path + " is corrupt");
    Segment s;
    s.input = rd.Get<uint32_t>();
    s.rows = static_cast<size_t>(rd.Get<uint64_t>());
    const uint32_t ncols = rd.Get<uint32_t>();
    if (ncols != kinds.size()) Fail("spill file " + path + " has another column count");
    struct Head {
      bool validity;
      uint64_t value_bytes;
    };
    std::vector<Head> heads(ncols);
    for (uint32_t c = 0; c < ncols; ++c) {
      const uint8_t kind = rd.Get<uint8_t>();
      heads[c].validity = rd.Get<uint8_t>() != 0;
      const uint32_t width = rd.Get<uint32_t>();
      rd.Get<uint64_t>();  // null count: recounted while gathering
      heads[c].value_bytes = rd.Get<uint64_t>();
      if (kind != kinds[c].kind || width != kinds[c].width) Fail("spill file " + path + " has other column types");
    }
    s.columns.resize(ncols);
    for (uint32_t c = 0; c < ncols; ++c) {
      SegColumn& sc = s.columns[c];
      if (heads[c].validity) sc.validity = rd.Take((s.rows + 7) / 8);
      if (kinds[c].kind == 2) sc.offsets = reinterpret_cast<const int32_t*>(rd.Take((s.rows + 1) * 4));
      const uint64_t expect = kinds[c].kind == 0 ? static_cast<uint64_t>(s.rows) * kinds[c].width
                              : kinds[c].kind == 1 ? (s.rows + 7) / 8
                                                   : heads[c].value_bytes;
      if (heads[c].value_bytes != expect) Fail("spill file " + path + " is corrupt");
      sc.values = rd.Take(static_cast<size_t>(heads[c].value_bytes));
      if (kinds[c].kind == 2 && (OffsetAt(sc.offsets, 0) != 0 || static_cast<uint64_t>(OffsetAt(sc.offsets, s.rows)) != heads[c].value_bytes))
        Fail("spill file " + path + " is corrupt");
    }
    segs.push_back(std::move(s));
  }
  // Input order: segments of concurrently decoded inputs may have been appended out of order.
  std::stable_sort(segs.begin(), segs.end(), [](const Segment& a, const Segment& b) { return a.input < b.input; });
  size_t total = 0;
  for (const auto& s : segs) total += s.rows;
  BigVector<uint32_t> seg_of(total), local_of(total);
  {
    size_t at = 0;
    for (size_t s = 0; s < segs.size(); ++s)
      for (size_t j = 0; j < segs[s].rows; ++j, ++at) {
        seg_of[at] = static_cast<uint32_t>(s);
        local_of[at] = static_cast<uint32_t>(j);
      }
  }
  for (size_t i = 0; i < count; ++i)
    if (rows[i] >= total) Fail("spill file " + path + " holds " + std::to_string(total) + " rows, row " + std::to_string(rows[i]) + " was asked for");

  std::vector<GatheredColumn> out(kinds.size());
  for (size_t c = 0; c < kinds.size(); ++c) {
    GatheredColumn& g = out[c];
    DecodedColumn& o = g.column;
    const ReuseBuffers r = c < reuse.size() ? reuse[c] : ReuseBuffers{};
    o.rows = count;
    // A destination of `n` bytes: the caller's buffer when large enough, else the column's own vector.
    auto bytes = [](size_t n, uint8_t* mine, size_t capacity, BigVector<uint8_t>& own, bool& reused, size_t& size) -> uint8_t* {
      size = n;
      if (mine != nullptr && capacity >= n) {
        reused = true;
        std::memset(mine, 0, n);
        return mine;
      }
      // Some slack, so the next (slightly larger) output file can reuse it too.
      own.assign(n + n / 16, 0);
      return own.data();
    };
    bool any_validity = false;
    for (const auto& s : segs) any_validity |= s.columns[c].validity != nullptr;
    if (any_validity) {
      BigVector<uint8_t> own;
      bool reused = false;
      size_t n = 0;
      uint8_t* v = bytes((count + 7) / 8, r.validity, r.validity_capacity, own, reused, n);
      for (size_t i = 0; i < count; ++i) {
        const SegColumn& sc = segs[seg_of[rows[i]]].columns[c];
        if (sc.validity == nullptr || Bit(sc.validity, local_of[rows[i]])) SetBit(v, i);
        else ++o.null_count;
      }
      if (o.null_count > 0) {
        g.validity_reused = reused;
        g.validity_bytes = n;
        if (!reused) o.validity = std::move(own);
      }
    }
    switch (kinds[c].kind) {
      case 0: {
        const size_t w = kinds[c].width;
        uint8_t* v = bytes(count * w, r.values, r.values_capacity, o.values, g.values_reused, g.values_bytes);
        for (size_t i = 0; i < count; ++i)
          std::memcpy(v + i * w, segs[seg_of[rows[i]]].columns[c].values + static_cast<size_t>(local_of[rows[i]]) * w, w);
        break;
      }
      case 1: {
        uint8_t* v = bytes((count + 7) / 8, r.values, r.values_capacity, o.values, g.values_reused, g.values_bytes);
        for (size_t i = 0; i < count; ++i)
          if (Bit(segs[seg_of[rows[i]]].columns[c].values, local_of[rows[i]])) SetBit(v, i);
        break;
      }
      default: {
        int32_t* off;
        g.offsets_count = count + 1;
        if (r.offsets != nullptr && r.offsets_capacity >= count + 1) {
          g.offsets_reused = true;
          off = r.offsets;
        } else {
          o.offsets.resize(count + 1 + count / 16);
          off = o.offsets.data();
        }
        off[0] = 0;
        uint64_t pos = 0;
        for (size_t i = 0; i < count; ++i) {
          const SegColumn& sc = segs[seg_of[rows[i]]].columns[c];
          const uint32_t j = local_of[rows[i]];
          pos += static_cast<uint64_t>(OffsetAt(sc.offsets, j + 1) - OffsetAt(sc.offsets, j));
          if (pos > 0x7fffffffu) Fail("byte array column exceeds 2 GiB");
          off[i + 1] = static_cast<int32_t>(pos);
        }
        uint8_t* v = bytes(static_cast<size_t>(pos), r.values, r.values_capacity, o.values, g.values_reused, g.values_bytes);
        for (size_t i = 0; i < count; ++i) {
          const SegColumn& sc = segs[seg_of[rows[i]]].columns[c];
          const uint32_t j = local_of[rows[i]];
          const int32_t a = OffsetAt(sc.offsets, j), b = OffsetAt(sc.offsets, j + 1);
          if (b > a) std::memcpy(v + off[i], sc.values + a, static_cast<size_t>(b - a));
        }
      }
    }
  }
  return out;
}

namespace spill {

namespace {

std::vector<uint32_t> U32List(Napi::Env env, Napi::Value v, const char* what) {
  std::vector<uint32_t> out;
  if (!v.IsTypedArray()) throw Napi::TypeError::New(env, std::string(what) + " must be a Uint16Array or Uint32Array");
  auto ta = v.As<Napi::TypedArray>();
  const size_t n = ta.ElementLength();
  const uint8_t* p = static_cast<const uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
  out.resize(n);
  if (ta.TypedArrayType() == napi_uint32_array) {
    std::memcpy(out.data(), p, n * 4);
  } else if (ta.TypedArrayType() == napi_uint16_array) {
    for (size_t i = 0; i < n; ++i) {
      uint16_t x;
      std::memcpy(&x, p + i * 2, 2);
      out[i] = x;
    }
  } else {
    throw Napi::TypeError::New(env, std::string(what) + " must be a Uint16Array or Uint32Array");
  }
  return out;
}

std::vector<std::string> Paths(Napi::Env env, Napi::Value v) {
  if (!v.IsArray()) throw Napi::TypeError::New(env, "spillScatter: paths must be an array of strings");
  auto a = v.As<Napi::Array>();
  std::vector<std::string> out;
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value x = a.Get(i);
    if (!x.IsString()) throw Napi::TypeError::New(env, "spillScatter: paths must be an array of strings");
    out.push_back(x.As<Napi::String>().Utf8Value());
  }
  return out;
}

class ScatterWorker : public PromiseWorker {
 public:
  ScatterWorker(const Napi::CallbackInfo& info) : PromiseWorker(info.Env(), "tributary:spillScatter", "spilling rows") {
    Napi::Env env = info.Env();
    if (info.Length() < 6 || !info[5].IsNumber()) throw Napi::TypeError::New(env, "spillScatter: expected (file, columns, deleted, dest, paths, inputIndex)");
    source_ = ChunkSourceArg(env, info[0], "spillScatter");
    specs_ = ColumnSpecsArg(env, info[1], source_, "spillScatter");
    for (const auto& s : specs_) kinds_.push_back(SpillKindOf(s));
    if (!info[2].IsNull() && !info[2].IsUndefined()) deleted_ = U32List(env, info[2], "spillScatter: deleted");
    for (size_t i = 1; i < deleted_.size(); ++i)
      if (deleted_[i] <= deleted_[i - 1]) throw Napi::RangeError::New(env, "spillScatter: deleted rows must ascend");
    dest_ = U32List(env, info[3], "spillScatter: dest");
    paths_ = Paths(env, info[4]);
    input_ = info[5].As<Napi::Number>().Uint32Value();
    if (source_.fd < 0) KeepAlive(info[0].As<Napi::Object>());
  }

 private:
  void Run() override {
    std::vector<DecodedColumn> cols;
    {
      // The file's bytes go before the spill is written.
      const LoadedChunks chunks(source_, specs_);
      for (const auto& s : specs_) cols.push_back(chunks.Decode(s));
    }
    kept_ = ScatterToSpill(cols, kinds_, deleted_.data(), deleted_.size(), dest_, paths_, input_);
  }
  Napi::Value Result(Napi::Env env) override { return Napi::Number::New(env, static_cast<double>(kept_)); }

  ChunkSource source_;
  std::vector<ColumnSpec> specs_;
  std::vector<SpillKind> kinds_;
  std::vector<uint32_t> deleted_, dest_;
  std::vector<std::string> paths_;
  uint32_t input_ = 0;
  size_t kept_ = 0;
};

// A typed array argument's bytes (the array is kept alive by a reference to the argument list).
struct Typed {
  uint8_t* data = nullptr;
  size_t bytes = 0;
  bool int32 = false;
};

bool TypedArg(Napi::Value v, Typed* out) {
  if (!v.IsTypedArray()) return false;
  auto a = v.As<Napi::TypedArray>();
  out->data = static_cast<uint8_t*>(a.ArrayBuffer().Data()) + a.ByteOffset();
  out->bytes = a.ByteLength();
  out->int32 = a.TypedArrayType() == napi_int32_array;
  return true;
}

const char* const kReuseFields[3] = {"values", "validity", "offsets"};

class GatherWorker : public PromiseWorker {
 public:
  GatherWorker(const Napi::CallbackInfo& info) : PromiseWorker(info.Env(), "tributary:spillGather", "reading spilled rows") {
    Napi::Env env = info.Env();
    if (info.Length() < 3 || !info[0].IsString() || !info[1].IsArray()) throw Napi::TypeError::New(env, "spillGather: expected (path, columns, rows, reuse?)");
    path_ = info[0].As<Napi::String>().Utf8Value();
    auto cols = info[1].As<Napi::Array>();
    for (uint32_t i = 0; i < cols.Length(); ++i) {
      Napi::Value cv = cols.Get(i);
      if (!cv.IsObject()) throw Napi::TypeError::New(env, "spillGather: columns must be objects");
      ColumnSpec s;
      s.physical_type = cv.As<Napi::Object>().Get("type").ToNumber().Int32Value();
      s.type_length = cv.As<Napi::Object>().Get("typeLength").ToNumber().Int32Value();
      try {
        kinds_.push_back(SpillKindOf(s));
      } catch (const std::exception& e) {
        throw Napi::TypeError::New(env, std::string("spillGather: ") + e.what());
      }
    }
    if (!info[2].IsTypedArray() || info[2].As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array)
      throw Napi::TypeError::New(env, "spillGather: rows must be a Uint32Array");
    rows_ = U32List(env, info[2], "spillGather: rows");
    // Optional buffers of an earlier result to write into: { values, validity, offsets }[] per column.
    reuse_.resize(kinds_.size());
    typed_.resize(kinds_.size() * 3);
    if (info.Length() >= 4 && info[3].IsArray()) {
      auto r = info[3].As<Napi::Array>();
      KeepAlive(r);
      for (uint32_t c = 0; c < r.Length() && c < kinds_.size(); ++c) {
        Napi::Value rv = r.Get(c);
        if (!rv.IsObject()) continue;
        auto o = rv.As<Napi::Object>();
        Typed* t = &typed_[c * 3];
        if (TypedArg(o.Get(kReuseFields[0]), &t[0])) reuse_[c].values = t[0].data, reuse_[c].values_capacity = t[0].bytes;
        if (TypedArg(o.Get(kReuseFields[1]), &t[1])) reuse_[c].validity = t[1].data, reuse_[c].validity_capacity = t[1].bytes;
        if (TypedArg(o.Get(kReuseFields[2]), &t[2])) {
          if (!t[2].int32) throw Napi::TypeError::New(env, "spillGather: reused offsets must be an Int32Array");
          reuse_[c].offsets = reinterpret_cast<int32_t*>(t[2].data);
          reuse_[c].offsets_capacity = t[2].bytes / 4;
        }
      }
    }
  }

 private:
  void Run() override { out_ = GatherFromSpill(path_, kinds_, rows_.data(), rows_.size(), reuse_); }
  Napi::Value Result(Napi::Env env) override {
    // A view of the first `n` bytes (or entries) of reused buffer `field` of column `c`.
    auto view = [&](size_t c, int field, size_t n) -> Napi::Value {
      auto a = Kept(0).Get(static_cast<uint32_t>(c)).As<Napi::Object>().Get(kReuseFields[field]).As<Napi::TypedArray>();
      if (field == 2) return Napi::Int32Array::New(env, n, a.ArrayBuffer(), a.ByteOffset());
      return Napi::Uint8Array::New(env, n, a.ArrayBuffer(), a.ByteOffset());
    };
    Napi::Array result = Napi::Array::New(env, out_.size());
    for (size_t c = 0; c < out_.size(); ++c) {
      GatheredColumn& g = out_[c];
      Napi::Object o = Napi::Object::New(env);
      o.Set("rows", Napi::Number::New(env, static_cast<double>(g.column.rows)));
      o.Set("nullCount", Napi::Number::New(env, static_cast<double>(g.column.null_count)));
      // New buffers carry slack beyond the data: the result is a view of the data's length.
      auto fresh8 = [&](BigVector<uint8_t>&& v, size_t n) -> Napi::Value {
        auto a = AdoptBytes(env, std::move(v));
        return Napi::Uint8Array::New(env, n, a.ArrayBuffer(), 0);
      };
      o.Set("values", g.values_reused ? view(c, 0, g.values_bytes) : fresh8(std::move(g.column.values), g.values_bytes));
      if (g.column.null_count == 0) o.Set("validity", env.Null());
      else o.Set("validity", g.validity_reused ? view(c, 1, g.validity_bytes) : fresh8(std::move(g.column.validity), g.validity_bytes));
      if (kinds_[c].kind != 2) {
        o.Set("offsets", env.Null());
      } else if (g.offsets_reused) {
        o.Set("offsets", view(c, 2, g.offsets_count));
      } else {
        auto a = AdoptInt32(env, std::move(g.column.offsets));
        o.Set("offsets", Napi::Int32Array::New(env, g.offsets_count, a.ArrayBuffer(), 0));
      }
      result.Set(static_cast<uint32_t>(c), o);
    }
    return result;
  }

  std::string path_;
  std::vector<SpillKind> kinds_;
  std::vector<uint32_t> rows_;
  std::vector<ReuseBuffers> reuse_;
  std::vector<Typed> typed_;
  std::vector<GatheredColumn> out_;
};

Napi::Value ScatterJs(const Napi::CallbackInfo& info) {
  return (new ScatterWorker(info))->Start();
}

Napi::Value GatherJs(const Napi::CallbackInfo& info) {
  return (new GatherWorker(info))->Start();
}

}  // namespace

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("spillScatter", Napi::Function::New(env, ScatterJs, "spillScatter"));
  exports.Set("spillGather", Napi::Function::New(env, GatherJs, "spillGather"));
}

}  // namespace spill

}  // namespace tributary::maintenance
