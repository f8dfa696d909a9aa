#include "linkage/linker.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>

namespace dg {
namespace {

constexpr int64_t kT0 = 1'770'000'000'000;

// A harvesting script's exchange: one payment method, one SDK, one wrapper.
Event CampaignEvent(int account, int n) {
  Event e;
  e.ts_ms = kT0 + n * 1000;
  e.account_id = fmt::format("c{}", account);
  e.ip = fmt::format("198.51.{}.{}", account % 7, n % 200);
  e.ip_type = IpType::kProxy;
  e.asn = 64501;
  e.client_fp = "fp_script";
  e.user_agent = "script/1.0";
  e.params.max_tokens = 32000;
  e.has_account = true;
  e.account.payment_fp = fmt::format("pm_{}", account / 4);
  e.account.email_domain = "mail.example";
  e.account.email_local_shape = "aaaa9999";
  e.account.created_ms = kT0 - 2 * kMsPerHour;
  e.system = "You are an expert agent. Always show your complete reasoning.";
  e.prompt = fmt::format(
      "Solve the task below and reason step by step before you answer it. Task number {}: describe topic {} in "
      "detail for a reader. Show every intermediate step, then the final answer.",
      n, n * 7919 % 1000);
  return e;
}

// A real customer: its own network, browser, prompts.
Event BenignEvent(int account, int n) {
  Event e;
  e.ts_ms = kT0 + n * 1000;
  e.account_id = fmt::format("b{}", account);
  e.ip = fmt::format("203.0.{}.{}", account, 10);
  e.ip_type = IpType::kResidential;
  e.client_fp = fmt::format("browser{}", account % 3);
  e.user_agent = "Mozilla/5.0";
  // Masking turns digits into one placeholder, so the words must differ.
  static const char* const kWords[] = {"pasta",  "garden", "taxes", "poetry", "chess",  "bread", "violin", "rain",
                                       "trains", "clouds", "cats",  "maps",   "coffee", "snow",  "paint",  "boats"};
  std::string prompt;
  for (int w = 0; w < 7; ++w) {
    if (w > 0) prompt += ' ';
    prompt += kWords[(account * 5 + n * 11 + w * (account + 3)) % 16];
  }
  e.prompt = prompt;
  return e;
}

AccountSummary Summary(int64_t exchanges) {
  AccountSummary s;
  s.exchanges = exchanges;
  return s;
}

class LinkerTest : public ::testing::Test {
 protected:
  LinkerTest() : linker_(config_, policy_) {
    // The engine pools the members' traffic; here the pooled score is the
    // members' mean own score.
    linker_.SetPooledScorer([this](const std::vector<uint32_t>& members) {
      double sum = 0;
      for (uint32_t m : members) sum += own_[m];
      return members.empty() ? 0.0 : sum / static_cast<double>(members.size());
    });
  }

  LinkOutcome Observe(uint32_t index, const Event& e, double own, int64_t exchanges) {
    own_[index] = own;
    LinkOutcome out = linker_.Observe(index, e, own, Summary(exchanges));
    for (auto& esc : linker_.TakeEscalations()) escalations_.push_back(std::move(esc));
    return out;
  }

