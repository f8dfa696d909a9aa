#include "ingest/event.h"

#include <gtest/gtest.h>

#include <string>

namespace dg {
namespace {

// An event with every field away from its default.
Event EveryFieldSet() {
  const std::string long_text(100, 'x');  // beyond the small-string buffer
  Event e;
  e.ts_ms = 1;
  e.request_id = "r" + long_text;
  e.account_id = "a" + long_text;
  e.org_id = "o";
  e.api_key_id = "k";
  e.ip = "203.0.113.7";
  e.asn = 64500;
  e.ip_type = IpType::kHosting;
  e.has_ip_type = true;
  e.country = "SG";
  e.user_agent = "ua/1";
  e.client_fp = "fp";
  e.has_account = true;
  e.account.created_ms = 2;
  e.account.email_domain = "example.com";
  e.account.email_local_shape = "aaa9";
  e.account.payment_fp = "pm_1";
  e.account.billing_country = "US";
  e.account.phone_verified = TriBool::kTrue;
  e.account.tier = Tier::kPro;
  e.model = "m";
  e.system = "s" + long_text;
  e.prompt = "p" + long_text;
  e.message_count = 3;
  e.assistant_messages = 1;
  e.tool_messages = 1;
  e.conversation_id = "c";
  e.turn = 2;
  e.tools = {"bash", "read_file"};
  e.tool_calls = 3;
  e.params.max_tokens = 10;
  e.params.temperature = 0.5;
  e.params.top_p = 0.9;
  e.params.n = 2;
  e.params.logprobs = TriBool::kFalse;
  e.params.top_logprobs = 5;
  e.params.thinking_budget = 100;
  e.params.stream = TriBool::kTrue;
  e.input_tokens = 7;
  e.output_tokens = 8;
  e.stop_reason = "end_turn";
  e.response_bytes = 9;
  e.input_index = 4;
  e.line_number = 5;
  e.line_bytes = 6;
  return e;
}

TEST(EventTest, ResetGivesAFreshEventAndKeepsTheBuffers) {
  Event e = EveryFieldSet();
  const size_t prompt_capacity = e.prompt.capacity();
  const size_t tools_capacity = e.tools.capacity();
  e.Reset();
  EXPECT_TRUE(e == Event{});
  EXPECT_EQ(e.prompt.capacity(), prompt_capacity);
  EXPECT_EQ(e.tools.capacity(), tools_capacity);
}

// A pool of events must not keep the largest value each slot ever held.
TEST(EventTest, ResetGivesBackLargeBuffers) {
  Event e = EveryFieldSet();
  e.prompt.assign(100000, 'p');
  e.system.assign(5000, 's');
  e.Reset();
  EXPECT_TRUE(e == Event{});
  EXPECT_LT(e.prompt.capacity(), 100000u);
  EXPECT_LT(e.system.capacity(), 5000u);
}

TEST(EventTest, EqualityLooksAtEveryField) {
  const Event base = EveryFieldSet();
  EXPECT_TRUE(base == EveryFieldSet());
  Event other = base;
  other.account.tier = Tier::kTeam;
  EXPECT_FALSE(base == other);
  other = base;
  other.params.stream = TriBool::kFalse;
  EXPECT_FALSE(base == other);
  other = base;
  other.line_bytes = 0;
  EXPECT_FALSE(base == other);
}

}  // namespace
}  // namespace dg
