// JS boundary of the key hash tables (src/cdc/merge/key-index.ts):
//   keyTableBuild(columns, rows, nullSafe, slots: Int32Array, filter: BigUint64Array,
//                 first: Int32Array, next: Int32Array) → number of distinct keys
//   keyTableProbe(buildColumns, buildRows, slots, filter, probeColumns, probeRows,
//                 nullSafe, out: Int32Array) → undefined
//     slots: 4 × capacity entries (capacity a power of two above the build rows);
//     filter: max(1, capacity / 8) entries
//   keyTableProbePages(buildColumns, buildRows, slots, filter, nullSafe, file: Uint8Array | fd,
//                      [keyColumn, ...payload]) → Promise<{ rows: Int32Array, first: Int32Array, payload: Decoded[] }>
//     keyColumn: a Parquet column of `file` as decodeColumns takes it; its
//     chunks are read (from a descriptor, only theirs), its pages decoded and
//     probed one at a time on a worker thread, and only the matches come
//     back: the column's row and the first build row with its key — and the
//     payload columns' values at those rows (decoded as decodeColumns does
//     with `rows`), so a lookup needs one read of the file.
//     columns: { kind (see KeyKind), width, values: TypedArray, offsets?: Int32Array,
//                valid?: Uint8Array (Arrow validity bitmap) }[]
// Both run on the calling thread: a probe of millions of rows takes
// milliseconds, less than a worker hand-off would cost per call. Every buffer
// is bounds-checked here, so the hashing code never reads outside one.
#include "join/join_binding.h"

#include <cstring>
#include <string>

#include "common/promise_worker.h"
#include "join/key_hash.h"
#include "join/keyed_matches.h"
#include "maintenance/column_reader.h"
#include "maintenance/column_js.h"

