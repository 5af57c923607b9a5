// Row gathers on the JS thread: the rows of one Z-order output file taken from many decoded
// input batches, and takes and filters of one batch (see src/delta/maintenance/gather.ts).
#pragma once
#include <napi.h>

namespace tributary::maintenance::gather {

// gatherPlan, gatherFixed, gatherBits, gatherBytes, takeFixed, takeBits, takeBytes, maskRows, ascendingRows (documented in gather.cc).
void Register(Napi::Env env, Napi::Object exports);

}  // namespace tributary::maintenance::gather
