// Reads the non-null leaf values of a Segment out of Arrow buffers as Parquet
// physical values, converting where the types differ (int8 → INT32,
// decimal → big-endian FLBA, ...). Returns a pointer into the Arrow buffer
// itself when no conversion or gathering is needed.
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

#include "parquet/column_spec.h"
#include "parquet/levels.h"
#include "parquet/value_traits.h"

namespace tributary::parquet {

const uint8_t* GatherBool(const ColumnSpec& spec, const LeafBuffers& leaf, const Segment& seg,
                          std::vector<uint8_t>& scratch);
const int32_t* GatherInt32(const ColumnSpec& spec, const LeafBuffers& leaf, const Segment& seg,
                           std::vector<int32_t>& scratch);
const int64_t* GatherInt64(const ColumnSpec& spec, const LeafBuffers& leaf, const Segment& seg,
                           std::vector<int64_t>& scratch);
const float* GatherFloat(const ColumnSpec& spec, const LeafBuffers& leaf, const Segment& seg,
                         std::vector<float>& scratch);
const double* GatherDouble(const ColumnSpec& spec, const LeafBuffers& leaf, const Segment& seg,
                           std::vector<double>& scratch);
// BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY values; converted bytes (decimals) live in `bytes`.
const std::string_view* GatherBytes(const ColumnSpec& spec, const LeafBuffers& leaf, const Segment& seg,
                                    std::vector<std::string_view>& scratch, std::vector<uint8_t>& bytes);

// Dictionary-encoded Arrow values with their Arrow dictionary index.
const DictRef* GatherDictRefs(const ColumnSpec& spec, const LeafBuffers& leaf, const Segment& seg,
                              std::vector<DictRef>& scratch);

}  // namespace tributary::parquet
