// MERGE's per-file decisions for key-only joins (documented in keyed_matches.cc).
#pragma once
#include <napi.h>

namespace tributary::join {

// keyedMatches
void RegisterKeyedMatches(Napi::Env env, Napi::Object exports);

}  // namespace tributary::join
