// Turns encoded values plus the buffered levels of one page into a Parquet
// data page v1 (levels RLE-encoded with a 4-byte length prefix), compresses it
// and appends header + body to the chunk; also writes the dictionary page.
#pragma once
#include <cstdint>
#include <vector>

#include "parquet/column_spec.h"
#include "parquet/metadata.h"

namespace tributary::parquet {

class PageWriter {
 public:
  PageWriter(const ColumnSpec& spec, const EncodeOptions& options);

  // Levels of the page being built; the encoders append to them directly.
  std::vector<uint16_t> def;
  std::vector<uint16_t> rep;
  int64_t levels = 0;

  // Emits the pending levels with `values` as a data page and clears the levels.
  void WriteDataPage(const uint8_t* values, size_t n, Encoding encoding);
  void WriteDictionaryPage(const uint8_t* body, size_t n, size_t entries);

  std::vector<std::vector<uint8_t>> data_pages;  // header + body each
  std::vector<uint8_t> dictionary_page;
  int64_t total_uncompressed = 0;
  int64_t total_compressed = 0;
  int64_t num_values = 0;

 private:
  // Compresses body_ (when a codec is set) and sets dst to header + payload.
  template <typename HeaderFn>
  void Emit(std::vector<uint8_t>& dst, HeaderFn header);
  void PutLevels(const std::vector<uint16_t>& levels, int max_level);

  const ColumnSpec& spec_;
  const EncodeOptions& options_;
  std::vector<uint8_t> body_;
  std::vector<uint8_t> compressed_;
  std::vector<uint8_t> header_;
};

}  // namespace tributary::parquet
