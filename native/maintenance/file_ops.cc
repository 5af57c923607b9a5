#include "maintenance/file_ops.h"

#ifndef _WIN32

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace tributary::maintenance {

namespace {

bool Hidden(const char* name, const std::vector<std::string>& keep) {
  if (name[0] != '_' && name[0] != '.') return false;
  if (std::strcmp(name, "_change_data") == 0) return false;
  for (const auto& k : keep)
    if (std::strncmp(name, k.c_str(), k.size()) == 0) return false;
  return true;
}

// Calls `visit(name, st)` (lstat) for each entry of `dir` other than . and ..
// that `want(name, d_type)` accepts; an absent directory has none, an entry
// removed while listing is skipped.
template <typename Want, typename Visit>
void ForEachEntry(const std::string& dir, Want want, Visit visit) {
  DIR* d = opendir(dir.c_str());
  if (!d) {
    if (errno == ENOENT || errno == ENOTDIR) return;
    throw std::runtime_error("cannot list " + dir + ": " + std::strerror(errno));
  }
  std::unique_ptr<DIR, int (*)(DIR*)> closer(d, closedir);
  const int fd = dirfd(d);
  while (dirent* e = readdir(d)) {
    const char* name = e->d_name;
    if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0 || !want(name, e->d_type)) continue;
    struct stat st;
    if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;
      throw std::runtime_error("cannot stat " + dir + "/" + name + ": " + std::strerror(errno));
    }
    visit(name, st);
  }
}

ListedFile FileOf(std::string path, const struct stat& st) {
  ListedFile f;
  f.path = std::move(path);
  f.size = static_cast<uint64_t>(st.st_size);
  f.mtime_ms = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
  return f;
}

void Walk(const std::string& root, const std::string& rel, const std::vector<std::string>& keep, std::vector<ListedFile>& out) {
  std::vector<std::string> subdirs;
  ForEachEntry(
      rel.empty() ? root : root + "/" + rel, [&](const char* name, unsigned char) { return !Hidden(name, keep); },
      [&](const char* name, const struct stat& st) {
        std::string path = rel.empty() ? std::string(name) : rel + "/" + name;
        if (S_ISDIR(st.st_mode)) subdirs.push_back(std::move(path));
        else if (S_ISREG(st.st_mode)) out.push_back(FileOf(std::move(path), st));
      });
  for (const auto& s : subdirs) Walk(root, s, keep, out);
}

}  // namespace

std::vector<ListedFile> ListTree(const std::string& root, const std::vector<std::string>& keep_prefixes) {
  std::vector<ListedFile> out;
  Walk(root, "", keep_prefixes, out);
  return out;
}

std::vector<ListedFile> ListDir(const std::string& dir, const std::string& start_after, const std::string& skip_prefix) {
  std::vector<ListedFile> out;
  ForEachEntry(
      dir,
      [&](const char* name, unsigned char type) {
        // Regular files only, as a Dirent's isFile(): symbolic links are not followed.
        return std::strcmp(name, start_after.c_str()) >= 0 && (skip_prefix.empty() || std::strncmp(name, skip_prefix.c_str(), skip_prefix.size()) != 0) &&
               (type == DT_REG || type == DT_UNKNOWN);
      },
      [&](const char* name, const struct stat& st) {
        if (S_ISREG(st.st_mode)) out.push_back(FileOf(name, st));
      });
  std::sort(out.begin(), out.end(), [](const ListedFile& a, const ListedFile& b) { return a.path < b.path; });
  return out;
}

std::vector<std::string> DeleteFiles(const std::string& root, const std::vector<std::string>& paths, int threads) {
  std::vector<std::string> failed;
  std::mutex mu;
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < paths.size(); i = next++) {
      const std::string full = root + "/" + paths[i];
      if (unlink(full.c_str()) != 0 && errno != ENOENT) {
        const std::string msg = paths[i] + ": " + std::strerror(errno);
        std::lock_guard<std::mutex> lock(mu);
        failed.push_back(msg);
      }
    }
  };
  const int n = std::max(1, std::min<int>(threads, static_cast<int>(paths.size())));
  std::vector<std::thread> pool;
  for (int t = 1; t < n; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  return failed;
}

