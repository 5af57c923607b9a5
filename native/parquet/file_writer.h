// Assembles a Parquet file: "PAR1", row groups of column chunks encoded in
// parallel on native threads, the footer, and file-level statistics.
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

struct WriteOutput {
  uint8_t* data = nullptr;  // malloc'd; the owner releases it with free()
  size_t size = 0;
  int64_t num_row_groups = 0;
  std::vector<ColumnFileStats> stats;  // per leaf
};

// Throws std::runtime_error (naming the column) when the input is malformed;
// nothing is returned or leaked in that case.
WriteOutput WriteFile(const WriteJob& job);

}  // namespace tributary::parquet
