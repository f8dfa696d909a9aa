#include "sim/scenario.h"

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "common/time_util.h"
#include "sim/corpora.h"
#include "sim/traces.h"

namespace dg {
namespace {

// One event, the fields the tests look at.
struct Ev {
  int64_t ts_ms = 0;
  std::string request_id, account_id, org_id, api_key_id, conversation_id;
  std::string ip_type, model, system, prompt, user_agent, client_fp, stop_reason, tier, email_domain, payment_fp;
  int64_t created_ms = kNoTime;
  int64_t turn = 0;
  std::vector<std::string> tools;
  bool attack = false;
  std::string campaign, kind;
};

struct SimRun {
  std::string events_text, labels_text;
  SimulateStats stats;
  std::vector<Ev> events;
};

std::string Str(simdjson::dom::element doc, const char* key) {
  std::string_view v;
  return doc[key].get_string().get(v) == simdjson::SUCCESS ? std::string(v) : std::string();
}

SimRun RunScenario(const Scenario& scenario, SimulateOptions options = {}) {
  SimRun run;
  std::ostringstream events, labels;
  Result<SimulateStats> stats = Simulate(scenario, options, events, labels);
  EXPECT_TRUE(stats.ok()) << stats.status().message();
  if (!stats.ok()) return run;
  run.stats = *stats;
  run.events_text = events.str();
  run.labels_text = labels.str();
  simdjson::dom::parser parser;
  std::map<std::string, std::tuple<bool, std::string, std::string>> label_of;
  std::istringstream lin(run.labels_text);
  for (std::string line; std::getline(lin, line);) {
    simdjson::dom::element doc = parser.parse(line);
    std::string_view campaign;
    if (doc["campaign"].get_string().get(campaign) != simdjson::SUCCESS) campaign = {};
    label_of[Str(doc, "account_id")] = {Str(doc, "label") == "attack", std::string(campaign), Str(doc, "kind")};
  }
  absl::flat_hash_map<std::string, std::tuple<std::string, std::string, int64_t>> facts;
  std::istringstream ein(run.events_text);
  for (std::string line; std::getline(ein, line);) {
    simdjson::dom::element doc = parser.parse(line);
    Ev e;
    e.ts_ms = *ParseRfc3339Ms(Str(doc, "ts"));
    e.request_id = Str(doc, "request_id");
    e.account_id = Str(doc, "account_id");
    e.org_id = Str(doc, "org_id");
    e.api_key_id = Str(doc, "api_key_id");
    e.conversation_id = Str(doc, "conversation_id");
    e.ip_type = Str(doc, "ip_type");
    e.model = Str(doc, "model");
    e.system = Str(doc, "system");
    e.prompt = Str(doc, "prompt");
    e.user_agent = Str(doc, "user_agent");
    e.client_fp = Str(doc, "client_fp");
    e.stop_reason = Str(doc, "stop_reason");
    int64_t turn = 0;
    if (doc["turn"].get_int64().get(turn) == simdjson::SUCCESS) e.turn = turn;
    simdjson::dom::array tools;
    if (doc["tools"].get_array().get(tools) == simdjson::SUCCESS) {
      for (auto t : tools) e.tools.emplace_back(std::string_view(t.get_string()));
    }
    simdjson::dom::element account;
    if (doc["account"].get(account) == simdjson::SUCCESS) {
      facts[e.account_id] = {Str(account, "tier"), Str(account, "email_domain"),
                             *ParseRfc3339Ms(Str(account, "created"))};
      std::get<0>(facts[e.account_id]) = Str(account, "tier");
      e.payment_fp = Str(account, "payment_fp");
    }
    const auto it = label_of.find(e.account_id);
    EXPECT_NE(it, label_of.end()) << "no label for " << e.account_id;
    if (it != label_of.end()) std::tie(e.attack, e.campaign, e.kind) = it->second;
    run.events.push_back(std::move(e));
  }
  for (Ev& e : run.events) {
    const auto& [tier, domain, created] = facts[e.account_id];
    e.tier = tier;
    e.email_domain = domain;
    e.created_ms = created;
  }
  return run;
}

// A small world for the knob tests: quick to generate, the campaign big
// enough for shares to be stable.
Scenario SmallScenario() {
  Scenario s;
  s.name = "small";
  s.seed = 5;
  s.days = 3;
  s.chat.count = 40;
  s.developer.count = 15;
  s.coding_agent.count = 4;
  s.enterprise.orgs = 1;
  s.eval_harness.count = 1;
  CampaignSpec c;
  c.name = "c1";
  c.accounts = 40;
  s.campaigns.push_back(c);
  return s;
}

std::vector<const Ev*> Attack(const SimRun& run) {
  std::vector<const Ev*> out;
  for (const Ev& e : run.events) {
    if (e.attack) out.push_back(&e);
  }
  return out;
}

template <typename Pred>
double ShareOfAttack(const SimRun& run, Pred pred) {
  const auto attack = Attack(run);
  if (attack.empty()) return 0;
  return static_cast<double>(std::count_if(attack.begin(), attack.end(), [&](const Ev* e) { return pred(*e); })) /
         static_cast<double>(attack.size());
}

// --------------------------------------------------------------------------
// Parsing
// --------------------------------------------------------------------------

constexpr const char* kGoodScenario = R"(
[scenario]
name = "good"
seed = 9
start = "2026-05-04T00:00:00Z"
days = 2
model = "m-1"
new_model = "m-2"
release_hours = 30

[chat]
count = 10
sessions_per_day = 2.5
university_share = 0.1

[developer]
count = 5

[coding_agent]
count = 2

[enterprise]
orgs = 1
min_accounts = 2
max_accounts = 3

[eval_harness]
count = 1

[research_lab]
count = 1
daily_exchanges = 200

[[campaign]]
name = "a"
accounts = 12
proxy_kind = "residential"
proxy_pool_size = 100
human_hours = true
utc_offset_hours = -3.5

[[campaign]]
name = "b"
accounts = 5
corpora = ["alpaca"]
lifetime_exchanges = 10
)";

TEST(ScenarioParseTest, ParsesAGoodFile) {
  Result<Scenario> s = ParseScenario(kGoodScenario, "good.toml");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->name, "good");
  EXPECT_EQ(s->seed, 9u);
  EXPECT_EQ(s->start_ms, *ParseRfc3339Ms("2026-05-04T00:00:00Z"));
  EXPECT_EQ(s->days, 2);
  EXPECT_EQ(s->model, "m-1");
  EXPECT_EQ(s->chat.count, 10);
  EXPECT_DOUBLE_EQ(s->chat.sessions_per_day, 2.5);
  EXPECT_EQ(s->enterprise.max_accounts, 3);
  EXPECT_DOUBLE_EQ(s->research_lab.daily_exchanges, 200);
  ASSERT_EQ(s->campaigns.size(), 2u);
  EXPECT_EQ(s->campaigns[0].proxy_kind, ProxyKind::kResidential);
  EXPECT_TRUE(s->campaigns[0].human_hours);
  EXPECT_DOUBLE_EQ(s->campaigns[0].utc_offset_hours, -3.5);
  EXPECT_EQ(s->campaigns[1].corpora, std::vector<std::string>{"alpaca"});
  EXPECT_EQ(s->campaigns[1].lifetime_exchanges, 10);
  // Defaults where the file says nothing.
  EXPECT_EQ(s->campaigns[1].waves, 3);
  EXPECT_DOUBLE_EQ(s->chat.carrier_nat_share, 0.35);
}

