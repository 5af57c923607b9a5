// A read-only view of a JS typed array of one exact element type, checked at
// the boundary: the native loops behind MERGE and APPLY CHANGES take theirs so.
#pragma once
#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace tributary {

template <typename T>
struct TypedSpan {
  const T* data = nullptr;
  size_t length = 0;
};

// `v` as a span of T; a TypeError "<fn>: <what> has the wrong typed array type" otherwise.
template <typename T, napi_typedarray_type kType>
TypedSpan<T> TypedSpanOf(Napi::Env env, Napi::Value v, const char* fn, const char* what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != kType)
    throw Napi::TypeError::New(env, std::string(fn) + ": " + what + " has the wrong typed array type");
  auto ta = v.As<Napi::TypedArray>();
  return {reinterpret_cast<const T*>(static_cast<const uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset()), ta.ElementLength()};
}

}  // namespace tributary
