#include "parquet/file_writer.h"

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>
#include <thread>

#include "parquet/column_writer.h"

namespace tributary::parquet {

namespace {

// The output grows with realloc: on Linux large blocks move with mremap, so
// appending chunk after chunk never copies the file built so far.
class OutputBuffer {
 public:
  ~OutputBuffer() { std::free(data_); }
  void Append(const uint8_t* p, size_t n) {
    if (size_ + n > capacity_) {
      size_t cap = capacity_ < (1u << 20) ? (1u << 20) : capacity_;
      while (cap < size_ + n) cap += cap / 2;
      auto* grown = static_cast<uint8_t*>(std::realloc(data_, cap));
      if (grown == nullptr) throw std::bad_alloc();
      data_ = grown;
      capacity_ = cap;
    }
    if (n > 0) std::memcpy(data_ + size_, p, n);
    size_ += n;
  }
  size_t size() const { return size_; }
  // Hands the bytes over, trimmed to size.
  uint8_t* Release() {
    uint8_t* out = size_ > 0 ? static_cast<uint8_t*>(std::realloc(data_, size_)) : data_;
    if (out == nullptr) out = data_;
    data_ = nullptr;
    capacity_ = size_ = 0;
    return out;
  }

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

std::vector<std::vector<BatchRange>> PlanRowGroups(const WriteJob& job) {
  std::vector<std::vector<BatchRange>> groups;
  const int64_t per_group = job.row_group_size;
  size_t batch = 0;
  int64_t batch_pos = 0;  // rows of `batch` already assigned
  for (int64_t start = 0; start < job.num_rows; start += per_group) {
    int64_t want = std::min(per_group, job.num_rows - start);
    std::vector<BatchRange> ranges;
    while (want > 0 && batch < job.batch_rows.size()) {
      const int64_t avail = job.batch_rows[batch] - batch_pos;
      if (avail <= 0) {
        ++batch;
        batch_pos = 0;
        continue;
      }
      const int64_t take = std::min(avail, want);
      ranges.push_back({batch, batch_pos, batch_pos + take});
      batch_pos += take;
      want -= take;
    }
    groups.push_back(std::move(ranges));
  }
  return groups;
}

// Encodes tasks (row group × column) on worker threads; the caller consumes
// results strictly in order, so finished chunks are freed as soon as copied.
class ChunkPipeline {
 public:
  ChunkPipeline(const WriteJob& job, const std::vector<std::vector<BatchRange>>& groups)
      : job_(job), groups_(groups), tasks_(groups.size() * job.columns.size()), slots_(tasks_) {
    const size_t n = std::max<size_t>(1, std::min<size_t>(static_cast<size_t>(std::max(job.threads, 1)), tasks_));
    try {
      for (size_t i = 0; i < n && tasks_ > 0; ++i) workers_.emplace_back([this] { Work(); });
    } catch (...) {
      // Could not start a thread: stop the ones running before unwinding.
      abort_.store(true);
      for (auto& t : workers_) t.join();
      throw;
    }
  }

  ~ChunkPipeline() {
    abort_.store(true);
    for (auto& t : workers_) t.join();
  }

  size_t size() const { return tasks_; }

  // Blocks until task t is done; rethrows its error.
  std::unique_ptr<EncodedChunk> Take(size_t t) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return slots_[t].done; });
    if (slots_[t].error) std::rethrow_exception(slots_[t].error);
    return std::move(slots_[t].chunk);
  }

 private:
  struct Slot {
    bool done = false;
    std::unique_ptr<EncodedChunk> chunk;
    std::exception_ptr error;
  };