void ExpectError(const std::string& toml, const std::string& needle) {
  Result<Scenario> s = ParseScenario(toml, "t.toml");
  ASSERT_FALSE(s.ok()) << "accepted: " << toml;
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.status().message().find(needle), std::string::npos) << s.status().message();
}

TEST(ScenarioParseTest, RejectsUnknownKeysWithTheirName) {
  ExpectError("[chat]\ncount = 1\ncuont = 2\n", "chat.cuont");
  ExpectError("[[campaign]]\nname = \"x\"\nproxy_knd = \"mobile\"\n", "campaign[0].proxy_knd");
  ExpectError("[populations]\nchat = 1\n", "populations");
  ExpectError("[scenario]\nseeed = 3\n", "scenario.seeed");
}

TEST(ScenarioParseTest, RejectsWrongTypes) {
  ExpectError("[chat]\ncount = \"many\"\n", "chat.count");
  ExpectError("[[campaign]]\nname = \"x\"\nhuman_hours = 1\n", "campaign[0].human_hours");
  ExpectError("[[campaign]]\nname = \"x\"\ncorpora = \"alpaca\"\n", "campaign[0].corpora");
  ExpectError("[scenario]\nstart = \"yesterday\"\n", "scenario.start");
  ExpectError("campaign = 3\n", "campaign");
  ExpectError("[chat\ncount = 1\n", "t.toml:1");
}

