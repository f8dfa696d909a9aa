#include "pipeline/engine.h"

#include <gtest/gtest.h>

#include <cmath>

namespace dg {
namespace {

Event Harvest(const std::string& account, int64_t ts_ms, int i) {
  Event e;
  e.ts_ms = ts_ms;
  e.request_id = account + "-" + std::to_string(i);
  e.account_id = account;
  e.prompt =
      "Write a Python function that merges two sorted lists. Think step by step and show your full "
      "chain of thought before the final answer.";
  e.params.max_tokens = 16000;
  e.has_ip_type = true;
  e.ip_type = IpType::kHosting;
  e.ip = "198.51.100." + std::to_string(i % 200);
  e.country = "SG";
  if (i == 0) {
    e.has_account = true;
    e.account.created_ms = ts_ms - kMsPerHour;
    e.account.tier = Tier::kFree;
    e.account.phone_verified = TriBool::kFalse;
    e.account.billing_country = "US";
  }
  return e;
}

Event Chat(const std::string& account, int64_t ts_ms, int i) {
  Event e;
  e.ts_ms = ts_ms;
  e.request_id = account + "-" + std::to_string(i);
  e.account_id = account;
  e.prompt = i % 2 == 0 ? "hey, what should I cook tonight with leftover rice?" : "thanks! and a dessert?";
  e.conversation_id = account + "-c" + std::to_string(i / 2);
  e.turn = i % 2 + 1;
  e.assistant_messages = i % 2;
  e.has_ip_type = true;
  e.ip_type = IpType::kResidential;
  if (i == 0) {
    e.has_account = true;
    e.account.created_ms = ts_ms - 400 * kMsPerDay;
    e.account.tier = Tier::kPro;
    e.account.phone_verified = TriBool::kTrue;
  }
  return e;
}

TEST(EngineTest, ActionsAHarvesterAndRecordsWhen) {
  auto engine = Engine::Create(EngineConfig{});
  ASSERT_TRUE(engine.ok()) << engine.status().message();
  int64_t t = 1'000'000'000'000;
  for (int i = 0; i < 40; ++i) {
    (*engine)->Process(Harvest("h", t, i));
    (*engine)->Process(Chat("c", t + 1, i));
    t += 7 * kMsPerMinute;
  }
  const AccountRecord* h = (*engine)->Find("h");
  const AccountRecord* c = (*engine)->Find("c");
  ASSERT_NE(h, nullptr);
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(IsActioned(h->action));
  EXPECT_GE(h->exchanges_before_action, PolicyConfig{}.min_exchanges - 1);
  EXPECT_LT(h->exchanges_before_action, 10);
  EXPECT_NE(h->first_action_ts_ms, kNoTime);
  EXPECT_FALSE(IsActioned(c->action));
  EXPECT_EQ(c->first_action_ts_ms, kNoTime);
  const auto rows = (*engine)->AccountRows();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].account_id, "h");
  EXPECT_EQ(rows[0].exchanges, 40);
  EXPECT_FALSE(rows[0].reasons.empty());
  EXPECT_EQ((*engine)->counters().exchanges, 80);
}

TEST(EngineTest, DecisionsAreCausalUnderTruncation) {
  // Running the first half of a stream gives the same first actions as the
  // full stream for everything actioned within that half.
  std::vector<Event> stream;
  int64_t t = 1'000'000'000'000;
  for (int i = 0; i < 30; ++i) {
    stream.push_back(Harvest("h1", t, i));
    stream.push_back(Chat("c1", t + 5, i));
    if (i >= 10) stream.push_back(Harvest("h2", t + 9, i - 10));
    t += 11 * kMsPerMinute;
  }
  auto full = Engine::Create(EngineConfig{});
  auto half = Engine::Create(EngineConfig{});
  ASSERT_TRUE(full.ok() && half.ok());
  for (const auto& e : stream) (*full)->Process(e);
  for (size_t i = 0; i < stream.size() / 2; ++i) (*half)->Process(stream[i]);
  const int64_t cut = stream[stream.size() / 2 - 1].ts_ms;
  for (const char* id : {"h1", "h2", "c1"}) {
    const AccountRecord* f = (*full)->Find(id);
    const AccountRecord* h = (*half)->Find(id);
    ASSERT_NE(f, nullptr);
    if (f->first_action_ts_ms != kNoTime && f->first_action_ts_ms <= cut) {
      ASSERT_NE(h, nullptr);
      EXPECT_EQ(h->first_action_ts_ms, f->first_action_ts_ms) << id;
      EXPECT_EQ(h->exchanges_before_action, f->exchanges_before_action) << id;
    }
  }
}

}  // namespace
}  // namespace dg

namespace dg {
namespace {

constexpr char kIntelBundle[] = R"({"type": "bundle", "id": "bundle--6f1c1d9e-2b7a-4c3e-9f1a-0d2e3c4b5a69", "objects": [
  {"type": "identity", "spec_version": "2.1", "id": "identity--0c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "name": "Provider B"},
  {"type": "indicator", "spec_version": "2.1", "id": "indicator--1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
   "created_by_ref": "identity--0c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "pattern_type": "stix",
   "pattern": "[ipv4-addr:value = '203.0.113.7']", "valid_from": "2001-01-01T00:00:00.000Z"},
  {"type": "indicator", "spec_version": "2.1", "id": "indicator--2c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
   "created_by_ref": "identity--0c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "pattern_type": "stix",
   "pattern": "[autonomous-system:number = 64500]", "valid_from": "2001-01-01T00:00:00.000Z"}]})";

TEST(EngineIntelTest, SharedIndicatorsRaiseTheScoreAndNameTheBundle) {
  auto bundle = ParseIntelBundle(kIntelBundle, "provider_b.json");
  ASSERT_TRUE(bundle.ok()) << bundle.status().message();
  auto intel = std::make_shared<IntelIndex>();
  intel->Add(*bundle);
  auto plain = Engine::Create(EngineConfig{});
  auto shared = Engine::Create(EngineConfig{});
  ASSERT_TRUE(plain.ok() && shared.ok());
  (*shared)->SetIntel(intel);
  int64_t t = 1'000'000'000'000;
  for (int i = 0; i < 20; ++i) {
    Event e = Chat("c", t, i);
    e.ip = "203.0.113.7";
    e.asn = i < 10 ? kAbsent : 64500;
    (*plain)->Process(e);
    (*shared)->Process(e);
    Event other = Chat("d", t + 1, i);
    other.ip = "192.0.2.1";
    (*shared)->Process(other);
    t += 7 * kMsPerMinute;
  }
  const double before = (*plain)->Find("c")->score;
  const double after = (*shared)->Find("c")->score;
  // Two kinds matched (IP, ASN): their logit weights add.
  const auto logit = [](double p) { return std::log(p / (1 - p)); };
  EXPECT_NEAR(logit(after) - logit(before),
              IntelKindLogitWeight(IntelKind::kIp) + IntelKindLogitWeight(IntelKind::kAsn), 1e-6);
  EXPECT_EQ((*shared)->Find("d")->intel_kinds, 0u);
  const AccountRow row = (*shared)->RowFor(*(*shared)->Find("c"));
  int cited = 0;
  for (const auto& r : row.reasons) {
    cited += r.find(
                 "matches shared intel from Provider B (provider_b.json, "
                 "bundle--6f1c1d9e-2b7a-4c3e-9f1a-0d2e3c4b5a69)") == 0;
  }
  EXPECT_EQ(cited, 2);
  EXPECT_EQ((*shared)->counters().intel_matched_exchanges, 20);
}

}  // namespace
}  // namespace dg
