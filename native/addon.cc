// Entry point of the native addon: each module registers its exports here.
#include <napi.h>

#include "cdc/scd1_reduce.h"
#include "codec/codec_binding.h"
#include "delta/roaring_bitmap_array.h"
#include "join/join_binding.h"
#include "maintenance/maintenance_binding.h"
#include "parquet/parquet_binding.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  tributary::codec::Register(env, exports);
  tributary::parquet::Register(env, exports);
  tributary::maintenance::Register(env, exports);
  tributary::join::Register(env, exports);
  tributary::delta::Register(env, exports);
  tributary::cdc::Register(env, exports);
  return exports;
}

NODE_API_MODULE(tributary, Init)
