#include "scoring/scorer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace dg {
namespace {

constexpr double kHoursPerDay = 24.0;
// Timing terms: entropy above this is "spread over the clock"; a gap CV below
// this is "regular". Human use is diurnal (entropy ~0.6-0.85) and bursty
// (CV > 1); a scheduler spread over all hours approaches 1 and 0.
constexpr double kRoundTheClockEntropy = 0.85;
constexpr double kRegularGapCv = 0.6;

int Pct(double share) { return static_cast<int>(std::lround(share * 100.0)); }

double Sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

// Moves into [0, 1] linearly between lo (0) and hi (1).
double Ramp(double x, double lo, double hi) { return std::clamp((x - lo) / (hi - lo), 0.0, 1.0); }

}  // namespace

Status ScoringWeights::Validate() const {
  if (!(prior_weight >= 0)) return Status::InvalidArgument("weights.prior_weight must be >= 0");
  if (!(new_account_hours > 0) || !(aged_account_days > 0)) {
    return Status::InvalidArgument("weights.new_account_hours and weights.aged_account_days must be > 0");
  }
  if (timing_min_exchanges < 2) return Status::InvalidArgument("weights.timing_min_exchanges must be >= 2");
  for (const double v : {bias, coercion, rubric, target_capabilities, single_turn, anonymised_network, country_mismatch,
                         new_account, unverified, free_tier, large_outputs, logprobs, multi_sample, round_the_clock,
                         regular_timing, verified_org, conversations, agent_loop, account_age}) {
    if (!std::isfinite(v)) return Status::InvalidArgument("weights must be finite numbers");
  }
  return Status::Ok();
}