TEST(ScenarioParseTest, RejectsBadValues) {
  ExpectError("[scenario]\ndays = 0\n", "scenario.days");
  ExpectError("[chat]\ncount = -1\n", "chat.count");
  ExpectError("[chat]\nvpn_share = 1.5\n", "chat.vpn_share");
  ExpectError("[enterprise]\nmin_accounts = 5\nmax_accounts = 2\n", "enterprise.max_accounts");
  ExpectError("[[campaign]]\nname = \"x\"\nwaves = 0\n", "campaign[0].waves");
  ExpectError("[[campaign]]\nname = \"x\"\nproxy_kind = \"tor\"\n", "campaign[0].proxy_kind");
  ExpectError("[[campaign]]\nname = \"x\"\ncorpora = [\"nope\"]\n", "unknown corpus 'nope'");
  ExpectError("[[campaign]]\nname = \"x\"\ncamouflage_share = 1.0\n", "campaign[0].camouflage_share");
  ExpectError("[[campaign]]\nname = \"x\"\nmin_daily_exchanges = 10\nmax_daily_exchanges = 5\n",
              "campaign[0].max_daily_exchanges");
  ExpectError("[[campaign]]\nname = \"x\"\n[[campaign]]\nname = \"x\"\n", "used twice");
  ExpectError("[[campaign]]\naccounts = 3\n", "campaign[0].name");
}

TEST(ScenarioParseTest, MissingFileIsNotFound) {
  Result<Scenario> s = LoadScenarioFile("/nonexistent/scenario.toml");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kNotFound);
}

// --------------------------------------------------------------------------
// Determinism and the shipped suite
// --------------------------------------------------------------------------

TEST(SimulateTest, SameSeedSameBytesAndTheSeedOverrideChangesThem) {
  const Scenario s = SmallScenario();
  const SimRun a = RunScenario(s);
  const SimRun b = RunScenario(s);
  EXPECT_EQ(a.events_text, b.events_text);
  EXPECT_EQ(a.labels_text, b.labels_text);
  SimulateOptions other;
  other.seed = 6;
  const SimRun c = RunScenario(s, other);
  EXPECT_NE(a.events_text, c.events_text);
  EXPECT_GT(a.stats.events, 0);
}

TEST(SimulateTest, EventsAreInTimeOrderWithUniqueRequestIds) {
  const SimRun run = RunScenario(SmallScenario());
  absl::flat_hash_set<std::string> ids;
  for (size_t i = 0; i < run.events.size(); ++i) {
    if (i > 0) {
      EXPECT_LE(run.events[i - 1].ts_ms, run.events[i].ts_ms);
    }
    EXPECT_TRUE(ids.insert(run.events[i].request_id).second);
  }
}

