#include "scoring/policy.h"

#include <gtest/gtest.h>

namespace dg {
namespace {

TEST(PolicyTest, MapsScoresToActions) {
  const Policy p{PolicyConfig{}};
  EXPECT_EQ(p.Decide(0.1, 100, Action::kAllow), Action::kAllow);
  EXPECT_EQ(p.Decide(0.6, 100, Action::kAllow), Action::kMonitor);
  EXPECT_EQ(p.Decide(0.85, 100, Action::kAllow), Action::kThrottle);
  EXPECT_EQ(p.Decide(0.9, 100, Action::kAllow), Action::kChallenge);
  EXPECT_EQ(p.Decide(0.99, 100, Action::kAllow), Action::kBlock);
}

TEST(PolicyTest, NoActionBeforeMinExchanges) {
  const Policy p{PolicyConfig{}};
  EXPECT_EQ(p.Decide(0.99, 1, Action::kAllow), Action::kMonitor);
  EXPECT_EQ(p.Decide(0.99, 3, Action::kAllow), Action::kBlock);
}

TEST(PolicyTest, StickyKeepsActionsButNotMonitoring) {
  const Policy p{PolicyConfig{}};
  EXPECT_EQ(p.Decide(0.1, 100, Action::kBlock), Action::kBlock);
  EXPECT_EQ(p.Decide(0.1, 100, Action::kMonitor), Action::kAllow);
  PolicyConfig loose;
  loose.sticky = false;
  EXPECT_EQ(Policy{loose}.Decide(0.1, 100, Action::kBlock), Action::kAllow);
}

TEST(PolicyTest, ValidateAndNames) {
  PolicyConfig c;
  EXPECT_TRUE(c.Validate().ok());
  c.block = 0.1;
  EXPECT_FALSE(c.Validate().ok());
  for (auto a : {Action::kAllow, Action::kMonitor, Action::kThrottle, Action::kChallenge, Action::kBlock}) {
    EXPECT_EQ(ParseAction(ActionName(a)), a);
  }
  EXPECT_FALSE(ParseAction("ban").has_value());
}

}  // namespace
}  // namespace dg
