#include "service/decision_table.h"

#include <gtest/gtest.h>

#include <thread>

namespace dg {
namespace {

std::shared_ptr<const PublishedDecision> Make(Action action, double score, std::string campaign = "") {
  auto d = std::make_shared<PublishedDecision>();
  d->action = action;
  d->score = score;
  d->campaign = std::move(campaign);
  return d;
}

TEST(DecisionTableTest, PublishReplacesAndLookupCopiesThePointer) {
  DecisionTable table;
  EXPECT_EQ(table.Lookup("a"), nullptr);
  table.Publish("a", Make(Action::kMonitor, 0.5));
  auto held = table.Lookup("a");
  table.Publish("a", Make(Action::kBlock, 0.99));
  ASSERT_NE(held, nullptr);
  EXPECT_EQ(held->action, Action::kMonitor);  // a reader's copy survives a newer publish
  EXPECT_EQ(table.Lookup("a")->action, Action::kBlock);
  EXPECT_EQ(table.size(), 1u);
  table.Clear();
  EXPECT_EQ(table.Lookup("a"), nullptr);
}

TEST(DecisionTableTest, ConcurrentReadersSeeWholeEntries) {
  DecisionTable table;
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; i < 20000; ++i) {
      const bool block = i % 2 == 0;
      table.Publish("acct" + std::to_string(i % 100), Make(block ? Action::kBlock : Action::kAllow, block ? 1.0 : 0.0));
    }
    stop = true;
  });
  int64_t torn = 0;
  while (!stop) {
    for (int j = 0; j < 100; ++j) {
      auto d = table.Lookup("acct" + std::to_string(j));
      if (d != nullptr && ((d->action == Action::kBlock) != (d->score == 1.0))) ++torn;
    }
  }
  writer.join();
  EXPECT_EQ(torn, 0);
  EXPECT_EQ(table.size(), 100u);
}

TEST(OverrideTableTest, AccountWinsOverCampaign) {
  OverrideTable o;
  EXPECT_FALSE(o.Find("a", "C1").has_value());
  o.Set(Override{OverrideKind::kCampaign, "C1", Action::kBlock, "alice", "campaign confirmed", 1});
  ASSERT_TRUE(o.Find("a", "C1").has_value());
  EXPECT_EQ(o.Find("a", "C1")->action, Action::kBlock);
  EXPECT_FALSE(o.Find("a", "").has_value());
  o.Set(Override{OverrideKind::kAccount, "a", Action::kAllow, "bob", "known customer", 2});
  EXPECT_EQ(o.Find("a", "C1")->action, Action::kAllow);
  EXPECT_EQ(o.Find("a", "C1")->by, "bob");
  EXPECT_EQ(o.Find("b", "C1")->action, Action::kBlock);
  o.Clear(OverrideKind::kAccount, "a");
  EXPECT_EQ(o.Find("a", "C1")->action, Action::kBlock);
  EXPECT_EQ(o.size(), 1u);
  o.ClearAll();
  EXPECT_FALSE(o.Find("a", "C1").has_value());
}

}  // namespace
}  // namespace dg
