#include "parquet/file_writer.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>
#include <thread>

#include "parquet/column_writer.h"

namespace tributary::parquet {

MemorySink::~MemorySink() { std::free(data_); }

void MemorySink::Write(const uint8_t* p, size_t n) {
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

uint8_t* MemorySink::Release() {
  uint8_t* out = size_ > 0 ? static_cast<uint8_t*>(std::realloc(data_, size_)) : data_;
  if (out == nullptr) out = data_;
  data_ = nullptr;
  capacity_ = size_ = 0;
  return out;
}

namespace {
constexpr size_t kFdBuffer = size_t{1} << 20;
}  // namespace

FdSink::FdSink(int fd) : fd_(fd) {}

void FdSink::Write(const uint8_t* p, size_t n) {
  if (buffer_.size() + n <= kFdBuffer) {
    if (buffer_.capacity() < kFdBuffer) buffer_.reserve(kFdBuffer);
    buffer_.insert(buffer_.end(), p, p + n);
    return;
  }
  Flush();
  if (n >= kFdBuffer) {
    WriteAll(p, n);  // large pieces (most pages) go straight to the file
  } else {
    buffer_.insert(buffer_.end(), p, p + n);
  }
}

void FdSink::Flush() {
  WriteAll(buffer_.data(), buffer_.size());
  buffer_.clear();
}

void FdSink::WriteAll(const uint8_t* p, size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd_, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("writing the Parquet file failed: ") + std::strerror(errno));
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
}

namespace {

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
// results strictly in file order. Workers run at most `threads` tasks ahead of
// the consumer, and the pages a chunk may stream (see PageWriter) reach the
// consumer while the chunk is still being encoded, so memory holds only the
// pages in flight and the chunks that must stay whole until their dictionary
// page is known (small: their pages hold dictionary indices).
class ChunkPipeline {
 public:
  ChunkPipeline(const WriteJob& job, const std::vector<std::vector<BatchRange>>& groups)
      : job_(job), groups_(groups), tasks_(groups.size() * job.columns.size()), slots_(tasks_) {
    const size_t n = std::max<size_t>(1, std::min<size_t>(static_cast<size_t>(std::max(job.threads, 1)), tasks_));
    window_ = n;
    try {
      for (size_t i = 0; i < n && tasks_ > 0; ++i) workers_.emplace_back([this] { Work(); });
    } catch (...) {
      // Could not start a thread: stop the ones running before unwinding.
      Stop();
      throw;
    }
  }

  ~ChunkPipeline() { Stop(); }

  size_t size() const { return tasks_; }

  // Next streamed page of task t: blocks until one is there (true) or the
  // task is done with none left (false). After any task failed, rethrows
  // that first error instead (later tasks may never run).
  bool NextPage(size_t t, std::vector<uint8_t>& page) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return !slots_[t].pages.empty() || slots_[t].done || first_error_; });
    if (first_error_) std::rethrow_exception(first_error_);
    if (slots_[t].pages.empty()) return false;
    page = std::move(slots_[t].pages.front());
    slots_[t].pages.pop_front();
    return true;
  }

  // The rest of task t once NextPage returned false; lets the next task start.
  std::unique_ptr<EncodedChunk> Take(size_t t) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return slots_[t].done || first_error_; });
    if (first_error_) std::rethrow_exception(first_error_);
    taken_ = t + 1;
    cv_.notify_all();  // a worker may be waiting for room in the window
    return std::move(slots_[t].chunk);
  }

 private:
  struct Slot {
    std::deque<std::vector<uint8_t>> pages;  // streamed, not yet consumed
    bool done = false;
    std::unique_ptr<EncodedChunk> chunk;
  };

  class SlotSink final : public PageSink {
   public:
    SlotSink(ChunkPipeline& pipeline, size_t task) : pipeline_(pipeline), task_(task) {}
    void Put(std::vector<uint8_t> page) override {
      {
        std::lock_guard<std::mutex> lock(pipeline_.mu_);
        pipeline_.slots_[task_].pages.push_back(std::move(page));
      }
      pipeline_.cv_.notify_all();
    }

   private:
    ChunkPipeline& pipeline_;
    size_t task_;
  };

  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      abort_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

  void Work() {
    for (;;) {
      size_t t;
      {
        std::unique_lock<std::mutex> lock(mu_);
        if (abort_ || next_ >= tasks_) return;
        t = next_++;
        // Tasks are claimed in order, so waiting here keeps every worker within the window.
        cv_.wait(lock, [&] { return abort_ || t < taken_ + window_; });
        if (abort_) return;
      }
      const size_t g = t / job_.columns.size();
      const size_t c = t % job_.columns.size();
      std::unique_ptr<EncodedChunk> chunk;
      std::exception_ptr error;
      try {
        SlotSink sink(*this, t);
        chunk = std::make_unique<EncodedChunk>(EncodeColumnChunk(job_.columns[c], job_.options, groups_[g], &sink));
      } catch (...) {
        error = std::current_exception();
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (error) {
          if (!first_error_) first_error_ = error;
          abort_ = true;
        } else {
          slots_[t].chunk = std::move(chunk);
          slots_[t].done = true;
        }
      }
      cv_.notify_all();
    }
  }

  const WriteJob& job_;
  const std::vector<std::vector<BatchRange>>& groups_;
  size_t tasks_;
  size_t window_ = 1;
  std::vector<Slot> slots_;
  std::vector<std::thread> workers_;
  // All guarded by mu_.
  size_t next_ = 0;
  size_t taken_ = 0;
  bool abort_ = false;
  std::exception_ptr first_error_;
  std::mutex mu_;
  std::condition_variable cv_;
};

