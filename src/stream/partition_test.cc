#include "stream/partition.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace dg {
namespace {

TEST(PartitionTest, PinnedValuesSoPublishersAndWorkersAgree) {
  // Changing the hash would send an account's events to a new subject while
  // its old ones sit in another: the values are part of the wire contract.
  std::vector<uint32_t> got;
  for (const char* id : {"acct_87169c3fa7", "acct_3b58b3e424", "a", ""}) got.push_back(PartitionOf(id, 12));
  EXPECT_EQ(got, (std::vector<uint32_t>{0, 9, 7, 10}));
  for (uint32_t p : got) EXPECT_LT(p, 12u);
  EXPECT_EQ(PartitionOf("anything", 1), 0u);
}

TEST(PartitionTest, SpreadsAccountsOverEveryPartition) {
  std::vector<int> counts(12, 0);
  for (int i = 0; i < 12000; ++i) ++counts[PartitionOf("acct_" + std::to_string(i), 12)];
  for (int c : counts) {
    EXPECT_GT(c, 800);
    EXPECT_LT(c, 1200);
  }
}

TEST(PartitionTest, SubjectsAndConsumers) {
  EXPECT_EQ(EventsSubject(7), "dg.events.7");
  EXPECT_EQ(ClassifiedSubject(11), "dg.classified.11");
  EXPECT_EQ(PartitionConsumer(7), "dg-p07");
  EXPECT_EQ(PartitionConsumer(123), "dg-p123");
}

TEST(KeyTokenTest, PlainIdsStayReadable) {
  EXPECT_EQ(EncodeKeyToken("acct_87169c3fa7"), "acct_87169c3fa7");
  EXPECT_EQ(EncodeKeyToken("A-b_9"), "A-b_9");
  EXPECT_EQ(AccountKey("acct_1"), "acct.acct_1");
  EXPECT_EQ(CampaignKey("C0001"), "campaign.C0001");
}

TEST(KeyTokenTest, EscapesEverythingElseAndRoundTrips) {
  EXPECT_EQ(EncodeKeyToken("a.b"), "a=2Eb");
  EXPECT_EQ(EncodeKeyToken("x=y/z"), "x=3Dy=2Fz");
  EXPECT_EQ(EncodeKeyToken("é"), "=C3=A9");
  EXPECT_EQ(EncodeKeyToken(""), "=");
  const std::vector<std::string> ids = {
      "", "a", "a.b", "=", "==", "user@example.com", std::string("\0\xff", 2), "acct 1", "*", ">", "a/b=c.d"};
  std::set<std::string> keys;
  for (const auto& id : ids) {
    const std::string token = EncodeKeyToken(id);
    for (char c : token) {
      EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '=') << token;
    }
    auto back = DecodeKeyToken(token);
    ASSERT_TRUE(back.has_value()) << token;
    EXPECT_EQ(*back, id);
    keys.insert(token);
  }
  EXPECT_EQ(keys.size(), ids.size());  // injective
}

TEST(KeyTokenTest, RejectsNonCanonicalOrBrokenTokens) {
  EXPECT_FALSE(DecodeKeyToken("").has_value());
  EXPECT_FALSE(DecodeKeyToken("a=2").has_value());  // truncated escape
  EXPECT_FALSE(DecodeKeyToken("a=").has_value());
  EXPECT_FALSE(DecodeKeyToken("=zz").has_value());  // not hex
  EXPECT_FALSE(DecodeKeyToken("=2e").has_value());  // lower-case hex is not what Encode writes
  EXPECT_FALSE(DecodeKeyToken("=41").has_value());  // an escaped plain byte ('A')
  EXPECT_FALSE(DecodeKeyToken("a.b").has_value());
}

}  // namespace
}  // namespace dg
