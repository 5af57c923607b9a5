#include "parquet/page_writer.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

#include "parquet/rle.h"

namespace tributary::parquet {

namespace {

constexpr size_t kMaxPage = static_cast<size_t>(std::numeric_limits<int32_t>::max());

// The payload sits at dst[reserved, end); makes room for exactly `header` in
// front of it (shifting the payload only when the predicted header length was
// wrong) and writes the header there.
void PutHeaderInFront(std::vector<uint8_t>& dst, size_t reserved, const std::vector<uint8_t>& header) {
  const size_t h = header.size();
  const auto at = dst.begin() + static_cast<std::ptrdiff_t>(reserved);
  if (h > reserved) {
    dst.insert(at, h - reserved, uint8_t{0});
  } else if (h < reserved) {
    dst.erase(dst.begin(), dst.begin() + static_cast<std::ptrdiff_t>(reserved - h));
  }
  std::memcpy(dst.data(), header.data(), h);
}

}  // namespace

PageWriter::PageWriter(const ColumnSpec& spec, const EncodeOptions& options, PageSink* sink)
    : spec_(spec), options_(options), sink_(sink) {}

void PageWriter::PutLevels(const std::vector<uint16_t>& lv, int max_level) {
  const size_t at = body_.size();
  body_.resize(at + 4);
  RleEncode(lv.data(), lv.size(), BitWidth(static_cast<uint64_t>(max_level)), body_);
  const auto n = static_cast<uint32_t>(body_.size() - at - 4);
  for (int b = 0; b < 4; ++b) body_[at + static_cast<size_t>(b)] = static_cast<uint8_t>(n >> (8 * b));
}

// The page header holds the compressed size, known only after compressing, and
// its length varies with that size. Rather than compressing into a scratch
// buffer and copying header + payload into the page, the payload is compressed
// straight into the page after room for a header whose length is predicted
// from this column's last compression ratio; a wrong guess (rare) costs one
// shift of the payload, which is what the copy cost every time.
template <typename HeaderFn>
void PageWriter::Emit(std::vector<uint8_t>& dst, const uint8_t* body, size_t body_size, HeaderFn header) {
  if (body_size > kMaxPage) {
    throw std::runtime_error("column '" + spec_.name + "': a page exceeds 2 GiB; lower dataPageSize or rowGroupSize");
  }
  const bool compress = options_.codec != codec::Codec::kUncompressed;
  size_t guess = body_size;
  if (compress && last_body_ > 0) {
    guess = static_cast<size_t>(static_cast<double>(body_size) * static_cast<double>(last_payload_) /
                                static_cast<double>(last_body_));
  }
  header_.clear();
  header(header_, static_cast<int32_t>(body_size), static_cast<int32_t>(std::min(guess, kMaxPage)));
  const size_t reserved = header_.size();
  dst.clear();
  dst.resize(reserved);
  if (compress) {
    // No reserve: Compress appends exactly the bytes produced, so the page is
    // sized to fit (growing it from `reserved` bytes copies only those).
    codec::Compress(options_.codec, options_.level, body, body_size, dst);
  } else {
    dst.reserve(reserved + body_size);
    dst.insert(dst.end(), body, body + body_size);
  }
  const size_t payload_size = dst.size() - reserved;
  if (payload_size > kMaxPage) {
    throw std::runtime_error("column '" + spec_.name + "': a page exceeds 2 GiB; lower dataPageSize or rowGroupSize");
  }
  header_.clear();
  header(header_, static_cast<int32_t>(body_size), static_cast<int32_t>(payload_size));
  PutHeaderInFront(dst, reserved, header_);
  last_body_ = body_size;
  last_payload_ = payload_size;
  total_uncompressed += static_cast<int64_t>(header_.size() + body_size);
  total_compressed += static_cast<int64_t>(header_.size() + payload_size);
}

void PageWriter::WriteDataPage(const uint8_t* values, size_t n, Encoding encoding) {
  const uint8_t* body = values;
  size_t body_size = n;
  // Without levels the page body is the values themselves: no need to gather them into body_.
  if (spec_.max_rep > 0 || spec_.max_def > 0) {
    body_.clear();
    body_.reserve(n + static_cast<size_t>(levels) / 2 + 16);
    if (spec_.max_rep > 0) PutLevels(rep, spec_.max_rep);
    if (spec_.max_def > 0) PutLevels(def, spec_.max_def);
    body_.insert(body_.end(), values, values + n);
    body = body_.data();
    body_size = body_.size();
  }
  const auto num = static_cast<int32_t>(levels);
  const bool stream = sink_ != nullptr && encoding == Encoding::kPlain && data_pages.empty() && dictionary_page.empty();
  std::vector<uint8_t> streamed;
  std::vector<uint8_t>& dst = stream ? streamed : data_pages.emplace_back();
  Emit(dst, body, body_size, [&](std::vector<uint8_t>& out, int32_t usize, int32_t csize) {
    WriteDataPageHeader(out, usize, csize, num, encoding);
  });
  if (stream) {
    sink_->Put(std::move(streamed));
    streamed_ = true;
  }
  num_values += levels;
  levels = 0;
  def.clear();
  rep.clear();
}

void PageWriter::WriteDictionaryPage(const uint8_t* data, size_t n, size_t entries) {
  if (streamed_) {
    // The encoders never do this (a chunk that starts PLAIN stays PLAIN); a dictionary page here would follow
    // data pages already in the file, which readers reject.
    throw std::logic_error("column '" + spec_.name + "': dictionary page after streamed data pages");
  }
  Emit(dictionary_page, data, n, [&](std::vector<uint8_t>& out, int32_t usize, int32_t csize) {
    WriteDictionaryPageHeader(out, usize, csize, static_cast<int32_t>(entries));
  });
}

}  // namespace tributary::parquet
