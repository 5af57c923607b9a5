// JS boundary of the maintenance core:
//   clusterOrder(columns, rows, curve, threads) → Promise<Uint32Array>
//     columns: { kind (0 int32, 1 int64, 2 float64, 3 bytes), chunks: { length, data: TypedArray,
//                offsets?: Int32Array (bytes), valid?: Uint8Array (bitmap), validOffset?: bit of row 0 }[] }[]
//     (the chunks of a column cover its rows in order: one per decoded file, read in place)
//     curve: 0 Morton, 1 Hilbert. Ranks, keys and the sort run on worker threads.
//   clusterOrder(columns, rows, curve, threads, levels: number[]) → Promise<{ order, cells: Uint32Array }>
//     levels: [dim, radix, ...] of a coarse grid whose cells come first in the order (see zorder.h).
//   clusterKey(ranks: number[], bits, curve) → bigint   (one key, for tests)
//   decodeColumns(file: Uint8Array | fd, columns[, rows: Int32Array]) → Promise<Decoded[]>
//     (from a descriptor only the chunks are read); rows: only these (ascending)
//     rows of every column, decoded page by page
//     columns: { type, typeLength, maxDef, chunks: { start, end, numValues, codec }[] }[]
//     Decoded: { rows, nullCount, values: Buffer, validity: Buffer | null, offsets: Int32Array | null }
//     (see column_reader.h); decoding runs on a worker thread.
//   listTree(root, keepPrefixes: string[]) → Promise<{ paths: string[], sizes: Float64Array, mtimes: Float64Array }>
//   listDir(dir, startAfter, skipPrefix) → Promise<{ paths: string[], sizes: Float64Array, mtimes: Float64Array }>
//     (regular files directly in dir, names ≥ startAfter, sorted; see file_ops.h)
//   deleteFiles(root, paths: string[], threads) → Promise<string[]>   (failures, "path: error")
//   readWhole(path) → Promise<Uint8Array | null>   (null: no such file; errors carry Node's `code`)
//   readRanges({ path, start, end }[]) → Promise<Uint8Array[]>   (each range's bytes; see file_ops.h)
//   copyRangesInto(outFd, { path, start, end }[]) → Promise<void>   (appends the ranges in order)
//   writeDurably(target, tmp, data: Uint8Array, replace, strictDirSync) → Promise<boolean>
//     (see file_ops.h; false: `target` existed and replace was false; errors carry Node's `code`, e.g. 'ENOENT')
// Buffers are validated here, on the JS thread, so native code never reads
// out of bounds; the column objects are kept alive until the promise settles.
#include "maintenance/maintenance_binding.h"

#include <uv.h>

#include <cstring>
#include <functional>
#include <string>

#include "common/promise_worker.h"
#include "maintenance/column_js.h"
#include "maintenance/column_reader.h"
#include "maintenance/file_ops.h"
#include "maintenance/gather.h"
#include "maintenance/spill.h"
#include "maintenance/zorder_store.h"
#include "maintenance/zorder.h"

