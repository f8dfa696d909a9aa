// Policy: maps an account's score to the action the gateway applies.
//
// Pipeline: features -> scoring (scorer.h) -> **policy** -> decisions. The
// thresholds come from the config file ([policy] in docs/config.md); the
// defaults below are what an operator gets with no config.
//
// Thread-safety: immutable after construction.
#ifndef DG_SCORING_POLICY_H_
#define DG_SCORING_POLICY_H_

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/status.h"

namespace dg {

// Ordered by severity; "actioned" means throttle or worse (SCHEMA.md section 3).
enum class Action : uint8_t { kAllow, kMonitor, kThrottle, kChallenge, kBlock };
std::string_view ActionName(Action a);
std::optional<Action> ParseAction(std::string_view s);
inline bool IsActioned(Action a) { return a >= Action::kThrottle; }

struct PolicyConfig {
  // Lowest score for each action. Must be non-decreasing in severity.
  double monitor = 0.50;
  double throttle = 0.80;
  double challenge = 0.88;
  double block = 0.94;
  // No account is actioned (throttle or worse) before this many exchanges:
  // one prompt is too little evidence to refuse a customer.
  int64_t min_exchanges = 3;
  // Once actioned, an account keeps its most severe action even if its score
  // later drops (a blocked campaign account does not unblock itself by
  // sending camouflage). An analyst override (service) can lift it.
  bool sticky = true;

  Status Validate() const;
};

class Policy {
 public:
  explicit Policy(const PolicyConfig& config) : config_(config) {}
  // The action for `score` with `exchanges` seen so far, given the action in
  // force (`current`).
  Action Decide(double score, int64_t exchanges, Action current) const;
  // The action the thresholds give `score` alone (no minimum, no stickiness):
  // what a campaign's score maps to.
  Action ActionFor(double score) const;
  const PolicyConfig& config() const { return config_; }

 private:
  PolicyConfig config_;
};

}  // namespace dg

#endif  // DG_SCORING_POLICY_H_
