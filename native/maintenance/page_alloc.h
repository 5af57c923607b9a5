// Large buffers straight from the kernel. The maintenance core allocates
// buffers of megabytes (decoded columns, sort keys, gathered rows) and frees
// them within a phase; through malloc, freed blocks of that size stay in the
// allocator's arenas (its mmap threshold grows after the first large free), so
// the process keeps the memory of the largest phase for good. Mapped pages go
// back to the kernel the moment a buffer is freed.
#pragma once
#include <cstddef>
#include <new>
#include <vector>

#ifndef _WIN32
#include <sys/mman.h>
#endif

namespace tributary::maintenance {

template <typename T>
struct PageAllocator {
  using value_type = T;
  // Below this, malloc's free lists serve better than whole pages.
  static constexpr size_t kMinBytes = 256 * 1024;

  PageAllocator() noexcept = default;
  template <typename U>
  PageAllocator(const PageAllocator<U>&) noexcept {}

  T* allocate(size_t n) {
    const size_t bytes = n * sizeof(T);
#ifndef _WIN32
    if (bytes >= kMinBytes) {
      void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p == MAP_FAILED) throw std::bad_alloc();
      return static_cast<T*>(p);
    }
#endif
    return static_cast<T*>(::operator new(bytes));
  }

  void deallocate(T* p, size_t n) noexcept {
    const size_t bytes = n * sizeof(T);
#ifndef _WIN32
    if (bytes >= kMinBytes) {
      munmap(p, bytes);
      return;
    }
#endif
    ::operator delete(p);
  }

  template <typename U>
  bool operator==(const PageAllocator<U>&) const noexcept {
    return true;
  }
  template <typename U>
  bool operator!=(const PageAllocator<U>&) const noexcept {
    return false;
  }
};

// A vector whose large buffers are mapped pages (see above).
template <typename T>
using BigVector = std::vector<T, PageAllocator<T>>;

}  // namespace tributary::maintenance
