#include "eval/evaluate.h"

#include <absl/container/flat_hash_map.h>
#include <fmt/format.h>

#include <deque>

#include "common/json_writer.h"
#include "ingest/source.h"

namespace dg {
namespace {

// Per-account state of the quota baseline: the times of served exchanges in
// the last 24 h (at most quota_per_day of them).
struct QuotaAccount {
  std::deque<int64_t> served_ms;
  int64_t exchanges = 0;
  int64_t served = 0;
  int64_t first_refusal_ms = kNoTime;
};

void WriteMetrics(const Metrics& m, JsonWriter* w) {
  w->BeginObject();
  w->Key("attack_accounts").Int(m.attack_accounts);
  w->Key("attack_actioned").Int(m.attack_actioned);
  w->Key("recall").Double(m.recall());
  w->Key("benign_accounts").Int(m.benign_accounts);
  w->Key("benign_actioned").Int(m.benign_actioned);
  w->Key("benign_fpr").Double(m.benign_fpr(), 6);
  w->Key("attack_exchanges").Int(m.attack_exchanges);
  w->Key("leaked_exchanges").Int(m.leaked_exchanges);
  w->Key("leakage").Double(m.leakage());
  w->Key("benign_by_kind").BeginObject();
  for (const auto& [kind, k] : m.benign_by_kind) {
    w->Key(kind).BeginObject().Key("accounts").Int(k.accounts).Key("actioned").Int(k.actioned).EndObject();
  }
  w->EndObject();
  w->Key("campaigns").BeginObject();
  for (const auto& [name, c] : m.campaigns) {
    w->Key(name).BeginObject();
    w->Key("accounts").Int(c.accounts).Key("actioned").Int(c.actioned).Key("recall").Double(c.recall());
    w->Key("exchanges").Int(c.exchanges).Key("leaked").Int(c.leaked).Key("leakage").Double(c.leakage());
    w->Key("first_exchange");
    if (c.first_exchange_ms == kNoTime)
      w->Null();
    else
      w->String(FormatRfc3339Ms(c.first_exchange_ms));
    w->Key("first_action");
    if (c.first_action_ms == kNoTime)
      w->Null();
    else
      w->String(FormatRfc3339Ms(c.first_action_ms));
    w->Key("time_to_detection_s");
    if (c.first_action_ms == kNoTime || c.first_exchange_ms == kNoTime) {
      w->Null();
    } else {
      w->Double(static_cast<double>(c.first_action_ms - c.first_exchange_ms) / kMsPerSecond, 3);
    }
    w->EndObject();
  }
  w->EndObject();
  w->Key("unlabelled_accounts").Int(m.unlabelled_accounts);
  w->EndObject();
}

std::string Ttd(const CampaignFigures& c) {
  if (c.first_action_ms == kNoTime || c.first_exchange_ms == kNoTime) return "never";
  const double hours = static_cast<double>(c.first_action_ms - c.first_exchange_ms) / kMsPerHour;
  return fmt::format("{:.2f} h", hours);
}

}  // namespace

Result<EvalReport> Evaluate(const EvalOptions& options) {
  if (options.quota_per_day < 1) return Status::InvalidArgument("--quota must be at least 1");
  auto labels = LoadLabels(options.labels_path);
  if (!labels.ok()) return labels.status();
  auto rows = ReadAccountRows(options.result_dir + "/accounts.jsonl");
  if (!rows.ok()) return rows.status();

  absl::flat_hash_map<std::string, const Label*> label_of;
  for (const auto& l : *labels) label_of[l.account_id] = &l;

  // One pass over the stream, in the same order scan uses.
  auto source = EventSource::Open(options.event_paths, IngestOptions{}, nullptr);
  if (!source.ok()) return source.status();
  absl::flat_hash_map<std::string, int64_t> campaign_first_ms;
  absl::flat_hash_map<std::string, QuotaAccount> quota;
  std::vector<std::string> quota_order;
  Event e;
  EvalReport report;
  report.quota_per_day = options.quota_per_day;
  while ((*source)->Next(&e)) {
    ++report.events;
    auto l = label_of.find(e.account_id);
    if (l != label_of.end() && l->second->attack) campaign_first_ms.try_emplace(l->second->campaign, e.ts_ms);
    auto [it, inserted] = quota.try_emplace(e.account_id);
    if (inserted) quota_order.push_back(e.account_id);
    QuotaAccount& q = it->second;
    ++q.exchanges;
    while (!q.served_ms.empty() && q.served_ms.front() <= e.ts_ms - kMsPerDay) q.served_ms.pop_front();
    if (static_cast<int64_t>(q.served_ms.size()) >= options.quota_per_day) {
      if (q.first_refusal_ms == kNoTime) q.first_refusal_ms = e.ts_ms;
      continue;
    }
    q.served_ms.push_back(e.ts_ms);
    ++q.served;
  }

  std::vector<AccountRow> baseline_rows;
  baseline_rows.reserve(quota_order.size());
  for (const auto& id : quota_order) {
    const QuotaAccount& q = quota[id];
    AccountRow row;
    row.account_id = id;
    row.exchanges = q.exchanges;
    if (q.first_refusal_ms != kNoTime) {
      row.action = Action::kThrottle;
      row.first_action_ts_ms = q.first_refusal_ms;
      // A quota refuses only the excess: everything it let through leaked.
      row.exchanges_before_action = q.served;
    }
    baseline_rows.push_back(std::move(row));
  }

  report.detector = ComputeMetrics(*labels, *rows);
  report.baseline = ComputeMetrics(*labels, baseline_rows);
  for (Metrics* m : {&report.detector, &report.baseline}) {
    for (auto& [name, c] : m->campaigns) {
      auto f = campaign_first_ms.find(name);
      if (f != campaign_first_ms.end()) c.first_exchange_ms = f->second;
    }
  }
  return report;
}

std::string EvalReportJson(const EvalReport& r) {
  JsonWriter w;
  w.BeginObject();
  w.Key("events").Int(r.events);
  w.Key("detector");
  WriteMetrics(r.detector, &w);
  w.Key("baseline").BeginObject();
  w.Key("kind").String("per-account quota");
  w.Key("quota_per_24h").Int(r.quota_per_day);
  w.Key("metrics");
  WriteMetrics(r.baseline, &w);
  w.EndObject();
  w.EndObject();
  return w.Take();
}

std::string EvalReportText(const EvalReport& r) {
  std::string out;
  const auto line = [&](const char* name, const Metrics& m) {
    out += fmt::format("{:<28} recall {:.3f} ({}/{})  benign FPR {:.3f}% ({}/{})  leakage {:.1f}%\n", name, m.recall(),
                       m.attack_actioned, m.attack_accounts, m.benign_fpr() * 100, m.benign_actioned, m.benign_accounts,
                       m.leakage() * 100);
  };
  line("distillguard", r.detector);
  line(fmt::format("baseline quota {}/24h", r.quota_per_day).c_str(), r.baseline);
  for (const auto& [name, c] : r.detector.campaigns) {
    const auto& b = r.baseline.campaigns.at(name);
    out += fmt::format(
        "campaign {}: {} accounts, {} exchanges; distillguard recall {:.3f}, leakage {:.1f}%, "
        "time to detection {}; baseline recall {:.3f}, leakage {:.1f}%, time to detection {}\n",
        name, c.accounts, c.exchanges, c.recall(), c.leakage() * 100, Ttd(c), b.recall(), b.leakage() * 100, Ttd(b));
  }
  for (const auto& [kind, k] : r.detector.benign_by_kind) {
    const auto& b = r.baseline.benign_by_kind.at(kind);
    out += fmt::format("benign {:<18} {:>6} accounts: distillguard actioned {}, baseline actioned {}\n", kind,
                       k.accounts, k.actioned, b.actioned);
  }
  return out;
}

}  // namespace dg
