// The Z-order columns of a partition's files, decoded and held natively for
// clustering (pass 1 of src/delta/maintenance/zorder-rewrite.ts), so their
// memory is freed the moment it is no longer needed — column by column as the
// ranks are computed — rather than whenever JS collects garbage.
// JS boundary:
//   new ZOrderColumns()                 (class exported as `ZOrderColumns`)
//   .addFile(index, file: Uint8Array | fd, columns, deleted: Uint32Array | null) → Promise<number>
//       decodes the columns (as decodeColumns takes them) of input file `index`,
//       drops the rows `deleted` (ascending), keeps the rest; resolves to their count.
//   .cluster(curve, threads, levels: number[]) → Promise<{ order, runEnds: Uint32Array }>
//       rows numbered across the files in index order; see clusterOrder. Instead of a
//       cell per row, the (exclusive) ends of the runs of one cell along the order.
//   .release()                          frees everything now (also done by cluster).
#include "maintenance/zorder_store.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "common/promise_worker.h"
#include "maintenance/column_js.h"
#include "maintenance/column_reader.h"
#include "maintenance/zorder.h"

namespace tributary::maintenance {

namespace {

[[noreturn]] void Fail(const std::string& m) { throw std::runtime_error(m); }

inline bool Bit(const uint8_t* bits, size_t i) { return (bits[i >> 3] >> (i & 7)) & 1; }
inline void SetBit(uint8_t* bits, size_t i) { bits[i >> 3] |= static_cast<uint8_t>(1u << (i & 7)); }

// One Z-order column of one file, in the layout its ZColumn kind reads.
struct Held {
  ColumnKind kind = ColumnKind::kInt64;
  size_t rows = 0;
  BigVector<uint8_t> data;
  BigVector<int32_t> offsets;
  BigVector<uint8_t> validity;  // empty: no nulls
};

// A decoded column with the rows `keep` (ascending) only, converted to the kind the ranks read:
// INT32 → int32, INT64 → int64, DOUBLE → float64, FLOAT → float64, BOOLEAN → int32 0/1, BYTE_ARRAY → bytes.
Held Convert(const DecodedColumn& d, int32_t physical_type, const std::vector<uint32_t>* keep) {
  Held h;
  const size_t n = keep ? keep->size() : d.rows;
  auto src = [&](size_t i) -> size_t { return keep ? (*keep)[i] : i; };
  h.rows = n;
  if (!d.validity.empty()) {
    h.validity.assign((n + 7) / 8, 0);
    size_t nulls = 0;
    for (size_t i = 0; i < n; ++i) {
      if (Bit(d.validity.data(), src(i))) SetBit(h.validity.data(), i);
      else ++nulls;
    }
    if (nulls == 0) h.validity = {};
  }
  auto fixed = [&](size_t w) {
    h.data.resize(n * w);
    for (size_t i = 0; i < n; ++i) std::memcpy(h.data.data() + i * w, d.values.data() + src(i) * w, w);
  };
  switch (physical_type) {
    case 1:
      h.kind = ColumnKind::kInt32;
      fixed(4);
      break;
    case 2:
      h.kind = ColumnKind::kInt64;
      fixed(8);
      break;
    case 5:
      h.kind = ColumnKind::kFloat64;
      fixed(8);
      break;
    case 4: {
      h.kind = ColumnKind::kFloat64;
      h.data.resize(n * 8);
      for (size_t i = 0; i < n; ++i) {
        float f;
        std::memcpy(&f, d.values.data() + src(i) * 4, 4);
        const double x = f;
        std::memcpy(h.data.data() + i * 8, &x, 8);
      }
      break;
    }
    case 0: {
      h.kind = ColumnKind::kInt32;
      h.data.resize(n * 4);
      for (size_t i = 0; i < n; ++i) {
        const int32_t x = Bit(d.values.data(), src(i)) ? 1 : 0;
        std::memcpy(h.data.data() + i * 4, &x, 4);
      }
      break;
    }
    case 6: {
      h.kind = ColumnKind::kBytes;
      h.offsets.resize(n + 1);
      h.offsets[0] = 0;
      size_t bytes = 0;
      for (size_t i = 0; i < n; ++i) {
        bytes += static_cast<size_t>(d.offsets[src(i) + 1] - d.offsets[src(i)]);
        h.offsets[i + 1] = static_cast<int32_t>(bytes);
      }
      h.data.resize(bytes);
      for (size_t i = 0; i < n; ++i) {
        const int32_t a = d.offsets[src(i)], b = d.offsets[src(i) + 1];
        if (b > a) std::memcpy(h.data.data() + h.offsets[i], d.values.data() + a, static_cast<size_t>(b - a));
      }
      break;
    }
    default:
      Fail("Z-order cannot read physical type " + std::to_string(physical_type) + " natively");
  }
  return h;
}

class Store {
 public:
  void Add(uint32_t index, std::vector<Held>&& columns) {
    std::lock_guard<std::mutex> lock(mu_);
    if (released_) Fail("the Z-order columns were already released");
    if (!files_.emplace(index, std::move(columns)).second) Fail("input file " + std::to_string(index) + " was added twice");
  }