// The files of scenarios/, scaled to at most ~40k events for the test.
TEST(ScenarioSuiteTest, EveryShippedScenarioParsesAndSimulatesWithItsCounts) {
  const std::filesystem::path dir = std::filesystem::path(DG_SOURCE_DIR) / "scenarios";
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".toml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 15u);
  std::set<std::string> names;
  for (const auto& file : files) {
    SCOPED_TRACE(file.string());
    Result<Scenario> loaded = LoadScenarioFile(file.string());
    ASSERT_TRUE(loaded.ok()) << loaded.status().message();
    names.insert(file.stem().string());
    constexpr int64_t kTestMaxAccounts = 1000;
    int64_t accounts = loaded->chat.count + loaded->developer.count;
    for (const CampaignSpec& c : loaded->campaigns) accounts += c.accounts;
    const Scenario s = accounts > kTestMaxAccounts ? ScaleScenario(*loaded, 0.1) : *loaded;
    Scenario small = s;
    if (small.enterprise.max_batch > 1000) {
      small.enterprise.min_batch /= 10;
      small.enterprise.max_batch /= 10;
    }
    const SimRun run = RunScenario(small);
    const auto& by_kind = run.stats.accounts_by_kind;
    const auto count = [&](const char* kind) {
      const auto it = by_kind.find(kind);
      return it == by_kind.end() ? int64_t{0} : it->second;
    };
    EXPECT_EQ(count("chat"), small.chat.count);
    EXPECT_EQ(count("developer"), small.developer.count);
    EXPECT_EQ(count("coding-agent"), small.coding_agent.count);
    EXPECT_GE(count("enterprise-batch"), small.enterprise.orgs * small.enterprise.min_accounts);
    EXPECT_LE(count("enterprise-batch"), small.enterprise.orgs * small.enterprise.max_accounts);
    EXPECT_GE(count("research-lab"), small.research_lab.count);
    int64_t campaign_accounts = 0;
    std::map<std::string, int64_t> per_campaign;
    for (const Ev& e : run.events) {
      if (e.attack) per_campaign[e.campaign] += 0;
    }
    for (const CampaignSpec& c : small.campaigns) {
      campaign_accounts += c.accounts;
      EXPECT_TRUE(per_campaign.count(c.name)) << c.name;
    }
    EXPECT_EQ(per_campaign.size(), small.campaigns.size());
    if (small.campaigns.empty()) {
      EXPECT_EQ(run.stats.attack_accounts, 0);
    } else {
      // Rotation opens more; a slot whose schedule starts too late may send
      // nothing, so allow a few fewer.
      EXPECT_GE(run.stats.attack_accounts, campaign_accounts * 9 / 10);
    }
  }
  for (const char* required : {"no_attack", "naive_hydra", "two_campaigns", "all_knobs_25k", "benign_heavy_enterprise",
                               "knob_proxy_residential", "knob_volume_cap", "knob_human_hours", "knob_camouflage",
                               "knob_paraphrase", "knob_multi_turn", "knob_account_ageing",
                               "knob_payment_email_diversity", "knob_rotation", "knob_ramp_up", "knob_model_switch"}) {
    EXPECT_TRUE(names.count(required)) << required;
  }
}

// --------------------------------------------------------------------------
// Each knob changes what it should
// --------------------------------------------------------------------------

class KnobTest : public ::testing::Test {
 protected:
  static const SimRun& Naive() {
    static const SimRun* const kRun = new SimRun(RunScenario(SmallScenario()));
    return *kRun;
  }
  template <typename Edit>
  static SimRun WithKnob(Edit edit) {
    Scenario s = SmallScenario();
    edit(s.campaigns.front());
    return RunScenario(s);
  }
};

TEST_F(KnobTest, ProxyKindSetsTheIpTypeOfCampaignEvents) {
  EXPECT_GT(ShareOfAttack(Naive(), [](const Ev& e) { return e.ip_type == "proxy"; }), 0.99);
  for (auto [kind, name] : {std::pair{ProxyKind::kResidential, "residential"}, std::pair{ProxyKind::kMobile, "mobile"},
                            std::pair{ProxyKind::kHosting, "hosting"}}) {
    const SimRun run = WithKnob([&](CampaignSpec& c) { c.proxy_kind = kind; });
    EXPECT_GT(ShareOfAttack(run, [&](const Ev& e) { return e.ip_type == name; }), 0.99) << name;
  }
}

