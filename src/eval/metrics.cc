#include "eval/metrics.h"

#include <absl/container/flat_hash_map.h>
#include <simdjson.h>

#include <fstream>
#include <sstream>

namespace dg {
namespace {

// Reads an optional member: absent or mistyped leaves `out` unchanged.
template <typename T>
void GetOptional(simdjson::simdjson_result<simdjson::dom::element> member, T* out) {
  const auto error = member.get(*out);
  static_cast<void>(error);
}

}  // namespace

// Calls parse(doc, where) for each non-empty line of a JSONL file; stops at
// the first error, which names the file and line.
template <typename Parse>
static Status ForEachJsonLine(const std::string& path, Parse&& parse) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + path);
  simdjson::dom::parser parser;
  std::string line;
  int64_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    const auto where = path + ":" + std::to_string(number);
    simdjson::dom::element doc;
    if (parser.parse(line).get(doc) != simdjson::SUCCESS) return Status::InvalidArgument(where + ": invalid JSON");
    DG_RETURN_IF_ERROR(parse(doc, where));
  }
  return Status::Ok();
}

Result<std::vector<Label>> LoadLabels(const std::string& path) {
  std::vector<Label> labels;
  const Status s = ForEachJsonLine(path, [&](simdjson::dom::element doc, const std::string& where) {
    std::string_view id, label, campaign, kind;
    if (doc["account_id"].get(id) != simdjson::SUCCESS || doc["label"].get(label) != simdjson::SUCCESS) {
      return Status::InvalidArgument(where + ": needs string fields account_id and label");
    }
    if (label != "attack" && label != "benign") {
      return Status::InvalidArgument(where + ": label must be \"attack\" or \"benign\"");
    }
    GetOptional(doc["campaign"], &campaign);
    GetOptional(doc["kind"], &kind);
    labels.push_back(Label{std::string(id), label == "attack", std::string(campaign), std::string(kind)});
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return labels;
}

Result<std::vector<AccountRow>> ReadAccountRows(const std::string& path) {
  std::vector<AccountRow> rows;
  const Status s = ForEachJsonLine(path, [&](simdjson::dom::element doc, const std::string& where) {
    AccountRow row;
    std::string_view id, action, campaign, first_action;
    if (doc["account_id"].get(id) != simdjson::SUCCESS || doc["action"].get(action) != simdjson::SUCCESS) {
      return Status::InvalidArgument(where + ": needs account_id and action");
    }
    const auto parsed_action = ParseAction(action);
    if (!parsed_action) return Status::InvalidArgument(where + ": unknown action");
    row.account_id = std::string(id);
    row.action = *parsed_action;
    GetOptional(doc["score"], &row.score);
    if (doc["campaign"].get(campaign) == simdjson::SUCCESS) row.campaign = std::string(campaign);
    GetOptional(doc["exchanges"], &row.exchanges);
    if (doc["first_action_ts"].get(first_action) == simdjson::SUCCESS) {
      row.first_action_ts_ms = ParseRfc3339Ms(first_action).value_or(kNoTime);
    }
    int64_t before = -1;
    if (doc["exchanges_before_action"].get(before) == simdjson::SUCCESS) row.exchanges_before_action = before;
    simdjson::dom::array reasons;
    if (doc["reasons"].get(reasons) == simdjson::SUCCESS) {
      for (const auto r : reasons) {
        std::string_view text;
        if (r.get(text) == simdjson::SUCCESS) row.reasons.emplace_back(text);
      }
    }
    rows.push_back(std::move(row));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return rows;
}

double Metrics::recall() const {
  return attack_accounts > 0 ? static_cast<double>(attack_actioned) / static_cast<double>(attack_accounts) : 0;
}
double Metrics::benign_fpr() const {
  return benign_accounts > 0 ? static_cast<double>(benign_actioned) / static_cast<double>(benign_accounts) : 0;
}
double Metrics::leakage() const {
  return attack_exchanges > 0 ? static_cast<double>(leaked_exchanges) / static_cast<double>(attack_exchanges) : 0;
}

Metrics ComputeMetrics(const std::vector<Label>& labels, const std::vector<AccountRow>& rows) {
  absl::flat_hash_map<std::string_view, const AccountRow*> by_id;
  for (const auto& row : rows) by_id[row.account_id] = &row;
  Metrics m;
  absl::flat_hash_map<std::string_view, bool> labelled;
  for (const auto& label : labels) {
    labelled[label.account_id] = true;
    auto it = by_id.find(label.account_id);
    const AccountRow* row = it == by_id.end() ? nullptr : it->second;
    // An account that never appeared in the stream sent nothing: it counts
    // as an account but neither as actioned nor as exchanges.
    const bool actioned = row != nullptr && IsActioned(row->action);
    if (label.attack) {
      ++m.attack_accounts;
      auto& c = m.campaigns[label.campaign.empty() ? "(none)" : label.campaign];
      ++c.accounts;
      if (row == nullptr) continue;
      const int64_t leaked = row->exchanges_before_action >= 0 ? row->exchanges_before_action : row->exchanges;
      c.exchanges += row->exchanges;
      c.leaked += leaked;
      m.attack_exchanges += row->exchanges;
      m.leaked_exchanges += leaked;
      if (actioned) {
        ++m.attack_actioned;
        ++c.actioned;
        if (c.first_action_ms == kNoTime || row->first_action_ts_ms < c.first_action_ms) {
          c.first_action_ms = row->first_action_ts_ms;
        }
      }
    } else {
      ++m.benign_accounts;
      auto& k = m.benign_by_kind[label.kind];
      ++k.accounts;
      if (actioned) {
        ++m.benign_actioned;
        ++k.actioned;
      }
    }
  }
  for (const auto& row : rows) {
    if (!labelled.contains(row.account_id)) ++m.unlabelled_accounts;
  }
  return m;
}

}  // namespace dg