namespace tributary::maintenance {

namespace {

[[noreturn]] void Bad(Napi::Env env, const std::string& msg) { throw Napi::TypeError::New(env, "clusterOrder: " + msg); }

struct Bytes {
  const uint8_t* data = nullptr;
  size_t size = 0;
  bool present = false;
};

Bytes TypedBytes(Napi::Env env, Napi::Value v, const std::string& what) {
  Bytes b;
  if (v.IsUndefined() || v.IsNull()) return b;
  if (!v.IsTypedArray()) Bad(env, what + " must be a typed array");
  auto ta = v.As<Napi::TypedArray>();
  auto buf = ta.ArrayBuffer();
  b.data = static_cast<const uint8_t*>(buf.Data()) + ta.ByteOffset();
  b.size = ta.ByteLength();
  b.present = true;
  return b;
}

class OrderWorker : public PromiseWorker {
 public:
  OrderWorker(Napi::Env env, Napi::Array columns, size_t rows, Curve curve, int threads, std::vector<GridLevel> levels, bool grid)
      : PromiseWorker(env, "tributary:clusterOrder", "computing the Z-order"),
        rows_(rows),
        curve_(curve),
        threads_(threads),
        levels_(std::move(levels)),
        grid_(grid) {
    for (uint32_t i = 0; i < columns.Length(); ++i) {
      Napi::Value cv = columns.Get(i);
      if (!cv.IsObject()) Bad(env, "column " + std::to_string(i) + " must be an object");
      auto o = cv.As<Napi::Object>();
      const std::string where = "column " + std::to_string(i);
      ZColumn c;
      const double kind = o.Get("kind").ToNumber().DoubleValue();
      if (kind != 0 && kind != 1 && kind != 2 && kind != 3) Bad(env, where + ": unknown kind");
      c.kind = static_cast<ColumnKind>(static_cast<int32_t>(kind));
      Napi::Value chunks = o.Get("chunks");
      if (!chunks.IsArray()) Bad(env, where + ".chunks must be an array");
      auto arr = chunks.As<Napi::Array>();
      size_t total = 0;
      for (uint32_t j = 0; j < arr.Length(); ++j) {
        const std::string at = where + ".chunks[" + std::to_string(j) + "]";
        Napi::Value chv = arr.Get(j);
        if (!chv.IsObject()) Bad(env, at + " must be an object");
        auto ch = chv.As<Napi::Object>();
        ZChunk z;
        const double len = ch.Get("length").ToNumber().DoubleValue();
        if (!(len >= 0) || len != static_cast<double>(static_cast<int64_t>(len))) Bad(env, at + ".length must be an integer >= 0");
        z.rows = static_cast<size_t>(len);
        Bytes data = TypedBytes(env, ch.Get("data"), at + ".data");
        if (!data.present) Bad(env, at + ".data is required");
        z.data = data.data;
        z.data_bytes = data.size;
        Bytes valid = TypedBytes(env, ch.Get("valid"), at + ".valid");
        if (valid.present) {
          const double vo = ch.Get("validOffset").ToNumber().DoubleValue();
          if (!(vo >= 0) || vo != static_cast<double>(static_cast<int64_t>(vo))) Bad(env, at + ".validOffset must be an integer >= 0");
          z.valid_offset = static_cast<size_t>(vo);
          if ((z.valid_offset + z.rows + 7) / 8 > valid.size) Bad(env, at + ".valid has fewer bits than rows");
          z.valid = valid.data;
        }
        if (c.kind == ColumnKind::kBytes) {
          Bytes off = TypedBytes(env, ch.Get("offsets"), at + ".offsets");
          if (!off.present || off.size < (z.rows + 1) * 4) Bad(env, at + ".offsets needs length + 1 entries");
          z.offsets = reinterpret_cast<const int32_t*>(off.data);
          for (size_t r = 0; r < z.rows; ++r) {
            int32_t x, y;
            std::memcpy(&x, off.data + r * 4, 4);
            std::memcpy(&y, off.data + (r + 1) * 4, 4);
            if (x < 0 || y < x || static_cast<size_t>(y) > data.size) Bad(env, at + ": offsets out of range at row " + std::to_string(r));
          }
        } else {
          const size_t width = c.kind == ColumnKind::kInt32 ? 4 : 8;
          if (data.size < z.rows * width) Bad(env, at + ".data is shorter than length × " + std::to_string(width) + " bytes");
        }
        total += z.rows;
        c.chunks.push_back(z);
      }
      if (total != rows) Bad(env, where + ": chunks hold " + std::to_string(total) + " rows, expected " + std::to_string(rows));
      cols_.push_back(std::move(c));
    }
    if (cols_.empty()) Bad(env, "no columns");
    KeepAlive(columns);
  }

 private:
  void Run() override { result_ = ClusterOrderGrid(cols_, rows_, curve_, threads_, levels_); }

  Napi::Value Result(Napi::Env env) override {
    // The vectors' storage goes to JS without a copy.
    if (!grid_) return AdoptUint32(env, std::move(result_.order));
    auto o = Napi::Object::New(env);
    o.Set("order", AdoptUint32(env, std::move(result_.order)));
    o.Set("cells", AdoptUint32(env, std::move(result_.cells)));
    return o;
  }

