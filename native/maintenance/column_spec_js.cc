#include "maintenance/column_spec_js.h"

namespace tributary::maintenance {

ColumnSpec ColumnSpecFromJs(Napi::Env env, const std::string& fn, Napi::Value column, size_t file_size) {
  auto num = [&](Napi::Object o, const char* k) {
    Napi::Value v = o.Get(k);
    if (!v.IsNumber()) throw Napi::TypeError::New(env, fn + ": '" + k + "' must be a number");
    const double d = v.As<Napi::Number>().DoubleValue();
    if (d < 0 || d != static_cast<double>(static_cast<int64_t>(d))) throw Napi::TypeError::New(env, fn + ": '" + k + "' must be an integer >= 0");
    return static_cast<int64_t>(d);
  };
  if (!column.IsObject()) throw Napi::TypeError::New(env, fn + ": columns must be objects");
  auto o = column.As<Napi::Object>();
  ColumnSpec s;
  s.physical_type = static_cast<int32_t>(num(o, "type"));
  s.type_length = static_cast<int32_t>(num(o, "typeLength"));
  s.max_def = static_cast<int32_t>(num(o, "maxDef"));
  Napi::Value chunks = o.Get("chunks");
  if (!chunks.IsArray()) throw Napi::TypeError::New(env, fn + ": chunks must be an array");
  auto arr = chunks.As<Napi::Array>();
  for (uint32_t j = 0; j < arr.Length(); ++j) {
    Napi::Value cv = arr.Get(j);
    if (!cv.IsObject()) throw Napi::TypeError::New(env, fn + ": chunks must be objects");
    auto c = cv.As<Napi::Object>();
    ChunkRange r;
    r.start = static_cast<size_t>(num(c, "start"));
    r.end = static_cast<size_t>(num(c, "end"));
    r.num_values = num(c, "numValues");
    if (r.start > r.end || r.end > file_size) throw Napi::RangeError::New(env, fn + ": chunk byte range outside the file");
    s.chunks.push_back(r);
    s.chunk_codecs.push_back(static_cast<int32_t>(num(c, "codec")));
  }
  return s;
}

}  // namespace tributary::maintenance
