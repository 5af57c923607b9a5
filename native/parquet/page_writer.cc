#include "parquet/page_writer.h"

#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

#include "parquet/rle.h"

namespace tributary::parquet {

PageWriter::PageWriter(const ColumnSpec& spec, const EncodeOptions& options) : spec_(spec), options_(options) {}

void PageWriter::PutLevels(const std::vector<uint16_t>& lv, int max_level) {
  const size_t at = body_.size();
  body_.resize(at + 4);
  RleEncode(lv.data(), lv.size(), BitWidth(static_cast<uint64_t>(max_level)), body_);
  const auto n = static_cast<uint32_t>(body_.size() - at - 4);
  for (int b = 0; b < 4; ++b) body_[at + static_cast<size_t>(b)] = static_cast<uint8_t>(n >> (8 * b));
}

template <typename HeaderFn>
void PageWriter::Emit(std::vector<uint8_t>& dst, HeaderFn header) {
  const uint8_t* payload = body_.data();
  size_t payload_size = body_.size();
  if (options_.codec != codec::Codec::kUncompressed) {
    compressed_.clear();
    compressed_.reserve(codec::MaxCompressedLength(options_.codec, body_.size()));
    codec::Compress(options_.codec, options_.level, body_.data(), body_.size(), compressed_);
    payload = compressed_.data();
    payload_size = compressed_.size();
  }
  constexpr size_t kMax = static_cast<size_t>(std::numeric_limits<int32_t>::max());
  if (body_.size() > kMax || payload_size > kMax) {
    throw std::runtime_error("column '" + spec_.name + "': a page exceeds 2 GiB; lower dataPageSize or rowGroupSize");
  }
  header_.clear();
  header(header_, static_cast<int32_t>(body_.size()), static_cast<int32_t>(payload_size));
  const size_t header_size = header_.size();
  dst.reserve(header_size + payload_size);
  dst.insert(dst.end(), header_.begin(), header_.end());
  dst.insert(dst.end(), payload, payload + payload_size);
  total_uncompressed += static_cast<int64_t>(header_size + body_.size());
  total_compressed += static_cast<int64_t>(header_size + payload_size);
}

void PageWriter::WriteDataPage(const uint8_t* values, size_t n, Encoding encoding) {
  body_.clear();
  body_.reserve(n + levels / 2 + 16);
  if (spec_.max_rep > 0) PutLevels(rep, spec_.max_rep);
  if (spec_.max_def > 0) PutLevels(def, spec_.max_def);
  body_.insert(body_.end(), values, values + n);
  const auto num = static_cast<int32_t>(levels);
  data_pages.emplace_back();
  Emit(data_pages.back(), [&](std::vector<uint8_t>& out, int32_t usize, int32_t csize) {
    WriteDataPageHeader(out, usize, csize, num, encoding);
  });
  num_values += levels;
  levels = 0;
  def.clear();
  rep.clear();
}

void PageWriter::WriteDictionaryPage(const uint8_t* data, size_t n, size_t entries) {
  body_.assign(data, data + n);
  Emit(dictionary_page, [&](std::vector<uint8_t>& out, int32_t usize, int32_t csize) {
    WriteDictionaryPageHeader(out, usize, csize, static_cast<int32_t>(entries));
  });
}

}  // namespace tributary::parquet