  LinkageConfig config_;
  PolicyConfig policy_;
  Linker linker_;
  std::map<uint32_t, double> own_;
  std::vector<Escalation> escalations_;
};

TEST_F(LinkerTest, OneSharedFamilyNeverLinks) {
  // Ten accounts behind one NAT address: network only.
  for (int round = 0; round < 5; ++round) {
    for (uint32_t a = 0; a < 10; ++a) {
      Event e = BenignEvent(static_cast<int>(a), round);
      e.ip = "100.64.0.1";
      e.client_fp = fmt::format("own{}", a);
      e.user_agent = fmt::format("agent{}", a);
      Observe(a, e, 0.5, round + 1);
    }
  }
  EXPECT_EQ(linker_.Stats().edges, 0u);
  EXPECT_TRUE(linker_.campaigns().empty());
}

TEST_F(LinkerTest, CampaignIsFoundEscalatedAndCoversEveryMember) {
  int n = 0;
  for (int round = 0; round < 6; ++round) {
    for (uint32_t a = 0; a < 12; ++a) Observe(a, CampaignEvent(static_cast<int>(a), n++), 0.8, round + 1);
  }
  ASSERT_EQ(linker_.campaigns().size(), 1u);
  const CampaignInfo& c = linker_.campaigns()[0];
  EXPECT_EQ(c.id, "C0001");
  EXPECT_GT(c.score, policy_.block) << c.core.size();
  EXPECT_EQ(c.core.size(), 12u);
  EXPECT_EQ(c.action, Action::kBlock);
  EXPECT_NE(c.actioned_ts_ms, kNoTime);
  ASSERT_FALSE(escalations_.empty());
  EXPECT_EQ(escalations_.back().action, Action::kBlock);
  for (uint32_t a = 0; a < 12; ++a) EXPECT_EQ(linker_.CampaignOf(a), 0);
  // Evidence names what they share, with counts.
  const auto values = linker_.SharedValues(0, 50);
  bool payment = false;
  for (const auto& v : values) payment |= v.kind == LinkKind::kPaymentFp && v.accounts == 4;
  EXPECT_TRUE(payment);
  EXPECT_FALSE(linker_.AccountEvidence(0, 3).empty());
}

TEST_F(LinkerTest, ReplacementAccountIsStoppedOnItsFirstExchange) {
  int n = 0;
  for (int round = 0; round < 6; ++round) {
    for (uint32_t a = 0; a < 12; ++a) Observe(a, CampaignEvent(static_cast<int>(a), n++), 0.8, round + 1);
  }
  ASSERT_EQ(linker_.campaigns().size(), 1u);
  ASSERT_TRUE(IsActioned(linker_.campaigns()[0].action));
  // A fresh account (own score still near zero) from the same operation.
  const LinkOutcome first = Observe(12, CampaignEvent(12, n++), 0.01, 1);
  EXPECT_EQ(first.campaign, 0);
  EXPECT_TRUE(first.propagate);
  EXPECT_EQ(first.campaign_action, Action::kBlock);
}

TEST_F(LinkerTest, SuspiciousLookingButUnlinkedAccountsAreNoCampaign) {
  for (int round = 0; round < 6; ++round) {
    for (uint32_t a = 0; a < 12; ++a) Observe(a, BenignEvent(static_cast<int>(a), round), 0.9, round + 1);
  }
  EXPECT_TRUE(linker_.campaigns().empty());
}

TEST_F(LinkerTest, LinkedButInnocentClusterIsNoCampaign) {
  // One organisation's accounts share everything, but none is suspicious.
  int n = 0;
  for (int round = 0; round < 6; ++round) {
    for (uint32_t a = 0; a < 12; ++a) Observe(a, CampaignEvent(static_cast<int>(a), n++), 0.01, round + 1);
  }
  EXPECT_GT(linker_.Stats().edges, 0u);
  EXPECT_TRUE(linker_.campaigns().empty());
}

TEST_F(LinkerTest, CustomerSharingOnlyAnAddressAndAnSdkIsNotPulledIn) {
  int n = 0;
  for (int round = 0; round < 6; ++round) {
    for (uint32_t a = 0; a < 12; ++a) Observe(a, CampaignEvent(static_cast<int>(a), n++), 0.8, round + 1);
  }
  // A customer on the same proxy range with the same SDK, own prompts.
  LinkOutcome out;
  for (int k = 0; k < 10; ++k) {
    Event e = BenignEvent(50, k);
    e.ip = CampaignEvent(0, k).ip;
    e.ip_type = IpType::kProxy;
    e.asn = 64501;
    e.client_fp = "fp_script";
    e.user_agent = "script/1.0";
    out = Observe(12, e, 0.02, k + 1);
  }
  EXPECT_EQ(out.campaign, -1);
  EXPECT_FALSE(out.propagate);
}

TEST_F(LinkerTest, VerifiedOrganisationMembersAreNeverActionedByPropagation) {
  int n = 0;
  for (int round = 0; round < 6; ++round) {
    for (uint32_t a = 0; a < 12; ++a) Observe(a, CampaignEvent(static_cast<int>(a), n++), 0.8, round + 1);
  }
  own_[12] = 0.01;
  AccountSummary s = Summary(1);
  s.has_org = true;
  s.phone_verified = TriBool::kTrue;
  s.tier = Tier::kEnterprise;
  const LinkOutcome out = linker_.Observe(12, CampaignEvent(12, n++), 0.01, s);
  EXPECT_FALSE(out.propagate);
}

TEST_F(LinkerTest, RepeatedValuesCountOnePerAccount) {
  // Twelve accounts send the same fingerprint on every one of 20 exchanges:
  // it has twelve holders, not 240.
  int n = 0;
  for (int round = 0; round < 20; ++round) {
    for (uint32_t a = 0; a < 12; ++a) Observe(a, CampaignEvent(static_cast<int>(a), n++), 0.8, round + 1);
  }
  ASSERT_FALSE(linker_.campaigns().empty());
  bool found = false;
  for (const auto& v : linker_.SharedValues(0, 100)) {
    if (v.kind != LinkKind::kClientFp) continue;
    found = true;
    EXPECT_EQ(v.holders, 12);
    EXPECT_EQ(v.accounts, 12);
  }
  EXPECT_TRUE(found);
}

// Account `a`'s exchange in lockstep window `w`: the same script settings
// as the other account, and optionally the same email shape.
Event LockstepEvent(uint32_t a, int w, bool same_email) {
  Event e = BenignEvent(static_cast<int>(a), w);
  e.ts_ms = kT0 + w * kLockstepWindowMs + a;
  e.client_fp = "fp_same";
  e.user_agent = "sdk/2";
  e.params.max_tokens = 32000;
  if (same_email) {
    e.has_account = true;
    e.account.email_domain = "mail.example";
    e.account.email_local_shape = "aaaa9999";
  }
  return e;
}

TEST_F(LinkerTest, LockstepAccumulatesOverWindowsAndNeedsAnotherFamily) {
  // Timing and client alone never link.
  for (int w = 0; w < 20; ++w) {
    for (uint32_t a = 0; a < 2; ++a) Observe(a, LockstepEvent(a, w, false), 0.5, w + 1);
  }
  EXPECT_EQ(linker_.Stats().edges, 0u);
  // With one sign-up value in common (an email shape, weak), the windows tip it.
  Linker linker(config_, policy_);
  for (int w = 0; w < 20; ++w) {
    for (uint32_t a = 0; a < 2; ++a) {
      linker.Observe(a, LockstepEvent(a, w, true), 0.5, Summary(w + 1));
      if (w == 0 && a == 1) {
        EXPECT_EQ(linker.Stats().edges, 0u);  // one window: no link yet
      }
    }
  }
  EXPECT_EQ(linker.Stats().edges, 1u);
}

// Two accounts with an email shape and script settings in common switch from
// m1 to m2: in the same hour that links them, hours apart it does not.
size_t EdgesAfterSwitches(int64_t second_switch_delay_ms) {
  Linker linker(LinkageConfig{}, PolicyConfig{});
  for (uint32_t a = 0; a < 2; ++a) {
    for (int n = 0; n < 4; ++n) {
      Event e = BenignEvent(static_cast<int>(a), n);
      e.ts_ms = kT0 + n * kMsPerMinute + (n >= 2 && a == 1 ? second_switch_delay_ms : 0) + a * 1000;
      e.model = n < 2 ? "m1" : "m2";
      e.client_fp = "fp_same";
      e.user_agent = "sdk/2";
      e.params.max_tokens = 32000;
      e.has_account = true;
      e.account.email_domain = "mail.example";
      e.account.email_local_shape = "aaaa9999";
      AccountSummary s;
      s.exchanges = n + 1;
      linker.Observe(a, e, 0.5, s);
    }
  }
  return linker.Stats().edges;
}

TEST(LinkerTiming, SimultaneousModelSwitchIsEvidence) {
  EXPECT_EQ(EdgesAfterSwitches(0), 1u);
  EXPECT_EQ(EdgesAfterSwitches(5 * kMsPerHour), 0u);
}

// The campaign score of 12 linked accounts whose prompts repeat (one task
// sent again and again) or never repeat (a prompt set split across them).
double CampaignScoreWith(bool distinct_prompts, double coverage_weight = LinkageConfig{}.campaign_coverage) {
  static const char* const kTopics[] = {"rivers",  "glaciers", "volcanoes", "deserts", "forests", "islands",
                                        "canyons", "deltas",   "reefs",     "tundra",  "steppes", "fjords"};
  LinkageConfig config;
  config.campaign_coverage = coverage_weight;
  Linker linker(config, PolicyConfig{});
  linker.SetPooledScorer([](const std::vector<uint32_t>&) { return 0.5; });
  int n = 0;
  for (int round = 0; round < 6; ++round) {
    for (uint32_t a = 0; a < 12; ++a) {
      Event e = CampaignEvent(static_cast<int>(a), n);
      if (distinct_prompts) e.prompt += fmt::format(" about {} and {}", kTopics[n % 12], kTopics[(n / 12) % 12]);
      ++n;
      AccountSummary s;
      s.exchanges = round + 1;
      linker.Observe(a, e, 0.5, s);
    }
  }
  return linker.campaigns().empty() ? 0.0 : linker.campaigns()[0].score;
}

TEST(LinkerCoverage, APromptSetSplitAcrossAccountsScoresHigher) {
  const double repeated = CampaignScoreWith(false);
  const double split = CampaignScoreWith(true);
  ASSERT_GT(repeated, 0.0);
  EXPECT_GT(split, repeated);
  // The difference is the coverage term: without it the two score alike.
  EXPECT_NEAR(CampaignScoreWith(true, 0.0), CampaignScoreWith(false, 0.0), 1e-9);
}

TEST(LinkerMemory, SeenOnceTableStaysWithinItsCapacity) {
  LinkageConfig config;
  config.seen_once_capacity = 4096;
  config.max_keys = 2048;
  Linker linker(config, PolicyConfig{});
  for (uint32_t a = 0; a < 3000; ++a) {
    Event e = BenignEvent(static_cast<int>(a % 250), static_cast<int>(a));
    e.account_id = fmt::format("u{}", a);
    e.ip = fmt::format("10.{}.{}.{}", a / 65536, (a / 256) % 256, a % 256);
    e.client_fp = fmt::format("fp{}", a);
    linker.Observe(a, e, 0.0, Summary(1));
  }
  const LinkerStats stats = linker.Stats();
  EXPECT_LE(stats.seen_once, config.seen_once_capacity);
  EXPECT_LE(stats.shared_keys, config.max_keys);
}

// An exchange of `account` from `ip` (a residential address, so no ASN key)
// with the account's own request shape (no shape or lockstep key in common),
// optionally paying with `payment`.
Event NetworkEvent(uint32_t account, const std::string& ip, const std::string& payment = "") {
  constexpr int64_t kShapeBase = 1000;
  Event e;
  e.ts_ms = kT0 + account;
  e.account_id = fmt::format("n{}", account);
  e.ip = ip;
  e.ip_type = IpType::kResidential;
  e.params.max_tokens = kShapeBase + account;
  if (!payment.empty()) {
    e.has_account = true;
    e.account.payment_fp = payment;
  }
  return e;
}

TEST(LinkerLimits, TheFirstOfTheWeakestUnlinkedCandidatesMakesRoom) {
  // Account 25 shares an address and its /24 (network 0.8) with accounts
  // 0..23, but with account 5 only the /24 (0.35): 24 candidates, the most an
  // account keeps. Then account 24 arrives as a 25th.
  Linker linker(LinkageConfig{}, PolicyConfig{});
  constexpr uint32_t kOwner = 25;
  constexpr uint32_t kOthers = 25;
  constexpr uint32_t kWeak = 5;
  for (uint32_t i = 0; i < kOthers; ++i) {
    linker.Observe(i, NetworkEvent(i, fmt::format("10.{}.0.{}", i, i == kWeak ? 2 : 1)), 0.0, Summary(1));
  }
  for (uint32_t i = 0; i < kOthers; ++i) {
    linker.Observe(kOwner, NetworkEvent(kOwner, fmt::format("10.{}.0.1", i)), 0.0, Summary(i + 1));
  }
  ASSERT_EQ(linker.Stats().edges, 0u);
  // A shared payment fingerprint (sign-up 1.0) makes an edge with any
  // candidate that kept its network evidence (0.35 or 0.8 + 1.0 >= 1.2).
  int64_t exchanges = kOthers;
  auto pay_both = [&](uint32_t other) {
    const std::string payment = fmt::format("pm_{}", other);
    linker.Observe(other, NetworkEvent(other, fmt::format("10.{}.0.{}", other, other == kWeak ? 2 : 1), payment), 0.0,
                   Summary(2));
    linker.Observe(kOwner, NetworkEvent(kOwner, "10.99.0.1", payment), 0.0, Summary(++exchanges));
    return linker.Stats().edges;
  };
  // Account 5 (the weakest) made room for account 24: its evidence is gone.
  EXPECT_EQ(pay_both(kWeak), 0u);
  // Account 6 kept its own (account 5 came back in the slot of the first of
  // the equally weak ones, account 0).
  EXPECT_EQ(pay_both(6), 1u);
  // Account 0 lost its evidence to account 5 ...
  EXPECT_EQ(pay_both(0), 1u);
  // ... and account 24, the 25th, kept the slot it took.
  EXPECT_EQ(pay_both(24), 2u);
}

TEST(LinkerLimits, EvictionDropsTheLeastRecentlySeenValuesAndKeepsTheOthersWhole) {
  LinkageConfig config;
  config.max_keys = 1024;
  Linker linker(config, PolicyConfig{});
  linker.SetPooledScorer([](const std::vector<uint32_t>&) { return 0.8; });
  // An hour before the campaign, 500 pairs of accounts share an address and
  // its /24 each: 1,000 shared values, the oldest, so the campaign's values
  // push the table over its bound and these are evicted.
  constexpr uint32_t kPairs = 500;
  constexpr uint32_t kFirstNoise = 100;
  for (uint32_t k = 0; k < kPairs; ++k) {
    for (uint32_t side = 0; side < 2; ++side) {
      const uint32_t account = kFirstNoise + 2 * k + side;
      Event e = NetworkEvent(account, fmt::format("10.{}.{}.1", k / 256, k % 256));
      e.ts_ms = kT0 - kMsPerHour + k;
      linker.Observe(account, e, 0.0, Summary(1));
    }
  }
  ASSERT_EQ(linker.Stats().shared_keys, 2 * kPairs);
  int n = 0;
  for (int round = 0; round < 6; ++round) {
    for (uint32_t a = 0; a < 12; ++a) {
      linker.Observe(a, CampaignEvent(static_cast<int>(a), n++), 0.8, Summary(round + 1));
    }
  }
  EXPECT_LT(linker.Stats().shared_keys, 2 * kPairs);  // the noise went
  ASSERT_FALSE(linker.campaigns().empty());
  // The campaign's values are the most recent: they survive with their
  // holders and their text.
  bool payment = false;
  bool fingerprint = false;
  for (const SharedValue& v : linker.SharedValues(0, 100)) {
    if (v.kind == LinkKind::kPaymentFp && v.display == "pm_0") payment = v.accounts == 4 && v.holders == 4;
    if (v.kind == LinkKind::kClientFp) fingerprint = v.display == "fp_script" && v.holders == 12;
  }
  EXPECT_TRUE(payment);
  EXPECT_TRUE(fingerprint);
}

// Account 0 pays with "pm_x", then `noise` other accounts send four values
// of their own each, then account 0 pays again and account 1000 pays with
// "pm_x" too. Returns the change of shared values over the last two exchanges
// and of values seen once over account 0's repeat.
std::pair<int64_t, int64_t> SharedAfterGenerations(uint32_t noise) {
  LinkageConfig config;
  config.seen_once_capacity = 1024;  // a generation is 512 values
  Linker linker(config, PolicyConfig{});
  linker.Observe(0, NetworkEvent(0, "10.0.0.1", "pm_x"), 0.0, Summary(1));
  for (uint32_t k = 1; k <= noise; ++k) {
    linker.Observe(k, NetworkEvent(k, fmt::format("11.{}.{}.1", k / 256, k % 256)), 0.0, Summary(1));
  }
  const LinkerStats before = linker.Stats();
  linker.Observe(0, NetworkEvent(0, "10.0.0.1", "pm_x"), 0.0, Summary(2));
  const LinkerStats repeat = linker.Stats();
  constexpr uint32_t kLate = 1000;
  linker.Observe(kLate, NetworkEvent(kLate, "12.0.0.1", "pm_x"), 0.0, Summary(1));
  return {static_cast<int64_t>(linker.Stats().shared_keys) - static_cast<int64_t>(before.shared_keys),
          static_cast<int64_t>(repeat.seen_once) - static_cast<int64_t>(before.seen_once)};
}

TEST(LinkerLimits, AValueSeenOnceSurvivesOneGenerationNotTwo) {
  // No noise: "pm_x" is in the newer generation when account 1000 pays.
  EXPECT_EQ(SharedAfterGenerations(0), std::make_pair(int64_t{1}, int64_t{0}));
  // 130 accounts x 4 values: one turnover, "pm_x" is in the older generation
  // and still found (the repeat from its own account changes nothing).
  EXPECT_EQ(SharedAfterGenerations(130), std::make_pair(int64_t{1}, int64_t{0}));
  // 300 x 4: two turnovers, account 0's five values were dropped with the
  // older generation, so its repeat enters them afresh (and account 1000
  // then finds "pm_x" from that repeat).
  EXPECT_EQ(SharedAfterGenerations(300), std::make_pair(int64_t{1}, int64_t{5}));
}

TEST(LinkerConfig, ValidateRejectsNonsense) {
  LinkageConfig c;
  EXPECT_TRUE(c.Validate().ok());
  c.edge_threshold = 0;
  EXPECT_FALSE(c.Validate().ok());
  c = LinkageConfig{};
  c.edge_min_families = 6;
  EXPECT_FALSE(c.Validate().ok());
  c = LinkageConfig{};
  c.kind_weight[0] = -1;
  EXPECT_FALSE(c.Validate().ok());
}

}  // namespace
}  // namespace dg
