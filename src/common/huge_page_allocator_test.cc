// Tests for HugePageAllocator (common/huge_page_allocator.h): small blocks
// come from operator new, large ones are mapped and advised MADV_HUGEPAGE
// (the kernel's "hg" flag on the mapping), and the containers the engine
// uses work on it.
#include "common/huge_page_allocator.h"

#include <absl/container/flat_hash_map.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace dg {
namespace {

// The VmFlags of the mapping of this process that holds `p`, or "" if none.
std::string VmFlagsOf(const void* p) {
  const auto address = reinterpret_cast<uintptr_t>(p);
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    uintptr_t begin = 0;
    uintptr_t end = 0;
    char dash = 0;
    std::istringstream range(line);
    if (range >> std::hex >> begin >> dash >> end && dash == '-') {
      inside = address >= begin && address < end;
      continue;
    }
    if (inside && line.starts_with("VmFlags:")) return line;
  }
  return "";
}

bool Advised(const void* p) { return VmFlagsOf(p).find(" hg") != std::string::npos; }

TEST(HugePageAllocatorTest, LargeBlocksAreMappedAndAdvised) {
  HugePageAllocator<uint64_t> allocator;
  const size_t n = kHugePageMinBytes / sizeof(uint64_t) + 3;  // just over the threshold
  uint64_t* large = allocator.allocate(n);
  ASSERT_NE(large, nullptr);
  for (size_t i = 0; i < n; ++i) large[i] = i;  // all of it is writable
  EXPECT_EQ(large[n - 1], n - 1);
  EXPECT_TRUE(Advised(large)) << VmFlagsOf(large);
  allocator.deallocate(large, n);
  EXPECT_EQ(VmFlagsOf(large), "");  // unmapped

  uint64_t* small = allocator.allocate(16);
  std::memset(small, 0xab, 16 * sizeof(uint64_t));
  EXPECT_FALSE(Advised(small)) << VmFlagsOf(small);  // the ordinary heap
  allocator.deallocate(small, 16);
}

TEST(HugePageAllocatorTest, MappingIsWholeHugePages) {
  EXPECT_EQ(HugePageMappingBytes(kHugePageMinBytes), kHugePageMinBytes);
  EXPECT_EQ(HugePageMappingBytes(kHugePageMinBytes + 1), 2 * kHugePageMinBytes);
}

TEST(HugePageAllocatorTest, OverAlignedTypes) {
  struct alignas(64) Line {
    char bytes[64];
  };
  HugePageAllocator<Line> allocator;
  Line* small = allocator.allocate(3);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(small) % 64, 0U);
  allocator.deallocate(small, 3);
  Line* large = allocator.allocate(kHugePageMinBytes / sizeof(Line));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(large) % 64, 0U);
  allocator.deallocate(large, kHugePageMinBytes / sizeof(Line));
}

// The linker's tables: a map that grows far past the threshold, is moved
// into another (the two-generation swap) and cleared, keeps its values.
TEST(HugePageAllocatorTest, HashMapGrowsMovesAndClears) {
  using Map = absl::flat_hash_map<uint64_t, uint32_t, absl::Hash<uint64_t>, std::equal_to<uint64_t>,
                                  HugePageAllocator<std::pair<const uint64_t, uint32_t>>>;
  Map map;
  constexpr uint32_t kValues = 400000;  // ~6 MiB of slots
  for (uint32_t i = 0; i < kValues; ++i) map.try_emplace(uint64_t{i} * 7919, i);
  Map old = std::move(map);
  map.clear();
  EXPECT_TRUE(map.empty());
  ASSERT_EQ(old.size(), kValues);
  for (uint32_t i = 0; i < kValues; i += 997) {
    auto it = old.find(uint64_t{i} * 7919);
    ASSERT_NE(it, old.end());
    EXPECT_EQ(it->second, i);
  }
  map.try_emplace(1, 2);
  EXPECT_EQ(map.at(1), 2U);
  std::vector<uint32_t, HugePageAllocator<uint32_t>> v(2 * kValues, 5);  // 3.2 MB
  EXPECT_TRUE(Advised(v.data()));
  EXPECT_EQ(v.back(), 5U);
}

}  // namespace
}  // namespace dg
