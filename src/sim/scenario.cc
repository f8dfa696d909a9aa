// Scenario file parsing and validation. Simulate itself is in simulate.cc.
#include "sim/scenario.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <iterator>
#include <set>
#include <sstream>

#include "common/time_util.h"
#include "sim/corpus.h"

namespace dg {
namespace {

constexpr int64_t kMaxDays = 366;
constexpr int64_t kMaxCount = 10'000'000;
constexpr double kMaxRate = 1e7;
constexpr int64_t kMaxWaves = 1000;
constexpr double kMaxUtcOffsetHours = 14;
constexpr double kMaxScaleFactor = 1000;

// Reads the keys of one TOML table into typed fields, remembering which keys
// it knows; Finish() reports the first wrong type, then any unknown key.
class TableReader {
 public:
  TableReader(const toml::table& table, std::string path) : table_(table), path_(std::move(path)) {}

  void Int(const char* key, int64_t* out) {
    Read(key, [&](const toml::node& n) {
      if (!n.is_integer()) return TypeError(key, "an integer");
      *out = *n.value<int64_t>();
      return Status::Ok();
    });
  }
  void Double(const char* key, double* out) {
    Read(key, [&](const toml::node& n) {
      if (!n.is_integer() && !n.is_floating_point()) return TypeError(key, "a number");
      *out = *n.value<double>();
      return Status::Ok();
    });
  }
  void Bool(const char* key, bool* out) {
    Read(key, [&](const toml::node& n) {
      if (!n.is_boolean()) return TypeError(key, "true or false");
      *out = *n.value<bool>();
      return Status::Ok();
    });
  }
  void String(const char* key, std::string* out) {
    Read(key, [&](const toml::node& n) {
      if (!n.is_string()) return TypeError(key, "a string");
      *out = *n.value<std::string>();
      return Status::Ok();
    });
  }
  void StringList(const char* key, std::vector<std::string>* out) {
    Read(key, [&](const toml::node& n) {
      const toml::array* array = n.as_array();
      if (array == nullptr) return TypeError(key, "an array of strings");
      std::vector<std::string> values;
      for (const toml::node& item : *array) {
        if (!item.is_string()) return TypeError(key, "an array of strings");
        values.push_back(*item.value<std::string>());
      }
      *out = std::move(values);
      return Status::Ok();
    });
  }
  // Any other reader: `parse` turns the node into the field.
  void Custom(const char* key, const std::function<Status(const toml::node&)>& parse) { Read(key, parse); }

  Status Finish() {
    if (!status_.ok()) return status_;
    for (const auto& [key, node] : table_) {
      if (known_.count(std::string(key.str())) == 0) {
        return Status::InvalidArgument(fmt::format("unknown scenario key '{}'", Name(key.str())));
      }
    }
    return Status::Ok();
  }

  std::string Name(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }
  Status TypeError(std::string_view key, std::string_view want) const {
    return Status::InvalidArgument(fmt::format("scenario key '{}' must be {}", Name(key), want));
  }

 private:
  void Read(const char* key, const std::function<Status(const toml::node&)>& parse) {
    known_.insert(key);
    if (!status_.ok()) return;
    const toml::node* node = table_.get(key);
    if (node != nullptr) status_ = parse(*node);
  }

