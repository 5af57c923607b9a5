// JS boundary of the Parquet writer: `writeParquet(job, fd?) → Promise<result>`.
// The job is built and validated by src/parquet/native-job.ts; this layer only
// re-checks buffer sizes (so bad input can never read out of bounds), keeps
// the job object alive while native threads read Arrow's buffers in place,
// and either hands the finished file to JS as an external Buffer (no copy) or,
// given an open file descriptor, writes the file to it from the worker thread
// chunk by chunk (the caller keeps the descriptor open until the promise settles).
//
// Job layout (numbers unless noted; -1 = absent):
//   codec, level, rowGroupSize, dataPageSize, dictionary (bool),
//   dictionaryPageSizeLimit, threads, createdBy (string),
//   keyValue: string[] (key, value, key, value, ...),
//   numRows, batchRows: number[] (top-level rows per batch),
//   schema: { name, type, typeLength, repetition, numChildren, convertedType,
//             scale, precision, fieldId, logicalKind, logicalA, logicalB }[]
//     (depth-first; logicalKind is the LogicalType union field id:
//      DECIMAL a=scale b=precision; TIME/TIMESTAMP a=isAdjustedToUTC
//      b=unit (1 ms, 2 µs, 3 ns); INTEGER a=bitWidth b=isSigned)
//   columns: { name, path: string[], type, typeLength, source, width,
//              dictLarge (bool), unsignedOrder (bool), maxDef, maxRep,
//              batches: { nodes: Node[], leaf: Leaf }[] }[]
//   Node: { kind (0 leaf, 1 struct, 2 list, 3 large list), optional (bool),
//           length, validity: Uint8Array | null, bitOffset,
//           offsets: Int32Array | BigInt64Array | null }
//   Leaf: { data: TypedArray | null, bitOffset, offsets: Int32Array |
//           BigInt64Array | null, indexSource, dictData: Uint8Array | null,
//           dictOffsets: Int32Array | BigInt64Array | null, dictLength }
// Result: { buffer?: Buffer (without fd), size, numRowGroups,
//           stats: { nullCount, min?, max? }[] } (min/max plain-encoded as in the footer).
#include "parquet/parquet_binding.h"

#include <cstdlib>
#include <string>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "common/promise_worker.h"
#include "parquet/file_writer.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the Parquet writer copies Arrow's little-endian buffers as PLAIN values and needs a little-endian host"
#endif

