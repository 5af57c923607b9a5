// SCD1 reduction of a micro-batch's key groups (documented in scd1_reduce.cc).
#pragma once
#include <napi.h>

namespace tributary::cdc {

// scd1Reduce
void Register(Napi::Env env, Napi::Object exports);

}  // namespace tributary::cdc