  const toml::table& table_;
  std::string path_;
  std::set<std::string> known_;
  Status status_ = Status::Ok();
};

Status ReadCampaign(const toml::table& table, const std::string& path, CampaignSpec* c) {
  TableReader r(table, path);
  r.String("name", &c->name);
  r.Int("accounts", &c->accounts);
  r.Int("waves", &c->waves);
  r.Double("wave_spread_hours", &c->wave_spread_hours);
  r.Double("start_hours", &c->start_hours);
  r.Double("min_daily_exchanges", &c->min_daily_exchanges);
  r.Double("max_daily_exchanges", &c->max_daily_exchanges);
  r.Int("target_exchanges", &c->target_exchanges);
  r.StringList("corpora", &c->corpora);
  r.Int("system_prompts", &c->system_prompts);
  r.Double("agentic_share", &c->agentic_share);
  r.Double("rubric_share", &c->rubric_share);
  r.Double("logprobs_share", &c->logprobs_share);
  r.Custom("proxy_kind", [&](const toml::node& n) {
    const std::optional<std::string> v = n.value<std::string>();
    if (!n.is_string()) return r.TypeError("proxy_kind", "a string");
    for (ProxyKind kind : {ProxyKind::kProxy, ProxyKind::kHosting, ProxyKind::kResidential, ProxyKind::kMobile}) {
      if (*v == ProxyKindName(kind)) {
        c->proxy_kind = kind;
        return Status::Ok();
      }
    }
    return Status::InvalidArgument(
        fmt::format("scenario key '{}' must be one of \"proxy\", \"hosting\", \"residential\", \"mobile\", got \"{}\"",
                    r.Name("proxy_kind"), *v));
  });
  r.Int("proxy_pool_size", &c->proxy_pool_size);
  r.Int("daily_cap", &c->daily_cap);
  r.Bool("human_hours", &c->human_hours);
  r.Double("utc_offset_hours", &c->utc_offset_hours);
  r.Double("camouflage_share", &c->camouflage_share);
  r.Bool("paraphrase", &c->paraphrase);
  r.Double("multi_turn_share", &c->multi_turn_share);
  r.Double("account_age_days", &c->account_age_days);
  r.Int("accounts_per_payment", &c->accounts_per_payment);
  r.Bool("diverse_emails", &c->diverse_emails);
  r.Int("lifetime_exchanges", &c->lifetime_exchanges);
  r.Double("lifetime_hours", &c->lifetime_hours);
  r.Double("ramp_up_days", &c->ramp_up_days);
  r.Double("model_switch_share", &c->model_switch_share);
  r.Int("operation_seed", &c->operation_seed);
  return r.Finish();
}

// Reads the optional sub-table `name` of `root` with `read`.
Status ReadSection(const toml::table& root, const char* name, const std::function<void(TableReader&)>& read) {
  const toml::node* node = root.get(name);
  if (node == nullptr) return Status::Ok();
  const toml::table* table = node->as_table();
  if (table == nullptr) return Status::InvalidArgument(fmt::format("scenario key '{}' must be a table", name));
  TableReader r(*table, name);
  read(r);
  return r.Finish();
}

Status ParseRoot(const toml::table& root, Scenario* s) {
  static const std::set<std::string> kSections = {"scenario",   "chat",         "developer",    "coding_agent",
                                                  "enterprise", "eval_harness", "research_lab", "campaign"};
  for (const auto& [key, node] : root) {
    if (kSections.count(std::string(key.str())) == 0) {
      return Status::InvalidArgument(fmt::format("unknown scenario key '{}'", key.str()));
    }
  }
  int64_t seed = static_cast<int64_t>(s->seed);
  DG_RETURN_IF_ERROR(ReadSection(root, "scenario", [&](TableReader& r) {
    r.String("name", &s->name);
    r.Int("seed", &seed);
    r.Custom("start", [&](const toml::node& n) {
      if (!n.is_string()) return r.TypeError("start", "an RFC 3339 UTC time string");
      const std::optional<int64_t> ms = ParseRfc3339Ms(*n.value<std::string>());
      if (!ms) return r.TypeError("start", "an RFC 3339 UTC time such as \"2026-04-20T00:00:00Z\"");
      s->start_ms = *ms;
      return Status::Ok();
    });
    r.Int("days", &s->days);
    r.String("model", &s->model);
    r.String("new_model", &s->new_model);
    r.Double("release_hours", &s->release_hours);
  }));
  if (seed < 0) return Status::InvalidArgument("scenario key 'scenario.seed' must not be negative");
  s->seed = static_cast<uint64_t>(seed);
  DG_RETURN_IF_ERROR(ReadSection(root, "chat", [&](TableReader& r) {
    r.Int("count", &s->chat.count);
    r.Double("sessions_per_day", &s->chat.sessions_per_day);
    r.Double("carrier_nat_share", &s->chat.carrier_nat_share);
    r.Double("university_share", &s->chat.university_share);
    r.Double("vpn_share", &s->chat.vpn_share);
  }));
  DG_RETURN_IF_ERROR(ReadSection(root, "developer", [&](TableReader& r) {
    r.Int("count", &s->developer.count);
    r.Double("sessions_per_workday", &s->developer.sessions_per_workday);
  }));
  DG_RETURN_IF_ERROR(ReadSection(root, "coding_agent", [&](TableReader& r) {
    r.Int("count", &s->coding_agent.count);
    r.Double("sessions_per_workday", &s->coding_agent.sessions_per_workday);
  }));
  DG_RETURN_IF_ERROR(ReadSection(root, "enterprise", [&](TableReader& r) {
    r.Int("orgs", &s->enterprise.orgs);
    r.Int("min_accounts", &s->enterprise.min_accounts);
    r.Int("max_accounts", &s->enterprise.max_accounts);
    r.Double("min_peak_per_hour", &s->enterprise.min_peak_per_hour);
    r.Double("max_peak_per_hour", &s->enterprise.max_peak_per_hour);
    r.Double("night_factor", &s->enterprise.night_factor);
    r.Int("min_batch", &s->enterprise.min_batch);
    r.Int("max_batch", &s->enterprise.max_batch);
  }));
  DG_RETURN_IF_ERROR(ReadSection(root, "eval_harness", [&](TableReader& r) {
    r.Int("count", &s->eval_harness.count);
    r.Double("runs_per_workday", &s->eval_harness.runs_per_workday);
  }));
  DG_RETURN_IF_ERROR(ReadSection(root, "research_lab", [&](TableReader& r) {
    r.Int("count", &s->research_lab.count);
    r.Double("daily_exchanges", &s->research_lab.daily_exchanges);
  }));
  if (const toml::node* node = root.get("campaign")) {
    const toml::array* array = node->as_array();
    if (array == nullptr || !array->is_array_of_tables()) {
      return Status::InvalidArgument("scenario key 'campaign' must be an array of tables ([[campaign]])");
    }
    for (size_t i = 0; i < array->size(); ++i) {
      CampaignSpec campaign;
      DG_RETURN_IF_ERROR(ReadCampaign(*(*array)[i].as_table(), fmt::format("campaign[{}]", i), &campaign));
      s->campaigns.push_back(std::move(campaign));
    }
  }
  return Status::Ok();
}

Status Check(bool ok, std::string_view key, std::string_view want) {
  if (ok) return Status::Ok();
  return Status::InvalidArgument(fmt::format("scenario key '{}' must be {}", key, want));
}

Status CheckCount(int64_t v, std::string_view key) {
  return Check(v >= 0 && v <= kMaxCount, key, fmt::format("in [0, {}]", kMaxCount));
}
Status CheckShare(double v, std::string_view key) { return Check(v >= 0 && v <= 1, key, "a share in [0, 1]"); }
Status CheckRate(double v, std::string_view key) {
  return Check(v >= 0 && v <= kMaxRate, key, fmt::format("in [0, {}]", kMaxRate));
}

Status ValidateCampaign(const CampaignSpec& c, size_t index, std::string_view where, int64_t days) {
  const auto key = [&](std::string_view name) { return fmt::format("{}.{}", where, name); };
  DG_RETURN_IF_ERROR(Check(!c.name.empty(), key("name"), "a non-empty string"));
  DG_RETURN_IF_ERROR(
      Check(c.accounts >= 1 && c.accounts <= kMaxCount, key("accounts"), fmt::format("in [1, {}]", kMaxCount)));
  DG_RETURN_IF_ERROR(Check(c.waves >= 1 && c.waves <= kMaxWaves, key("waves"), fmt::format("in [1, {}]", kMaxWaves)));
  DG_RETURN_IF_ERROR(CheckRate(c.wave_spread_hours, key("wave_spread_hours")));
  DG_RETURN_IF_ERROR(Check(c.start_hours >= 0 && c.start_hours < static_cast<double>(days * kMsPerDay / kMsPerHour),
                           key("start_hours"), "within the scenario's window"));
  DG_RETURN_IF_ERROR(Check(c.min_daily_exchanges > 0 && c.min_daily_exchanges <= kMaxRate, key("min_daily_exchanges"),
                           "a positive number"));
  DG_RETURN_IF_ERROR(Check(c.max_daily_exchanges >= c.min_daily_exchanges && c.max_daily_exchanges <= kMaxRate,
                           key("max_daily_exchanges"), "at least min_daily_exchanges"));
  DG_RETURN_IF_ERROR(CheckCount(c.target_exchanges, key("target_exchanges")));
  DG_RETURN_IF_ERROR(Check(!c.corpora.empty(), key("corpora"), "a non-empty list of corpus names"));
  const auto& names = EmbeddedCorpusNames();
  for (const std::string& name : c.corpora) {
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      return Status::InvalidArgument(
          fmt::format("scenario key '{}' names an unknown corpus '{}'", key("corpora"), name));
    }
  }
  DG_RETURN_IF_ERROR(
      Check(c.system_prompts >= 1 && c.system_prompts <= kMaxCount, key("system_prompts"), "at least 1"));
  DG_RETURN_IF_ERROR(CheckShare(c.agentic_share, key("agentic_share")));
  DG_RETURN_IF_ERROR(CheckShare(c.rubric_share, key("rubric_share")));
  DG_RETURN_IF_ERROR(Check(c.agentic_share + c.rubric_share <= 1, key("rubric_share"), "at most 1 - agentic_share"));
  DG_RETURN_IF_ERROR(CheckShare(c.logprobs_share, key("logprobs_share")));
  DG_RETURN_IF_ERROR(
      Check(c.proxy_pool_size >= 1 && c.proxy_pool_size <= kMaxCount, key("proxy_pool_size"), "at least 1"));
  DG_RETURN_IF_ERROR(CheckCount(c.daily_cap, key("daily_cap")));
  DG_RETURN_IF_ERROR(
      Check(std::abs(c.utc_offset_hours) <= kMaxUtcOffsetHours, key("utc_offset_hours"), "in [-14, 14]"));
  DG_RETURN_IF_ERROR(CheckShare(c.camouflage_share, key("camouflage_share")));
  DG_RETURN_IF_ERROR(Check(c.camouflage_share < 1, key("camouflage_share"), "below 1 (a campaign sends tasks)"));
  DG_RETURN_IF_ERROR(CheckShare(c.multi_turn_share, key("multi_turn_share")));
  DG_RETURN_IF_ERROR(Check(c.multi_turn_share < 1, key("multi_turn_share"), "below 1"));
  DG_RETURN_IF_ERROR(CheckRate(c.account_age_days, key("account_age_days")));
  DG_RETURN_IF_ERROR(Check(c.accounts_per_payment >= 1 && c.accounts_per_payment <= kMaxCount,
                           key("accounts_per_payment"), "at least 1"));
  DG_RETURN_IF_ERROR(CheckCount(c.lifetime_exchanges, key("lifetime_exchanges")));
  DG_RETURN_IF_ERROR(CheckRate(c.lifetime_hours, key("lifetime_hours")));
  DG_RETURN_IF_ERROR(CheckRate(c.ramp_up_days, key("ramp_up_days")));
  DG_RETURN_IF_ERROR(CheckShare(c.model_switch_share, key("model_switch_share")));
  (void)index;
  return Status::Ok();
}

}  // namespace

