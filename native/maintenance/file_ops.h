// Directory walking and bulk deletion for VACUUM, byte-range copies for
// compaction, and whole-file reads and durable writes for the log, run on a worker thread so listing thousands of files (a stat
// each), deleting them or copying row groups never occupies the JS thread,
// pays a promise per file or passes the bytes through JS memory.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "maintenance/page_alloc.h"

namespace tributary::maintenance {

struct ListedFile {
  std::string path;  // relative to the root, '/'-separated
  uint64_t size = 0;
  int64_t mtime_ms = 0;
};

// Regular files under `root`, skipping entries whose name starts with '_' or
// '.' (at any depth) unless the name is `_change_data` or starts with one of
// `keep_prefixes` (partition directories such as `_year=`).
std::vector<ListedFile> ListTree(const std::string& root, const std::vector<std::string>& keep_prefixes);

// Regular files (not symbolic links) directly in `dir` whose names sort at or
// after `start_after` and do not start with `skip_prefix`, sorted by name;
// an absent directory lists nothing. One call instead of a readdir and a
// stat per file through the thread pool (log listings on every snapshot load).
std::vector<ListedFile> ListDir(const std::string& dir, const std::string& start_after, const std::string& skip_prefix);

// Deletes root/path for each path; a file already gone counts as deleted.
// Returns the paths that could not be deleted, each with its error.
std::vector<std::string> DeleteFiles(const std::string& root, const std::vector<std::string>& paths, int threads);

// Writes `size` bytes to a new file `tmp` (created exclusively), syncs it,
// and then either renames it over `target` (replace) or links it to
// `target` only if `target` does not exist (else returns false, the temp
// file removed); finally syncs the directory of `target` (errors of that sync
// are reported only when `strict_dir_sync`, and never on file systems that
// cannot sync a directory). On failure throws FileOpError with the errno; the
// temp file never survives a failure. One call does what would otherwise be
// eight thread-pool round trips of a durable write.
struct FileOpError : std::runtime_error {
  FileOpError(int code, const std::string& what) : std::runtime_error(what), code(code) {}
  int code;
};
bool WriteDurably(const std::string& target, const std::string& tmp, const uint8_t* data, size_t size, bool replace, bool strict_dir_sync);

// Reads the whole file at `path` into `out` (open, fstat, read, close in one
// call: every snapshot load reads its commits this way); false when the file
// does not exist. Throws FileOpError with the errno on any other failure.
bool ReadWhole(const std::string& path, BigVector<uint8_t>* out);

// Appends bytes [start, start + length) of `in_fd` to `out_fd` at its current
// offset: in the kernel (copy_file_range) where it can, else through a small
// buffer. Throws naming the problem when the input ends early.
void CopyRange(int in_fd, int out_fd, uint64_t start, uint64_t length);

// Bytes [start, end) of the file at `path`.
struct FileRange {
  std::string path;
  uint64_t start = 0;
  uint64_t end = 0;
};

// Each range's bytes, in order, in one call (consecutive ranges of one file
// share one open): the footers of a compaction bin or a Z-order rewrite in one
// request instead of three thread-pool round trips per file. A missing file
// throws FileOpError; a range past a file's end throws naming it.
std::vector<BigVector<uint8_t>> ReadRanges(const std::vector<FileRange>& ranges);

// Appends each range, in order, to `out_fd` (CopyRange; consecutive ranges of
// one file share one open): a whole compacted file's row groups in one call.
void CopyRangesInto(int out_fd, const std::vector<FileRange>& ranges);

}  // namespace tributary::maintenance
