#include "eval/metrics.h"

#include <gtest/gtest.h>

#include <fstream>

namespace dg {
namespace {

AccountRow Row(const std::string& id, Action a, int64_t exchanges, int64_t before) {
  AccountRow r;
  r.account_id = id;
  r.action = a;
  r.exchanges = exchanges;
  r.exchanges_before_action = before;
  r.first_action_ts_ms = before >= 0 ? 1000 : kNoTime;
  return r;
}

TEST(MetricsTest, FollowsSchemaSection4) {
  const std::vector<Label> labels = {
      {"x1", true, "hydra", "campaign"}, {"x2", true, "hydra", "campaign"}, {"x3", true, "hydra", "campaign"},
      {"b1", false, "", "chat"},         {"b2", false, "", "chat"},         {"b3", false, "", "enterprise-batch"},
  };
  const std::vector<AccountRow> rows = {
      Row("x1", Action::kBlock, 100, 10), Row("x2", Action::kThrottle, 50, 5),  Row("x3", Action::kMonitor, 40, -1),
      Row("b1", Action::kAllow, 10, -1),  Row("b2", Action::kChallenge, 10, 3), Row("b3", Action::kMonitor, 900, -1),
      Row("zz", Action::kAllow, 1, -1),
  };
  const Metrics m = ComputeMetrics(labels, rows);
  EXPECT_DOUBLE_EQ(m.recall(), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(m.benign_fpr(), 1.0 / 3.0);
  // Leakage: 10 + 5 served before action, plus all 40 of the never-actioned one.
  EXPECT_DOUBLE_EQ(m.leakage(), 55.0 / 190.0);
  EXPECT_EQ(m.benign_by_kind.at("chat").actioned, 1);
  EXPECT_EQ(m.benign_by_kind.at("enterprise-batch").actioned, 0);
  EXPECT_EQ(m.campaigns.at("hydra").first_action_ms, 1000);
  EXPECT_EQ(m.unlabelled_accounts, 1);
}

TEST(MetricsTest, LoadsLabelsAndRejectsBadLines) {
  const std::string path = ::testing::TempDir() + "/labels.jsonl";
  std::ofstream(path) << R"({"account_id":"a17","label":"attack","campaign":"c","kind":"campaign"})"
                      << "\n"
                      << R"({"account_id":"a18","label":"benign","campaign":null,"kind":"chat"})"
                      << "\n";
  auto labels = LoadLabels(path);
  ASSERT_TRUE(labels.ok()) << labels.status().message();
  ASSERT_EQ(labels->size(), 2u);
  EXPECT_TRUE((*labels)[0].attack);
  EXPECT_EQ((*labels)[1].kind, "chat");
  std::ofstream(path) << R"({"account_id":"a17","label":"evil"})"
                      << "\n";
  EXPECT_FALSE(LoadLabels(path).ok());
}

}  // namespace
}  // namespace dg