std::string_view ProxyKindName(ProxyKind kind) {
  switch (kind) {
    case ProxyKind::kProxy:
      return "proxy";
    case ProxyKind::kHosting:
      return "hosting";
    case ProxyKind::kResidential:
      return "residential";
    case ProxyKind::kMobile:
      return "mobile";
  }
  return "proxy";
}

Status ValidateScenario(const Scenario& s) {
  DG_RETURN_IF_ERROR(Check(s.days >= 1 && s.days <= kMaxDays, "scenario.days", fmt::format("in [1, {}]", kMaxDays)));
  DG_RETURN_IF_ERROR(Check(!s.model.empty(), "scenario.model", "a non-empty string"));
  DG_RETURN_IF_ERROR(Check(!s.new_model.empty(), "scenario.new_model", "a non-empty string"));
  DG_RETURN_IF_ERROR(
      Check(s.release_hours >= 0 && s.release_hours <= kMaxRate, "scenario.release_hours", "a non-negative number"));
  DG_RETURN_IF_ERROR(CheckCount(s.chat.count, "chat.count"));
  DG_RETURN_IF_ERROR(CheckRate(s.chat.sessions_per_day, "chat.sessions_per_day"));
  DG_RETURN_IF_ERROR(CheckShare(s.chat.carrier_nat_share, "chat.carrier_nat_share"));
  DG_RETURN_IF_ERROR(CheckShare(s.chat.university_share, "chat.university_share"));
  DG_RETURN_IF_ERROR(CheckShare(s.chat.vpn_share, "chat.vpn_share"));
  DG_RETURN_IF_ERROR(CheckCount(s.developer.count, "developer.count"));
  DG_RETURN_IF_ERROR(CheckRate(s.developer.sessions_per_workday, "developer.sessions_per_workday"));
  DG_RETURN_IF_ERROR(CheckCount(s.coding_agent.count, "coding_agent.count"));
  DG_RETURN_IF_ERROR(CheckRate(s.coding_agent.sessions_per_workday, "coding_agent.sessions_per_workday"));
  const EnterprisePopulation& e = s.enterprise;
  DG_RETURN_IF_ERROR(CheckCount(e.orgs, "enterprise.orgs"));
  DG_RETURN_IF_ERROR(
      Check(e.min_accounts >= 1 && e.min_accounts <= kMaxCount, "enterprise.min_accounts", "at least 1"));
  DG_RETURN_IF_ERROR(Check(e.max_accounts >= e.min_accounts && e.max_accounts <= kMaxCount, "enterprise.max_accounts",
                           "at least min_accounts"));
  DG_RETURN_IF_ERROR(Check(e.min_peak_per_hour > 0 && e.min_peak_per_hour <= kMaxRate, "enterprise.min_peak_per_hour",
                           "a positive number"));
  DG_RETURN_IF_ERROR(Check(e.max_peak_per_hour >= e.min_peak_per_hour && e.max_peak_per_hour <= kMaxRate,
                           "enterprise.max_peak_per_hour", "at least min_peak_per_hour"));
  DG_RETURN_IF_ERROR(CheckShare(e.night_factor, "enterprise.night_factor"));
  DG_RETURN_IF_ERROR(CheckCount(e.min_batch, "enterprise.min_batch"));
  DG_RETURN_IF_ERROR(
      Check(e.max_batch >= e.min_batch && e.max_batch <= kMaxCount, "enterprise.max_batch", "at least min_batch"));
  DG_RETURN_IF_ERROR(CheckCount(s.eval_harness.count, "eval_harness.count"));
  DG_RETURN_IF_ERROR(CheckRate(s.eval_harness.runs_per_workday, "eval_harness.runs_per_workday"));
  DG_RETURN_IF_ERROR(CheckCount(s.research_lab.count, "research_lab.count"));
  DG_RETURN_IF_ERROR(Check(s.research_lab.daily_exchanges > 0 && s.research_lab.daily_exchanges <= kMaxRate,
                           "research_lab.daily_exchanges", "a positive number"));
  std::set<std::string> names;
  for (size_t i = 0; i < s.campaigns.size(); ++i) {
    const std::string where = fmt::format("campaign[{}]", i);
    DG_RETURN_IF_ERROR(ValidateCampaign(s.campaigns[i], i, where, s.days));
    if (!names.insert(s.campaigns[i].name).second) {
      return Status::InvalidArgument(
          fmt::format("scenario key '{}.name': campaign name '{}' is used twice", where, s.campaigns[i].name));
    }
  }
  return Status::Ok();
}

