// Turns encoded values plus the buffered levels of one page into a Parquet
// data page v1 (levels RLE-encoded with a 4-byte length prefix), compresses it
// and appends header + body to the chunk; also writes the dictionary page.
#pragma once
#include <cstdint>
#include <vector>

#include "parquet/column_spec.h"
#include "parquet/metadata.h"

namespace tributary::parquet {

// Takes finished data pages that may be written to the file before their
// column chunk is complete (the file writer streams them).
class PageSink {
 public:
  virtual ~PageSink() = default;
  virtual void Put(std::vector<uint8_t> page) = 0;
};

class PageWriter {
 public:
  // With a sink, PLAIN pages of a chunk whose first page is PLAIN go to the
  // sink instead of data_pages: such a chunk can have no dictionary page,
  // which would have to come first. Other chunks keep all their pages.
  PageWriter(const ColumnSpec& spec, const EncodeOptions& options, PageSink* sink = nullptr);

  // Levels of the page being built; the encoders append to them directly.
  std::vector<uint16_t> def;
  std::vector<uint16_t> rep;
  int64_t levels = 0;

  // Emits the pending levels with `values` as a data page and clears the levels.
  void WriteDataPage(const uint8_t* values, size_t n, Encoding encoding);
  void WriteDictionaryPage(const uint8_t* body, size_t n, size_t entries);

  std::vector<std::vector<uint8_t>> data_pages;  // header + body each (not those given to the sink)
  std::vector<uint8_t> dictionary_page;
  int64_t total_uncompressed = 0;
  int64_t total_compressed = 0;
  int64_t num_values = 0;

 private:
  // Sets dst to header + body (compressed when a codec is set).
  template <typename HeaderFn>
  void Emit(std::vector<uint8_t>& dst, const uint8_t* body, size_t body_size, HeaderFn header);
  void PutLevels(const std::vector<uint16_t>& levels, int max_level);

  const ColumnSpec& spec_;
  const EncodeOptions& options_;
  PageSink* sink_;
  bool streamed_ = false;  // pages went to sink_
  std::vector<uint8_t> body_;
  std::vector<uint8_t> header_;
  // Sizes of the last page's body and payload: predict the next header's length.
  size_t last_body_ = 0;
  size_t last_payload_ = 0;
};

}  // namespace tributary::parquet