TEST_F(KnobTest, VolumeCapLimitsExchangesPerAccountPerDay) {
  constexpr int64_t kCap = 8;
  const SimRun run = WithKnob([](CampaignSpec& c) { c.daily_cap = kCap; });
  std::map<std::pair<std::string, int64_t>, int64_t> per_day;
  for (const Ev* e : Attack(run)) ++per_day[{e->account_id, DayNumber(e->ts_ms)}];
  int64_t max = 0;
  for (const auto& [k, n] : per_day) max = std::max(max, n);
  EXPECT_LE(max, kCap);
  EXPECT_LT(run.stats.attack_events, Naive().stats.attack_events / 2);
}

TEST_F(KnobTest, HumanHoursConcentrateActivityInTheZonesDaytime) {
  constexpr double kOffsetHours = 8;
  const auto daytime = [&](const Ev& e) {
    const int hour = HourOfDayUtc(e.ts_ms + static_cast<int64_t>(kOffsetHours * kMsPerHour));
    return hour >= 8 && hour < 20;
  };
  const SimRun run = WithKnob([&](CampaignSpec& c) {
    c.human_hours = true;
    c.utc_offset_hours = kOffsetHours;
  });
  EXPECT_GT(ShareOfAttack(run, daytime), 0.85);
  EXPECT_LT(ShareOfAttack(Naive(), daytime), 0.65);
}

TEST_F(KnobTest, CamouflagePutsBenignPromptsIntoCampaignTraffic) {
  const auto plain = [](const Ev& e) { return e.system.empty(); };
  EXPECT_EQ(ShareOfAttack(Naive(), plain), 0.0);
  const SimRun run = WithKnob([](CampaignSpec& c) { c.camouflage_share = 0.4; });
  EXPECT_NEAR(ShareOfAttack(run, plain), 0.4, 0.06);
}

bool HasFixedWrapper(const Ev& e) {
  for (const char* phrase :
       {"Think through this step by step. Show your complete reasoning",
        "Break the following task into a detailed plan", "Solve the following programming task. First",
        "Solve the task below as an autonomous agent"}) {
    if (e.prompt.find(phrase) != std::string::npos) return true;
  }
  return false;
}

TEST_F(KnobTest, ParaphraseRemovesTheFixedWrappers) {
  EXPECT_GT(ShareOfAttack(Naive(), HasFixedWrapper), 0.9);
  const SimRun run = WithKnob([](CampaignSpec& c) { c.paraphrase = true; });
  EXPECT_LT(ShareOfAttack(run, HasFixedWrapper), 0.01);
}

TEST_F(KnobTest, MultiTurnAddsFollowUpTurns) {
  EXPECT_EQ(ShareOfAttack(Naive(), [](const Ev& e) { return e.turn > 1; }), 0.0);
  const SimRun run = WithKnob([](CampaignSpec& c) { c.multi_turn_share = 0.35; });
  EXPECT_GT(ShareOfAttack(run, [](const Ev& e) { return e.turn > 1; }), 0.2);
}

TEST_F(KnobTest, AgeingMovesAccountCreationWeeksBack) {
  const auto age_days = [](const SimRun& run) {
    std::map<std::string, double> first_age;
    for (const Ev* e : Attack(run)) {
      if (!first_age.count(e->account_id)) {
        first_age[e->account_id] = static_cast<double>(e->ts_ms - e->created_ms) / kMsPerDay;
      }
    }
    std::vector<double> ages;
    for (const auto& [id, age] : first_age) ages.push_back(age);
    std::sort(ages.begin(), ages.end());
    return ages[ages.size() / 2];
  };
  EXPECT_LT(age_days(Naive()), 3.0);
  EXPECT_GT(age_days(WithKnob([](CampaignSpec& c) { c.account_age_days = 60; })), 20.0);
}

