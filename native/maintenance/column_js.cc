#include "maintenance/column_js.h"

namespace tributary::maintenance {

ChunkSource ChunkSourceArg(Napi::Env env, Napi::Value v, const std::string& fn) {
  ChunkSource s;
  if (v.IsNumber()) {
    const double fd = v.As<Napi::Number>().DoubleValue();
    if (fd < 0 || fd > 2147483647.0 || fd != static_cast<double>(static_cast<int64_t>(fd))) throw Napi::RangeError::New(env, fn + ": a file descriptor must be an integer >= 0");
    s.fd = static_cast<int>(fd);
    return s;
  }
  if (!v.IsTypedArray()) throw Napi::TypeError::New(env, fn + ": file must be a Uint8Array or a file descriptor");
  auto ta = v.As<Napi::TypedArray>();
  s.data = static_cast<const uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
  s.size = ta.ByteLength();
  return s;
}

std::vector<ColumnSpec> ColumnSpecsArg(Napi::Env env, Napi::Value v, const ChunkSource& source, const std::string& fn) {
  if (!v.IsArray()) throw Napi::TypeError::New(env, fn + ": columns must be an array");
  auto columns = v.As<Napi::Array>();
  auto num = [&](Napi::Object o, const char* k) {
    Napi::Value x = o.Get(k);
    if (!x.IsNumber()) throw Napi::TypeError::New(env, fn + ": '" + k + "' must be a number");
    const double d = x.As<Napi::Number>().DoubleValue();
    if (d < 0 || d > 9007199254740991.0 || d != static_cast<double>(static_cast<int64_t>(d))) throw Napi::TypeError::New(env, fn + ": '" + k + "' must be an integer >= 0");
    return static_cast<int64_t>(d);
  };
  std::vector<ColumnSpec> specs;
  for (uint32_t i = 0; i < columns.Length(); ++i) {
    Napi::Value cv = columns.Get(i);
    if (!cv.IsObject()) throw Napi::TypeError::New(env, fn + ": columns must be objects");
    auto o = cv.As<Napi::Object>();
    ColumnSpec s;
    s.physical_type = static_cast<int32_t>(num(o, "type"));
    s.type_length = static_cast<int32_t>(num(o, "typeLength"));
    s.max_def = static_cast<int32_t>(num(o, "maxDef"));
    Napi::Value chunks = o.Get("chunks");
    if (!chunks.IsArray()) throw Napi::TypeError::New(env, fn + ": chunks must be an array");
    auto arr = chunks.As<Napi::Array>();
    for (uint32_t j = 0; j < arr.Length(); ++j) {
      Napi::Value chv = arr.Get(j);
      if (!chv.IsObject()) throw Napi::TypeError::New(env, fn + ": chunks must be objects");
      auto c = chv.As<Napi::Object>();
      ChunkRange r;
      r.start = static_cast<size_t>(num(c, "start"));
      r.end = static_cast<size_t>(num(c, "end"));
      r.num_values = num(c, "numValues");
      if (r.start > r.end || (source.fd < 0 && r.end > source.size)) throw Napi::RangeError::New(env, fn + ": chunk byte range outside the file");
      s.chunks.push_back(r);
      s.chunk_codecs.push_back(static_cast<int32_t>(num(c, "codec")));
    }
    specs.push_back(std::move(s));
  }
  return specs;
}

LoadedChunks::LoadedChunks(const ChunkSource& source, std::vector<ColumnSpec>& specs) : data_(source.data), size_(source.size) {
  if (source.fd < 0) return;
  owned_ = ReadChunkSpan(source.fd, specs);
  data_ = owned_.data();
  size_ = owned_.size();
}

namespace {

// Hands a vector's storage to JS without copying.
template <typename T>
Napi::ArrayBuffer Adopt(Napi::Env env, BigVector<T>&& v) {
  // An empty vector has no storage to hand over.
  if (v.empty()) return Napi::ArrayBuffer::New(env, 0);
  auto* heap = new BigVector<T>(std::move(v));
  return Napi::ArrayBuffer::New(env, heap->data(), heap->size() * sizeof(T), [](Napi::Env, void*, BigVector<T>* h) { delete h; }, heap);
}

}  // namespace

Napi::Uint8Array AdoptBytes(Napi::Env env, BigVector<uint8_t>&& v) {
  const size_t n = v.size();
  return Napi::Uint8Array::New(env, n, Adopt(env, std::move(v)), 0);
}

Napi::Int32Array AdoptInt32(Napi::Env env, BigVector<int32_t>&& v) {
  const size_t n = v.size();
  return Napi::Int32Array::New(env, n, Adopt(env, std::move(v)), 0);
}

Napi::Uint32Array AdoptUint32(Napi::Env env, BigVector<uint32_t>&& v) {
  const size_t n = v.size();
  return Napi::Uint32Array::New(env, n, Adopt(env, std::move(v)), 0);
}

Napi::Array DecodedToJs(Napi::Env env, std::vector<DecodedColumn>& columns) {
  Napi::Array result = Napi::Array::New(env, columns.size());
  for (size_t i = 0; i < columns.size(); ++i) {
    DecodedColumn& c = columns[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("rows", Napi::Number::New(env, static_cast<double>(c.rows)));
    o.Set("nullCount", Napi::Number::New(env, static_cast<double>(c.null_count)));
    o.Set("values", AdoptBytes(env, std::move(c.values)));
    o.Set("validity", c.validity.empty() ? env.Null() : Napi::Value(AdoptBytes(env, std::move(c.validity))));
    o.Set("offsets", c.offsets.empty() ? env.Null() : Napi::Value(AdoptInt32(env, std::move(c.offsets))));
    result.Set(static_cast<uint32_t>(i), o);
  }
  return result;
}

}  // namespace tributary::maintenance
