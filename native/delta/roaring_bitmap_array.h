// Deletion vectors' RoaringBitmapArray, serialized (documented in roaring_bitmap_array.cc).
#pragma once
#include <napi.h>

namespace tributary::delta {

// roaringBitmapArray
void Register(Napi::Env env, Napi::Object exports);

}  // namespace tributary::delta
