// Row gathers for Z-order rewrites, on the JS thread: the rows of one output
// file are taken from many decoded input batches (see src/delta/maintenance/gather.ts).
#pragma once
#include <napi.h>

namespace tributary::maintenance::gather {

// gatherPlan, gatherFixed, gatherBits, gatherBytes (documented in gather.cc).
void Register(Napi::Env env, Napi::Object exports);

}  // namespace tributary::maintenance::gather
