// Spill files for the bounded Z-order rewrite (src/delta/maintenance/
// zorder-rewrite.ts), written and read natively so no decoded row passes
// through JS memory until it is in its final order:
//   ScatterToSpill  decodes one data file (deletion vector applied) and appends
//                   each output file's rows, in input order, as one segment to
//                   that output's spill file;
//   GatherFromSpill reads an output's spill file back and returns its columns
//                   with the rows in the order asked for.
// A segment records the index of the input file it came from: inputs may be
// decoded concurrently, and reading segments back sorted by it restores the
// input order. The format is private to one process and run:
//   u32 magic 'TSP1', u32 input index, u64 rows, u32 columns, then per column
//   u8 kind (0 fixed width, 1 bits, 2 bytes), u8 has validity, u32 width,
//   u64 null count, u64 value bytes; then per column its validity bitmap
//   (when present), its offsets (bytes: rows + 1 int32 from 0) and its values.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <napi.h>

#include "maintenance/column_reader.h"

namespace tributary::maintenance {

// How a column's values are laid out (from its Parquet physical type).
struct SpillKind {
  uint8_t kind = 0;  // 0 fixed width, 1 bits (BOOLEAN), 2 bytes (BYTE_ARRAY)
  uint32_t width = 0;
};
SpillKind SpillKindOf(const ColumnSpec& spec);

// Appends the rows of `columns` (all of one decoded file) to the spill files
// `paths[dest[i]]`, where i counts the rows kept after skipping `deleted`
// (ascending physical row numbers). Returns the number of rows kept; when it
// is not dest.size(), nothing is written.
size_t ScatterToSpill(const std::vector<DecodedColumn>& columns, const std::vector<SpillKind>& kinds, const uint32_t* deleted,
                      size_t deleted_count, const std::vector<uint32_t>& dest, const std::vector<std::string>& paths,
                      uint32_t input_index);

// Caller-owned buffers a gathered column may be written into instead of new
// ones (each used only when large enough).
struct ReuseBuffers {
  uint8_t* values = nullptr;
  size_t values_capacity = 0;
  uint8_t* validity = nullptr;
  size_t validity_capacity = 0;
  int32_t* offsets = nullptr;
  size_t offsets_capacity = 0;  // in entries
};

// A gathered column: in the caller's buffers where they sufficed (the
// *_reused flags, lengths in `sizes`), else in `column`'s own vectors.
struct GatheredColumn {
  DecodedColumn column;
  bool values_reused = false, validity_reused = false, offsets_reused = false;
  size_t values_bytes = 0, validity_bytes = 0, offsets_count = 0;
};

// The columns of the spill file at `path`, rows in the order `rows` (indexes
// into the segments' rows taken in input order).
std::vector<GatheredColumn> GatherFromSpill(const std::string& path, const std::vector<SpillKind>& kinds, const uint32_t* rows,
                                            size_t count, const std::vector<ReuseBuffers>& reuse);

namespace spill {
// spillScatter, spillGather (documented in spill.cc).
void Register(Napi::Env env, Napi::Object exports);
}  // namespace spill

}  // namespace tributary::maintenance