// Tracks the byte offset while forwarding to the sink.
class CountingSink {
 public:
  explicit CountingSink(ByteSink& sink) : sink_(sink) {}
  void Write(const uint8_t* p, size_t n) {
    if (n == 0) return;
    sink_.Write(p, n);
    offset_ += n;
  }
  uint64_t offset() const { return offset_; }

 private:
  ByteSink& sink_;
  uint64_t offset_ = 0;
};

}  // namespace

WriteSummary WriteFile(const WriteJob& job, ByteSink& sink) {
  if (job.columns.empty()) throw std::runtime_error("a Parquet file needs at least one column");
  if (job.row_group_size <= 0) throw std::runtime_error("rowGroupSize must be positive");
  const auto groups = PlanRowGroups(job);

  CountingSink out(sink);
  out.Write(reinterpret_cast<const uint8_t*>("PAR1"), 4);
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
      RowGroupMeta& rg = meta.row_groups[g];
      const auto start = static_cast<int64_t>(out.offset());
      if (t % ncols == 0) {
        rg.file_offset = start;
        for (const BatchRange& r : groups[g]) rg.num_rows += r.row_end - r.row_begin;
      }
      // Streamed pages first: a chunk that streams has no dictionary page and keeps no pages.
      std::vector<uint8_t> page;
      bool streamed = false;
      while (pipeline.NextPage(t, page)) {
        out.Write(page.data(), page.size());
        std::vector<uint8_t>().swap(page);
        streamed = true;
      }
      std::unique_ptr<EncodedChunk> chunk = pipeline.Take(t);
      if (streamed && (!chunk->dictionary_page.empty() || !chunk->data_pages.empty())) {
        throw std::logic_error("column '" + job.columns[t % ncols].name + "': pages kept after streamed pages");
      }
      ColumnChunkMeta m = std::move(chunk->meta);
      m.data_page_offset += start;
      if (m.dictionary_page_offset >= 0) m.dictionary_page_offset += start;
      out.Write(chunk->dictionary_page.data(), chunk->dictionary_page.size());
      for (auto& page : chunk->data_pages) {
        out.Write(page.data(), page.size());
        std::vector<uint8_t>().swap(page);  // free as we go
      }
      rg.columns.push_back(std::move(m));
    }
  }

  WriteSummary result;
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
  out.Write(footer.data(), footer.size());
  out.Write(len_bytes, 4);
  out.Write(reinterpret_cast<const uint8_t*>("PAR1"), 4);
  sink.Flush();
  result.size = out.offset();
  return result;
}

}  // namespace tributary::parquet
