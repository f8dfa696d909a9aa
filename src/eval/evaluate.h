// Evaluate: judges a scan's decisions on a labelled stream (`distillguard
// eval`), beside the baseline providers run today.
//
// Reads labels.jsonl, the scan's accounts.jsonl and the event stream itself
// (for each campaign's first exchange, needed for time to detection, and for
// the baseline). The baseline is a per-account quota as API gateways offer
// it: an exchange is refused when the account already had `quota_per_day`
// exchanges in the previous rolling 24 hours. An account counts as actioned
// by the baseline once it is refused anything, and every exchange the quota
// let through counts as leaked.
//
// Pipeline: beside the sinks; uses ingest to read events exactly as scan does.
#ifndef DG_EVAL_EVALUATE_H_
#define DG_EVAL_EVALUATE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "eval/metrics.h"

namespace dg {

inline constexpr int64_t kDefaultQuotaPerDay = 1000;

struct EvalOptions {
  std::string labels_path;
  std::vector<std::string> event_paths;
  std::string result_dir;  // holds accounts.jsonl from `scan`
  int64_t quota_per_day = kDefaultQuotaPerDay;
};

struct EvalReport {
  Metrics detector;
  Metrics baseline;
  int64_t quota_per_day = 0;
  int64_t events = 0;
};

// NotFound / InvalidArgument for missing or malformed inputs.
Result<EvalReport> Evaluate(const EvalOptions& options);

// JSON for scripts (eval.json) and a plain-text table for people.
std::string EvalReportJson(const EvalReport& report);
std::string EvalReportText(const EvalReport& report);

}  // namespace dg

#endif  // DG_EVAL_EVALUATE_H_
