#include "pipeline/engine.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace dg {

Engine::Engine(const EngineConfig& config, std::unique_ptr<PromptClassifier> classifier)
    : config_(config), classifier_(std::move(classifier)), scorer_(config.weights), policy_(config.policy) {}

namespace {

// Compiling the classifier's pattern database is the slowest step of start-up,
// so every engine in a process clones one compiled prototype (clones share
// the database and own their scratch space). Initialised once, thread-safely.
const Result<std::unique_ptr<PromptClassifier>>& ClassifierPrototype() {
  static const auto* prototype = new Result<std::unique_ptr<PromptClassifier>>(PromptClassifier::Create());
  return *prototype;
}

// Adds new distinct hits to the record; true if any exchange-level match.
bool RecordIntel(const IntelIndex& intel, const Event& event, AccountRecord* record) {
  const std::vector<IntelHit> hits = intel.Match(event);
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
  const int k = std::min(std::popcount(kinds), kIntelMaxKinds);
  return k == 0 ? score : 1.0 - (1.0 - score) * std::pow(kIntelRemainingFactor, k);
}

}  // namespace

Result<std::unique_ptr<Engine>> Engine::Create(const EngineConfig& config) {
  DG_RETURN_IF_ERROR(config.Validate());
  const auto& prototype = ClassifierPrototype();
  if (!prototype.ok()) return prototype.status();
  auto classifier = prototype.value()->Clone();
  if (!classifier.ok()) return classifier.status();
  return std::unique_ptr<Engine>(new Engine(config, std::move(classifier).value()));
}

Decision Engine::Process(const Event& event) {
  now_ms_ = std::max(now_ms_, event.ts_ms);
  PromptContext context;
  context.prompt = event.prompt;
  context.system = event.system;
  context.tools_offered = event.tools.size();
  context.turn = event.turn > 0 ? static_cast<int>(event.turn) : 0;
  const PromptClass prompt_class = classifier_->Classify(context);

  auto [it, inserted] = index_.try_emplace(event.account_id, accounts_.size());
  if (inserted) {
    accounts_.push_back(std::make_unique<AccountRecord>());
    accounts_.back()->account_id = event.account_id;
  }
  AccountRecord& record = *accounts_[it->second];

  record.state.ObserveRequest(event, prompt_class);
  const AccountSummary summary = record.state.Summary(event.ts_ms);
  record.score = scorer_.Score(summary);
  if (intel_ != nullptr) {
    if (RecordIntel(*intel_, event, &record)) ++counters_.intel_matched_exchanges;
    record.score = RaiseForIntel(record.score, record.intel_kinds);
  }
  record.action = policy_.Decide(record.score, summary.exchanges, record.action);
  if (IsActioned(record.action) && record.first_action_ts_ms == kNoTime) {
    record.first_action_ts_ms = event.ts_ms;
    // This exchange is the first one refused: the ones before it were served.
    record.exchanges_before_action = summary.exchanges - 1;
  }
  record.state.ObserveResponse(event);

  ++counters_.exchanges;
  ++counters_.decisions[static_cast<size_t>(record.action)];
  ++counters_.capabilities[static_cast<size_t>(prompt_class.capability)];
  if (prompt_class.reasoning_coercion) ++counters_.coercion;
  if (prompt_class.rubric_grading) ++counters_.rubric;
  return Decision{record.action, record.score};
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
  row.campaign = record.campaign;
  row.exchanges = record.state.exchanges();
  row.first_action_ts_ms = record.first_action_ts_ms;
  row.exchanges_before_action = record.exchanges_before_action;
  row.reasons = scorer_.Reasons(record.state.Summary(now_ms_));
  for (const auto& h : record.intel_hits) {
    row.reasons.push_back("matches shared intel from " + h.producer + " (" + h.source + ", " + h.bundle_id +
                          "): " + std::string(IntelKindName(h.kind)) + " " + h.value);
  }
  if (record.intel_matches > static_cast<int64_t>(record.intel_hits.size())) {
    row.reasons.push_back("and " + std::to_string(record.intel_matches - static_cast<int64_t>(record.intel_hits.size())) +
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
