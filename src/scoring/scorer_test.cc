#include "scoring/scorer.h"

#include <gtest/gtest.h>

#include "scoring/policy.h"

namespace dg {
namespace {

constexpr size_t Cap(Capability c) { return static_cast<size_t>(c); }

// A harvesting account as the public reports describe it.
AccountSummary Harvester() {
  AccountSummary s;
  s.exchanges = 60;
  s.coercion_share = 0.9;
  s.capability_share[Cap(Capability::kSoftwareEngineering)] = 0.5;
  s.capability_share[Cap(Capability::kReasoning)] = 0.4;
  s.single_turn_share = 1.0;
  s.anonymised_share = 1.0;
  s.country_mismatch_share = 1.0;
  s.age_at_first_use_ms = 5 * kMsPerHour;
  s.phone_verified = TriBool::kFalse;
  s.tier = Tier::kFree;
  s.large_max_tokens_share = 1.0;
  s.hour_entropy = 0.97;
  s.gap_cv = 0.3;
  return s;
}

// Plain human chat, any volume.
AccountSummary Chatter(int64_t exchanges) {
  AccountSummary s;
  s.exchanges = exchanges;
  s.capability_share[Cap(Capability::kConversation)] = 0.4;
  s.capability_share[Cap(Capability::kKnowledge)] = 0.4;
  s.capability_share[Cap(Capability::kWriting)] = 0.2;
  s.single_turn_share = 0.4;
  s.multi_turn_share = 0.6;
  s.age_at_first_use_ms = 400 * kMsPerDay;
  s.phone_verified = TriBool::kTrue;
  s.tier = Tier::kPro;
  s.hour_entropy = 0.7;
  s.gap_cv = 2.5;
  return s;
}

// A verified enterprise batch job: templated, single-turn, cloud, 24/7.
AccountSummary EnterpriseBatch() {
  AccountSummary s;
  s.exchanges = 50000;
  s.capability_share[Cap(Capability::kWriting)] = 0.6;
  s.capability_share[Cap(Capability::kSoftwareEngineering)] = 0.4;
  s.single_turn_share = 1.0;
  s.anonymised_share = 1.0;
  s.age_at_first_use_ms = 30 * kMsPerDay;
  s.phone_verified = TriBool::kTrue;
  s.tier = Tier::kEnterprise;
  s.has_org = true;
  s.hour_entropy = 0.99;
  s.gap_cv = 0.2;
  return s;
}

// A coding agent: heavy, agentic, thinking budget, long tool loops.
AccountSummary CodingAgent() {
  AccountSummary s;
  s.exchanges = 8000;
  s.capability_share[Cap(Capability::kAgenticToolUse)] = 0.8;
  s.capability_share[Cap(Capability::kSoftwareEngineering)] = 0.2;
  s.single_turn_share = 0.05;
  s.multi_turn_share = 0.95;
  s.tool_result_share = 0.9;
  s.thinking_share = 1.0;
  s.large_max_tokens_share = 1.0;
  s.age_at_first_use_ms = 200 * kMsPerDay;
  s.phone_verified = TriBool::kTrue;
  s.tier = Tier::kPro;
  s.hour_entropy = 0.75;
  s.gap_cv = 1.5;
  return s;
}

TEST(ScorerTest, HarvesterIsBlockedWithReasons) {
  const Scorer scorer{ScoringWeights{}};
  const Policy policy{PolicyConfig{}};
  const AccountSummary s = Harvester();
  const double score = scorer.Score(s);
  EXPECT_GT(score, PolicyConfig{}.block);
  EXPECT_EQ(policy.Decide(score, s.exchanges, Action::kAllow), Action::kBlock);
  const auto reasons = scorer.Reasons(s);
  ASSERT_FALSE(reasons.empty());
  EXPECT_NE(reasons.front().find("step-by-step"), std::string::npos) << reasons.front();
}

TEST(ScorerTest, VolumeAloneNeverRaisesTheScore) {
  const Scorer scorer{ScoringWeights{}};
  EXPECT_DOUBLE_EQ(scorer.Score(Chatter(100)), scorer.Score(Chatter(100)));
  EXPECT_LT(scorer.Score(Chatter(1000000)), PolicyConfig{}.monitor);
  EXPECT_LE(scorer.Score(Chatter(1000000)), scorer.Score(Chatter(100)) + 1e-9);
}

TEST(ScorerTest, LegitimateHeavyUseIsNotActioned) {
  const Scorer scorer{ScoringWeights{}};
  const Policy policy{PolicyConfig{}};
  for (const auto& s : {EnterpriseBatch(), CodingAgent(), Chatter(5000)}) {
    const double score = scorer.Score(s);
    EXPECT_FALSE(IsActioned(policy.Decide(score, s.exchanges, Action::kAllow))) << score;
  }
}

TEST(ScorerTest, ShrinkageKeepsFirstExchangesBelowBlock) {
  const Scorer scorer{ScoringWeights{}};
  AccountSummary s = Harvester();
  s.exchanges = 1;
  AccountSummary later = Harvester();
  EXPECT_LT(scorer.Score(s), scorer.Score(later));
}

TEST(ScorerTest, TrustTermsAreMarkedMitigating) {
  const Scorer scorer{ScoringWeights{}};
  const auto reasons = scorer.Reasons(CodingAgent());
  bool mitigating = false;
  for (const auto& r : reasons) mitigating |= r.rfind("mitigating: ", 0) == 0;
  EXPECT_TRUE(mitigating);
}

TEST(ScoringWeightsTest, ValidateRejectsNonsense) {
  ScoringWeights w;
  EXPECT_TRUE(w.Validate().ok());
  w.prior_weight = -1;
  EXPECT_FALSE(w.Validate().ok());
}

}  // namespace
}  // namespace dg
