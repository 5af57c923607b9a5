#include "parquet/metadata.h"

#include "parquet/thrift_compact.h"

namespace tributary::parquet {

using thrift::CompactWriter;
using thrift::CType;

namespace {

void WriteLogicalType(CompactWriter& w, const LogicalType& lt) {
  w.FieldStruct(10);
  switch (lt.kind) {
    case 5:  // DECIMAL { 1: scale, 2: precision }
      w.FieldStruct(5);
      w.FieldI32(1, lt.a);
      w.FieldI32(2, lt.b);
      w.StructEnd();
      break;
    case 7:   // TIME { 1: isAdjustedToUTC, 2: unit }
    case 8:   // TIMESTAMP { 1: isAdjustedToUTC, 2: unit }
      w.FieldStruct(static_cast<int16_t>(lt.kind));
      w.FieldBool(1, lt.a != 0);
      w.FieldStruct(2);             // TimeUnit union
      w.FieldEmptyStruct(static_cast<int16_t>(lt.b));  // 1 MILLIS, 2 MICROS, 3 NANOS
      w.StructEnd();
      w.StructEnd();
      break;
    case 10:  // INTEGER { 1: bitWidth (i8), 2: isSigned }
      w.FieldStruct(10);
      w.FieldI8(1, static_cast<int8_t>(lt.a));
      w.FieldBool(2, lt.b != 0);
      w.StructEnd();
      break;
    default:  // STRING, MAP, LIST, DATE, ... carry no parameters
      w.FieldEmptyStruct(static_cast<int16_t>(lt.kind));
  }
  w.StructEnd();
}

void WriteSchemaElement(CompactWriter& w, const SchemaElement& e) {
  w.StructBegin();
  if (e.type >= 0) w.FieldI32(1, e.type);
  if (e.type_length >= 0) w.FieldI32(2, e.type_length);
  if (e.repetition >= 0) w.FieldI32(3, e.repetition);
  w.FieldString(4, e.name);
  if (e.num_children >= 0) w.FieldI32(5, e.num_children);
  if (e.converted_type >= 0) w.FieldI32(6, e.converted_type);
  if (e.scale >= 0) w.FieldI32(7, e.scale);
  if (e.precision >= 0) w.FieldI32(8, e.precision);
  if (e.field_id >= 0) w.FieldI32(9, e.field_id);
  if (e.logical.kind > 0) WriteLogicalType(w, e.logical);
  w.StructEnd();
}

void WriteColumnChunk(CompactWriter& w, const ColumnChunkMeta& c) {
  const int64_t start = c.dictionary_page_offset >= 0 ? c.dictionary_page_offset : c.data_page_offset;
  w.StructBegin();
  w.FieldI64(2, start);  // file_offset: deprecated, readers expect the chunk start
  w.FieldStruct(3);      // ColumnMetaData
  w.FieldI32(1, static_cast<int32_t>(c.type));
  w.FieldList(2, CType::kI32, c.encodings.size());
  for (Encoding e : c.encodings) w.ElemI32(static_cast<int32_t>(e));
  w.FieldList(3, CType::kBinary, c.path.size());
  for (const auto& p : c.path) w.ElemString(p);
  w.FieldI32(4, c.codec);
  w.FieldI64(5, c.num_values);
  w.FieldI64(6, c.total_uncompressed_size);
  w.FieldI64(7, c.total_compressed_size);
  w.FieldI64(9, c.data_page_offset);
  if (c.dictionary_page_offset >= 0) w.FieldI64(11, c.dictionary_page_offset);
  w.FieldStruct(12);  // Statistics: min_value/max_value (5/6) have well-defined ordering
  w.FieldI64(3, c.stats.null_count);
  if (c.stats.has_min_max) {
    w.FieldBinary(5, c.stats.max.data(), c.stats.max.size());
    w.FieldBinary(6, c.stats.min.data(), c.stats.min.size());
  }
  w.StructEnd();
  w.StructEnd();  // ColumnMetaData
  w.StructEnd();  // ColumnChunk
}

}  // namespace

void WriteFileMetaData(const FileMeta& meta, std::vector<uint8_t>& out) {
  CompactWriter w(out);
  w.StructBegin();
  w.FieldI32(1, 1);  // version
  w.FieldList(2, CType::kStruct, meta.schema.size());
  for (const auto& e : meta.schema) WriteSchemaElement(w, e);
  w.FieldI64(3, meta.num_rows);
  w.FieldList(4, CType::kStruct, meta.row_groups.size());
  for (size_t g = 0; g < meta.row_groups.size(); ++g) {
    const RowGroupMeta& rg = meta.row_groups[g];
    int64_t uncompressed = 0, compressed = 0;
    for (const auto& c : rg.columns) {
      uncompressed += c.total_uncompressed_size;
      compressed += c.total_compressed_size;
    }
    w.StructBegin();
    w.FieldList(1, CType::kStruct, rg.columns.size());
    for (const auto& c : rg.columns) WriteColumnChunk(w, c);
    w.FieldI64(2, uncompressed);
    w.FieldI64(3, rg.num_rows);
    w.FieldI64(5, rg.file_offset);
    w.FieldI64(6, compressed);
    if (g <= 32767) w.FieldI16(7, static_cast<int16_t>(g));  // ordinal is an i16
    w.StructEnd();
  }
  if (!meta.key_value.empty()) {
    w.FieldList(5, CType::kStruct, meta.key_value.size());
    for (const auto& [k, v] : meta.key_value) {
      w.StructBegin();
      w.FieldString(1, k);
      w.FieldString(2, v);
      w.StructEnd();
    }
  }
  w.FieldString(6, meta.created_by);
  // TYPE_ORDER for every leaf: tells readers that min_value/max_value follow
  // the logical type's sort order (unsigned for UINT, signed for DECIMAL, ...).
  w.FieldList(7, CType::kStruct, meta.num_leaves);
  for (size_t i = 0; i < meta.num_leaves; ++i) {
    w.StructBegin();
    w.FieldEmptyStruct(1);
    w.StructEnd();
  }
  w.StructEnd();
}

void WriteDataPageHeader(std::vector<uint8_t>& out, int32_t uncompressed_size, int32_t compressed_size, int32_t num_values,
                         Encoding encoding) {
  CompactWriter w(out);
  w.StructBegin();
  w.FieldI32(1, static_cast<int32_t>(PageType::kDataPage));
  w.FieldI32(2, uncompressed_size);
  w.FieldI32(3, compressed_size);
  w.FieldStruct(5);
  w.FieldI32(1, num_values);
  w.FieldI32(2, static_cast<int32_t>(encoding));
  w.FieldI32(3, static_cast<int32_t>(Encoding::kRle));
  w.FieldI32(4, static_cast<int32_t>(Encoding::kRle));
  w.StructEnd();
  w.StructEnd();
}

void WriteDictionaryPageHeader(std::vector<uint8_t>& out, int32_t uncompressed_size, int32_t compressed_size,
                               int32_t num_values) {
  CompactWriter w(out);
  w.StructBegin();
  w.FieldI32(1, static_cast<int32_t>(PageType::kDictionaryPage));
  w.FieldI32(2, uncompressed_size);
  w.FieldI32(3, compressed_size);
  w.FieldStruct(7);
  w.FieldI32(1, num_values);
  w.FieldI32(2, static_cast<int32_t>(Encoding::kPlain));
  w.StructEnd();
  w.StructEnd();
}

}  // namespace tributary::parquet
