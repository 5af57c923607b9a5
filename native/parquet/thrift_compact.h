// Thrift compact protocol encoder: just enough to write Parquet's footer and
// page headers. Parquet readers decode these structs field by field, so the
// writer only needs field headers (with id deltas), varints and collections.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace tributary::parquet::thrift {

// Compact-protocol element types (as they appear in field and list headers).
enum class CType : uint8_t {
  kBoolTrue = 1,
  kBoolFalse = 2,
  kByte = 3,
  kI16 = 4,
  kI32 = 5,
  kI64 = 6,
  kDouble = 7,
  kBinary = 8,
  kList = 9,
  kSet = 10,
  kMap = 11,
  kStruct = 12,
};

// Appends compact-protocol bytes to a caller-owned buffer. Structs nest: every
// StructBegin/FieldStruct must be closed by StructEnd, which writes the stop
// byte and restores the enclosing struct's last field id.
class CompactWriter {
 public:
  explicit CompactWriter(std::vector<uint8_t>& out) : out_(out) {}

  void StructBegin();
  void StructEnd();

  void FieldBool(int16_t id, bool v);
  void FieldI8(int16_t id, int8_t v);
  void FieldI16(int16_t id, int16_t v);
  void FieldI32(int16_t id, int32_t v);
  void FieldI64(int16_t id, int64_t v);
  void FieldBinary(int16_t id, const void* data, size_t n);
  void FieldString(int16_t id, std::string_view s) { FieldBinary(id, s.data(), s.size()); }
  // Opens a nested struct field (close it with StructEnd).
  void FieldStruct(int16_t id);
  // An empty struct field, e.g. a member of a union such as LogicalType.STRING.
  void FieldEmptyStruct(int16_t id);
  // Writes a list field header; the caller then writes `n` elements.
  void FieldList(int16_t id, CType elem, size_t n);

  void ElemI32(int32_t v) { Varint(ZigZag32(v)); }
  void ElemString(std::string_view s);

  void Varint(uint64_t v);

 private:
  static uint32_t ZigZag32(int32_t v) { return (static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31); }
  static uint64_t ZigZag64(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
  void FieldHeader(int16_t id, CType type);

  std::vector<uint8_t>& out_;
  std::vector<int16_t> stack_;
  int16_t last_id_ = 0;
};

}  // namespace tributary::parquet::thrift
