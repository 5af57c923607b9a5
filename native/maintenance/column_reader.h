// A native Parquet column-chunk decoder for compaction: flat columns (max
// definition level 0 or 1, no repetition) of the physical types BOOLEAN,
// INT32, INT64, FLOAT, DOUBLE, BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY, in data
// pages v1 or v2 with PLAIN or dictionary (PLAIN_DICTIONARY / RLE_DICTIONARY)
// encoding, any codec of native/codec. The footer is parsed in TypeScript,
// which passes each chunk's byte range; pages are parsed and decoded here into
// Arrow layouts (values, validity bitmap, offsets). Anything else throws, and
// the caller falls back to the JS reader.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "maintenance/page_alloc.h"

namespace tributary::maintenance {

struct ChunkRange {
  size_t start = 0;  // offset of the first page in the file
  size_t end = 0;    // one past the last byte
  int64_t num_values = 0;
};

struct ColumnSpec {
  int32_t physical_type = 0;  // Parquet Type enum
  int32_t type_length = 0;    // FIXED_LEN_BYTE_ARRAY width
  int32_t codec = 0;          // Parquet CompressionCodec (same for all chunks in practice)
  int32_t max_def = 0;        // 0 (required) or 1 (optional)
  std::vector<ChunkRange> chunks;
  std::vector<int32_t> chunk_codecs;
};

// Arrow-layout output of one column over all its chunks.
struct DecodedColumn {
  size_t rows = 0;
  size_t null_count = 0;
  BigVector<uint8_t> validity;  // bitmap, empty when max_def == 0 or no nulls
  BigVector<uint8_t> values;    // fixed width: rows × width (bool: bitmap); bytes: the concatenated data
  BigVector<int32_t> offsets;   // BYTE_ARRAY only: rows + 1
};

// Decodes one column of the file `file[0, size)`. Throws std::runtime_error
// naming the problem on corrupt or unsupported input.
DecodedColumn DecodeColumn(const uint8_t* file, size_t size, const ColumnSpec& spec);

// One data page's rows in Arrow layout, valid during the sink call only:
// values (rows × width, booleans as bits; BYTE_ARRAY: the bytes), offsets
// (BYTE_ARRAY only), validity bitmap (null when no row is NULL).
struct PageView {
  size_t rows = 0;
  const uint8_t* values = nullptr;
  const int32_t* offsets = nullptr;
  const uint8_t* validity = nullptr;
};

// Called with each data page's rows (numbered from 0) and the index of its
// first row in the column.
using PageSink = std::function<void(const PageView& page, size_t first_row)>;

// Decodes one column page by page: memory stays one page however long the
// column is (a key scan probes each page and lets it go).
void DecodeColumnPages(const uint8_t* file, size_t size, const ColumnSpec& spec, const PageSink& sink);

// Decodes only the rows `rows` (ascending, within the column) of one column,
// page by page: the result holds rows.size() rows in that order.
DecodedColumn DecodeColumnRows(const uint8_t* file, size_t size, const ColumnSpec& spec, const int32_t* rows, size_t count);

// Reads, from the open file `fd`, the byte ranges of the chunks of `specs`
// (ranges less than 64 KiB apart read as one) into one buffer, and rebases the
// chunks' ranges onto it — so a file is never read whole for a few columns.
BigVector<uint8_t> ReadChunkSpan(int fd, std::vector<ColumnSpec>& specs);

}  // namespace tributary::maintenance