  std::vector<ZColumn> cols_;
  size_t rows_;
  Curve curve_;
  int threads_;
  std::vector<GridLevel> levels_;
  bool grid_;
  ClusterResult result_;
};

Napi::Value ClusterOrderJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[0].IsArray() || !info[1].IsNumber() || !info[2].IsNumber() || !info[3].IsNumber())
    Bad(env, "expected (columns, rows, curve, threads)");
  const double rows = info[1].As<Napi::Number>().DoubleValue();
  if (rows < 0 || rows > 4294967295.0 || rows != static_cast<double>(static_cast<int64_t>(rows))) Bad(env, "rows must be an integer in [0, 2^32)");
  const int curve = info[2].As<Napi::Number>().Int32Value();
  if (curve != 0 && curve != 1) Bad(env, "curve must be 0 (Morton) or 1 (Hilbert)");
  const int threads = std::max(1, info[3].As<Napi::Number>().Int32Value());
  // Optional 5th argument: grid levels as a flat [dim, radix, dim, radix, ...] array; the result is then { order, cells }.
  std::vector<GridLevel> levels;
  const bool grid = info.Length() >= 5 && info[4].IsArray();
  if (grid) {
    auto a = info[4].As<Napi::Array>();
    if (a.Length() % 2 != 0) Bad(env, "levels must hold [dim, radix] pairs");
    for (uint32_t i = 0; i < a.Length(); i += 2) {
      GridLevel l;
      l.dim = a.Get(i).ToNumber().Int32Value();
      l.radix = a.Get(i + 1).ToNumber().Int32Value();
      if (l.dim < 0 || l.dim >= static_cast<int32_t>(info[0].As<Napi::Array>().Length()) || l.radix < 1) Bad(env, "invalid grid level");
      levels.push_back(l);
    }
  }
  return (new OrderWorker(env, info[0].As<Napi::Array>(), static_cast<size_t>(rows), static_cast<Curve>(curve), threads, std::move(levels), grid))->Start();
}

Napi::Value ClusterKeyJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsArray()) throw Napi::TypeError::New(env, "clusterKey: expected (ranks, bits, curve)");
  auto arr = info[0].As<Napi::Array>();
  const uint32_t dims = arr.Length();
  const int bits = info[1].ToNumber().Int32Value();
  if (dims == 0 || dims > 64 || bits < 1 || bits > 32 || static_cast<int64_t>(dims) * bits > 64)
    throw Napi::RangeError::New(env, "clusterKey: need 1..64 ranks and 1..32 bits with ranks × bits ≤ 64");
  std::vector<uint32_t> ranks(dims);
  for (uint32_t i = 0; i < dims; ++i) ranks[i] = arr.Get(i).ToNumber().Uint32Value();
  const uint64_t key = info[2].ToNumber().Int32Value() == 1 ? HilbertKey(ranks.data(), dims, bits) : MortonKey(ranks.data(), dims, bits);
  return Napi::BigInt::New(env, key);
}

class DecodeWorker : public PromiseWorker {
 public:
  DecodeWorker(Napi::Env env, Napi::Value file, Napi::Value columns, Napi::Value rows)
      : PromiseWorker(env, "tributary:decodeColumns", "decoding Parquet columns") {
    source_ = ChunkSourceArg(env, file, "decodeColumns");
    specs_ = ColumnSpecsArg(env, columns, source_, "decodeColumns");
    if (source_.fd < 0) KeepAlive(file.As<Napi::Object>());
    // Optional: only these rows (ascending), decoded page by page.
    if (!rows.IsUndefined() && !rows.IsNull()) {
      if (!rows.IsTypedArray() || rows.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) throw Napi::TypeError::New(env, "decodeColumns: rows must be an Int32Array");
      auto r = rows.As<Napi::Int32Array>();
      rows_.assign(r.Data(), r.Data() + r.ElementLength());
      picked_ = true;
    }
  }


 private:
  void Run() override {
    const LoadedChunks chunks(source_, specs_);
    for (const auto& s : specs_) out_.push_back(picked_ ? chunks.DecodeRows(s, rows_.data(), rows_.size()) : chunks.Decode(s));
  }

  Napi::Value Result(Napi::Env env) override { return DecodedToJs(env, out_); }

  ChunkSource source_;
  std::vector<ColumnSpec> specs_;
  std::vector<int32_t> rows_;
  bool picked_ = false;
  std::vector<DecodedColumn> out_;
};

