// HugePageAllocator: a standard allocator whose large blocks the kernel may
// back with transparent huge pages (2 MiB instead of 4 KiB).
//
// Bottom of the pipeline, beside hash.h. The engine's big tables (linkage's
// value tables, the request-id window, the account index) are probed at
// random for every event; with 4 KiB pages nearly every probe of a table of
// tens of megabytes also misses the TLB and faults in pages as the table
// grows. Debian's kernels default to THP "madvise": only memory advised with
// MADV_HUGEPAGE gets huge pages, which plain operator new never does. Blocks
// of at least kHugePageMinBytes are mapped on their own and advised; smaller
// ones come from operator new as usual. Where the kernel has THP off (or no
// huge page is free), the advice is ignored and the memory is ordinary.
// Figures: docs/benchmarks.md ("huge pages").
//
// Thread-safety: stateless, so any instance may free what another allocated
// (all compare equal), from any thread.
#ifndef DG_COMMON_HUGE_PAGE_ALLOCATOR_H_
#define DG_COMMON_HUGE_PAGE_ALLOCATOR_H_

#include <sys/mman.h>

#include <cstddef>
#include <limits>
#include <new>

namespace dg {

// Blocks this large or larger are mapped and advised: one huge page.
inline constexpr size_t kHugePageMinBytes = size_t{2} << 20;

// The mapping behind a block of `bytes` (>= kHugePageMinBytes): whole huge
// pages, so that the last one can be huge too.
inline size_t HugePageMappingBytes(size_t bytes) {
  return (bytes + kHugePageMinBytes - 1) / kHugePageMinBytes * kHugePageMinBytes;
}

// Maps `bytes` (>= kHugePageMinBytes) and advises huge pages; nullptr if the
// mapping fails.
inline void* MapHugePages(size_t bytes) {
  const size_t length = HugePageMappingBytes(bytes);
  void* p = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  // Advice only: where it is refused the memory is ordinary pages.
  (void)madvise(p, length, MADV_HUGEPAGE);
  return p;
}

inline void UnmapHugePages(void* p, size_t bytes) { (void)munmap(p, HugePageMappingBytes(bytes)); }

template <typename T>
class HugePageAllocator {
 public:
  using value_type = T;
  static constexpr bool kOverAligned = alignof(T) > __STDCPP_DEFAULT_NEW_ALIGNMENT__;

  HugePageAllocator() = default;
  template <typename U>
  explicit(false) HugePageAllocator(const HugePageAllocator<U>& /*other*/) {}  // NOLINT: rebinding is implicit

  // Throws std::bad_alloc like std::allocator (what the containers expect).
  T* allocate(size_t n) {
    if (n > std::numeric_limits<size_t>::max() / sizeof(T)) throw std::bad_alloc();
    const size_t bytes = n * sizeof(T);
    if (bytes < kHugePageMinBytes) {
      if constexpr (kOverAligned) return static_cast<T*>(::operator new (bytes, std::align_val_t{alignof(T)}));
      return static_cast<T*>(::operator new(bytes));
    }
    static_assert(alignof(T) <= kHugePageMinBytes, "a mapping is page aligned");
    void* p = MapHugePages(bytes);
    if (p == nullptr) throw std::bad_alloc();
    return static_cast<T*>(p);
  }

  void deallocate(T* p, size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes < kHugePageMinBytes) {
      if constexpr (kOverAligned) {
        ::operator delete (p, bytes, std::align_val_t{alignof(T)});
      } else {
        ::operator delete(p, bytes);
      }
      return;
    }
    UnmapHugePages(p, bytes);
  }

  template <typename U>
  bool operator==(const HugePageAllocator<U>& /*other*/) const {
    return true;
  }
};

}  // namespace dg

#endif  // DG_COMMON_HUGE_PAGE_ALLOCATOR_H_
