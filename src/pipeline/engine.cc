#include "pipeline/engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "classify/prebuilt.h"
#include "common/json_writer.h"
#include "sketch/minhash.h"

namespace dg {

Engine::Engine(const EngineConfig& config, std::unique_ptr<PromptClassifier> classifier)
    : config_(config),
      classifier_(std::move(classifier)),
      scorer_(config.weights),
      policy_(config.policy),
      linker_(config.linkage, config.policy) {
  linker_.SetPooledScorer([this](const std::vector<uint32_t>& members) {
    std::vector<AccountSummary> summaries;
    summaries.reserve(members.size());
    for (uint32_t m : members) summaries.push_back(accounts_[m]->state.Summary(now_ms_));
    return scorer_.Score(PoolSummaries(summaries));
  });
}

namespace {

// Linkage evidence strings per account row, and per campaign.
constexpr size_t kAccountEvidence = 3;
constexpr size_t kCampaignEvidence = 8;

// Making the classifier is the slowest step of start-up (its databases come
// precompiled by the build, classify/prebuilt.h; the phrase table is still
// built here), so every engine in a process clones one prototype (clones
// share the databases and own their scratch space). Initialised once,
// thread-safely.
const Result<std::unique_ptr<PromptClassifier>>& ClassifierPrototype() {
  static const auto* prototype = new Result<std::unique_ptr<PromptClassifier>>(
      PromptClassifier::Create({.precompiled = PrebuiltClassifierDatabases()}));
  return *prototype;
}

// Adds new distinct hits to the record; true if any exchange-level match.
bool RecordIntel(const IntelIndex& intel, const Event& event, const TemplateSketch* sketch, AccountRecord* record) {
  const std::vector<IntelHit> hits = intel.Match(event, sketch);
  for (const auto& h : hits) {
    record->intel_kinds |= 1u << static_cast<unsigned>(h.kind);
    const bool known = std::any_of(record->intel_hits.begin(), record->intel_hits.end(), [&](const IntelHit& k) {
      return k.indicator_id == h.indicator_id && k.bundle_id == h.bundle_id;
    });
    if (known) continue;
    ++record->intel_matches;
    if (record->intel_hits.size() < kIntelMaxHits) record->intel_hits.push_back(h);
  }
  return !hits.empty();
}

double RaiseForIntel(double score, uint32_t kinds) {
  if (kinds == 0) return score;
  double boost = 0;
  for (size_t k = 0; k < kIntelKindCount; ++k) {
    if ((kinds >> k) & 1u) boost += IntelKindLogitWeight(static_cast<IntelKind>(k));
  }
  constexpr double kTiny = 1e-9;  // keeps the logit finite at 0 and 1
  const double p = std::clamp(score, kTiny, 1.0 - kTiny);
  const double logit = std::log(p / (1.0 - p)) + std::min(boost, kIntelMaxLogitBoost);
  return 1.0 / (1.0 + std::exp(-logit));
}

}  // namespace

double IntelKindLogitWeight(IntelKind kind) {
  switch (kind) {
    case IntelKind::kPaymentFp:
      return 3.0;
    case IntelKind::kTemplate:
      return 2.5;
    case IntelKind::kIp:
      return 1.0;
    case IntelKind::kEmailShape:
      return 0.5;
    case IntelKind::kPrefix:
      return 0.4;
    case IntelKind::kClientFp:
      return 0.4;
    case IntelKind::kUserAgent:
      return 0.3;
    case IntelKind::kAsn:
      return 0.3;
  }
  return 0;
}

Result<std::unique_ptr<Engine>> Engine::Create(const EngineConfig& config) {
  DG_RETURN_IF_ERROR(config.Validate());
  const auto& prototype = ClassifierPrototype();
  if (!prototype.ok()) return prototype.status();
  auto classifier = prototype.value()->Clone();
  if (!classifier.ok()) return classifier.status();
  return std::unique_ptr<Engine>(new Engine(config, std::move(classifier).value()));
}

PromptContext PromptContextOf(const Event& event) {
  PromptContext context;
  context.prompt = event.prompt;
  context.system = event.system;
  context.tools_offered = event.tools.size();
  context.turn = event.turn > 0 ? static_cast<int>(event.turn) : 0;
  return context;
}

Decision Engine::Process(const Event& event) { return Process(event, classifier_->Classify(PromptContextOf(event))); }

Decision Engine::Process(const Event& event, const PromptClass& prompt_class) {
  now_ms_ = std::max(now_ms_, event.ts_ms);

  auto [it, inserted] = index_.try_emplace(event.account_id, accounts_.size());
  if (inserted) {
    accounts_.push_back(std::make_unique<AccountRecord>());
    accounts_.back()->account_id = event.account_id;
    accounts_.back()->index = static_cast<uint32_t>(accounts_.size() - 1);
  }
  AccountRecord& record = *accounts_[it->second];

  record.state.ObserveRequest(event, prompt_class);
  const AccountSummary summary = record.state.Summary(event.ts_ms);
  record.own_score = scorer_.Score(summary);
  if (intel_ != nullptr) {
    // Shared intel is the account's own evidence: it raises the score the
    // linker sees, so a matched account also weighs in its campaign.
    const TemplateSketch* sketch = nullptr;
    if (intel_->has_templates() && !event.prompt.empty() &&
        ComputeSketch(event.prompt, &intel_sketch_, &intel_sketch_words_)) {
      sketch = &intel_sketch_;
    }
    if (RecordIntel(*intel_, event, sketch, &record)) ++counters_.intel_matched_exchanges;
    record.own_score = RaiseForIntel(record.own_score, record.intel_kinds);
  }
  const LinkOutcome link = linker_.Observe(record.index, event, record.own_score, summary);
  for (const Escalation& escalation : linker_.TakeEscalations()) ApplyEscalation(escalation, record.index);
  record.score = record.own_score;
  record.action = policy_.Decide(record.own_score, summary.exchanges, record.action);
  if (link.propagate) {
    // The campaign's action applies from the account's first exchange: the
    // evidence is the cluster's, not this account's few exchanges.
    record.score = std::max(record.score, link.campaign_score);
    if (link.campaign_action > record.action) {
      record.action = link.campaign_action;
      ++counters_.propagated;
    }
  }
  if (IsActioned(record.action) && record.first_action_ts_ms == kNoTime) {
    record.first_action_ts_ms = event.ts_ms;
    // This exchange is the first one refused: the ones before it were served.
    record.exchanges_before_action = summary.exchanges - 1;
  }
  record.state.ObserveResponse(event);
  record.timeline.Add(event.ts_ms, IsActioned(record.action));

  ++counters_.exchanges;
  ++counters_.decisions[static_cast<size_t>(record.action)];
  ++counters_.capabilities[static_cast<size_t>(prompt_class.capability)];
  if (prompt_class.reasoning_coercion) ++counters_.coercion;
  if (prompt_class.rubric_grading) ++counters_.rubric;
  return Decision{record.action, record.score};
}

void Engine::ApplyEscalation(const Escalation& escalation, uint32_t current) {
  const double campaign_score = linker_.campaigns()[static_cast<size_t>(escalation.campaign)].score;
  for (uint32_t m : escalation.members) {
    if (m == current) continue;  // decided by the caller with this exchange
    AccountRecord& r = *accounts_[m];
    r.score = std::max(r.score, campaign_score);
    if (escalation.action > r.action) r.action = escalation.action;
    if (IsActioned(r.action) && r.first_action_ts_ms == kNoTime) {
      // Actioned now, between its exchanges: all it sent so far was served.
      r.first_action_ts_ms = escalation.ts_ms;
      r.exchanges_before_action = r.state.exchanges();
    }
  }
}

std::string Engine::CampaignIdOf(const AccountRecord& record) const {
  const int32_t c = linker_.CampaignOf(record.index);
  return c < 0 ? std::string() : linker_.campaigns()[static_cast<size_t>(c)].id;
}

const AccountRecord* Engine::Find(std::string_view account_id) const {
  auto it = index_.find(absl::string_view(account_id.data(), account_id.size()));
  return it == index_.end() ? nullptr : accounts_[it->second].get();
}

AccountRow Engine::RowFor(const AccountRecord& record) const {
  AccountRow row;
  row.account_id = record.account_id;
  row.action = record.action;
  row.score = record.score;
  row.campaign = CampaignIdOf(record);
  row.exchanges = record.state.exchanges();
  row.first_action_ts_ms = record.first_action_ts_ms;
  row.exchanges_before_action = record.exchanges_before_action;
  row.reasons = scorer_.Reasons(record.state.Summary(now_ms_));
  if (const int32_t c = linker_.CampaignOf(record.index); c >= 0) {
    const CampaignInfo& info = linker_.campaigns()[static_cast<size_t>(c)];
    std::vector<std::string> linked;
    linked.push_back(fmt::format("member of campaign {} ({} linked accounts, campaign score {:.2f}, {})", info.id,
                                 info.core.size(), info.score, ActionName(info.action)));
    for (auto& e : linker_.AccountEvidence(record.index, kAccountEvidence)) linked.push_back(std::move(e));
    row.reasons.insert(row.reasons.begin(), linked.begin(), linked.end());
  }
  for (const auto& h : record.intel_hits) {
    row.reasons.push_back("matches shared intel from " + h.producer + " (" + h.source + ", " + h.bundle_id +
                          "): " + std::string(IntelKindName(h.kind)) + " " + h.value);
  }
  if (record.intel_matches > static_cast<int64_t>(record.intel_hits.size())) {
    row.reasons.push_back("and " +
                          std::to_string(record.intel_matches - static_cast<int64_t>(record.intel_hits.size())) +
                          " more shared-intel indicators");
  }
  return row;
}

std::vector<AccountRow> Engine::AccountRows() const {
  std::vector<AccountRow> rows;
  rows.reserve(accounts_.size());
  for (const auto& record : accounts_) rows.push_back(RowFor(*record));
  return rows;
}

}  // namespace dg

