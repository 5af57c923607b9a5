// Directory walking and bulk deletion for VACUUM, and byte-range copies for
// compaction, run on a worker thread so listing thousands of files (a stat
// each), deleting them or copying row groups never occupies the JS thread,
// pays a promise per file or passes the bytes through JS memory.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

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

// Deletes root/path for each path; a file already gone counts as deleted.
// Returns the paths that could not be deleted, each with its error.
std::vector<std::string> DeleteFiles(const std::string& root, const std::vector<std::string>& paths, int threads);

// Appends bytes [start, start + length) of `in_fd` to `out_fd` at its current
// offset: in the kernel (copy_file_range) where it can, else through a small
// buffer. Throws naming the problem when the input ends early.
void CopyRange(int in_fd, int out_fd, uint64_t start, uint64_t length);

}  // namespace tributary::maintenance