namespace tributary::join {

namespace {

[[noreturn]] void Bad(Napi::Env env, const std::string& fn, const std::string& msg) { throw Napi::TypeError::New(env, fn + ": " + msg); }

struct View {
  uint8_t* data = nullptr;
  size_t bytes = 0;
  bool present = false;
};

View ViewOf(Napi::Env env, const std::string& fn, Napi::Value v, const std::string& what) {
  View out;
  if (v.IsUndefined() || v.IsNull()) return out;
  if (!v.IsTypedArray()) Bad(env, fn, what + " must be a typed array");
  auto ta = v.As<Napi::TypedArray>();
  out.data = static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
  out.bytes = ta.ByteLength();
  out.present = true;
  return out;
}

size_t RowsArg(Napi::Env env, const std::string& fn, Napi::Value v) {
  if (!v.IsNumber()) Bad(env, fn, "rows must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (d < 0 || d > 2147483647.0 || d != static_cast<double>(static_cast<int64_t>(d))) Bad(env, fn, "rows must be an integer in [0, 2^31)");
  return static_cast<size_t>(d);
}

KeyRows ColumnsArg(Napi::Env env, const std::string& fn, Napi::Value v, size_t rows, const std::string& side) {
  if (!v.IsArray()) Bad(env, fn, side + " columns must be an array");
  auto arr = v.As<Napi::Array>();
  KeyRows out;
  out.rows = rows;
  for (uint32_t k = 0; k < arr.Length(); ++k) {
    const std::string where = side + " column " + std::to_string(k);
    Napi::Value cv = arr.Get(k);
    if (!cv.IsObject()) Bad(env, fn, where + " must be an object");
    auto o = cv.As<Napi::Object>();
    KeyColumn c;
    const int32_t kind = o.Get("kind").ToNumber().Int32Value();
    if (kind < 0 || kind > 4) Bad(env, fn, where + ": unknown kind " + std::to_string(kind));
    c.kind = static_cast<KeyKind>(kind);
    View values = ViewOf(env, fn, o.Get("values"), where + ".values");
    if (!values.present) Bad(env, fn, where + ".values is required");
    c.values = values.data;
    size_t need = 0;
    switch (c.kind) {
      case KeyKind::kFixed:
        c.width = o.Get("width").ToNumber().Int32Value();
        if (c.width != 1 && c.width != 2 && c.width != 4 && c.width != 8 && c.width != 16 && c.width != 32) Bad(env, fn, where + ": width must be 1, 2, 4, 8, 16 or 32 bytes");
        need = rows * static_cast<size_t>(c.width);
        break;
      case KeyKind::kFloat32:
        c.width = 4;
        need = rows * 4;
        break;
      case KeyKind::kFloat64:
        c.width = 8;
        need = rows * 8;
        break;
      case KeyKind::kBool:
        need = (rows + 7) / 8;
        break;
      case KeyKind::kBytes: {
        View off = ViewOf(env, fn, o.Get("offsets"), where + ".offsets");
        if (!off.present || off.bytes < (rows + 1) * 4) Bad(env, fn, where + ".offsets needs rows + 1 entries");
        c.offsets = reinterpret_cast<const int32_t*>(off.data);
        int32_t prev = 0;
        for (size_t r = 0; r <= rows; ++r) {
          int32_t x;
          std::memcpy(&x, off.data + r * 4, 4);
          if (x < 0 || (r > 0 && x < prev) || static_cast<size_t>(x) > values.bytes) Bad(env, fn, where + ": offsets out of range at row " + std::to_string(r));
          prev = x;
        }
        break;
      }
    }
    if (values.bytes < need) Bad(env, fn, where + ".values holds " + std::to_string(values.bytes) + " bytes, " + std::to_string(need) + " needed");
    View valid = ViewOf(env, fn, o.Get("valid"), where + ".valid");
    if (valid.present) {
      if (valid.bytes < (rows + 7) / 8) Bad(env, fn, where + ".valid is shorter than the rows");
      c.valid = valid.data;
    }
    out.columns.push_back(c);
  }
  if (out.columns.empty()) Bad(env, fn, side + " has no key columns");
  return out;
}

template <typename T>
T* Out(Napi::Env env, const std::string& fn, Napi::Value v, size_t count, const std::string& what) {
  View view = ViewOf(env, fn, v, what);
  if (!view.present || view.bytes < count * sizeof(T)) Bad(env, fn, what + " must hold " + std::to_string(count) + " entries");
  return reinterpret_cast<T*>(view.data);
}

// The table's capacity: slots are kSlotInts int32 each.
size_t SlotsArg(Napi::Env env, const std::string& fn, Napi::Value v, size_t rows) {
  View view = ViewOf(env, fn, v, "slots");
  const size_t capacity = view.bytes / (4 * kSlotInts);
  if (!view.present || capacity <= rows || (capacity & (capacity - 1)) != 0) Bad(env, fn, "slots must be an Int32Array of 4 × a power of two above the build rows");
  return capacity;
}

// A built table handed back for probing: its slots and Bloom filter.
struct TableArgs {
  size_t capacity = 0;
  const int32_t* slots = nullptr;
  const uint64_t* filter = nullptr;
};

// Slots name build rows: a corrupted table must not send the comparison outside the build columns,
// and a table without an empty slot would never end a lookup.
TableArgs ProbeTableArgs(Napi::Env env, const std::string& fn, Napi::Value slots_v, Napi::Value filter_v, size_t build_rows) {
  TableArgs t;
  t.capacity = SlotsArg(env, fn, slots_v, build_rows);
  t.slots = Out<int32_t>(env, fn, slots_v, kSlotInts * t.capacity, "slots");
  t.filter = Out<uint64_t>(env, fn, filter_v, FilterWords(t.capacity), "filter");
  bool has_empty = false;
  for (size_t s = 0; s < t.capacity; ++s) {
    if (t.slots[kSlotInts * s] >= static_cast<int32_t>(build_rows)) Bad(env, fn, "slots name a row beyond the build rows");
    has_empty |= t.slots[kSlotInts * s] < 0;
  }
  if (!has_empty) Bad(env, fn, "slots has no empty entry");
  return t;
}

Napi::Value BuildJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string fn = "keyTableBuild";
  if (info.Length() < 7) Bad(env, fn, "expected (columns, rows, nullSafe, slots, filter, first, next)");
  const size_t rows = RowsArg(env, fn, info[1]);
  KeyRows build = ColumnsArg(env, fn, info[0], rows, "build");
  const bool null_safe = info[2].ToBoolean().Value();
  const size_t capacity = SlotsArg(env, fn, info[3], rows);
  auto* slots = Out<int32_t>(env, fn, info[3], kSlotInts * capacity, "slots");
  auto* filter = Out<uint64_t>(env, fn, info[4], FilterWords(capacity), "filter");
  auto* first = Out<int32_t>(env, fn, info[5], rows, "first");
  auto* next = Out<int32_t>(env, fn, info[6], rows, "next");
  const size_t distinct = BuildTable(build, null_safe, slots, capacity, filter, first, next);
  return Napi::Number::New(env, static_cast<double>(distinct));
}

bool SameLayout(const KeyRows& a, const KeyRows& b) {
  if (a.columns.size() != b.columns.size()) return false;
  for (size_t k = 0; k < a.columns.size(); ++k) {
    if (a.columns[k].kind != b.columns[k].kind || a.columns[k].width != b.columns[k].width) return false;
  }
  return true;
}

Napi::Value ProbeJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string fn = "keyTableProbe";
  if (info.Length() < 8) Bad(env, fn, "expected (buildColumns, buildRows, slots, filter, probeColumns, probeRows, nullSafe, out)");
  const size_t build_rows = RowsArg(env, fn, info[1]);
  KeyRows build = ColumnsArg(env, fn, info[0], build_rows, "build");
  const TableArgs table = ProbeTableArgs(env, fn, info[2], info[3], build_rows);
  const size_t probe_rows = RowsArg(env, fn, info[5]);
  KeyRows probe = ColumnsArg(env, fn, info[4], probe_rows, "probe");
  if (!SameLayout(build, probe)) Bad(env, fn, "the probe key columns must have the build columns' kinds and widths");
  const bool null_safe = info[6].ToBoolean().Value();
  auto* out = Out<int32_t>(env, fn, info[7], probe_rows, "out");
  ProbeTable(build, table.slots, table.capacity, table.filter, probe, null_safe, out);
  return env.Undefined();
}

// The key layout of a decoded Parquet page of physical type `type`.
KeyColumn PageColumn(const maintenance::PageView& page, int32_t type) {
  KeyColumn c;
  switch (type) {
    case 0: c.kind = KeyKind::kBool; break;
    case 1: c.kind = KeyKind::kFixed; c.width = 4; break;
    case 2: c.kind = KeyKind::kFixed; c.width = 8; break;
    case 4: c.kind = KeyKind::kFloat32; c.width = 4; break;
    case 5: c.kind = KeyKind::kFloat64; c.width = 8; break;
    default: c.kind = KeyKind::kBytes; break;
  }
  c.values = page.values;
  c.offsets = c.kind == KeyKind::kBytes ? page.offsets : nullptr;
  c.valid = page.validity;
  return c;
}

class ProbePagesWorker : public PromiseWorker {
 public:
  ProbePagesWorker(Napi::Env env, const Napi::CallbackInfo& info) : PromiseWorker(env, "tributary:keyTableProbePages", "probing a Parquet column") {
    const std::string fn = "keyTableProbePages";
    if (info.Length() < 7) Bad(env, fn, "expected (buildColumns, buildRows, slots, filter, nullSafe, file, [keyColumn, ...payload])");
    const size_t build_rows = RowsArg(env, fn, info[1]);
    build_ = ColumnsArg(env, fn, info[0], build_rows, "build");
    if (build_.columns.size() != 1) Bad(env, fn, "a page probe takes one key column");
    table_ = ProbeTableArgs(env, fn, info[2], info[3], build_rows);
    null_safe_ = info[4].ToBoolean().Value();
    source_ = maintenance::ChunkSourceArg(env, info[5], fn);
    specs_ = maintenance::ColumnSpecsArg(env, info[6], source_, fn);
    if (specs_.empty()) Bad(env, fn, "a page probe needs the key column");
    const maintenance::ColumnSpec& spec = specs_[0];
    const KeyColumn probe = PageColumn(maintenance::PageView{}, spec.physical_type);
    if (spec.physical_type == 3 || spec.physical_type == 7 || spec.physical_type > 7) Bad(env, fn, "the key column's Parquet type cannot be probed");
    if (probe.kind != build_.columns[0].kind || probe.width != build_.columns[0].width) Bad(env, fn, "the Parquet column's layout differs from the build key column's");
    // Everything the worker thread reads stays alive until the promise settles.
    for (size_t i : {0, 2, 3}) KeepAlive(info[i].ToObject());
    if (source_.fd < 0) KeepAlive(info[5].ToObject());
  }

