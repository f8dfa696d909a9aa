#include "report/report.h"

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string_view>

#include "common/json_writer.h"
#include "sinks/outputs.h"

// The assets compiled in by embedded_assets.S (see CMakeLists.txt).
extern "C" {
extern const char dg_asset_uplot_js_start[], dg_asset_uplot_js_end[];
extern const char dg_asset_uplot_css_start[], dg_asset_uplot_css_end[];
extern const char dg_asset_report_js_start[], dg_asset_report_js_end[];
extern const char dg_asset_report_css_start[], dg_asset_report_css_end[];
}

namespace dg {
namespace {

constexpr int kPercent = 100;
// The sentence names the largest capabilities down to this share; the rest
// are summed as "other" so that the sentence stays one line.
constexpr size_t kSentenceCapabilities = 4;
constexpr double kSentenceMinShare = 0.01;
constexpr int kScoreDecimals = 4;
constexpr int kShareDecimals = 4;

std::string_view Asset(const char* start, const char* end) { return {start, static_cast<size_t>(end - start)}; }

std::string Thousands(int64_t v) {
  std::string s = std::to_string(v);
  for (int i = static_cast<int>(s.size()) - 3; i > (v < 0 ? 1 : 0); i -= 3) s.insert(static_cast<size_t>(i), ",");
  return s;
}

// "2026-04-22 10:00" (minutes are what a letter quotes).
std::string Minute(int64_t ms) {
  std::string t = FormatRfc3339Ms(ms).substr(0, 16);
  t[10] = ' ';
  return t;
}

std::string HumanName(std::string_view name) {
  std::string out(name);
  std::replace(out.begin(), out.end(), '_', ' ');
  return out;
}

int Pct(double share) { return static_cast<int>(std::lround(share * kPercent)); }

ShareList SortedShares(ShareList list) {
  std::stable_sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  return list;
}

std::string ShareText(const ShareList& list, size_t limit) {
  std::string out;
  const auto sorted = SortedShares(list);
  for (size_t i = 0; i < sorted.size() && i < limit; ++i) {
    if (i > 0) out += ", ";
    out += fmt::format("{} {}%", HumanName(sorted[i].first), Pct(sorted[i].second));
  }
  return out;
}

void WriteTime(JsonWriter& w, int64_t ms) {
  if (ms == kNoTime) {
    w.Null();
  } else {
    w.String(FormatRfc3339Ms(ms));
  }
}

void WriteCount(JsonWriter& w, int64_t n) {
  if (n == kAbsentCount) {
    w.Null();
  } else {
    w.Int(n);
  }
}

void WriteShares(JsonWriter& w, const ShareList& list) {
  w.BeginArray();
  for (const auto& [name, share] : SortedShares(list))
    w.BeginArray().String(name).Double(share, kShareDecimals).EndArray();
  w.EndArray();
}

void WriteShared(JsonWriter& w, const std::vector<CountedValue>& list) {
  w.BeginArray();
  for (const auto& v : list) {
    w.BeginObject().Key("value").String(v.value);
    if (!v.ip_type.empty()) w.Key("ip_type").String(v.ip_type);
    w.Key("accounts");
    WriteCount(w, v.accounts);
    w.Key("exchanges");
    WriteCount(w, v.exchanges);
    w.Key("holders");
    WriteCount(w, v.holders);
    w.EndObject();
  }
  w.EndArray();
}

void WriteAccountRow(JsonWriter& w, const AccountData& a) {
  std::string reasons;
  for (const auto& r : a.reasons) reasons += (reasons.empty() ? "" : " | ") + r;
  w.BeginArray().String(a.account_id).String(a.action).Double(a.score, kScoreDecimals).Int(a.exchanges);
  WriteTime(w, a.first_action_ts_ms);
  WriteCount(w, a.exchanges_before_action);
  w.String(a.campaign).String(reasons).EndArray();
}

bool Actioned(std::string_view action) { return action == "throttle" || action == "challenge" || action == "block"; }

// Accounts sorted by exchanges (heaviest first), ties by id.
void SortHeaviest(std::vector<const AccountData*>* list) {
  std::stable_sort(list->begin(), list->end(), [](const AccountData* a, const AccountData* b) {
    return a->exchanges != b->exchanges ? a->exchanges > b->exchanges : a->account_id < b->account_id;
  });
}

void WriteAccountTable(JsonWriter& w, std::vector<const AccountData*> list, size_t cap) {
  SortHeaviest(&list);
  w.Key("rows_total").Int(static_cast<int64_t>(list.size()));
  w.Key("rows").BeginArray();
  for (size_t i = 0; i < list.size() && i < cap; ++i) WriteAccountRow(w, *list[i]);
  w.EndArray();
}

// Why a heavy account was left alone, in words.
std::string WhyLeftAlone(const AccountData& a) {
  std::string why = fmt::format("score {:.2f} stayed below the action threshold", a.score);
  why += a.campaign.empty() ? "; not linked to any campaign" : "; linked to campaign " + a.campaign;
  if (a.action == "monitor") why += "; kept under monitoring";
  return why;
}

std::string CsvField(std::string_view v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace

std::string CampaignSentence(const CampaignData& c) {
  std::string s = fmt::format("{} accounts, {} exchanges between {} and {} UTC", Thousands(c.accounts),
                              Thousands(c.exchanges), Minute(c.first_seen_ms), Minute(c.last_seen_ms));
  const auto caps = SortedShares(c.capabilities);
  std::string targets;
  double named = 0;
  size_t shown = 0;
  for (const auto& [name, share] : caps) {
    if (shown == kSentenceCapabilities || share < kSentenceMinShare) break;
    targets += fmt::format("{}{} {}%", shown == 0 ? "" : ", ", HumanName(name), Pct(share));
    named += share;
    ++shown;
  }
  if (shown > 0) {
    s += ", targeting " + targets;
    if (shown < caps.size() && Pct(1.0 - named) > 0) s += fmt::format(" and {}% other", Pct(1.0 - named));
  }
  if (!c.infrastructure.ip_types.empty()) s += ", from " + ShareText(c.infrastructure.ip_types, 3) + " addresses";
  if (!c.infrastructure.countries.empty()) s += " in " + ShareText(c.infrastructure.countries, 3);
  if (!c.action.empty()) {
    s += fmt::format("; {}", c.action);
    if (c.actioned_at_ms != kNoTime) s += " from " + Minute(c.actioned_at_ms) + " UTC";
    if (c.exchanges_before_action != kAbsentCount && c.exchanges > 0) {
      s += fmt::format(", {} exchanges ({}%) served before action", Thousands(c.exchanges_before_action),
                       Pct(static_cast<double>(c.exchanges_before_action) / static_cast<double>(c.exchanges)));
    }
  }
  return s + ".";
}

double CampaignLeakage(const CampaignData& c, const ResultData& data) {
  if (c.exchanges_before_action != kAbsentCount && c.exchanges > 0) {
    return static_cast<double>(c.exchanges_before_action) / static_cast<double>(c.exchanges);
  }
  int64_t leaked = 0, total = 0;
  for (const auto& a : data.accounts) {
    if (a.campaign != c.id) continue;
    total += a.exchanges;
    leaked += a.exchanges_before_action == kAbsentCount ? a.exchanges : a.exchanges_before_action;
  }
  return total > 0 ? static_cast<double>(leaked) / static_cast<double>(total) : -1.0;
}

std::string ReportModelJson(const ResultData& data, const ReportOptions& options) {
  absl::flat_hash_map<std::string, std::vector<const AccountData*>> by_campaign;
  absl::flat_hash_map<std::string_view, const AccountData*> by_id;
  for (const auto& a : data.accounts) {
    by_id.emplace(a.account_id, &a);
    if (!a.campaign.empty()) by_campaign[a.campaign].push_back(&a);
  }
  JsonWriter w;
  w.BeginObject();
  w.Key("title").String(options.title);
  w.Key("summary").BeginObject();
  w.Key("present").Bool(data.summary.present);
  w.Key("events").Int(data.summary.events);
  w.Key("accounts").Int(data.summary.present ? data.summary.accounts : static_cast<int64_t>(data.accounts.size()));
  w.Key("quarantined").Int(data.summary.quarantined);
  w.Key("duplicates").Int(data.summary.duplicates);
  w.Key("first_ts");
  WriteTime(w, data.summary.first_ts_ms);
  w.Key("last_ts");
  WriteTime(w, data.summary.last_ts_ms);
  w.Key("accounts_by_action").BeginObject();
  for (const auto& [k, v] : data.summary.accounts_by_action) w.Key(k).Int(v);
  w.EndObject();
  w.Key("exchanges_by_action").BeginObject();
  for (const auto& [k, v] : data.summary.exchanges_by_action) w.Key(k).Int(v);
  w.EndObject();
  w.EndObject();

  w.Key("campaigns").BeginArray();
  for (const auto& c : data.campaigns) {
    w.BeginObject();
    w.Key("id").String(c.id);
    w.Key("sentence").String(CampaignSentence(c));
    w.Key("accounts").Int(c.accounts);
    w.Key("exchanges").Int(c.exchanges);
    w.Key("first_seen").String(FormatRfc3339Ms(c.first_seen_ms));
    w.Key("last_seen").String(FormatRfc3339Ms(c.last_seen_ms));
    w.Key("score").Double(c.score, kScoreDecimals);
    w.Key("action");
    if (c.action.empty())
      w.Null();
    else
      w.String(c.action);
    w.Key("actioned_at");
    WriteTime(w, c.actioned_at_ms);
    w.Key("exchanges_before_action");
    WriteCount(w, c.exchanges_before_action);
    const double leakage = CampaignLeakage(c, data);
    w.Key("leakage");
    if (leakage < 0)
      w.Null();
    else
      w.Double(leakage, kShareDecimals);
    w.Key("capabilities");
    WriteShares(w, c.capabilities);
    w.Key("evidence").BeginArray();
    for (const auto& e : c.evidence) w.String(e);
    w.EndArray();
    const auto& infra = c.infrastructure;
    w.Key("infrastructure").BeginObject();
    w.Key("ip_types");
    WriteShares(w, infra.ip_types);
    w.Key("countries");
    WriteShares(w, infra.countries);
    for (auto [key, list] :
         {std::pair{"ips", &infra.ips}, std::pair{"prefixes", &infra.prefixes}, std::pair{"asns", &infra.asns},
          std::pair{"user_agents", &infra.user_agents}, std::pair{"client_fps", &infra.client_fps},
          std::pair{"request_shapes", &infra.request_shapes}}) {
      w.Key(key);
      WriteShared(w, *list);
    }
    w.EndObject();
    w.Key("signup").BeginObject();
    w.Key("payment_fps");
    WriteShared(w, c.signup.payment_fps);
    w.Key("email_shapes").BeginArray();
    for (const auto& e : c.signup.email_shapes) {
      w.BeginObject().Key("domain").String(e.domain).Key("shape").String(e.shape).Key("accounts");
      WriteCount(w, e.accounts);
      w.EndObject();
    }
    w.EndArray();
    w.Key("billing_countries");
    WriteShares(w, c.signup.billing_countries);
    w.Key("waves").BeginArray();
    for (const auto& wave : c.signup.waves) {
      w.BeginArray().Int(wave.start_ms / kMsPerSecond).Int(wave.accounts).EndArray();
    }
    w.EndArray();
    w.EndObject();
    w.Key("templates").Int(static_cast<int64_t>(c.templates.size()));
    w.Key("timeline").BeginArray();
    for (const auto& b : c.timeline)
      w.BeginArray().Int(b.hour_ms / kMsPerSecond).Int(b.served).Int(b.refused).EndArray();
    w.EndArray();
    w.Key("graph").BeginObject().Key("nodes").BeginArray();
    for (const auto& n : c.graph_nodes) {
      w.BeginObject()
          .Key("id")
          .String(n.id)
          .Key("action")
          .String(n.action)
          .Key("exchanges")
          .Int(n.exchanges)
          .EndObject();
    }
    w.EndArray().Key("edges").BeginArray();
    for (const auto& e : c.graph_edges) {
      w.BeginObject().Key("a").String(e.a).Key("b").String(e.b).Key("kind").String(e.kind);
      w.Key("weight").Double(e.weight, kShareDecimals).EndObject();
    }
    w.EndArray().EndObject();
    // Members: accounts.jsonl's campaign column, plus listed members it
    // does not name (a result dir written by another tool).
    std::vector<const AccountData*> members = by_campaign[c.id];
    absl::flat_hash_set<std::string_view> seen;
    for (const auto* a : members) seen.insert(a->account_id);
    for (const auto& m : c.members) {
      auto it = by_id.find(m);
      if (it != by_id.end() && seen.insert(m).second) members.push_back(it->second);
    }
    w.Key("members").BeginObject();
    WriteAccountTable(w, members, options.max_table_accounts);
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();

  std::vector<const AccountData*> actioned, left_alone;
  for (const auto& a : data.accounts) {
    if (Actioned(a.action)) {
      actioned.push_back(&a);
    } else if (a.campaign.empty()) {
      left_alone.push_back(&a);
    }
  }
  w.Key("actioned").BeginObject();
  WriteAccountTable(w, actioned, options.max_table_accounts);
  w.EndObject();
  SortHeaviest(&left_alone);
  w.Key("left_alone").BeginArray();
  for (size_t i = 0; i < left_alone.size() && i < options.benign_heavy_accounts; ++i) {
    const AccountData& a = *left_alone[i];
    w.BeginObject().Key("account_id").String(a.account_id).Key("action").String(a.action);
    w.Key("score").Double(a.score, kScoreDecimals).Key("exchanges").Int(a.exchanges);
    w.Key("why").String(WhyLeftAlone(a));
    w.Key("reasons").BeginArray();
    for (const auto& r : a.reasons) w.String(r);
    w.EndArray().EndObject();
  }
  w.EndArray();
  w.EndObject();
  return w.Take();
}

std::string RenderReportHtml(const ResultData& data, const ReportOptions& options) {
  // Inside <script> the JSON must not contain "</script" or "<!--": escape
  // every '<' (it only occurs inside JSON strings, where \u003c is the same
  // character).
  const std::string model = ReportModelJson(data, options);
  std::string safe_model;
  safe_model.reserve(model.size());
  for (char ch : model) {
    if (ch == '<') {
      safe_model += "\\u003c";
    } else {
      safe_model += ch;
    }
  }
  std::string title;
  for (char ch : options.title) {
    switch (ch) {
      case '<':
        title += "&lt;";
        break;
      case '>':
        title += "&gt;";
        break;
      case '&':
        title += "&amp;";
        break;
      case '"':
        title += "&quot;";
        break;
      default:
        title += ch;
    }
  }
  std::string html;
  html.reserve(safe_model.size() + 96 * 1024);
  html += "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  // No request may leave the page: everything is inline, and the policy says so.
  html +=
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline'; "
      "style-src 'unsafe-inline'; img-src data:\">\n";
  html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  html += "<title>" + title + "</title>\n<style>\n";
  html += Asset(dg_asset_uplot_css_start, dg_asset_uplot_css_end);
  html += "\n";
  html += Asset(dg_asset_report_css_start, dg_asset_report_css_end);
  html += "\n</style>\n</head>\n<body>\n<div id=\"app\"><noscript>This report needs JavaScript.</noscript></div>\n";
  html += "<script type=\"application/json\" id=\"dg-data\">";
  html += safe_model;
  html += "</script>\n<script>\n";
  html += Asset(dg_asset_uplot_js_start, dg_asset_uplot_js_end);
  html += "\n</script>\n<script>\n";
  html += Asset(dg_asset_report_js_start, dg_asset_report_js_end);
  html += "\n</script>\n</body>\n</html>\n";
  return html;
}

std::string AccountsCsv(const ResultData& data) {
  std::string out = "account_id,action,score,campaign,exchanges,first_action_ts,exchanges_before_action,reasons\n";
  for (const auto& a : data.accounts) {
    std::string reasons;
    for (const auto& r : a.reasons) reasons += (reasons.empty() ? "" : " | ") + r;
    out += CsvField(a.account_id) + "," + CsvField(a.action) + "," + fmt::format("{:.4f}", a.score) + "," +
           CsvField(a.campaign) + "," + std::to_string(a.exchanges) + "," +
           (a.first_action_ts_ms == kNoTime ? "" : FormatRfc3339Ms(a.first_action_ts_ms)) + "," +
           (a.exchanges_before_action == kAbsentCount ? "" : std::to_string(a.exchanges_before_action)) + "," +
           CsvField(reasons) + "\n";
  }
  return out;
}

Status WriteReportFiles(const ResultData& data, const ReportOptions& options, const std::string& html_path,
                        const std::string& csv_path) {
  DG_RETURN_IF_ERROR(WriteFileAtomically(html_path, RenderReportHtml(data, options)));
  if (!csv_path.empty()) DG_RETURN_IF_ERROR(WriteFileAtomically(csv_path, AccountsCsv(data)));
  return Status::Ok();
}

}  // namespace dg
