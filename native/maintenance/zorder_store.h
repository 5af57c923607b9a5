// The Z-order columns of a partition's files, held natively for clustering
// (see zorder_store.cc for the JS class ZOrderColumns).
#pragma once
#include <napi.h>

namespace tributary::maintenance::zorder_store {

void Register(Napi::Env env, Napi::Object exports);

}  // namespace tributary::maintenance::zorder_store