// Calls sink(name, value, weight, make_reason) for every term with value > 0
// and returns the score. make_reason is only invoked by sinks that need text.
template <typename Sink>
double Scorer::Evaluate(const AccountSummary& s, Sink&& sink) const {
  const double n = static_cast<double>(s.exchanges);
  // Shrink a share toward 0 by prior_weight pseudo-exchanges.
  const auto shrink = [&](double share) { return share * n / (n + w_.prior_weight); };
  double z = w_.bias;
  const auto term = [&](const char* name, double value, double weight, auto&& make_reason) {
    if (!(value > 0)) return;
    z += value * weight;
    sink(name, value, weight, make_reason);
  };

  term("coercion", shrink(s.coercion_share), w_.coercion, [&] {
    return fmt::format("{}% of prompts demand step-by-step reasoning or the full chain of thought",
                       Pct(s.coercion_share));
  });
  term("rubric", shrink(s.rubric_share), w_.rubric, [&] {
    return fmt::format("{}% of prompts use the model as a grader (rubric or scoring prompts)", Pct(s.rubric_share));
  });
  const double targeted = s.capability_share[static_cast<size_t>(Capability::kSoftwareEngineering)] +
                          s.capability_share[static_cast<size_t>(Capability::kAgenticToolUse)] +
                          s.capability_share[static_cast<size_t>(Capability::kLongHorizon)] +
                          s.capability_share[static_cast<size_t>(Capability::kReasoning)];
  term("target_capabilities", shrink(targeted), w_.target_capabilities, [&] {
    return fmt::format("{}% of prompts target coding, agentic, long-horizon or reasoning capabilities", Pct(targeted));
  });
  term("single_turn", shrink(s.single_turn_share), w_.single_turn, [&] {
    return fmt::format("{}% of exchanges are single prompts with no conversation", Pct(s.single_turn_share));
  });
  term("anonymised_network", shrink(s.anonymised_share), w_.anonymised_network, [&] {
    return fmt::format("{}% of traffic from hosting, VPN, Tor or proxy addresses", Pct(s.anonymised_share));
  });
  term("country_mismatch", shrink(s.country_mismatch_share), w_.country_mismatch, [&] {
    return fmt::format("IP country differs from billing country in {}% of exchanges", Pct(s.country_mismatch_share));
  });
  if (s.age_at_first_use_ms >= 0) {
    const double age_hours = static_cast<double>(s.age_at_first_use_ms) / static_cast<double>(kMsPerHour);
    term("new_account", 1.0 - Ramp(age_hours, 0.0, w_.new_account_hours), w_.new_account,
         [&] { return fmt::format("account first used {:.0f} h after it was created", age_hours); });
    term("account_age", Ramp(age_hours / kHoursPerDay, w_.aged_account_days / 2, w_.aged_account_days), -w_.account_age,
         [&] { return fmt::format("long-standing account ({:.0f} days old at first use)", age_hours / kHoursPerDay); });
  }
  if (s.phone_verified == TriBool::kFalse) {
    term("unverified", 1.0, w_.unverified, [] { return std::string("no phone verification"); });
  }
  if (s.tier == Tier::kFree || s.tier == Tier::kApi) {
    term("free_tier", 1.0, w_.free_tier, [&] { return fmt::format("{} tier", TierName(s.tier)); });
  }
  term("large_outputs", shrink(s.large_max_tokens_share), w_.large_outputs, [&] {
    return fmt::format("{}% of requests ask for max_tokens >= {} (mean {:.0f})", Pct(s.large_max_tokens_share),
                       kLargeMaxTokens, s.mean_max_tokens);
  });
  term("logprobs", shrink(s.logprobs_share), w_.logprobs,
       [&] { return fmt::format("{}% of requests ask for token log-probabilities", Pct(s.logprobs_share)); });
  term("multi_sample", shrink(s.multi_n_share), w_.multi_sample,
       [&] { return fmt::format("{}% of requests ask for several samples (n > 1)", Pct(s.multi_n_share)); });
  if (s.exchanges >= w_.timing_min_exchanges) {
    term("round_the_clock", Ramp(s.hour_entropy, kRoundTheClockEntropy, 1.0), w_.round_the_clock, [&] {
      return fmt::format("activity spread evenly over the clock (hour-of-day entropy {:.2f})", s.hour_entropy);
    });
    if (s.gap_cv >= 0) {
      term("regular_timing", 1.0 - Ramp(s.gap_cv, kRegularGapCv / 2, kRegularGapCv), w_.regular_timing,
           [&] { return fmt::format("machine-regular spacing between requests (gap CV {:.2f})", s.gap_cv); });
    }
  }
  const bool trusted_tier = s.tier == Tier::kEnterprise || s.tier == Tier::kTeam;
  if (trusted_tier && s.phone_verified == TriBool::kTrue && s.has_org) {
    term("verified_org", 1.0, -w_.verified_org,
         [&] { return fmt::format("verified {} customer in an organisation", TierName(s.tier)); });
  }
  term("conversations", shrink(s.multi_turn_share), -w_.conversations,
       [&] { return fmt::format("{}% of exchanges continue a conversation", Pct(s.multi_turn_share)); });
  term("agent_loop", shrink(s.tool_result_share), -w_.agent_loop, [&] {
    return fmt::format("{}% of requests return tool results (a working agent loop)", Pct(s.tool_result_share));
  });
  return Sigmoid(z);
}

double Scorer::Score(const AccountSummary& s) const {
  return Evaluate(s, [](const char*, double, double, auto&&) {});
}

ScoreResult Scorer::Explain(const AccountSummary& s) const {
  ScoreResult r;
  r.score = Evaluate(s, [&](const char* name, double value, double weight, auto&& make_reason) {
    r.contributions.push_back(Contribution{name, value, weight, make_reason()});
  });
  std::stable_sort(r.contributions.begin(), r.contributions.end(), [](const Contribution& a, const Contribution& b) {
    return std::fabs(a.value * a.weight) > std::fabs(b.value * b.weight);
  });
  return r;
}

std::vector<std::string> Scorer::Reasons(const AccountSummary& s, double min_contribution) const {
  std::vector<std::string> reasons;
  for (auto& c : Explain(s).contributions) {
    if (std::fabs(c.value * c.weight) < min_contribution) continue;
    reasons.push_back(c.weight < 0 ? "mitigating: " + c.reason : std::move(c.reason));
  }
  return reasons;
}

}  // namespace dg
