#include "linkage/link_keys.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace dg {
namespace {

Event BaseEvent() {
  Event e;
  e.ts_ms = 1'000'000;
  e.account_id = "a1";
  e.ip = "203.0.113.7";
  e.asn = 64500;
  e.ip_type = IpType::kResidential;
  e.client_fp = "t13d_fp";
  e.user_agent = "sdk/1.0";
  e.model = "m1";
  e.params.max_tokens = 16000;
  return e;
}

std::vector<LinkKey> Keys(KeyExtractor& x, const Event& e) { return x.Extract(e); }

const LinkKey* Find(const std::vector<LinkKey>& keys, LinkKind kind) {
  auto it = std::find_if(keys.begin(), keys.end(), [&](const LinkKey& k) { return k.kind == kind; });
  return it == keys.end() ? nullptr : &*it;
}

TEST(KeyExtractor, NetworkKeysAndAsnOnlyForAnonymisingNetworks) {
  KeyExtractor x;
  Event e = BaseEvent();
  auto keys = Keys(x, e);
  ASSERT_NE(Find(keys, LinkKind::kIp), nullptr);
  ASSERT_NE(Find(keys, LinkKind::kPrefix), nullptr);
  EXPECT_EQ(Find(keys, LinkKind::kPrefix)->text, "203.0.113.0/24");
  EXPECT_EQ(Find(keys, LinkKind::kAsn), nullptr);  // residential ASNs are everyone's
  e.ip_type = IpType::kProxy;
  keys = Keys(x, e);
  ASSERT_NE(Find(keys, LinkKind::kAsn), nullptr);
  EXPECT_EQ(Find(keys, LinkKind::kAsn)->text, "AS64500 (proxy)");
}

TEST(KeyExtractor, KindsNeverCollideOnEqualText) {
  KeyExtractor x;
  Event e = BaseEvent();
  e.client_fp = "same";
  e.user_agent = "same";
  auto keys = Keys(x, e);
  EXPECT_NE(Find(keys, LinkKind::kClientFp)->hash, Find(keys, LinkKind::kUserAgent)->hash);
}

TEST(KeyExtractor, RequestShapeIsTheExactParameterVector) {
  KeyExtractor x;
  Event a = BaseEvent();
  Event b = BaseEvent();
  b.account_id = "a2";
  b.ip = "198.51.100.1";
  const uint64_t ha = Find(Keys(x, a), LinkKind::kRequestShape)->hash;
  EXPECT_EQ(ha, Find(Keys(x, b), LinkKind::kRequestShape)->hash);
  b.params.max_tokens = 16001;
  EXPECT_NE(ha, Find(Keys(x, b), LinkKind::kRequestShape)->hash);
  b.params.max_tokens = 16000;
  b.tools = {"bash"};
  EXPECT_NE(ha, Find(Keys(x, b), LinkKind::kRequestShape)->hash);
  auto keys = Keys(x, a);
  const std::string shown = x.Display(*Find(keys, LinkKind::kRequestShape), a);
  EXPECT_NE(shown.find("max_tokens 16000"), std::string::npos);
}

TEST(KeyExtractor, SignupKeysFromAccountFacts) {
  KeyExtractor x;
  Event e = BaseEvent();
  EXPECT_EQ(Find(Keys(x, e), LinkKind::kPaymentFp), nullptr);
  e.has_account = true;
  e.account.payment_fp = "pm_1";
  e.account.email_domain = "mail.example";
  e.account.email_local_shape = "aaaa99";
  e.account.created_ms = 3 * kMsPerHour + 1234;
  auto keys = Keys(x, e);
  ASSERT_NE(Find(keys, LinkKind::kPaymentFp), nullptr);
  EXPECT_EQ(Find(keys, LinkKind::kEmailShape)->text, "aaaa99@mail.example");
  EXPECT_EQ(Find(keys, LinkKind::kSignupHour)->text, "1970-01-01T03h");
}

TEST(KeyExtractor, SystemPromptIsMaskedBeforeHashing) {
  KeyExtractor x;
  Event a = BaseEvent();
  a.system = "You triage tickets for org 1234. Reply in JSON.";
  Event b = a;
  b.system = "You triage tickets for org 98. Reply in JSON!";
  EXPECT_EQ(Find(Keys(x, a), LinkKind::kSystemPrompt)->hash, Find(Keys(x, b), LinkKind::kSystemPrompt)->hash);
  b.system = "You write poems.";
  EXPECT_NE(Find(Keys(x, a), LinkKind::kSystemPrompt)->hash, Find(Keys(x, b), LinkKind::kSystemPrompt)->hash);
}

TEST(KeyExtractor, PromptEdgesOnlyForPromptsWithRoomForAWrapper) {
  KeyExtractor x;
  Event e = BaseEvent();
  e.prompt = "What is the capital of France?";
  auto keys = Keys(x, e);
  EXPECT_EQ(Find(keys, LinkKind::kPromptHead), nullptr);
  EXPECT_TRUE(x.has_sketch());
  EXPECT_EQ(std::count_if(keys.begin(), keys.end(), [](const LinkKey& k) { return k.kind == LinkKind::kTemplateBand; }),
            static_cast<long>(kLinkBands));
  e.prompt =
      "Think step by step and show every step: explain how a hash map resolves collisions with open "
      "addressing and chaining, then compare them. Give the final answer only after the reasoning.";
  keys = Keys(x, e);
  ASSERT_NE(Find(keys, LinkKind::kPromptHead), nullptr);
  EXPECT_EQ(Find(keys, LinkKind::kPromptHead)->text, "think step by step and show");
  ASSERT_NE(Find(keys, LinkKind::kPromptTail), nullptr);
  EXPECT_EQ(Find(keys, LinkKind::kPromptTail)->text, "final answer only after the reasoning.");
}

TEST(KeyExtractor, EmptyEventHasOnlyTheShapeKey) {
  KeyExtractor x;
  Event e;
  auto keys = Keys(x, e);
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].kind, LinkKind::kRequestShape);
  EXPECT_FALSE(x.has_sketch());
}

TEST(KeyExtractor, LockstepKeyIsTheShapeInATenMinuteWindow) {
  KeyExtractor x;
  Event a = BaseEvent();
  Event b = BaseEvent();
  b.account_id = "a2";
  a.ts_ms = 7 * kLockstepWindowMs + 10;
  b.ts_ms = 7 * kLockstepWindowMs + kLockstepWindowMs - 1;
  const uint64_t ka = Find(Keys(x, a), LinkKind::kLockstep)->hash;
  EXPECT_EQ(ka, Find(Keys(x, b), LinkKind::kLockstep)->hash);
  b.ts_ms += 1;  // next window
  EXPECT_NE(ka, Find(Keys(x, b), LinkKind::kLockstep)->hash);
  b.ts_ms = a.ts_ms;
  b.params.max_tokens = 1;  // another shape
  EXPECT_NE(ka, Find(Keys(x, b), LinkKind::kLockstep)->hash);
}

TEST(KeyExtractor, LongValuesAreClippedOnACodePointBoundary) {
  KeyExtractor x;
  Event e = BaseEvent();
  e.user_agent = std::string(79, 'a') + "\xc3\xa9" + std::string(100, 'b');
  auto keys = Keys(x, e);
  EXPECT_EQ(Find(keys, LinkKind::kUserAgent)->text, std::string(79, 'a'));
}

}  // namespace
}  // namespace dg