Napi::Value DecodeColumnsJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[1].IsArray()) throw Napi::TypeError::New(env, "decodeColumns: expected (file, columns[, rows])");
  return (new DecodeWorker(env, info[0], info[1], info.Length() > 2 ? info[2] : env.Undefined()))->Start();
}

std::vector<std::string> StringList(Napi::Env env, Napi::Value v, const char* what) {
  if (!v.IsArray()) throw Napi::TypeError::New(env, std::string(what) + " must be an array of strings");
  auto a = v.As<Napi::Array>();
  std::vector<std::string> out;
  out.reserve(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value x = a.Get(i);
    if (!x.IsString()) throw Napi::TypeError::New(env, std::string(what) + " must be an array of strings");
    out.push_back(x.As<Napi::String>().Utf8Value());
  }
  return out;
}

// A listing as { paths, sizes, mtimes } (parallel arrays).
Napi::Object ListedToJs(Napi::Env env, const std::vector<ListedFile>& files) {
  auto paths = Napi::Array::New(env, files.size());
  auto sizes = Napi::Float64Array::New(env, files.size());
  auto mtimes = Napi::Float64Array::New(env, files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    paths.Set(static_cast<uint32_t>(i), Napi::String::New(env, files[i].path));
    sizes[i] = static_cast<double>(files[i].size);
    mtimes[i] = static_cast<double>(files[i].mtime_ms);
  }
  auto o = Napi::Object::New(env);
  o.Set("paths", paths);
  o.Set("sizes", sizes);
  o.Set("mtimes", mtimes);
  return o;
}

// A listing run on a worker thread (`list` captures its arguments by value), resolved as { paths, sizes, mtimes }.
class ListWorker : public PromiseWorker {
 public:
  ListWorker(Napi::Env env, const char* name, std::function<std::vector<ListedFile>()> list)
      : PromiseWorker(env, name, "listing files"), list_(std::move(list)) {}

 private:
  void Run() override { files_ = list_(); }
  Napi::Value Result(Napi::Env env) override { return ListedToJs(env, files_); }

  std::function<std::vector<ListedFile>()> list_;
  std::vector<ListedFile> files_;
};

class DeleteWorker : public PromiseWorker {
 public:
  DeleteWorker(Napi::Env env, std::string root, std::vector<std::string> paths, int threads)
      : PromiseWorker(env, "tributary:deleteFiles", "deleting files"), root_(std::move(root)), paths_(std::move(paths)), threads_(threads) {}

 private:
  void Run() override { failed_ = DeleteFiles(root_, paths_, threads_); }
  Napi::Value Result(Napi::Env env) override {
    auto out = Napi::Array::New(env, failed_.size());
    for (size_t i = 0; i < failed_.size(); ++i) out.Set(static_cast<uint32_t>(i), Napi::String::New(env, failed_[i]));
    return out;
  }

  std::string root_;
  std::vector<std::string> paths_;
  int threads_;
  std::vector<std::string> failed_;
};

// A failure of a file call as Node's fs reports it: "ENOENT: no such file or directory, open '…'" with code and errno.
Napi::Value NodeFsError(Napi::Env env, int code, const std::string& message) {
  const char* name = uv_err_name(-code);
  auto err = Napi::Error::New(env, std::string(name) + ": " + message);
  err.Set("code", Napi::String::New(env, name));
  err.Set("errno", Napi::Number::New(env, -code));
  return err.Value();
}

// A PromiseWorker over file calls: a FileOpError rejects the promise as Node's fs would (code, errno).
class FsWorker : public PromiseWorker {
 protected:
  using PromiseWorker::PromiseWorker;
  // The work, on a worker thread.
  virtual void RunFs() = 0;

 private:
  void Run() final {
    try {
      RunFs();
    } catch (const FileOpError& e) {
      code_ = e.code;
      throw;
    }
  }
  Napi::Value Rejection(const Napi::Error& e) final { return code_ == 0 ? e.Value() : NodeFsError(Env(), code_, e.Message()); }

  int code_ = 0;
};

class ReadWorker : public FsWorker {
 public:
  ReadWorker(Napi::Env env, std::string path) : FsWorker(env, "tributary:readWhole", "reading a file"), path_(std::move(path)) {}

 private:
  void RunFs() override { found_ = ReadWhole(path_, &bytes_); }
  Napi::Value Result(Napi::Env env) override { return found_ ? Napi::Value(AdoptBytes(env, std::move(bytes_))) : env.Null(); }

