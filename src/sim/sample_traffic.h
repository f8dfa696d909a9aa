// The embedded default traffic sample: a few days of labelled API traffic in
// which one distillation campaign hides among the benign populations that
// look most like it. `distillguard demo` generates it, scans it and prints a
// summary; tests and benchmarks use it as a realistic, reproducible input.
//
// Part of the sim module (the base of the scenario simulator). Prompts come
// from the embedded corpora (sim/corpus.h), addresses and clients from
// sim/network.h, benign phrasing from sim/text_variation.h; the events and
// labels are written by sim/traffic.h in SCHEMA.md sections 1 and 2 format.
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

namespace dg {

// 2026-04-20T00:00:00Z, a Monday.
inline constexpr int64_t kSampleTrafficDefaultStartMs = 1776643200000;

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

// Generates labelled traffic deterministically for the seed and writes it to
// two streams: events (SCHEMA.md section 1, sorted by ts, one JSON per line)
// and labels (section 2, one line per account that has events). Returns
// InvalidArgument for options out of range and IoError when writing fails.
// Memory grows with the output (events are ordered before writing).
Result<SampleTrafficStats> WriteSampleTraffic(const SampleTrafficOptions& options, std::ostream& events,
                                              std::ostream& labels);

}  // namespace dg

#endif  // DG_SIM_SAMPLE_TRAFFIC_H_
