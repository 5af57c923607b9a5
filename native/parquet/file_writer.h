// Assembles a Parquet file: "PAR1", row groups of column chunks encoded in
// parallel on native threads, the footer, and file-level statistics. The bytes
// go to a sink as soon as each column chunk is encoded (in file order), so a
// file sink never holds more than the chunks in flight.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "parquet/column_spec.h"
#include "parquet/metadata.h"

namespace tributary::parquet {

struct WriteJob {
  EncodeOptions options;
  int threads = 1;
  int64_t row_group_size = 1 << 20;
  int64_t num_rows = 0;
  std::vector<int64_t> batch_rows;  // top-level rows of each input batch
  std::vector<SchemaElement> schema;
  std::vector<ColumnSpec> columns;  // leaves, in schema order
  std::vector<std::pair<std::string, std::string>> key_value;
  std::string created_by;
};

struct ColumnFileStats {
  int64_t null_count = 0;
  bool has_min_max = false;
  std::string min;  // plain-encoded, like the footer statistics
  std::string max;
};

struct WriteSummary {
  uint64_t size = 0;  // bytes of the whole file
  int64_t num_row_groups = 0;
  std::vector<ColumnFileStats> stats;  // per leaf
};

// Where the file's bytes go, in order. Write throws std::runtime_error on failure.
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual void Write(const uint8_t* data, size_t size) = 0;
  // Called once after the last Write.
  virtual void Flush() {}
};

// Collects the file in one malloc'd block. The output grows with realloc: on
// Linux large blocks move with mremap, so appending never copies what is there.
class MemorySink final : public ByteSink {
 public:
  MemorySink() = default;
  MemorySink(const MemorySink&) = delete;
  MemorySink& operator=(const MemorySink&) = delete;
  ~MemorySink() override;
  void Write(const uint8_t* data, size_t size) override;
  size_t size() const { return size_; }
  // Hands the bytes over, trimmed to size; the caller releases them with free().
  uint8_t* Release();

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

// Appends to an open file descriptor (owned by the caller) with write(2),
// coalescing small pieces (page headers, small pages) into 1 MiB writes.
class FdSink final : public ByteSink {
 public:
  explicit FdSink(int fd);
  void Write(const uint8_t* data, size_t size) override;
  void Flush() override;

 private:
  void WriteAll(const uint8_t* data, size_t size);
  int fd_;
  std::vector<uint8_t> buffer_;
};

// Writes the file to `sink`. Throws std::runtime_error (naming the column)
// when the input is malformed, or the sink's error; the sink may then hold a
// partial file, which the caller discards.
WriteSummary WriteFile(const WriteJob& job, ByteSink& sink);

}  // namespace tributary::parquet