namespace {

[[noreturn]] void Fail(const char* syscall, const std::string& path) {
  const int code = errno;
  throw FileOpError(code, std::string(std::strerror(code)) + ", " + syscall + " '" + path + "'");
}

// A descriptor open for reading, closed with its scope.
struct ReadFd {
  int fd;
  explicit ReadFd(const std::string& path) : fd(open(path.c_str(), O_RDONLY | O_CLOEXEC)) {}
  ~ReadFd() {
    if (fd >= 0) close(fd);
  }
  ReadFd(const ReadFd&) = delete;
  ReadFd& operator=(const ReadFd&) = delete;
};

// Runs `fn(fd, range)` for each range, opening each run of ranges of one file once.
template <typename Fn>
void ForEachRange(const std::vector<FileRange>& ranges, Fn fn) {
  for (size_t i = 0; i < ranges.size();) {
    ReadFd in(ranges[i].path);
    if (in.fd < 0) Fail("open", ranges[i].path);
    size_t j = i;
    for (; j < ranges.size() && ranges[j].path == ranges[i].path; ++j) fn(in.fd, ranges[j]);
    i = j;
  }
}

}  // namespace

std::vector<BigVector<uint8_t>> ReadRanges(const std::vector<FileRange>& ranges) {
  std::vector<BigVector<uint8_t>> out;
  out.reserve(ranges.size());
  ForEachRange(ranges, [&](int fd, const FileRange& r) {
    BigVector<uint8_t> bytes(static_cast<size_t>(r.end - r.start));
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = pread(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(r.start + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) Fail("read", r.path);
      if (n == 0) {
        throw std::runtime_error("Byte range [" + std::to_string(r.start) + ", " + std::to_string(r.end) + ") is past the end of " + r.path +
                                 " (read " + std::to_string(done) + " bytes)");
      }
      done += static_cast<size_t>(n);
    }
    out.push_back(std::move(bytes));
  });
  return out;
}

void CopyRangesInto(int out_fd, const std::vector<FileRange>& ranges) {
  ForEachRange(ranges, [&](int fd, const FileRange& r) {
    try {
      CopyRange(fd, out_fd, r.start, r.end - r.start);
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(r.path + ": " + e.what());
    }
  });
}

bool ReadWhole(const std::string& path, BigVector<uint8_t>* out) {
  ReadFd in(path);
  if (in.fd < 0) {
    if (errno == ENOENT) return false;
    Fail("open", path);
  }
  const int fd = in.fd;
  struct stat st;
  if (fstat(fd, &st) != 0) Fail("fstat", path);
  if (S_ISDIR(st.st_mode)) {
    errno = EISDIR;
    Fail("read", path);
  }
  out->resize(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < out->size()) {
    const ssize_t n = read(fd, out->data() + done, out->size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) Fail("read", path);
    if (n == 0) break;  // the file shrank since fstat: what is there
    done += static_cast<size_t>(n);
  }
  out->resize(done);
  return true;
}

bool WriteDurably(const std::string& target, const std::string& tmp, const uint8_t* data, size_t size, bool replace, bool strict_dir_sync) {
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) Fail("open", tmp);
  try {
    for (size_t done = 0; done < size;) {
      const ssize_t n = write(fd, data + done, size - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) Fail("write", tmp);
      done += static_cast<size_t>(n);
    }
    if (fsync(fd) != 0) Fail("fsync", tmp);
  } catch (...) {
    close(fd);
    unlink(tmp.c_str());
    throw;
  }
  if (close(fd) != 0) {
    const int code = errno;
    unlink(tmp.c_str());
    errno = code;
    Fail("close", tmp);
  }
  if (replace) {
    if (rename(tmp.c_str(), target.c_str()) != 0) {
      const int code = errno;
      unlink(tmp.c_str());
      errno = code;
      Fail("rename", target);
    }
  } else {
    const int linked = link(tmp.c_str(), target.c_str());
    const int code = errno;
    unlink(tmp.c_str());
    if (linked != 0) {
      if (code == EEXIST) return false;
      errno = code;
      Fail("link", target);
    }
  }
  // The new directory entry made durable too (a power loss must not lose a commit seen as done).
  const size_t slash = target.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : target.substr(0, slash);
  const int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int err = 0;
  if (dfd < 0) err = errno;
  else {
    if (fsync(dfd) != 0) err = errno;
    close(dfd);
  }
  if (err != 0 && strict_dir_sync && err != EISDIR && err != EPERM && err != EINVAL && err != EBADF) {
    errno = err;
    Fail("fsync", dir);
  }
  return true;
}