  std::string path_;
  BigVector<uint8_t> bytes_;
  bool found_ = false;
};

// { path, start, end }[] as FileRanges (integers, start ≤ end), validated on the JS thread.
std::vector<FileRange> FileRangesArg(Napi::Env env, Napi::Value v, const char* fn) {
  if (!v.IsArray()) throw Napi::TypeError::New(env, std::string(fn) + ": ranges must be an array of { path, start, end }");
  auto a = v.As<Napi::Array>();
  std::vector<FileRange> out(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value x = a.Get(i);
    if (!x.IsObject()) throw Napi::TypeError::New(env, std::string(fn) + ": ranges must be an array of { path, start, end }");
    auto o = x.As<Napi::Object>();
    Napi::Value path = o.Get("path"), start = o.Get("start"), end = o.Get("end");
    if (!path.IsString() || !start.IsNumber() || !end.IsNumber()) throw Napi::TypeError::New(env, std::string(fn) + ": ranges must be an array of { path, start, end }");
    const double s = start.As<Napi::Number>().DoubleValue(), e = end.As<Napi::Number>().DoubleValue();
    if (!(s >= 0) || e < s || e > 9007199254740991.0 || s != static_cast<double>(static_cast<int64_t>(s)) || e != static_cast<double>(static_cast<int64_t>(e)))
      throw Napi::RangeError::New(env, std::string(fn) + ": range " + std::to_string(i) + " is not [start, end) with integers 0 ≤ start ≤ end");
    out[i] = {path.As<Napi::String>().Utf8Value(), static_cast<uint64_t>(s), static_cast<uint64_t>(e)};
  }
  return out;
}

class ReadRangesWorker : public FsWorker {
 public:
  ReadRangesWorker(Napi::Env env, std::vector<FileRange> ranges) : FsWorker(env, "tributary:readRanges", "reading byte ranges"), ranges_(std::move(ranges)) {}

 private:
  void RunFs() override { out_ = ReadRanges(ranges_); }
  Napi::Value Result(Napi::Env env) override {
    auto a = Napi::Array::New(env, out_.size());
    for (size_t i = 0; i < out_.size(); ++i) a.Set(static_cast<uint32_t>(i), AdoptBytes(env, std::move(out_[i])));
    return a;
  }

  std::vector<FileRange> ranges_;
  std::vector<BigVector<uint8_t>> out_;
};

class CopyRangesWorker : public FsWorker {
 public:
  CopyRangesWorker(Napi::Env env, int out_fd, std::vector<FileRange> ranges)
      : FsWorker(env, "tributary:copyRangesInto", "copying byte ranges"), out_fd_(out_fd), ranges_(std::move(ranges)) {}

 private:
  void RunFs() override { CopyRangesInto(out_fd_, ranges_); }

  int out_fd_;
  std::vector<FileRange> ranges_;
};

class WriteWorker : public FsWorker {
 public:
  WriteWorker(Napi::Env env, std::string target, std::string tmp, Napi::Uint8Array data, bool replace, bool strict)
      : FsWorker(env, "tributary:writeDurably", "writing a file"),
        target_(std::move(target)),
        tmp_(std::move(tmp)),
        bytes_(data.Data()),
        size_(data.ByteLength()),
        replace_(replace),
        strict_(strict) {
    // The caller's bytes are written as they are (no copy).
    KeepAlive(data);
  }

 private:
  void RunFs() override { written_ = WriteDurably(target_, tmp_, bytes_, size_, replace_, strict_); }
  Napi::Value Result(Napi::Env env) override { return Napi::Boolean::New(env, written_); }

  std::string target_;
  std::string tmp_;
  const uint8_t* bytes_;
  size_t size_;
  bool replace_;
  bool strict_;
  bool written_ = false;
};

bool SafeRelative(const std::string& p) {
  if (p.empty() || p[0] == '/') return false;
  size_t start = 0;
  while (start <= p.size()) {
    const size_t end = p.find('/', start);
    const std::string part = p.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (part.empty() || part == "." || part == "..") return false;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return true;
}

Napi::Value ListTreeJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString()) throw Napi::TypeError::New(env, "listTree: expected (root, keepPrefixes)");
  return (new ListWorker(env, "tributary:listTree", [root = info[0].As<Napi::String>().Utf8Value(), keep = StringList(env, info[1], "listTree: keepPrefixes")] { return ListTree(root, keep); }))->Start();
}