TEST_F(KnobTest, PaymentAndEmailDiversity) {
  const auto distinct = [](const SimRun& run, auto field) {
    std::set<std::string> values;
    for (const Ev* e : Attack(run)) {
      const std::string& v = field(*e);
      if (!v.empty()) values.insert(v);
    }
    return values.size();
  };
  const auto payment = [](const Ev& e) -> const std::string& { return e.payment_fp; };
  const auto domain = [](const Ev& e) -> const std::string& { return e.email_domain; };
  EXPECT_LE(distinct(Naive(), payment), 4u);
  EXPECT_LE(distinct(Naive(), domain), 3u);
  const SimRun run = WithKnob([](CampaignSpec& c) {
    c.accounts_per_payment = 1;
    c.diverse_emails = true;
  });
  EXPECT_GE(distinct(run, payment), static_cast<size_t>(run.stats.attack_accounts));
  EXPECT_GT(distinct(run, domain), 6u);
}

TEST_F(KnobTest, RotationCreatesMoreAccountsThanAreActiveAtOnce) {
  EXPECT_EQ(Naive().stats.attack_accounts, 40);
  const SimRun run = WithKnob([](CampaignSpec& c) { c.lifetime_exchanges = 20; });
  EXPECT_GT(run.stats.attack_accounts, 80);
  const SimRun by_hours = WithKnob([](CampaignSpec& c) { c.lifetime_hours = 12; });
  EXPECT_GT(by_hours.stats.attack_accounts, 80);
}

TEST_F(KnobTest, RampUpMakesEarlyDaysSmaller) {
  const auto day_ratio = [](const SimRun& run) {
    std::map<int64_t, double> per_day;
    for (const Ev* e : Attack(run)) per_day[DayNumber(e->ts_ms)] += 1;
    return per_day.begin()->second / per_day.rbegin()->second;
  };
  // Waves already make the first day smaller; the ramp makes it much more so.
  EXPECT_LT(day_ratio(WithKnob([](CampaignSpec& c) { c.ramp_up_days = 3; })), 0.5 * day_ratio(Naive()));
}

TEST_F(KnobTest, ModelSwitchMovesCampaignTrafficToTheNewModel) {
  const int64_t release_ms = kDefaultScenarioStartMs + 41 * kMsPerHour;
  const auto late_new = [&](const SimRun& run) {
    int64_t late = 0, fresh = 0;
    for (const Ev* e : Attack(run)) {
      if (e->ts_ms < release_ms + 3 * kMsPerHour) continue;
      ++late;
      fresh += e->model == "orion-3";
    }
    return static_cast<double>(fresh) / static_cast<double>(std::max<int64_t>(1, late));
  };
  EXPECT_GT(late_new(WithKnob([](CampaignSpec& c) { c.model_switch_share = 1.0; })), 0.99);
  EXPECT_EQ(late_new(WithKnob([](CampaignSpec& c) { c.model_switch_share = 0.0; })), 0.0);
}

TEST_F(KnobTest, TargetExchangesSetsTheCampaignVolume) {
  const SimRun run = WithKnob([](CampaignSpec& c) { c.target_exchanges = 3000; });
  EXPECT_NEAR(static_cast<double>(run.stats.attack_events), 3000.0, 300.0);
}

// --------------------------------------------------------------------------
// No label leaks into the events
// --------------------------------------------------------------------------

TEST(NoLeakTest, IdsAreOpaqueAndShapedAlikeForEveryPopulation) {
  Scenario s = SmallScenario();
  s.research_lab.count = 1;
  const SimRun run = RunScenario(s);
  const std::regex request("req_[0-9a-f]{16}"), account("acct_[0-9a-f]{10}"), key("key_[0-9a-f]{10}"),
      conversation("conv_[0-9a-f]{10}"), org("org_[0-9a-f]{10}");
  for (const Ev& e : run.events) {
    ASSERT_TRUE(std::regex_match(e.request_id, request)) << e.request_id;
    ASSERT_TRUE(std::regex_match(e.account_id, account)) << e.account_id;
    ASSERT_TRUE(e.api_key_id.empty() || std::regex_match(e.api_key_id, key)) << e.api_key_id;
    ASSERT_TRUE(e.conversation_id.empty() || std::regex_match(e.conversation_id, conversation));
    ASSERT_TRUE(e.org_id.empty() || std::regex_match(e.org_id, org)) << e.org_id;
  }
}

