#include "parquet/thrift_compact.h"

namespace tributary::parquet::thrift {

void CompactWriter::Varint(uint64_t v) {
  while (v >= 0x80) {
    out_.push_back(static_cast<uint8_t>(v | 0x80));
    v >>= 7;
  }
  out_.push_back(static_cast<uint8_t>(v));
}

void CompactWriter::FieldHeader(int16_t id, CType type) {
  const int delta = id - last_id_;
  if (delta > 0 && delta <= 15) {
    out_.push_back(static_cast<uint8_t>((delta << 4) | static_cast<uint8_t>(type)));
  } else {
    // Long form: type byte, then the absolute id as a zigzag i16.
    out_.push_back(static_cast<uint8_t>(type));
    Varint(ZigZag32(id));
  }
  last_id_ = id;
}

void CompactWriter::StructBegin() {
  stack_.push_back(last_id_);
  last_id_ = 0;
}

void CompactWriter::StructEnd() {
  out_.push_back(0);  // stop field
  last_id_ = stack_.back();
  stack_.pop_back();
}

void CompactWriter::FieldBool(int16_t id, bool v) { FieldHeader(id, v ? CType::kBoolTrue : CType::kBoolFalse); }

void CompactWriter::FieldI8(int16_t id, int8_t v) {
  FieldHeader(id, CType::kByte);
  out_.push_back(static_cast<uint8_t>(v));
}

void CompactWriter::FieldI16(int16_t id, int16_t v) {
  FieldHeader(id, CType::kI16);
  Varint(ZigZag32(v));
}

void CompactWriter::FieldI32(int16_t id, int32_t v) {
  FieldHeader(id, CType::kI32);
  Varint(ZigZag32(v));
}

void CompactWriter::FieldI64(int16_t id, int64_t v) {
  FieldHeader(id, CType::kI64);
  Varint(ZigZag64(v));
}

void CompactWriter::FieldBinary(int16_t id, const void* data, size_t n) {
  FieldHeader(id, CType::kBinary);
  Varint(n);
  const auto* p = static_cast<const uint8_t*>(data);
  out_.insert(out_.end(), p, p + n);
}

void CompactWriter::FieldStruct(int16_t id) {
  FieldHeader(id, CType::kStruct);
  StructBegin();
}

void CompactWriter::FieldEmptyStruct(int16_t id) {
  FieldStruct(id);
  StructEnd();
}

void CompactWriter::FieldList(int16_t id, CType elem, size_t n) {
  FieldHeader(id, CType::kList);
  if (n < 15) {
    out_.push_back(static_cast<uint8_t>((n << 4) | static_cast<uint8_t>(elem)));
  } else {
    out_.push_back(static_cast<uint8_t>(0xF0 | static_cast<uint8_t>(elem)));
    Varint(n);
  }
}

void CompactWriter::ElemString(std::string_view s) {
  Varint(s.size());
  out_.insert(out_.end(), s.begin(), s.end());
}

}  // namespace tributary::parquet::thrift