 private:
  void Run() override {
    const maintenance::LoadedChunks chunks(source_, specs_);
    const int32_t type = specs_[0].physical_type;
    std::vector<int32_t> out;
    chunks.DecodePages(specs_[0], [&](const maintenance::PageView& page, size_t first_row) {
      KeyRows probe;
      probe.rows = page.rows;
      probe.columns.push_back(PageColumn(page, type));
      out.resize(page.rows);
      ProbeTable(build_, table_.slots, table_.capacity, table_.filter, probe, null_safe_, out.data());
      for (size_t i = 0; i < page.rows; ++i) {
        if (out[i] < 0) continue;
        rows_.push_back(static_cast<int32_t>(first_row + i));
        first_.push_back(out[i]);
      }
    });
    for (size_t c = 1; c < specs_.size(); ++c) payload_.push_back(chunks.DecodeRows(specs_[c], rows_.data(), rows_.size()));
  }

  Napi::Value Result(Napi::Env env) override {
    auto o = Napi::Object::New(env);
    o.Set("rows", ToJs(env, rows_));
    o.Set("first", ToJs(env, first_));
    o.Set("payload", maintenance::DecodedToJs(env, payload_));
    return o;
  }

  static Napi::Int32Array ToJs(Napi::Env env, const std::vector<int32_t>& v) {
    auto a = Napi::Int32Array::New(env, v.size());
    if (!v.empty()) std::memcpy(a.Data(), v.data(), v.size() * 4);
    return a;
  }

  KeyRows build_;
  TableArgs table_;
  bool null_safe_ = false;
  maintenance::ChunkSource source_;
  std::vector<maintenance::ColumnSpec> specs_;
  std::vector<int32_t> rows_;
  std::vector<int32_t> first_;
  std::vector<maintenance::DecodedColumn> payload_;
};

Napi::Value ProbePagesJs(const Napi::CallbackInfo& info) {
  return (new ProbePagesWorker(info.Env(), info))->Start();
}

}  // namespace

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("keyTableBuild", Napi::Function::New(env, BuildJs, "keyTableBuild"));
  exports.Set("keyTableProbe", Napi::Function::New(env, ProbeJs, "keyTableProbe"));
  exports.Set("keyTableProbePages", Napi::Function::New(env, ProbePagesJs, "keyTableProbePages"));
  RegisterKeyedMatches(env, exports);
}

}  // namespace tributary::join
