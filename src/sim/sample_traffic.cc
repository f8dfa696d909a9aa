#include "sim/sample_traffic.h"

#include <fmt/format.h>

#include "sim/scenario.h"

namespace dg {
namespace {

constexpr int kMaxDays = 366;
constexpr double kMaxScale = 1000.0;

Status ValidateOptions(const SampleTrafficOptions& o) {
  if (o.days < 1 || o.days > kMaxDays) {
    return Status::InvalidArgument(fmt::format("days must be in [1, {}], got {}", kMaxDays, o.days));
  }
  if (!(o.scale > 0) || o.scale > kMaxScale) {
    return Status::InvalidArgument(fmt::format("scale must be in (0, {}], got {}", kMaxScale, o.scale));
  }
  if (o.chat_users < 0 || o.developers < 0 || o.coding_agents < 0 || o.enterprise_orgs < 0 || o.eval_harnesses < 0 ||
      o.campaign_accounts < 0) {
    return Status::InvalidArgument("population sizes must not be negative");
  }
  return Status::Ok();
}

}  // namespace

Scenario SampleTrafficScenario(const SampleTrafficOptions& options) {
  Scenario scenario = DemoScenario();
  scenario.seed = options.seed;
  scenario.start_ms = options.start_ms;
  scenario.days = options.days;
  scenario.chat.count = options.chat_users;
  scenario.developer.count = options.developers;
  scenario.coding_agent.count = options.coding_agents;
  scenario.enterprise.orgs = options.enterprise_orgs;
  scenario.eval_harness.count = options.eval_harnesses;
  if (options.campaign_accounts == 0) {
    scenario.campaigns.clear();
  } else {
    scenario.campaigns.front().accounts = options.campaign_accounts;
  }
  return ScaleScenario(std::move(scenario), options.scale);
}

Result<SampleTrafficStats> WriteSampleTraffic(const SampleTrafficOptions& options, std::ostream& events,
                                              std::ostream& labels) {
  DG_RETURN_IF_ERROR(ValidateOptions(options));
  Result<SimulateStats> stats = Simulate(SampleTrafficScenario(options), SimulateOptions{}, events, labels);
  if (!stats.ok()) return stats.status();
  SampleTrafficStats out;
  out.events = stats->events;
  out.accounts = stats->accounts;
  out.attack_accounts = stats->attack_accounts;
  out.attack_events = stats->attack_events;
  return out;
}

}  // namespace dg