namespace tributary::parquet {

namespace {

[[noreturn]] void Bad(Napi::Env env, const std::string& msg) {
  throw Napi::TypeError::New(env, "writeParquet job: " + msg);
}

Napi::Value Get(const Napi::Object& o, const char* key) { return o.Get(key); }

int64_t GetInt(Napi::Env env, const Napi::Object& o, const char* key) {
  Napi::Value v = Get(o, key);
  if (!v.IsNumber()) Bad(env, std::string("'") + key + "' must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (d != static_cast<double>(static_cast<int64_t>(d))) Bad(env, std::string("'") + key + "' must be an integer");
  return static_cast<int64_t>(d);
}

bool GetBool(const Napi::Object& o, const char* key) { return Get(o, key).ToBoolean().Value(); }

std::string GetString(Napi::Env env, const Napi::Object& o, const char* key) {
  Napi::Value v = Get(o, key);
  if (!v.IsString()) Bad(env, std::string("'") + key + "' must be a string");
  return v.As<Napi::String>().Utf8Value();
}

Napi::Array GetArray(Napi::Env env, const Napi::Object& o, const char* key) {
  Napi::Value v = Get(o, key);
  if (!v.IsArray()) Bad(env, std::string("'") + key + "' must be an array");
  return v.As<Napi::Array>();
}

struct View {
  const uint8_t* data = nullptr;
  size_t bytes = 0;
  napi_typedarray_type type = napi_uint8_array;
  bool present = false;
};

View GetView(Napi::Env env, const Napi::Object& o, const char* key, const std::string& column) {
  Napi::Value v = Get(o, key);
  View view;
  if (v.IsNull() || v.IsUndefined()) return view;
  if (!v.IsTypedArray()) Bad(env, "column '" + column + "': '" + key + "' must be a typed array");
  auto ta = v.As<Napi::TypedArray>();
  view.present = true;
  view.type = ta.TypedArrayType();
  view.bytes = ta.ByteLength();
  Napi::ArrayBuffer ab = ta.ArrayBuffer();
  view.data = ab.Data() == nullptr ? nullptr : static_cast<const uint8_t*>(ab.Data()) + ta.ByteOffset();
  return view;
}

size_t SourceWidth(SourceKind k) {
  switch (k) {
    case SourceKind::kInt8:
    case SourceKind::kUInt8: return 1;
    case SourceKind::kInt16:
    case SourceKind::kUInt16: return 2;
    case SourceKind::kInt32:
    case SourceKind::kUInt32:
    case SourceKind::kFloat32: return 4;
    case SourceKind::kInt64:
    case SourceKind::kUInt64:
    case SourceKind::kFloat64:
    case SourceKind::kDate64:
    case SourceKind::kTimestampSec: return 8;
    default: return 0;
  }
}

// Offsets of `n` elements need n + 1 entries of the expected width.
void SetOffsets(Napi::Env env, const View& v, int64_t n, bool large, const std::string& column, const char* what,
                const int32_t*& o32, const int64_t*& o64) {
  const size_t need = static_cast<size_t>(n + 1) * (large ? 8 : 4);
  const napi_typedarray_type want = large ? napi_bigint64_array : napi_int32_array;
  if (!v.present || v.type != want || v.bytes < need) {
    Bad(env, "column '" + column + "': " + what + " must be an " + (large ? "BigInt64Array" : "Int32Array") +
                 " of at least " + std::to_string(n + 1) + " entries");
  }
  if (large) {
    o64 = reinterpret_cast<const int64_t*>(v.data);
  } else {
    o32 = reinterpret_cast<const int32_t*>(v.data);
  }
}

ArrowNode ParseNode(Napi::Env env, const Napi::Object& o, const std::string& column) {
  ArrowNode n;
  const int64_t kind = GetInt(env, o, "kind");
  if (kind < 0 || kind > 3) Bad(env, "column '" + column + "': bad node kind");
  n.kind = static_cast<NodeKind>(kind);
  n.optional = GetBool(o, "optional");
  n.length = GetInt(env, o, "length");
  if (n.length < 0) Bad(env, "column '" + column + "': negative length");
  n.bit_offset = GetInt(env, o, "bitOffset");
  const View validity = GetView(env, o, "validity", column);
  if (validity.present && n.length > 0) {
    if (n.bit_offset < 0 || validity.bytes * 8 < static_cast<size_t>(n.bit_offset + n.length)) {
      Bad(env, "column '" + column + "': validity bitmap is shorter than the array");
    }
    n.validity = validity.data;
  }
  if (n.kind == NodeKind::kList || n.kind == NodeKind::kLargeList) {
    SetOffsets(env, GetView(env, o, "offsets", column), n.length, n.kind == NodeKind::kLargeList, column,
               "list offsets", n.offsets32, n.offsets64);
  }
  return n;
}

LeafBuffers ParseLeaf(Napi::Env env, const Napi::Object& o, const ColumnSpec& spec, int64_t length) {
  LeafBuffers leaf;
  const std::string& column = spec.name;
  const View data = GetView(env, o, "data", column);
  leaf.data = data.data;
  leaf.data_bytes = data.bytes;
  leaf.bit_offset = GetInt(env, o, "bitOffset");
  auto need = [&](size_t bytes) {
    if (length > 0 && (!data.present || data.bytes < bytes)) {
      Bad(env, "column '" + column + "': value buffer of " + std::to_string(data.bytes) + " bytes is too short for " +
                   std::to_string(length) + " values");
    }
  };
  const auto n = static_cast<size_t>(length);
  switch (spec.source) {
    case SourceKind::kBool:
      if (leaf.bit_offset < 0) Bad(env, "column '" + column + "': negative bit offset");
      need((static_cast<size_t>(leaf.bit_offset) + n + 7) / 8);
      break;
    case SourceKind::kBinary:
    case SourceKind::kLargeBinary:
      SetOffsets(env, GetView(env, o, "offsets", column), length, spec.source == SourceKind::kLargeBinary, column,
                 "value offsets", leaf.offsets32, leaf.offsets64);
      break;
    case SourceKind::kFixedBinary:
    case SourceKind::kDecimal: need(n * static_cast<size_t>(spec.width)); break;
    case SourceKind::kDictionary: {
      const int64_t ik = GetInt(env, o, "indexSource");
      if (ik < static_cast<int64_t>(SourceKind::kInt8) || ik > static_cast<int64_t>(SourceKind::kUInt64)) {
        Bad(env, "column '" + column + "': dictionary indices must be integers");
      }
      leaf.index_kind = static_cast<SourceKind>(ik);
      need(n * SourceWidth(leaf.index_kind));
      leaf.dict_length = GetInt(env, o, "dictLength");
      if (leaf.dict_length < 0) Bad(env, "column '" + column + "': negative dictionary length");
      const View dict = GetView(env, o, "dictData", column);
      leaf.dict_data = dict.data;
      leaf.dict_data_bytes = dict.bytes;
      SetOffsets(env, GetView(env, o, "dictOffsets", column), leaf.dict_length, spec.dict_large, column,
                 "dictionary offsets", leaf.dict_offsets32, leaf.dict_offsets64);
      break;
    }
    default: need(n * SourceWidth(spec.source));
  }
  return leaf;
}

WriteJob ParseJob(Napi::Env env, const Napi::Object& o) {
  WriteJob job;
  const int64_t codec = GetInt(env, o, "codec");
  if (codec != 0 && codec != 1 && codec != 2 && codec != 4 && codec != 6) Bad(env, "unknown codec " + std::to_string(codec));
  job.options.codec = static_cast<codec::Codec>(codec);
  job.options.level = static_cast<int>(GetInt(env, o, "level"));
  job.options.data_page_size = GetInt(env, o, "dataPageSize");
  job.options.dictionary = GetBool(o, "dictionary");
  job.options.dictionary_page_size_limit = GetInt(env, o, "dictionaryPageSizeLimit");
  job.threads = static_cast<int>(GetInt(env, o, "threads"));
  job.row_group_size = GetInt(env, o, "rowGroupSize");
  if (job.row_group_size <= 0 || job.options.data_page_size <= 0 || job.threads <= 0) {
    Bad(env, "rowGroupSize, dataPageSize and threads must be positive");
  }
  job.created_by = GetString(env, o, "createdBy");
  job.num_rows = GetInt(env, o, "numRows");

  Napi::Array kv = GetArray(env, o, "keyValue");
  for (uint32_t i = 0; i + 1 < kv.Length(); i += 2) {
    job.key_value.emplace_back(kv.Get(i).ToString().Utf8Value(), kv.Get(i + 1).ToString().Utf8Value());
  }
  Napi::Array rows = GetArray(env, o, "batchRows");
  int64_t total = 0;
  for (uint32_t i = 0; i < rows.Length(); ++i) {
    const double r = rows.Get(i).ToNumber().DoubleValue();
    if (!(r >= 0)) Bad(env, "batchRows must be non-negative");
    job.batch_rows.push_back(static_cast<int64_t>(r));
    total += static_cast<int64_t>(r);
  }
  if (total != job.num_rows) Bad(env, "numRows does not match the sum of batchRows");

  Napi::Array schema = GetArray(env, o, "schema");
  for (uint32_t i = 0; i < schema.Length(); ++i) {
    Napi::Object s = schema.Get(i).As<Napi::Object>();
    SchemaElement e;
    e.name = GetString(env, s, "name");
    e.type = static_cast<int32_t>(GetInt(env, s, "type"));
    e.type_length = static_cast<int32_t>(GetInt(env, s, "typeLength"));
    e.repetition = static_cast<int32_t>(GetInt(env, s, "repetition"));
    e.num_children = static_cast<int32_t>(GetInt(env, s, "numChildren"));
    e.converted_type = static_cast<int32_t>(GetInt(env, s, "convertedType"));
    e.scale = static_cast<int32_t>(GetInt(env, s, "scale"));
    e.precision = static_cast<int32_t>(GetInt(env, s, "precision"));
    e.field_id = static_cast<int32_t>(GetInt(env, s, "fieldId"));
    e.logical.kind = static_cast<int32_t>(GetInt(env, s, "logicalKind"));
    e.logical.a = static_cast<int32_t>(GetInt(env, s, "logicalA"));
    e.logical.b = static_cast<int32_t>(GetInt(env, s, "logicalB"));
    job.schema.push_back(std::move(e));
  }

  Napi::Array columns = GetArray(env, o, "columns");
  for (uint32_t i = 0; i < columns.Length(); ++i) {
    Napi::Object c = columns.Get(i).As<Napi::Object>();
    ColumnSpec spec;
    spec.name = GetString(env, c, "name");
    Napi::Array path = GetArray(env, c, "path");
    for (uint32_t p = 0; p < path.Length(); ++p) spec.path_in_schema.push_back(path.Get(p).ToString().Utf8Value());
    const int64_t type = GetInt(env, c, "type");
    if (type < 0 || type > 7 || type == 3) Bad(env, "column '" + spec.name + "': unsupported physical type");
    spec.type = static_cast<PhysicalType>(type);
    spec.type_length = static_cast<int32_t>(GetInt(env, c, "typeLength"));
    const int64_t source = GetInt(env, c, "source");
    if (source < 0 || source > static_cast<int64_t>(SourceKind::kDictionary)) Bad(env, "column '" + spec.name + "': bad source");
    spec.source = static_cast<SourceKind>(source);
    spec.width = static_cast<int32_t>(GetInt(env, c, "width"));
    if ((spec.source == SourceKind::kFixedBinary || spec.source == SourceKind::kDecimal) &&
        (spec.width <= 0 || spec.type_length <= 0 || spec.type_length > spec.width)) {
      Bad(env, "column '" + spec.name + "': bad fixed width");
    }
    spec.dict_large = GetBool(c, "dictLarge");
    spec.unsigned_order = GetBool(c, "unsignedOrder");
    spec.max_def = static_cast<uint16_t>(GetInt(env, c, "maxDef"));
    spec.max_rep = static_cast<uint16_t>(GetInt(env, c, "maxRep"));
    Napi::Array batches = GetArray(env, c, "batches");
    if (batches.Length() != job.batch_rows.size()) Bad(env, "column '" + spec.name + "': one entry per batch expected");
    for (uint32_t b = 0; b < batches.Length(); ++b) {
      Napi::Object batch = batches.Get(b).As<Napi::Object>();
      Napi::Array nodes = GetArray(env, batch, "nodes");
      std::vector<ArrowNode> chain;
      uint16_t def = 0, rep = 0;
      for (uint32_t k = 0; k < nodes.Length(); ++k) {
        chain.push_back(ParseNode(env, nodes.Get(k).As<Napi::Object>(), spec.name));
        if (chain.back().optional) ++def;
        if (chain.back().kind == NodeKind::kList || chain.back().kind == NodeKind::kLargeList) ++def, ++rep;
      }
      if (chain.empty() || chain.back().kind != NodeKind::kLeaf || def != spec.max_def || rep != spec.max_rep) {
        Bad(env, "column '" + spec.name + "': node chain does not match maxDef/maxRep");
      }
      if (chain[0].length < job.batch_rows[b]) Bad(env, "column '" + spec.name + "': shorter than its batch");
      spec.leaves.push_back(ParseLeaf(env, Get(batch, "leaf").As<Napi::Object>(), spec, chain.back().length));
      spec.paths.push_back(std::move(chain));
    }
    job.columns.push_back(std::move(spec));
  }
  return job;
}

class WriteWorker : public PromiseWorker {
 public:
  // fd < 0: the file is built in memory and returned as a Buffer.
  WriteWorker(Napi::Env env, Napi::Object job, int fd) : PromiseWorker(env, "tributary:writeParquet", "encoding the Parquet file"), fd_(fd) {
    job_ = ParseJob(env, job);
    // Native threads read the job's typed arrays in place until the promise settles.
    KeepAlive(job);
  }

 private:
  void Run() override {
    // Runs however the write ends.
    struct Trim {
      ~Trim() {
#if defined(__GLIBC__)
        // The encoder threads' malloc arenas keep their freed pages resident, and
        // each write's new threads may pick other arenas: hand the pages back so a
        // long-lived process writing many files does not grow by an arena per write.
        malloc_trim(0);
#endif
      }
    } trim;
    if (fd_ >= 0) {
      FdSink sink(fd_);
      summary_ = WriteFile(job_, sink);
    } else {
      summary_ = WriteFile(job_, memory_);
    }
  }

  Napi::Value Result(Napi::Env env) override {
    Napi::Object result = Napi::Object::New(env);
    if (fd_ < 0) {
      const size_t size = memory_.size();
      uint8_t* data = memory_.Release();  // ownership moves to the Buffer
      Napi::MemoryManagement::AdjustExternalMemory(env, static_cast<int64_t>(size));
      auto buffer = Napi::Buffer<uint8_t>::New(env, data, size, [size](Napi::Env e, uint8_t* p) {
        std::free(p);
        Napi::MemoryManagement::AdjustExternalMemory(e, -static_cast<int64_t>(size));
      });
      result.Set("buffer", buffer);
    }
    result.Set("size", Napi::Number::New(env, static_cast<double>(summary_.size)));
    result.Set("numRowGroups", Napi::Number::New(env, static_cast<double>(summary_.num_row_groups)));
    Napi::Array stats = Napi::Array::New(env, summary_.stats.size());
    for (size_t i = 0; i < summary_.stats.size(); ++i) {
      const ColumnFileStats& s = summary_.stats[i];
      Napi::Object st = Napi::Object::New(env);
      st.Set("nullCount", Napi::Number::New(env, static_cast<double>(s.null_count)));
      if (s.has_min_max) {
        st.Set("min", Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<const uint8_t*>(s.min.data()), s.min.size()));
        st.Set("max", Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<const uint8_t*>(s.max.data()), s.max.size()));
      }
      stats.Set(static_cast<uint32_t>(i), st);
    }
    result.Set("stats", stats);
    return result;
  }

  WriteJob job_;
  int fd_;
  MemorySink memory_;
  WriteSummary summary_;
};

Napi::Value WriteParquet(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) Bad(env, "expected a job object");
  int fd = -1;
  if (info.Length() >= 2 && !info[1].IsUndefined()) {
    const double d = info[1].IsNumber() ? info[1].As<Napi::Number>().DoubleValue() : -1;
    if (!(d >= 0 && d <= 2147483647.0 && d == static_cast<double>(static_cast<int>(d)))) {
      Bad(env, "the file descriptor must be a non-negative integer");
    }
    fd = static_cast<int>(d);
  }
  return (new WriteWorker(env, info[0].As<Napi::Object>(), fd))->Start();
}

}  // namespace

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("writeParquet", Napi::Function::New(env, WriteParquet, "writeParquet"));
}

}  // namespace tributary::parquet
