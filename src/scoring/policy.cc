#include "scoring/policy.h"

#include <array>

namespace dg {
namespace {
constexpr std::array<std::string_view, 5> kActionNames = {"allow", "monitor", "throttle", "challenge", "block"};
}  // namespace

std::string_view ActionName(Action a) { return kActionNames[static_cast<size_t>(a)]; }

std::optional<Action> ParseAction(std::string_view s) {
  for (size_t i = 0; i < kActionNames.size(); ++i) {
    if (s == kActionNames[i]) return static_cast<Action>(i);
  }
  return std::nullopt;
}

Status PolicyConfig::Validate() const {
  for (const double t : {monitor, throttle, challenge, block}) {
    if (!(t >= 0.0 && t <= 1.0)) return Status::InvalidArgument("policy thresholds must be between 0 and 1");
  }
  if (!(monitor <= throttle && throttle <= challenge && challenge <= block)) {
    return Status::InvalidArgument("policy thresholds must satisfy monitor <= throttle <= challenge <= block");
  }
  if (min_exchanges < 1) return Status::InvalidArgument("policy.min_exchanges must be at least 1");
  return Status::Ok();
}

Action Policy::ActionFor(double score) const {
  if (score >= config_.block) return Action::kBlock;
  if (score >= config_.challenge) return Action::kChallenge;
  if (score >= config_.throttle) return Action::kThrottle;
  if (score >= config_.monitor) return Action::kMonitor;
  return Action::kAllow;
}

Action Policy::Decide(double score, int64_t exchanges, Action current) const {
  Action a = ActionFor(score);
  if (IsActioned(a) && exchanges < config_.min_exchanges) a = Action::kMonitor;
  if (config_.sticky && IsActioned(current) && current > a) a = current;
  return a;
}

}  // namespace dg
