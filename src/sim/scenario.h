// The scenario simulator behind `distillguard simulate`: a Scenario (benign
// populations with their sizes and knobs, any number of distillation
// campaigns with their evasion knobs, a time window, a seed) read from a TOML
// file, and Simulate, which generates the labelled traffic it describes.
//
// Part of the sim module, at its top: Simulate builds the world (corpora and
// traces from sim/corpora.h, networks from sim/network.h), runs one generator
// per population and campaign (sim/simulate.cc) and writes events
// (SCHEMA.md section 1, in ts order) and labels (section 2) through
// sim/traffic.h. `distillguard demo` runs the built-in DemoScenario through
// the same engine (sim/sample_traffic.h). Every key of the file format, its
// default and its meaning are in docs/scenarios.md.
//
// Deterministic: the same scenario, seed and corpora give the same bytes.
// Thread-safety: no shared state; concurrent calls are safe.
#ifndef DG_SIM_SCENARIO_H_
#define DG_SIM_SCENARIO_H_

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace dg {

// 2026-04-20T00:00:00Z, a Monday.
inline constexpr int64_t kDefaultScenarioStartMs = 1776643200000;

// ---------------------------------------------------------------------------
// Benign populations (label kind in parentheses)
// ---------------------------------------------------------------------------

// (chat) web and mobile users, multi-turn, diurnal in their own time zone.
struct ChatPopulation {
  int64_t count = 0;
  double sessions_per_day = 1.8;    // median over users (log-normal spread)
  double carrier_nat_share = 0.35;  // of mobile users: behind a shared carrier-NAT address
  double university_share = 0.0;    // on a campus network behind a few shared addresses
  double vpn_share = 0.04;          // browse through a commercial VPN
};

// (developer) SDK scripts in working hours, coding questions.
struct DeveloperPopulation {
  int64_t count = 0;
  double sessions_per_workday = 1.6;
};

// (coding-agent) long tool loops, big contexts, thinking budgets.
struct CodingAgentPopulation {
  int64_t count = 0;
  double sessions_per_workday = 1.1;
};

// (enterprise-batch) organisations: several service accounts and keys in one
// org, one payment method, cloud egress IPs, templated prompts, 24/7.
struct EnterprisePopulation {
  int64_t orgs = 0;
  int64_t min_accounts = 4;  // per org
  int64_t max_accounts = 8;
  double min_peak_per_hour = 15;  // exchanges per workload at business-hour peak
  double max_peak_per_hour = 30;
  double night_factor = 0.3;  // off-hours rate relative to the peak
  int64_t min_batch = 150;    // nightly batch job size, exchanges
  int64_t max_batch = 400;
};

// (eval-harness) benchmark question sets run in bursts at temperature 0.
struct EvalHarnessPopulation {
  int64_t count = 0;
  double runs_per_workday = 1.5;
};

// (research-lab) research labs and synthetic-data customers under contract:
// tier enterprise, verified, high steady volume of generated data.
struct ResearchLabPopulation {
  int64_t count = 0;
  double daily_exchanges = 1500;  // per lab (spread over its 1-3 accounts)
};

// ---------------------------------------------------------------------------
// Campaigns
// ---------------------------------------------------------------------------

enum class ProxyKind {
  kProxy,        // commercial proxy/VPN ranges (ip_type proxy)
  kHosting,      // cloud servers (ip_type hosting)
  kResidential,  // residential proxy network (ip_type residential)
  kMobile,       // mobile proxy network (ip_type mobile)
};
std::string_view ProxyKindName(ProxyKind kind);

struct CampaignSpec {
  std::string name;       // label only; never written into events
  int64_t accounts = 80;  // accounts active at once (slots)
  int64_t waves = 3;      // accounts are created in this many waves
  double wave_spread_hours = 2;
  double start_hours = 0;           // when the campaign starts, after the scenario start
  double min_daily_exchanges = 20;  // per account per day
  double max_daily_exchanges = 40;
  int64_t target_exchanges = 0;  // > 0: rates scaled so the campaign sends about this many
  std::vector<std::string> corpora = {"alpaca", "codealpaca", "self_instruct"};
  int64_t system_prompts = 2;   // distinct system prompts shared across the accounts
  double agentic_share = 0.25;  // of task prompts framed as agentic/tool-use tasks
  double rubric_share = 0.05;   // of task prompts asking for rubric grading
  double logprobs_share = 0.25;
  // Evasion knobs; the defaults are a naive campaign.
  ProxyKind proxy_kind = ProxyKind::kProxy;
  int64_t proxy_pool_size = 1500;     // exit addresses
  int64_t daily_cap = 0;              // > 0: at most this many exchanges per account per UTC day
  bool human_hours = false;           // diurnal, bursty activity instead of a steady 24/7 rate
  double utc_offset_hours = 0;        // the time zone of human_hours
  double camouflage_share = 0;        // of exchanges that are ordinary benign prompts
  bool paraphrase = false;            // wrappers paraphrased per request, not fixed templates
  double multi_turn_share = 0;        // of exchanges that follow up in the same conversation
  double account_age_days = 0;        // > 0: accounts bought/aged this long before first use
  int64_t accounts_per_payment = 16;  // 1: every account its own payment method
  bool diverse_emails = false;        // consumer-like email domains and local-part shapes
  int64_t lifetime_exchanges = 0;     // > 0: abandon an account after this many, open a fresh one
  double lifetime_hours = 0;          // > 0: same, after this long in use
  double ramp_up_days = 0;            // > 0: rate grows linearly from 10% to 100% over this
  double model_switch_share = 0.6;    // of accounts moving to the new model soon after release
  // The campaign's own random stream (proxy pool, schedule, playbook choices)
  // when >= 0; otherwise derived from the scenario seed. Two runs with
  // different seeds and the same operation_seed are one operation seen by
  // two providers: different customers and account ids, the same proxy
  // exits and habits (the two-provider intel test).
  int64_t operation_seed = -1;
};

struct Scenario {
  std::string name = "unnamed";
  uint64_t seed = 42;
  int64_t start_ms = kDefaultScenarioStartMs;
  int64_t days = 3;
  std::string model = "orion-2.5";    // the stable model
  std::string new_model = "orion-3";  // released during the window
  double release_hours = 41;          // after start; past the window: no release
  ChatPopulation chat;
  DeveloperPopulation developer;
  CodingAgentPopulation coding_agent;
  EnterprisePopulation enterprise;
  EvalHarnessPopulation eval_harness;
  ResearchLabPopulation research_lab;
  std::vector<CampaignSpec> campaigns;
};

// Parses a scenario in TOML. Unknown tables and keys, wrong types and values
// out of range are InvalidArgument naming the key (e.g. "campaign[1].waves").
Result<Scenario> ParseScenario(std::string_view toml_text, const std::string& origin);
// NotFound when the file cannot be opened, else as ParseScenario.
Result<Scenario> LoadScenarioFile(const std::string& path);
// The checks ParseScenario applies, for scenarios built in code.
Status ValidateScenario(const Scenario& scenario);

// The demo's built-in scenario: three days, ~450 benign accounts, one naive
// campaign of 80 accounts ("hydra-1").
Scenario DemoScenario();
// Multiplies every population and campaign size (not rates) by `factor`;
// a non-zero size stays at least 1.
Scenario ScaleScenario(Scenario scenario, double factor);

struct SimulateOptions {
  std::optional<uint64_t> seed;  // overrides the scenario's seed
  std::string corpora_dir;       // empty: embedded samples (sim/corpora.h)
};

struct SimulateStats {
  int64_t events = 0;
  int64_t accounts = 0;
  int64_t attack_accounts = 0;
  int64_t attack_events = 0;
  std::map<std::string, int64_t> accounts_by_kind;
};

// Generates the scenario's traffic: events (SCHEMA.md section 1, sorted by
// ts) and labels (section 2, one line per account with events). Errors:
// InvalidArgument for an invalid scenario, NotFound/DataLoss from the
// corpora, IoError when a stream fails. Memory grows with the output.
Result<SimulateStats> Simulate(const Scenario& scenario, const SimulateOptions& options, std::ostream& events,
                               std::ostream& labels);

}  // namespace dg

#endif  // DG_SIM_SCENARIO_H_
