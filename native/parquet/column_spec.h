// What the file writer knows about one Parquet leaf column: its Parquet type,
// and for every input batch the Arrow arrays that feed it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "codec/codec.h"
#include "parquet/levels.h"
#include "parquet/metadata.h"

namespace tributary::parquet {

// How a leaf's Arrow values are read and converted to the Parquet type.
enum class SourceKind : int32_t {
  kBool = 0,
  kInt8 = 1,
  kInt16 = 2,
  kInt32 = 3,
  kInt64 = 4,
  kUInt8 = 5,
  kUInt16 = 6,
  kUInt32 = 7,
  kUInt64 = 8,
  kFloat32 = 9,
  kFloat64 = 10,
  kDate64 = 11,          // int64 milliseconds → INT32 days (DATE)
  kTimestampSec = 12,    // int64 seconds → INT64 milliseconds (Parquet has no seconds unit)
  kBinary = 13,          // int32 offsets + bytes (utf8, binary)
  kLargeBinary = 14,     // int64 offsets + bytes
  kFixedBinary = 15,     // `width` bytes per value
  kDecimal = 16,         // `width` (16/32) bytes little-endian → FLBA big-endian of type_length
  kDictionary = 17,      // integer indices (index_kind) into a binary/large binary dictionary
};

// One batch's leaf buffers (see levels.h for the indexing convention).
struct LeafBuffers {
  const uint8_t* data = nullptr;
  size_t data_bytes = 0;
  int64_t bit_offset = 0;  // boolean values only
  const int32_t* offsets32 = nullptr;
  const int64_t* offsets64 = nullptr;
  // Dictionary-encoded leaves: `data` holds the indices.
  SourceKind index_kind = SourceKind::kInt32;
  const uint8_t* dict_data = nullptr;
  size_t dict_data_bytes = 0;
  const int32_t* dict_offsets32 = nullptr;
  const int64_t* dict_offsets64 = nullptr;
  int64_t dict_length = 0;
};

struct ColumnSpec {
  std::string name;  // dotted Arrow path, for error messages
  std::vector<std::string> path_in_schema;
  PhysicalType type = PhysicalType::kInt32;
  int32_t type_length = 0;
  SourceKind source = SourceKind::kInt32;
  int32_t width = 0;           // kFixedBinary / kDecimal source width in bytes
  bool dict_large = false;     // kDictionary: the dictionary has int64 offsets
  bool unsigned_order = false; // INT32/INT64 stats compare unsigned; FLBA compares signed when false and decimal
  uint16_t max_def = 0;
  uint16_t max_rep = 0;
  std::vector<std::vector<ArrowNode>> paths;  // per batch: top-level array .. leaf
  std::vector<LeafBuffers> leaves;            // per batch
};

struct EncodeOptions {
  codec::Codec codec = codec::Codec::kUncompressed;
  int level = -1;
  int64_t data_page_size = 1 << 20;
  bool dictionary = true;
  int64_t dictionary_page_size_limit = 1 << 20;
};

// A slice of one batch that belongs to a row group.
struct BatchRange {
  size_t batch = 0;
  int64_t row_begin = 0;
  int64_t row_end = 0;
};

}  // namespace tributary::parquet
