// Encodes one leaf column of one row group into a Parquet column chunk:
// levels → (dictionary | plain) values → pages (split by size at row
// boundaries, compressed) → chunk metadata with statistics.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "parquet/column_spec.h"
#include "parquet/metadata.h"
#include "parquet/page_writer.h"

namespace tributary::parquet {

struct EncodedChunk {
  std::vector<uint8_t> dictionary_page;  // header + body; empty without a dictionary
  // One buffer per data page (header + body): sized exactly, never regrown.
  std::vector<std::vector<uint8_t>> data_pages;
  // data_page_offset / dictionary_page_offset are relative to the chunk start.
  ColumnChunkMeta meta;
};

// Encodes rows `ranges` (in order) of `spec`. Throws std::runtime_error naming
// the column on malformed input (offsets out of range, decimal overflow, ...).
// With `sink`, data pages that can be written before the chunk is complete go
// there as they are finished (see PageWriter) and not into data_pages.
EncodedChunk EncodeColumnChunk(const ColumnSpec& spec, const EncodeOptions& options,
                               const std::vector<BatchRange>& ranges, PageSink* sink = nullptr);

// Orders two plain-encoded statistics values of `spec`'s type (for merging
// row-group statistics into file statistics).
bool StatLess(const ColumnSpec& spec, const std::string& a, const std::string& b);

}  // namespace tributary::parquet