Napi::Value ListDirJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsString() || !info[1].IsString() || !info[2].IsString())
    throw Napi::TypeError::New(env, "listDir: expected (dir, startAfter, skipPrefix) strings");
  return (new ListWorker(env, "tributary:listDir", [dir = info[0].As<Napi::String>().Utf8Value(), start = info[1].As<Napi::String>().Utf8Value(), skip = info[2].As<Napi::String>().Utf8Value()] {
    return ListDir(dir, start, skip);
  }))->Start();
}

Napi::Value DeleteFilesJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsString() || !info[2].IsNumber()) throw Napi::TypeError::New(env, "deleteFiles: expected (root, paths, threads)");
  auto paths = StringList(env, info[1], "deleteFiles: paths");
  // Paths come from a listing of the root; refuse anything that could escape it.
  for (const auto& p : paths)
    if (!SafeRelative(p)) throw Napi::RangeError::New(env, "deleteFiles: path '" + p + "' is not a plain relative path");
  return (new DeleteWorker(env, info[0].As<Napi::String>().Utf8Value(), std::move(paths), std::max(1, info[2].As<Napi::Number>().Int32Value())))->Start();
}

Napi::Value ReadRangesJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1) throw Napi::TypeError::New(env, "readRanges: expected (ranges)");
  return (new ReadRangesWorker(env, FileRangesArg(env, info[0], "readRanges")))->Start();
}

Napi::Value CopyRangesIntoJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "copyRangesInto: expected (outFd, ranges)");
  const double fd = info[0].As<Napi::Number>().DoubleValue();
  if (!(fd >= 0 && fd <= 2147483647.0 && fd == static_cast<double>(static_cast<int>(fd)))) throw Napi::RangeError::New(env, "copyRangesInto: outFd must be a descriptor");
  return (new CopyRangesWorker(env, static_cast<int>(fd), FileRangesArg(env, info[1], "copyRangesInto")))->Start();
}

Napi::Value ReadWholeJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "readWhole: expected (path)");
  return (new ReadWorker(env, info[0].As<Napi::String>().Utf8Value()))->Start();
}

Napi::Value WriteDurablyJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 5 || !info[0].IsString() || !info[1].IsString() || !info[2].IsTypedArray() || !info[3].IsBoolean() || !info[4].IsBoolean())
    throw Napi::TypeError::New(env, "writeDurably: expected (target, tmp, data: Uint8Array, replace, strictDirSync)");
  if (info[2].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) throw Napi::TypeError::New(env, "writeDurably: data must be a Uint8Array");
  return (new WriteWorker(env, info[0].As<Napi::String>().Utf8Value(), info[1].As<Napi::String>().Utf8Value(), info[2].As<Napi::Uint8Array>(),
                            info[3].As<Napi::Boolean>().Value(), info[4].As<Napi::Boolean>().Value()))->Start();
}

}  // namespace

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("clusterOrder", Napi::Function::New(env, ClusterOrderJs, "clusterOrder"));
  exports.Set("clusterKey", Napi::Function::New(env, ClusterKeyJs, "clusterKey"));
  exports.Set("listTree", Napi::Function::New(env, ListTreeJs, "listTree"));
  exports.Set("deleteFiles", Napi::Function::New(env, DeleteFilesJs, "deleteFiles"));
  exports.Set("listDir", Napi::Function::New(env, ListDirJs, "listDir"));
  exports.Set("writeDurably", Napi::Function::New(env, WriteDurablyJs, "writeDurably"));
  exports.Set("readWhole", Napi::Function::New(env, ReadWholeJs, "readWhole"));
  exports.Set("readRanges", Napi::Function::New(env, ReadRangesJs, "readRanges"));
  exports.Set("copyRangesInto", Napi::Function::New(env, CopyRangesIntoJs, "copyRangesInto"));
  exports.Set("decodeColumns", Napi::Function::New(env, DecodeColumnsJs, "decodeColumns"));
  gather::Register(env, exports);
  spill::Register(env, exports);
  zorder_store::Register(env, exports);
}

}  // namespace tributary::maintenance