  void Work() {
    for (;;) {
      if (abort_.load()) return;
      const size_t t = next_.fetch_add(1);
      if (t >= tasks_) return;
      const size_t g = t / job_.columns.size();
      const size_t c = t % job_.columns.size();
      std::unique_ptr<EncodedChunk> chunk;
      std::exception_ptr error;
      try {
        chunk = std::make_unique<EncodedChunk>(EncodeColumnChunk(job_.columns[c], job_.options, groups_[g]));
      } catch (...) {
        error = std::current_exception();
        abort_.store(true);
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        slots_[t].chunk = std::move(chunk);
        slots_[t].error = error;
        slots_[t].done = true;
      }
      cv_.notify_all();
    }
  }

  const WriteJob& job_;
  const std::vector<std::vector<BatchRange>>& groups_;
  size_t tasks_;
  std::vector<Slot> slots_;
  std::vector<std::thread> workers_;
  std::atomic<size_t> next_{0};
  std::atomic<bool> abort_{false};
  std::mutex mu_;
  std::condition_variable cv_;
};

}  // namespace

WriteOutput WriteFile(const WriteJob& job) {
  if (job.columns.empty()) throw std::runtime_error("a Parquet file needs at least one column");
  if (job.row_group_size <= 0) throw std::runtime_error("rowGroupSize must be positive");
  const auto groups = PlanRowGroups(job);

  OutputBuffer out;
  out.Append(reinterpret_cast<const uint8_t*>("PAR1"), 4);
  FileMeta meta;
  meta.schema = job.schema;
  meta.num_rows = job.num_rows;
  meta.key_value = job.key_value;
  meta.created_by = job.created_by;
  meta.num_leaves = job.columns.size();
  meta.row_groups.resize(groups.size());

  {
    ChunkPipeline pipeline(job, groups);
    const size_t ncols = job.columns.size();
    for (size_t t = 0; t < pipeline.size(); ++t) {
      const size_t g = t / ncols;
      std::unique_ptr<EncodedChunk> chunk = pipeline.Take(t);
      RowGroupMeta& rg = meta.row_groups[g];
      const auto start = static_cast<int64_t>(out.size());
      if (t % ncols == 0) {
        rg.file_offset = start;
        for (const BatchRange& r : groups[g]) rg.num_rows += r.row_end - r.row_begin;
      }
      ColumnChunkMeta m = std::move(chunk->meta);
      m.data_page_offset += start;
      if (m.dictionary_page_offset >= 0) m.dictionary_page_offset += start;
      out.Append(chunk->dictionary_page.data(), chunk->dictionary_page.size());
      for (auto& page : chunk->data_pages) {
        out.Append(page.data(), page.size());
        std::vector<uint8_t>().swap(page);  // free as we go: peak memory stays near the output size
      }
      rg.columns.push_back(std::move(m));
    }
  }

  WriteOutput result;
  result.num_row_groups = static_cast<int64_t>(groups.size());
  result.stats.resize(job.columns.size());
  for (const RowGroupMeta& rg : meta.row_groups) {
    for (size_t c = 0; c < rg.columns.size(); ++c) {
      const Statistics& s = rg.columns[c].stats;
      ColumnFileStats& f = result.stats[c];
      f.null_count += s.null_count;
      if (!s.has_min_max) continue;
      if (!f.has_min_max) {
        f.has_min_max = true;
        f.min = s.min;
        f.max = s.max;
        continue;
      }
      if (StatLess(job.columns[c], s.min, f.min)) f.min = s.min;
      if (StatLess(job.columns[c], f.max, s.max)) f.max = s.max;
    }
  }

  std::vector<uint8_t> footer;
  WriteFileMetaData(meta, footer);
  const auto len = static_cast<uint32_t>(footer.size());
  const uint8_t len_bytes[4] = {static_cast<uint8_t>(len), static_cast<uint8_t>(len >> 8),
                                static_cast<uint8_t>(len >> 16), static_cast<uint8_t>(len >> 24)};
  out.Append(footer.data(), footer.size());
  out.Append(len_bytes, 4);
  out.Append(reinterpret_cast<const uint8_t*>("PAR1"), 4);
  result.size = out.size();
  result.data = out.Release();
  return result;
}

}  // namespace tributary::parquet
