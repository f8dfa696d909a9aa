// The embedded default traffic sample: a few days of labelled API traffic in
// which one distillation campaign hides among the benign populations that
// look most like it. `distillguard demo` generates it, scans it and prints a
// summary; tests and benchmarks use it as a realistic, reproducible input.
//
// Part of the sim module: a thin wrapper that turns SampleTrafficOptions into
// the built-in demo scenario (DemoScenario in sim/scenario.h) and runs it
// through the scenario simulator's engine (Simulate), with the embedded
// corpora and traces.
//
// Populations (label `kind`):
//   chat             web and mobile users, multi-turn, diurnal in their own
//                    time zone, some behind a shared carrier NAT or a VPN
//   developer        SDK scripts in working hours, code questions
//   coding-agent     long tool loops with large contexts, heavy but legitimate
//   enterprise-batch shared-org service accounts on cloud IPs, templated
//                    prompts around their own data, 24/7
//   eval-harness     benchmark runs in bursts (gsm8k chain-of-thought,
//                    HumanEval, MBPP), temperature 0
//   campaign         the attack: "hydra-1", accounts made in waves, shared
//                    payment and proxy infrastructure, reasoning-coercion and
//                    agentic templates, steady 24/7 rate, model switch on day 2
//
// Thread-safety: WriteSampleTraffic has no shared state; concurrent calls
// are safe.
#ifndef DG_SIM_SAMPLE_TRAFFIC_H_
#define DG_SIM_SAMPLE_TRAFFIC_H_

#include <cstdint>
#include <ostream>

#include "common/status.h"
#include "sim/scenario.h"

namespace dg {

inline constexpr int64_t kSampleTrafficDefaultStartMs = kDefaultScenarioStartMs;

struct SampleTrafficOptions {
  uint64_t seed = 42;
  int64_t start_ms = kSampleTrafficDefaultStartMs;
  int days = 3;
  int chat_users = 300;
  int developers = 120;
  int coding_agents = 25;
  int enterprise_orgs = 3;  // accounts per org: 4 to 8
  int eval_harnesses = 4;
  int campaign_accounts = 80;
  double scale = 1.0;  // multiplies every population size (benchmarks use >1)
};

struct SampleTrafficStats {
  int64_t events = 0;
  int64_t accounts = 0;
  int64_t attack_accounts = 0;
  int64_t attack_events = 0;
};

// The scenario WriteSampleTraffic runs for `options`.
Scenario SampleTrafficScenario(const SampleTrafficOptions& options);

// Generates labelled traffic deterministically for the seed and writes it to
// two streams: events (SCHEMA.md section 1, sorted by ts, one JSON per line)
// and labels (section 2, one line per account that has events). Returns
// InvalidArgument for options out of range and IoError when writing fails.
// Memory grows with the output (events are ordered before writing).
Result<SampleTrafficStats> WriteSampleTraffic(const SampleTrafficOptions& options, std::ostream& events,
                                              std::ostream& labels);

}  // namespace dg

#endif  // DG_SIM_SAMPLE_TRAFFIC_H_
