// JS entry points for the codecs, used by tests and by TS code that needs a
// single block (de)compressed; the Parquet writer calls the C++ API directly.
#include "codec/codec_binding.h"

#include <cmath>
#include <exception>
#include <string>
#include <vector>

#include "codec/codec.h"

namespace tributary::codec {

namespace {

// Largest Buffer we create: node's kMaxLength is 2^32 on 64-bit builds.
constexpr double kMaxBufferLength = 4294967296.0;

Codec CodecArg(const Napi::CallbackInfo& info) {
  if (!info[0].IsNumber()) throw Napi::TypeError::New(info.Env(), "codec id must be a number (Parquet CompressionCodec)");
  const double id = info[0].As<Napi::Number>().DoubleValue();
  if (id != std::floor(id) || id < 0 || id > 1000 || CodecName(static_cast<int32_t>(id)) == nullptr) {
    throw Napi::RangeError::New(info.Env(), "unsupported Parquet compression codec id " + Napi::Value(info[0]).ToString().Utf8Value());
  }
  return static_cast<Codec>(static_cast<int32_t>(id));
}

Napi::Uint8Array BytesArg(const Napi::CallbackInfo& info, const char* codec_name) {
  if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw Napi::TypeError::New(info.Env(), std::string(codec_name) + ": data must be a Uint8Array");
  }
  return info[1].As<Napi::Uint8Array>();
}

// compress(codecId, data, level?) -> Buffer
Napi::Value CompressJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Codec codec = CodecArg(info);
  const char* name = CodecName(static_cast<int32_t>(codec));
  Napi::Uint8Array data = BytesArg(info, name);
  int level = -1;
  if (info.Length() > 2 && !info[2].IsUndefined()) {
    if (!info[2].IsNumber()) throw Napi::TypeError::New(env, std::string(name) + ": level must be a number");
    const double l = info[2].As<Napi::Number>().DoubleValue();
    if (l != std::floor(l) || l < -1 || l > 100) {
      throw Napi::RangeError::New(env, std::string(name) + ": invalid compression level " + info[2].ToString().Utf8Value());
    }
    level = static_cast<int>(l);
  }
  std::vector<uint8_t> out;
  try {
    Compress(codec, level, data.Data(), data.ByteLength(), out);
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
  return Napi::Buffer<uint8_t>::Copy(env, out.data(), out.size());
}

// decompress(codecId, data, uncompressedSize) -> Buffer
Napi::Value DecompressJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Codec codec = CodecArg(info);
  const char* name = CodecName(static_cast<int32_t>(codec));
  Napi::Uint8Array data = BytesArg(info, name);
  if (info.Length() < 3 || !info[2].IsNumber()) {
    throw Napi::TypeError::New(env, std::string(name) + ": uncompressedSize must be a number");
  }
  const double size = info[2].As<Napi::Number>().DoubleValue();
  if (size != std::floor(size) || size < 0 || size > kMaxBufferLength) {
    throw Napi::RangeError::New(env, std::string(name) + ": invalid uncompressedSize " + info[2].ToString().Utf8Value());
  }
  Napi::Buffer<uint8_t> out = Napi::Buffer<uint8_t>::New(env, static_cast<size_t>(size));
  try {
    Decompress(codec, data.Data(), data.ByteLength(), out.Data(), out.Length());
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
  return out;
}

}  // namespace

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("compress", Napi::Function::New(env, CompressJs, "compress"));
  exports.Set("decompress", Napi::Function::New(env, DecompressJs, "decompress"));
}

}  // namespace tributary::codec