namespace dg {
namespace {

// How many values of each kind campaigns.json lists, and how many graph nodes.
constexpr size_t kValuesPerKind = 50;
constexpr size_t kSharedValuesScanned = 400;
constexpr size_t kGraphNodes = 200;
constexpr size_t kTemplates = 5;

void WriteValues(JsonWriter& w, const std::vector<SharedValue>& values, LinkKind kind) {
  w.BeginArray();
  size_t n = 0;
  for (const auto& v : values) {
    if (v.kind != kind) continue;
    if (n++ == kValuesPerKind) break;
    w.BeginObject().Key("value").String(v.display).Key("accounts").Int(v.accounts).Key("holders").Int(v.holders);
    w.EndObject();
  }
  w.EndArray();
}

// One `"name": [values of kind]` member per entry.
void WriteValueLists(JsonWriter& w, const std::vector<SharedValue>& values,
                     std::initializer_list<std::pair<const char*, LinkKind>> lists) {
  for (const auto& [name, kind] : lists) {
    w.Key(name);
    WriteValues(w, values, kind);
  }
}

}  // namespace

std::vector<CampaignRow> Engine::CampaignRows() const {
  std::vector<CampaignRow> rows;
  const auto& campaigns = linker_.campaigns();
  for (size_t c = 0; c < campaigns.size(); ++c) {
    const CampaignInfo& info = campaigns[c];
    if (!info.alive || info.core.empty()) continue;
    CampaignRow row;
    row.id = info.id;
    row.score = info.score;
    row.action = info.action;
    row.actioned_ts_ms = info.actioned_ts_ms;
    row.accounts = static_cast<int64_t>(info.core.size());
    std::array<double, kCapabilityCount> capabilities{};
    std::array<double, kIpTypeCount> ip_types{};
    double typed = 0;
    int64_t before_action = 0;
    std::vector<uint32_t> core(info.core.begin(), info.core.end());
    std::sort(core.begin(), core.end());
    for (uint32_t m : core) {
      const AccountRecord& r = *accounts_[m];
      const AccountSummary s = r.state.Summary(now_ms_);
      row.members.push_back(r.account_id);
      row.exchanges += s.exchanges;
      before_action += r.exchanges_before_action >= 0 ? r.exchanges_before_action : s.exchanges;
      if (row.first_seen_ms == kNoTime || s.first_ts_ms < row.first_seen_ms) row.first_seen_ms = s.first_ts_ms;
      if (row.last_seen_ms == kNoTime || s.last_ts_ms > row.last_seen_ms) row.last_seen_ms = s.last_ts_ms;
      for (size_t k = 0; k < kCapabilityCount; ++k)
        capabilities[k] += s.capability_share[k] * static_cast<double>(s.exchanges);
      double account_typed = 0;
      for (double share : s.ip_type_share) account_typed += share;
      for (size_t k = 0; k < kIpTypeCount; ++k) ip_types[k] += s.ip_type_share[k] * static_cast<double>(s.exchanges);
      typed += account_typed * static_cast<double>(s.exchanges);
    }
    row.exchanges_before_action = before_action;
    const double total = std::max<double>(1, static_cast<double>(row.exchanges));
    for (size_t k = 0; k < kCapabilityCount; ++k) {
      row.capabilities[std::string(CapabilityName(static_cast<Capability>(k)))] = capabilities[k] / total;
    }
    const std::vector<SharedValue> values = linker_.SharedValues(static_cast<int32_t>(c), kSharedValuesScanned);
    // Evidence: the most shared value of each kind, strongest kinds first.
    std::array<bool, kLinkKindCount> shown{};
    for (const auto& v : values) {
      if (row.evidence.size() >= kCampaignEvidence) break;
      if (shown[static_cast<size_t>(v.kind)]) continue;
      shown[static_cast<size_t>(v.kind)] = true;
      row.evidence.push_back(fmt::format("{} '{}' shared by {} of the {} accounts ({} accounts in all hold it)",
                                         LinkKindLabel(v.kind), v.display, v.accounts, row.accounts, v.holders));
    }
    if (!info.fringe.empty()) {
      row.evidence.push_back(
          fmt::format("{} further linked accounts left out of the campaign's dense core", info.fringe.size()));
    }
    JsonWriter w;
    w.BeginObject();
    w.Key("ip_types").BeginObject();
    for (size_t k = 0; k < kIpTypeCount; ++k) {
      if (ip_types[k] > 0) w.Key(IpTypeName(static_cast<IpType>(k))).Double(ip_types[k] / std::max(1.0, typed), 4);
    }
    w.EndObject();
    WriteValueLists(w, values,
                    {{"ips", LinkKind::kIp},
                     {"prefixes", LinkKind::kPrefix},
                     {"asns", LinkKind::kAsn},
                     {"user_agents", LinkKind::kUserAgent},
                     {"client_fps", LinkKind::kClientFp},
                     {"request_shapes", LinkKind::kRequestShape}});
    w.EndObject();
    row.extensions.emplace_back("infrastructure", w.Take());
    w.Clear();
    w.BeginObject();
    WriteValueLists(w, values,
                    {{"payment_fps", LinkKind::kPaymentFp},
                     {"email_shapes", LinkKind::kEmailShape},
                     {"waves", LinkKind::kSignupHour}});
    w.EndObject();
    row.extensions.emplace_back("signup", w.Take());
    w.Clear();
    w.BeginObject();
    WriteValueLists(w, values,
                    {{"system_prompts", LinkKind::kSystemPrompt},
                     {"prompt_openings", LinkKind::kPromptHead},
                     {"prompt_closings", LinkKind::kPromptTail}});
    w.EndObject();
    row.extensions.emplace_back("content", w.Take());
    w.Clear();
    w.BeginArray();
    size_t templates = 0;
    for (const auto& v : values) {
      if (v.kind != LinkKind::kTemplateBand || v.sketch == nullptr) continue;
      if (templates++ == kTemplates) break;
      w.BeginObject().Key("minhash").BeginArray();
      for (uint32_t h : *v.sketch) w.Int(h);
      w.EndArray().Key("accounts").Int(v.accounts).EndObject();
    }
    w.EndArray();
    row.extensions.emplace_back("templates", w.Take());
    w.Clear();
    w.BeginObject()
        .Key("scheme")
        .String(kSketchScheme)
        .Key("shingle_words")
        .Int(kShingleWords)
        .Key("hashes")
        .Int(kSketchHashes)
        .Key("bands")
        .Int(kSketchBands)
        .Key("rows")
        .Int(kSketchRows)
        .EndObject();
    row.extensions.emplace_back("sketch_params", w.Take());
    w.Clear();
    std::vector<uint32_t> nodes;
    const auto edges = linker_.SampleEdges(static_cast<int32_t>(c), kGraphNodes, &nodes);
    w.BeginObject().Key("nodes").BeginArray();
    for (uint32_t m : nodes) {
      const AccountRecord& r = *accounts_[m];
      w.BeginObject()
          .Key("id")
          .String(r.account_id)
          .Key("action")
          .String(ActionName(r.action))
          .Key("exchanges")
          .Int(r.state.exchanges())
          .EndObject();
    }
    w.EndArray().Key("edges").BeginArray();
    for (const auto& [a, b] : edges) {
      w.BeginObject().Key("a").String(accounts_[a]->account_id).Key("b").String(accounts_[b]->account_id).EndObject();
    }
    w.EndArray().EndObject();
    row.extensions.emplace_back("graph", w.Take());
    w.Clear();
    std::map<int32_t, std::pair<uint64_t, uint64_t>> hours;  // hour -> served, refused
    for (uint32_t m : core) {
      for (const auto& h : accounts_[m]->timeline.hours()) {
        hours[h.hour].first += h.served;
        hours[h.hour].second += h.refused;
      }
    }
    w.BeginArray();
    for (const auto& [hour, counts] : hours) {
      w.BeginObject()
          .Key("hour")
          .String(FormatRfc3339Ms(static_cast<int64_t>(hour) * kMsPerHour))
          .Key("served")
          .Int(static_cast<int64_t>(counts.first))
          .Key("refused")
          .Int(static_cast<int64_t>(counts.second))
          .EndObject();
    }
    w.EndArray();
    row.extensions.emplace_back("timeline", w.Take());
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace dg
