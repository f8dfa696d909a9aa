#include "features/account_state.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace dg {
namespace {

Event At(int64_t ts_ms) {
  Event e;
  e.ts_ms = ts_ms;
  e.request_id = "r" + std::to_string(ts_ms);
  e.account_id = "a";
  return e;
}

PromptClass Class(Capability c, bool coercion = false) {
  PromptClass pc;
  pc.capability = c;
  pc.reasoning_coercion = coercion;
  return pc;
}

TEST(AccountStateTest, CountsSharesAndParameters) {
  AccountState s;
  for (int i = 0; i < 4; ++i) {
    Event e = At(i * kMsPerMinute);
    e.params.max_tokens = i < 3 ? 16000 : 100;
    e.params.logprobs = i == 0 ? TriBool::kTrue : TriBool::kUnset;
    e.params.thinking_budget = 1024;
    e.params.n = i == 1 ? 4 : 1;
    e.model = i < 2 ? "m1" : "m2";
    e.input_tokens = 10;
    e.output_tokens = 100;
    s.ObserveRequest(e, Class(i < 2 ? Capability::kReasoning : Capability::kWriting, i < 3));
    s.ObserveResponse(e);
  }
  const AccountSummary sum = s.Summary(3 * kMsPerMinute);
  EXPECT_EQ(sum.exchanges, 4);
  EXPECT_DOUBLE_EQ(sum.large_max_tokens_share, 0.75);
  EXPECT_DOUBLE_EQ(sum.logprobs_share, 0.25);
  EXPECT_DOUBLE_EQ(sum.thinking_share, 1.0);
  EXPECT_DOUBLE_EQ(sum.multi_n_share, 0.25);
  EXPECT_DOUBLE_EQ(sum.coercion_share, 0.75);
  EXPECT_DOUBLE_EQ(sum.capability_share[static_cast<size_t>(Capability::kReasoning)], 0.5);
  EXPECT_EQ(sum.model_switches, 1);
  EXPECT_EQ(sum.distinct_models, 2);
  EXPECT_DOUBLE_EQ(sum.output_input_ratio, 10.0);
  EXPECT_EQ(sum.last_hour, 4u);
  EXPECT_DOUBLE_EQ(sum.single_turn_share, 1.0);
}

TEST(AccountStateTest, ConversationsAndAgentLoops) {
  AccountState s;
  Event first = At(0);
  first.turn = 1;
  first.conversation_id = "c";
  s.ObserveRequest(first, Class(Capability::kConversation));
  Event second = At(1000);
  second.turn = 2;
  second.assistant_messages = 1;
  second.tool_messages = 2;
  second.tools = {"bash"};
  second.tool_calls = 3;
  s.ObserveRequest(second, Class(Capability::kAgenticToolUse));
  s.ObserveResponse(second);
  const AccountSummary sum = s.Summary(1000);
  EXPECT_DOUBLE_EQ(sum.multi_turn_share, 0.5);
  EXPECT_DOUBLE_EQ(sum.tool_result_share, 0.5);
  EXPECT_DOUBLE_EQ(sum.tools_offered_share, 0.5);
  EXPECT_EQ(sum.max_turn, 2);
  EXPECT_DOUBLE_EQ(sum.tool_calls_per_exchange, 3.0);
}

TEST(AccountStateTest, NetworkAndSignUpFacts) {
  AccountState s;
  Event e = At(2 * kMsPerHour);
  e.has_account = true;
  e.account.created_ms = 0;
  e.account.billing_country = "US";
  e.account.tier = Tier::kFree;
  e.account.phone_verified = TriBool::kFalse;
  e.ip = "203.0.113.7";
  e.has_ip_type = true;
  e.ip_type = IpType::kHosting;
  e.country = "SG";
  e.asn = 64500;
  s.ObserveRequest(e, Class(Capability::kOther));
  Event f = At(3 * kMsPerHour);
  f.ip = "203.0.113.9";
  f.has_ip_type = true;
  f.ip_type = IpType::kResidential;
  f.country = "US";
  s.ObserveRequest(f, Class(Capability::kOther));
  const AccountSummary sum = s.Summary(3 * kMsPerHour);
  EXPECT_EQ(sum.age_at_first_use_ms, 2 * kMsPerHour);
  EXPECT_EQ(sum.tier, Tier::kFree);
  EXPECT_EQ(sum.distinct_ips, 2u);
  EXPECT_EQ(sum.distinct_prefixes, 1u);  // same /24
  EXPECT_DOUBLE_EQ(sum.anonymised_share, 0.5);
  EXPECT_DOUBLE_EQ(sum.country_mismatch_share, 0.5);
}

TEST(AccountStateTest, RoundTheClockVersusDiurnal) {
  AccountState bot, human;
  for (int h = 0; h < 24 * 3; ++h) bot.ObserveRequest(At(h * kMsPerHour), Class(Capability::kOther));
  for (int d = 0; d < 3; ++d) {
    for (int h = 9; h < 18; ++h) human.ObserveRequest(At(d * kMsPerDay + h * kMsPerHour), Class(Capability::kOther));
  }
  EXPECT_GT(bot.Summary(3 * kMsPerDay).hour_entropy, 0.99);
  EXPECT_LT(human.Summary(3 * kMsPerDay).hour_entropy, 0.75);
  EXPECT_LT(bot.Summary(3 * kMsPerDay).gap_cv, 0.01);  // perfectly regular
  EXPECT_EQ(bot.Summary(3 * kMsPerDay - 1).active_hours_24h, 24);
}

TEST(IpPrefixTest, Ipv4AndIpv6) {
  EXPECT_EQ(IpPrefix("203.0.113.77"), "203.0.113.0/24");
  EXPECT_EQ(IpPrefix("2001:db8:abcd:12::1"), "2001:db8:abcd::/48");
  EXPECT_EQ(IpPrefix("not an ip"), "");
  EXPECT_EQ(IpPrefixHash("203.0.113.1"), IpPrefixHash("203.0.113.254"));
  EXPECT_NE(IpPrefixHash("203.0.113.1"), IpPrefixHash("203.0.114.1"));
  EXPECT_EQ(IpPrefixHash(""), 0u);
}

// ParseIp's IPv4 fast path must accept and read exactly what inet_pton does.
TEST(IpPrefixTest, ParseIpAgreesWithInetPton) {
  const auto reference = [](const std::string& ip, unsigned char bytes[16]) {
    if (ip.empty() || ip.size() >= 64) return 0;
    const std::string text = ip;  // NUL-terminated, cut at an embedded NUL like the original
    if (inet_pton(AF_INET, text.c_str(), bytes) == 1) return AF_INET;
    if (inet_pton(AF_INET6, text.c_str(), bytes) == 1) return AF_INET6;
    return 0;
  };
  std::vector<std::string> cases = {"0.0.0.0",   "255.255.255.255",
                                    "256.1.1.1", "1.2.3",
                                    "1.2.3.4.",  ".1.2.3.4",
                                    "1..2.3",    "01.2.3.4",
                                    "1.2.3.04",  "1.2.3.0",
                                    "1.2.3.4 ",  " 1.2.3.4",
                                    "1.2.3.4\n", std::string("1.2.3.4\0x", 9),
                                    "::1",       "::ffff:1.2.3.4",
                                    "1.2.3.4.5", "1234.1.1.1",
                                    "1.2.3.-4",  "+1.2.3.4",
                                    "1.2.3.255", "1.2.3.2555",
                                    ""};
  std::mt19937 rng(424242);  // fixed seed
  const std::string alphabet = "0123456789....::abcf x";
  std::uniform_int_distribution<size_t> length(0, 18);
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  std::uniform_int_distribution<int> octet(0, 300);
  for (int i = 0; i < 20000; ++i) {
    std::string s;
    if (i % 2 == 0) {
      for (size_t n = length(rng); n > 0; --n) s += alphabet[pick(rng)];
    } else {
      s = std::to_string(octet(rng)) + "." + std::to_string(octet(rng)) + "." + std::to_string(octet(rng)) + "." +
          std::to_string(octet(rng));
      if (i % 6 == 1) s[std::uniform_int_distribution<size_t>(0, s.size() - 1)(rng)] = alphabet[pick(rng)];
      if (i % 10 == 3) s.insert(s.begin() + static_cast<std::ptrdiff_t>(s.find('.') + 1), '0');
    }
    cases.push_back(s);
  }
  size_t accepted = 0;
  for (const std::string& ip : cases) {
    unsigned char want[16] = {};
    unsigned char got[16] = {};
    const int want_family = reference(ip, want);
    ASSERT_EQ(ParseIp(ip, got), want_family) << "'" << ip << "'";
    if (want_family == AF_INET) {
      ++accepted;
      ASSERT_EQ(std::memcmp(want, got, 4), 0) << ip;
    }
  }
  EXPECT_GT(accepted, 2500U);  // a third of the cases are valid dotted quads
}

}  // namespace
}  // namespace dg
