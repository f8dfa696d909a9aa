#include "classify/database_bundle.h"

#include <gtest/gtest.h>

namespace dg {
namespace {

TEST(DatabaseBundleTest, RoundTrip) {
  const std::vector<DatabaseBundle::Entry> entries = {
      {1, "abc"}, {2, ""}, {0xffffffffffffffffULL, std::string(17, 'x')}};
  const std::string bytes = DatabaseBundle::Serialize(entries);
  EXPECT_EQ(bytes.size() % 8, 0u);
  auto bundle = DatabaseBundle::Parse(bytes);
  ASSERT_TRUE(bundle.ok()) << bundle.status().message();
  EXPECT_EQ(bundle->size(), 3u);
  EXPECT_EQ(bundle->Find(1), std::optional<std::string_view>("abc"));
  EXPECT_EQ(bundle->Find(2), std::optional<std::string_view>(""));
  EXPECT_EQ(bundle->Find(0xffffffffffffffffULL), std::optional<std::string_view>(std::string(17, 'x')));
  EXPECT_FALSE(bundle->Find(3).has_value());
}

TEST(DatabaseBundleTest, EmptyBytesAreAnEmptyBundle) {
  auto bundle = DatabaseBundle::Parse("");
  ASSERT_TRUE(bundle.ok());
  EXPECT_EQ(bundle->size(), 0u);
  EXPECT_FALSE(bundle->Find(0).has_value());
}

TEST(DatabaseBundleTest, DamagedBytesAreRefused) {
  const std::string bytes = DatabaseBundle::Serialize({{1, "abcdefghij"}, {2, "k"}});
  EXPECT_FALSE(DatabaseBundle::Parse("DGHSDB02").ok());
  EXPECT_FALSE(DatabaseBundle::Parse("not a bundle at all").ok());
  // Every truncation is refused, and so is a byte too many.
  EXPECT_TRUE(DatabaseBundle::Parse(bytes).ok());
  EXPECT_FALSE(DatabaseBundle::Parse(bytes + std::string(8, '\0')).ok());
  for (size_t n = 1; n < bytes.size(); ++n) {
    EXPECT_FALSE(DatabaseBundle::Parse(std::string_view(bytes).substr(0, n)).ok()) << n;
  }
  EXPECT_FALSE(DatabaseBundle::Parse(DatabaseBundle::Serialize({{5, "a"}, {5, "b"}})).ok());
  // A size field pointing far past the end.
  std::string huge = DatabaseBundle::Serialize({{1, "abc"}});
  huge[8 + 8 + 8 + 7] = '\x7f';  // the high byte of the entry's size
  EXPECT_FALSE(DatabaseBundle::Parse(huge).ok());
}

}  // namespace
}  // namespace dg
