// Reads a column description passed from TypeScript (src/delta/maintenance/
// native-read.ts): { type, typeLength, maxDef, chunks: { start, end,
// numValues, codec }[] }, checking every chunk lies inside the file.
#pragma once
#include <napi.h>

#include <string>

#include "maintenance/column_reader.h"

namespace tributary::maintenance {

ColumnSpec ColumnSpecFromJs(Napi::Env env, const std::string& fn, Napi::Value column, size_t file_size);

}  // namespace tributary::maintenance