  ClusterResult Cluster(Curve curve, int threads, const std::vector<GridLevel>& levels) {
    std::lock_guard<std::mutex> lock(mu_);
    if (released_) Fail("the Z-order columns were already released");
    size_t dims = 0;
    for (const auto& f : files_) dims = std::max(dims, f.second.size());
    std::vector<ZColumn> cols(dims);
    size_t rows = 0;
    for (const auto& f : files_) {
      if (f.second.size() != dims) Fail("input files hold different numbers of Z-order columns");
      for (size_t d = 0; d < dims; ++d) {
        const Held& h = f.second[d];
        if (d > 0 && h.kind != cols[d].kind && !cols[d].chunks.empty()) Fail("input files disagree on a Z-order column's type");
        cols[d].kind = h.kind;
        if (h.rows == 0) continue;
        ZChunk c;
        c.rows = h.rows;
        c.data = h.data.data();
        c.data_bytes = h.data.size();
        c.offsets = h.offsets.empty() ? nullptr : h.offsets.data();
        c.valid = h.validity.empty() ? nullptr : h.validity.data();
        cols[d].chunks.push_back(c);
      }
      rows += f.second.empty() ? 0 : f.second[0].rows;
    }
    // Each column's data goes as soon as its ranks exist.
    ClusterResult out = ClusterOrderGrid(cols, rows, curve, threads, levels, [&](size_t d) {
      for (auto& f : files_) f.second[d] = Held{};
    });
    files_.clear();
    released_ = true;
    return out;
  }

  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    files_.clear();
    released_ = true;
  }