// Attack share among the first and second halves of `ids` sorted.
void ExpectOrderIndependentOfLabel(std::vector<std::pair<std::string, bool>> ids, const char* what) {
  std::sort(ids.begin(), ids.end());
  const size_t half = ids.size() / 2;
  double first = 0, second = 0;
  for (size_t i = 0; i < ids.size(); ++i) (i < half ? first : second) += ids[i].second;
  first /= static_cast<double>(half);
  second /= static_cast<double>(ids.size() - half);
  const double overall = (first * static_cast<double>(half) + second * static_cast<double>(ids.size() - half)) /
                         static_cast<double>(ids.size());
  // Four binomial standard deviations: a label-independent order stays
  // inside, a population-by-population one (shares 0 or 1) does not.
  const auto tolerance = [&](size_t n) {
    return std::max(0.02, 4 * std::sqrt(overall * (1 - overall) / static_cast<double>(n)));
  };
  EXPECT_NEAR(first, second, 2 * tolerance(half)) << what;
  // Finer: the share in each decile stays near the overall share.
  const size_t decile = ids.size() / 10;
  for (size_t d = 0; d < 10; ++d) {
    double attack = 0;
    for (size_t i = d * decile; i < (d + 1) * decile; ++i) attack += ids[i].second;
    EXPECT_NEAR(attack / static_cast<double>(decile), overall, tolerance(decile)) << what << " decile " << d;
  }
}

TEST(NoLeakTest, IdOrderIsIndependentOfTheLabel) {
  const SimRun run = RunScenario(SmallScenario());
  std::vector<std::pair<std::string, bool>> requests;
  std::map<std::string, bool> accounts;
  for (const Ev& e : run.events) {
    requests.emplace_back(e.request_id, e.attack);
    accounts[e.account_id] = e.attack;
  }
  ExpectOrderIndependentOfLabel(requests, "request_id");
  ExpectOrderIndependentOfLabel({accounts.begin(), accounts.end()}, "account_id");
}

TEST(NoLeakTest, NoArtefactValueOccursOnlyInAttackEvents) {
  Scenario s = SmallScenario();
  // A name no corpus contains: if it shows up, the label leaked.
  s.campaigns.front().name = "Qz7-campaign-marker";
  const SimRun run = RunScenario(s);
  EXPECT_EQ(run.events_text.find("Qz7-campaign-marker"), std::string::npos) << "the campaign name leaked";
  using Field = std::string Ev::*;
  const std::pair<const char*, Field> fields[] = {
      {"user_agent", &Ev::user_agent},     {"client_fp", &Ev::client_fp},     {"model", &Ev::model},
      {"ip_type", &Ev::ip_type},           {"stop_reason", &Ev::stop_reason}, {"tier", &Ev::tier},
      {"email_domain", &Ev::email_domain},
  };
  for (const auto& [name, field] : fields) {
    std::set<std::string> benign, attack;
    for (const Ev& e : run.events) (e.attack ? attack : benign).insert(e.*field);
    for (const std::string& v : attack) EXPECT_TRUE(benign.count(v)) << name << " value only in attack events: " << v;
  }
  std::set<std::string> benign_tools;
  for (const Ev& e : run.events) {
    if (!e.attack) benign_tools.insert(e.tools.begin(), e.tools.end());
  }
  for (const Ev& e : run.events) {
    if (!e.attack) continue;
    for (const std::string& t : e.tools) EXPECT_TRUE(benign_tools.count(t)) << "tool only in attack events: " << t;
  }
}

TEST(NoLeakTest, BenignAccountsRarelyShareAPrompt) {
  Result<Scenario> s = LoadScenarioFile(std::string(DG_SOURCE_DIR) + "/scenarios/no_attack.toml");
  ASSERT_TRUE(s.ok()) << s.status().message();
  const SimRun run = RunScenario(*s);
  // Benchmark harnesses send the same questions by design, and batch
  // templates embed item ids; people should not collide.
  std::map<std::string, std::set<std::string>> accounts_by_prompt;
  int64_t prompts = 0;
  for (const Ev& e : run.events) {
    if (e.kind != "chat" && e.kind != "developer" && e.kind != "coding-agent") continue;
    if (e.prompt.empty() || e.turn != 1) continue;
    ++prompts;
    accounts_by_prompt[e.prompt].insert(e.account_id);
  }
  int64_t shared = 0;
  for (const auto& [p, accounts] : accounts_by_prompt) {
    if (accounts.size() > 1) ++shared;
  }
  ASSERT_GT(prompts, 1000);
  EXPECT_LT(static_cast<double>(shared) / static_cast<double>(accounts_by_prompt.size()), 0.02);
}

