#include "report/result_dir.h"

#include <gtest/gtest.h>

namespace dg {
namespace {

const std::string kFixture = std::string(DG_SOURCE_DIR) + "/tests/e2e/data/ext_result";

TEST(ResultDirTest, ReadsEveryExtensionField) {
  auto data = LoadResultDir(kFixture);
  ASSERT_TRUE(data.ok()) << data.status().message();
  ASSERT_EQ(data->campaigns.size(), 2u);
  const CampaignData& c = data->campaigns[0];
  EXPECT_EQ(c.id, "C0001");
  EXPECT_EQ(c.accounts, 24);
  EXPECT_EQ(c.action, "block");
  EXPECT_NE(c.actioned_at_ms, kNoTime);
  EXPECT_EQ(c.members.size(), 24u);
  EXPECT_GT(c.exchanges_before_action, 0);
  ASSERT_EQ(c.infrastructure.asns.size(), 1u);
  EXPECT_EQ(c.infrastructure.asns[0].value, "16509");
  EXPECT_EQ(c.infrastructure.asns[0].ip_type, "hosting");
  EXPECT_EQ(c.signup.email_shapes[0].shape, "aaaaaa99");
  ASSERT_EQ(c.templates.size(), 1u);
  EXPECT_EQ(c.templates[0].minhash.size(), kCampaignSketchHashes);
  EXPECT_TRUE(c.sketch_params.present);
  EXPECT_EQ(c.sketch_params.bands, 16);
  EXPECT_EQ(c.timeline.size(), 8u);
  EXPECT_EQ(c.graph_nodes.size(), 24u);
  EXPECT_FALSE(c.graph_edges.empty());
  EXPECT_EQ(data->accounts.size(), 24u + 12u + 30u);
  EXPECT_TRUE(data->summary.present);
}

TEST(ResultDirTest, ToleratesMissingAndMistypedOptionalFields) {
  auto c = ParseCampaignsJson(R"({"campaigns": [{"id": "C1", "accounts": 3, "exchanges": 9,
      "first_seen": "2026-04-22T10:00:00Z", "last_seen": "2026-04-22T11:00:00Z", "score": 0.9,
      "capabilities": {"reasoning": 1.0}, "evidence": ["x"], "members": "not a list", "infrastructure": 7,
      "templates": [{"minhash": [1, 2, 3]}], "timeline": [{"hour": "nonsense"}]}]})");
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_EQ(c->size(), 1u);
  EXPECT_TRUE((*c)[0].members.empty());
  EXPECT_TRUE((*c)[0].templates.empty());  // a 3-value signature cannot be banded
  EXPECT_TRUE((*c)[0].timeline.empty());
  EXPECT_EQ((*c)[0].exchanges_before_action, kAbsentCount);
}

TEST(ResultDirTest, RejectsMissingFixedFields) {
  auto c = ParseCampaignsJson(R"({"campaigns": [{"id": "C1", "accounts": 3}]})");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("exchanges"), std::string::npos);
  EXPECT_FALSE(ParseCampaignsJson("{").ok());
  EXPECT_FALSE(ParseCampaignsJson(R"({"nope": []})").ok());
  EXPECT_FALSE(ParseAccountLine(R"({"account_id": 5})").ok());
  EXPECT_EQ(LoadResultDir("/nonexistent/dir").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace dg

namespace dg {
namespace {

TEST(ResultDirTest, ReadsTheLinkageStagesAsnSpelling) {
  auto c = ParseCampaignsJson(R"json({"campaigns": [{"id": "C1", "accounts": 3, "exchanges": 9,
      "first_seen": "2026-04-22T10:00:00Z", "last_seen": "2026-04-22T11:00:00Z", "score": 0.9,
      "capabilities": {}, "evidence": [], "infrastructure": {"asns": [{"value": "AS9009 (proxy)", "accounts": 3,
      "holders": 61}, {"value": 16509}], "request_shapes": [{"value": "x", "accounts": 2}]}}]})json");
  ASSERT_TRUE(c.ok()) << c.status().message();
  const auto& asns = (*c)[0].infrastructure.asns;
  ASSERT_EQ(asns.size(), 2u);
  EXPECT_EQ(asns[0].value, "9009");
  EXPECT_EQ(asns[0].ip_type, "proxy");
  EXPECT_EQ(asns[0].holders, 61);
  EXPECT_EQ(asns[0].exchanges, kAbsentCount);
  EXPECT_EQ(asns[1].value, "16509");
}

}  // namespace
}  // namespace dg