 private:
  std::mutex mu_;
  std::map<uint32_t, std::vector<Held>> files_;  // by input index: the row order
  bool released_ = false;
};

class ZOrderColumns : public Napi::ObjectWrap<ZOrderColumns> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "ZOrderColumns",
                       {InstanceMethod("addFile", &ZOrderColumns::AddFile), InstanceMethod("cluster", &ZOrderColumns::Cluster),
                        InstanceMethod("release", &ZOrderColumns::Release)});
  }
  explicit ZOrderColumns(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ZOrderColumns>(info), store_(std::make_shared<Store>()) {}

 private:
  class AddWorker : public PromiseWorker {
   public:
    AddWorker(const Napi::CallbackInfo& info, std::shared_ptr<Store> store)
        : PromiseWorker(info.Env(), "tributary:zorderAddFile", "reading Z-order columns"), store_(std::move(store)) {
      Napi::Env env = info.Env();
      if (info.Length() < 4 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "addFile: expected (index, file, columns, deleted)");
      index_ = info[0].As<Napi::Number>().Uint32Value();
      source_ = ChunkSourceArg(env, info[1], "addFile");
      specs_ = ColumnSpecsArg(env, info[2], source_, "addFile");
      if (source_.fd < 0) KeepAlive(info[1].As<Napi::Object>());
      if (info[3].IsTypedArray()) {
        auto ta = info[3].As<Napi::TypedArray>();
        if (ta.TypedArrayType() != napi_uint32_array) throw Napi::TypeError::New(env, "addFile: deleted must be a Uint32Array");
        const uint32_t* p = reinterpret_cast<const uint32_t*>(static_cast<const uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset());
        deleted_.assign(p, p + ta.ElementLength());
        for (size_t i = 1; i < deleted_.size(); ++i)
          if (deleted_[i] <= deleted_[i - 1]) throw Napi::RangeError::New(env, "addFile: deleted rows must ascend");
      }
    }
   private:
    void Run() override {
      const LoadedChunks chunks(source_, specs_);
      std::vector<Held> held;
      std::vector<uint32_t> keep;
      bool filtered = false;
      for (const auto& s : specs_) {
        DecodedColumn d = chunks.Decode(s);
        if (!filtered && !deleted_.empty()) {
          size_t k = 0;
          for (uint32_t r = 0; r < d.rows; ++r) {
            while (k < deleted_.size() && deleted_[k] < r) ++k;
            if (k < deleted_.size() && deleted_[k] == r) continue;
            keep.push_back(r);
          }
          filtered = true;
        }
        held.push_back(Convert(d, s.physical_type, deleted_.empty() ? nullptr : &keep));
        if (held.back().rows != held.front().rows) Fail("the Z-order columns of a file differ in row count");
      }
      rows_ = held.empty() ? 0 : held[0].rows;
      store_->Add(index_, std::move(held));
    }
    Napi::Value Result(Napi::Env env) override { return Napi::Number::New(env, static_cast<double>(rows_)); }

    std::shared_ptr<Store> store_;
    uint32_t index_ = 0;
    ChunkSource source_;
    std::vector<ColumnSpec> specs_;
    std::vector<uint32_t> deleted_;
    size_t rows_ = 0;
  };

  class ClusterWorker : public PromiseWorker {
   public:
    ClusterWorker(Napi::Env env, std::shared_ptr<Store> store, Curve curve, int threads, std::vector<GridLevel> levels)
        : PromiseWorker(env, "tributary:zorderCluster", "computing the Z-order"),
          store_(std::move(store)),
          curve_(curve),
          threads_(threads),
          levels_(std::move(levels)) {}
   private:
    void Run() override {
      result_ = store_->Cluster(curve_, threads_, levels_);
      const auto& cells = result_.cells;
      for (size_t i = 1; i <= cells.size(); ++i)
        if (i == cells.size() || cells[i] != cells[i - 1]) run_ends_.push_back(static_cast<uint32_t>(i));
      result_.cells = {};
    }
    Napi::Value Result(Napi::Env env) override {
      auto o = Napi::Object::New(env);
      o.Set("order", AdoptUint32(env, std::move(result_.order)));
      auto ends = Napi::Uint32Array::New(env, run_ends_.size());
      for (size_t i = 0; i < run_ends_.size(); ++i) ends[i] = run_ends_[i];
      o.Set("runEnds", ends);
      return o;
    }

    std::shared_ptr<Store> store_;
    Curve curve_;
    int threads_;
    std::vector<GridLevel> levels_;
    ClusterResult result_;
    std::vector<uint32_t> run_ends_;
  };

  Napi::Value AddFile(const Napi::CallbackInfo& info) {
    return (new AddWorker(info, store_))->Start();
  }

  Napi::Value Cluster(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsArray())
      throw Napi::TypeError::New(env, "cluster: expected (curve, threads, levels)");
    const int curve = info[0].As<Napi::Number>().Int32Value();
    if (curve != 0 && curve != 1) throw Napi::RangeError::New(env, "cluster: curve must be 0 (Morton) or 1 (Hilbert)");
    auto a = info[2].As<Napi::Array>();
    if (a.Length() % 2 != 0) throw Napi::TypeError::New(env, "cluster: levels must hold [dim, radix] pairs");
    std::vector<GridLevel> levels;
    for (uint32_t i = 0; i < a.Length(); i += 2) {
      GridLevel l;
      l.dim = a.Get(i).ToNumber().Int32Value();
      l.radix = a.Get(i + 1).ToNumber().Int32Value();
      if (l.dim < 0 || l.radix < 1) throw Napi::RangeError::New(env, "cluster: invalid grid level");
      levels.push_back(l);
    }
    return (new ClusterWorker(env, store_, static_cast<Curve>(curve), std::max(1, info[1].As<Napi::Number>().Int32Value()), std::move(levels)))->Start();
  }

  Napi::Value Release(const Napi::CallbackInfo& info) {
    store_->Release();
    return info.Env().Undefined();
  }

  std::shared_ptr<Store> store_;
};

}  // namespace

namespace zorder_store {

void Register(Napi::Env env, Napi::Object exports) { exports.Set("ZOrderColumns", ZOrderColumns::Define(env)); }

}  // namespace zorder_store

}  // namespace tributary::maintenance