Result<Scenario> ParseScenario(std::string_view toml_text, const std::string& origin) {
  toml::table root;
  try {
    root = toml::parse(toml_text, origin);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << origin << ":" << e.source().begin.line << ": " << e.description();
    return Status::InvalidArgument(msg.str());
  }
  Scenario scenario;
  if (Status status = ParseRoot(root, &scenario); !status.ok()) {
    return Status::InvalidArgument(fmt::format("{}: {}", origin, status.message()));
  }
  if (Status status = ValidateScenario(scenario); !status.ok()) {
    return Status::InvalidArgument(fmt::format("{}: {}", origin, status.message()));
  }
  return scenario;
}

Result<Scenario> LoadScenarioFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(fmt::format("cannot open scenario file '{}'", path));
  const std::string contents{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) return Status::IoError(fmt::format("cannot read scenario file '{}'", path));
  return ParseScenario(contents, path);
}

Scenario DemoScenario() {
  Scenario s;
  s.name = "demo";
  s.chat.count = 300;
  s.chat.university_share = 0.03;
  s.developer.count = 120;
  s.coding_agent.count = 25;
  s.enterprise.orgs = 3;
  s.eval_harness.count = 4;
  CampaignSpec campaign;
  campaign.name = "hydra-1";
  s.campaigns.push_back(std::move(campaign));
  return s;
}

Scenario ScaleScenario(Scenario s, double factor) {
  const auto scale = [&](int64_t* count) {
    if (*count > 0) *count = std::max<int64_t>(1, std::llround(static_cast<double>(*count) * factor));
  };
  factor = std::clamp(factor, 0.0, kMaxScaleFactor);
  scale(&s.chat.count);
  scale(&s.developer.count);
  scale(&s.coding_agent.count);
  scale(&s.enterprise.orgs);
  scale(&s.eval_harness.count);
  scale(&s.research_lab.count);
  for (CampaignSpec& c : s.campaigns) {
    scale(&c.accounts);
    scale(&c.target_exchanges);
  }
  return s;
}

}  // namespace dg