// --------------------------------------------------------------------------
// Corpora and traces
// --------------------------------------------------------------------------

TEST(CorporaTest, EmbeddedTracesParse) {
  for (auto [name, rows] :
       {std::pair{"azure_conv", 4000u}, std::pair{"azure_code", 3000u}, std::pair{"mooncake", 3000u}}) {
    Result<Trace> trace = LoadEmbeddedTrace(name);
    ASSERT_TRUE(trace.ok()) << trace.status().message();
    EXPECT_EQ(trace->records.size(), rows) << name;
    TraceSampler sampler(*trace);
    EXPECT_GT(sampler.mean_gap_ms(), 0) << name;
  }
}

TEST(CorporaTest, BadTracesAreDataLoss) {
  EXPECT_EQ(ParseTrace("nope\n", TraceFormat::kAzureCsv, "x").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(
      ParseTrace("TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.68,1,x\n", TraceFormat::kAzureCsv, "x")
          .status()
          .code(),
      StatusCode::kDataLoss);
  EXPECT_EQ(ParseTrace("{\"timestamp\": 1}\n", TraceFormat::kMooncakeJsonl, "x").status().code(),
            StatusCode::kDataLoss);
}

TEST(CorporaTest, EmbeddedFallbackAndErrors) {
  Result<SimCorpora> embedded = LoadSimCorpora("");
  ASSERT_TRUE(embedded.ok());
  EXPECT_EQ(embedded->origins.at("alpaca"), "embedded:alpaca");
  EXPECT_EQ(LoadSimCorpora("/nonexistent/corpora").status().code(), StatusCode::kNotFound);

  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "dg_scenario_test_corpora";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "alpaca");
  std::filesystem::create_directories(dir / "koala");
  std::ofstream(dir / "koala" / "koala_test_set.jsonl") << "{\"prompt\": \"hello there\"}\n{\"prompt\": \"bye\"}\n";
  Result<SimCorpora> partial = LoadSimCorpora(dir.string());
  ASSERT_TRUE(partial.ok()) << partial.status().message();
  EXPECT_EQ(partial->corpus("koala").texts.size(), 2u);
  EXPECT_EQ(partial->origins.at("alpaca"), "embedded:alpaca");  // missing: the sample fills in
  std::ofstream(dir / "alpaca" / "alpaca_5000.json") << "not json";
  Result<SimCorpora> corrupt = LoadSimCorpora(dir.string());
  ASSERT_FALSE(corrupt.ok());
  EXPECT_EQ(corrupt.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(corrupt.status().message().find("alpaca_5000.json"), std::string::npos) << corrupt.status().message();
  std::filesystem::remove_all(dir);
}

TEST(CorporaTest, SharedCorporaLoadWhenPresent) {
  const std::string dir = std::string(DG_SOURCE_DIR) + "/../shared/corpora";
  if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << "no shared corpora at " << dir;
  Result<SimCorpora> all = LoadSimCorpora(dir);
  ASSERT_TRUE(all.ok()) << all.status().message();
  EXPECT_EQ(all->corpus("alpaca").texts.size(), 5000u);
  EXPECT_EQ(all->corpus("gsm8k").texts.size(), 1319u);
  EXPECT_GT(all->corpus("hh_rlhf").conversations.size(), 2000u);
  EXPECT_EQ(all->trace("azure_conv").records.size(), 19366u);
  Scenario s = SmallScenario();
  SimulateOptions options;
  options.corpora_dir = dir;
  const SimRun run = RunScenario(s, options);
  EXPECT_GT(run.stats.attack_events, 0);
}

}  // namespace
}  // namespace dg
