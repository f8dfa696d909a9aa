#include "common/recent_text_cache.h"

#include <gtest/gtest.h>

#include <string>

namespace dg {
namespace {

TEST(RecentTextCacheTest, FindsExactlyWhatWasPut) {
  RecentTextCache<int, 16, 8> cache;
  EXPECT_EQ(cache.Find("abc"), nullptr);  // nothing allocated yet
  cache.Put("abc", 1);
  ASSERT_NE(cache.Find("abc"), nullptr);
  EXPECT_EQ(*cache.Find("abc"), 1);
  EXPECT_EQ(cache.Find("abd"), nullptr);
  EXPECT_EQ(cache.Find("ab"), nullptr);
  EXPECT_EQ(cache.Find(""), nullptr);
  cache.Put("abc", 2);  // replaced
  EXPECT_EQ(*cache.Find("abc"), 2);
}

TEST(RecentTextCacheTest, TextsOverTheLimitAreNotKept) {
  RecentTextCache<int, 16, 8> cache;
  cache.Put("123456789", 1);
  EXPECT_EQ(cache.Find("123456789"), nullptr);
  cache.Put("12345678", 2);
  EXPECT_EQ(*cache.Find("12345678"), 2);
}

TEST(RecentTextCacheTest, ASlotHoldsOneTextAtATime) {
  RecentTextCache<int, 4, 8> cache;
  // Two texts of the same slot: the second evicts the first, and the first
  // is not taken for the second.
  std::string a = "t0", b;
  for (int i = 1; b.empty(); ++i) {
    const std::string c = "t" + std::to_string(i);
    if (Hash64(c) % 4 == Hash64(a) % 4) b = c;
  }
  cache.Put(a, 1);
  cache.Put(b, 2);
  EXPECT_EQ(cache.Find(a), nullptr);
  EXPECT_EQ(*cache.Find(b), 2);
}

}  // namespace
}  // namespace dg
