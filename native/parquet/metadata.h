// Parquet's footer and page-header structs (parquet.thrift), reduced to the
// fields this writer sets, and their compact-protocol serialization.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tributary::parquet {

enum class PhysicalType : int32_t {
  kBoolean = 0,
  kInt32 = 1,
  kInt64 = 2,
  kFloat = 4,
  kDouble = 5,
  kByteArray = 6,
  kFixedLenByteArray = 7,
};

enum class Encoding : int32_t { kPlain = 0, kRle = 3, kRleDictionary = 8 };

enum class PageType : int32_t { kDataPage = 0, kDictionaryPage = 2 };

// The LogicalType union; `kind` is the union member's field id (0 = absent).
// a/b carry the member's parameters (see parquet_binding.cc for each kind).
struct LogicalType {
  int32_t kind = 0;
  int32_t a = 0;
  int32_t b = 0;
};

struct SchemaElement {
  std::string name;
  int32_t type = -1;  // PhysicalType, -1 for groups
  int32_t type_length = -1;
  int32_t repetition = -1;  // -1 for the root
  int32_t num_children = -1;
  int32_t converted_type = -1;
  int32_t scale = -1;
  int32_t precision = -1;
  int32_t field_id = -1;
  LogicalType logical;
};

struct Statistics {
  int64_t null_count = 0;
  bool has_min_max = false;
  std::string min;  // plain-encoded value (BYTE_ARRAY without its length)
  std::string max;
};

struct ColumnChunkMeta {
  PhysicalType type = PhysicalType::kInt32;
  std::vector<Encoding> encodings;
  std::vector<std::string> path;
  int32_t codec = 0;
  int64_t num_values = 0;
  int64_t total_uncompressed_size = 0;
  int64_t total_compressed_size = 0;
  int64_t data_page_offset = 0;
  int64_t dictionary_page_offset = -1;
  Statistics stats;
};

struct RowGroupMeta {
  std::vector<ColumnChunkMeta> columns;
  int64_t num_rows = 0;
  int64_t file_offset = 0;
};

struct FileMeta {
  std::vector<SchemaElement> schema;
  int64_t num_rows = 0;
  std::vector<RowGroupMeta> row_groups;
  std::vector<std::pair<std::string, std::string>> key_value;
  std::string created_by;
  size_t num_leaves = 0;
};

void WriteFileMetaData(const FileMeta& meta, std::vector<uint8_t>& out);

void WriteDataPageHeader(std::vector<uint8_t>& out, int32_t uncompressed_size, int32_t compressed_size, int32_t num_values,
                         Encoding encoding);

void WriteDictionaryPageHeader(std::vector<uint8_t>& out, int32_t uncompressed_size, int32_t compressed_size,
                               int32_t num_values);

}  // namespace tributary::parquet