void CopyRange(int in_fd, int out_fd, uint64_t start, uint64_t length) {
  off_t in_off = static_cast<off_t>(start);
  uint64_t left = length;
#ifdef __linux__
  // The kernel copies page-cache pages (or shares extents): no user-space buffer at all.
  while (left > 0) {
    const ssize_t n = copy_file_range(in_fd, &in_off, out_fd, nullptr, static_cast<size_t>(std::min<uint64_t>(left, 1u << 30)), 0);
    if (n > 0) {
      left -= static_cast<uint64_t>(n);
      continue;
    }
    if (n == 0) throw std::runtime_error("input ended " + std::to_string(left) + " bytes before the copied range did");
    if (errno == EINTR) continue;
    // Not supported between these files (old kernel, other file systems): copy through a buffer below.
    if (errno == ENOSYS || errno == EXDEV || errno == EINVAL || errno == EOPNOTSUPP) break;
    throw std::runtime_error(std::string("copy_file_range: ") + std::strerror(errno));
  }
#endif
  std::vector<uint8_t> buf(static_cast<size_t>(std::min<uint64_t>(left, 1u << 20)));
  while (left > 0) {
    const ssize_t n = pread(in_fd, buf.data(), static_cast<size_t>(std::min<uint64_t>(left, buf.size())), in_off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error(std::string("read: ") + std::strerror(errno));
    if (n == 0) throw std::runtime_error("input ended " + std::to_string(left) + " bytes before the copied range did");
    for (ssize_t done = 0; done < n;) {
      const ssize_t w = write(out_fd, buf.data() + done, static_cast<size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) throw std::runtime_error(std::string("write: ") + std::strerror(errno));
      done += w;
    }
    in_off += n;
    left -= static_cast<uint64_t>(n);
  }
}

}  // namespace tributary::maintenance

#else  // POSIX directory calls only; Windows builds use the async-fs fallback in list-files.ts.

#include <stdexcept>

namespace tributary::maintenance {
std::vector<ListedFile> ListTree(const std::string&, const std::vector<std::string>&) {
  throw std::runtime_error("native listing is not available on Windows");
}
std::vector<std::string> DeleteFiles(const std::string&, const std::vector<std::string>&, int) {
  throw std::runtime_error("native deletion is not available on Windows");
}
std::vector<ListedFile> ListDir(const std::string&, const std::string&, const std::string&) {
  throw std::runtime_error("native listing is not available on Windows");
}
void CopyRange(int, int, uint64_t, uint64_t) { throw std::runtime_error("native range copies are not available on Windows"); }
bool WriteDurably(const std::string&, const std::string&, const uint8_t*, size_t, bool, bool) {
  throw std::runtime_error("native durable writes are not available on Windows");
}
bool ReadWhole(const std::string&, BigVector<uint8_t>*) { throw std::runtime_error("native whole-file reads are not available on Windows"); }
std::vector<BigVector<uint8_t>> ReadRanges(const std::vector<FileRange>&) { throw std::runtime_error("native ranged reads are not available on Windows"); }
void CopyRangesInto(int, const std::vector<FileRange>&) { throw std::runtime_error("native range copies are not available on Windows"); }
}  // namespace tributary::maintenance

#endif
