#include "stream/kv_tools.h"

#include <gtest/gtest.h>

namespace dg {
namespace {

TEST(ParseKvDecisionTest, ReadsWhatStageTwoWrites) {
  auto d = ParseKvDecision(R"({"account_id":"acct_1","action":"block","score":0.9712,"campaign":"C0001",)"
                           R"("exchanges":42,"first_action_ts":"2026-04-20T00:00:01.000Z","seq":7,"stored_ms":1})");
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->account_id, "acct_1");
  EXPECT_EQ(d->action, Action::kBlock);
  EXPECT_DOUBLE_EQ(d->score, 0.9712);
  EXPECT_EQ(d->campaign, "C0001");
  EXPECT_EQ(d->exchanges, 42);
  auto n = ParseKvDecision(R"({"account_id":"a","action":"allow","score":0.1,"campaign":null,"exchanges":1})");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->campaign, "");
}

TEST(ParseKvDecisionTest, RejectsOtherValues) {
  EXPECT_FALSE(ParseKvDecision("").ok());
  EXPECT_FALSE(ParseKvDecision("[]").ok());
  EXPECT_FALSE(ParseKvDecision(R"({"action":"block"})").ok());
  EXPECT_FALSE(ParseKvDecision(R"({"account_id":"a","action":"obliterate"})").ok());
  EXPECT_FALSE(ParseKvDecision(R"({"account_id":"a"})").ok());
  EXPECT_FALSE(ParseKvDecision(R"({"account_id":"a","action":"block")").ok());
}

}  // namespace
}  // namespace dg
