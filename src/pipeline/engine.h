// Engine: the streaming detector, one exchange at a time. Both drivers use
// it: `scan` (files, pipeline/scan.h) and, later, `serve` (HTTP).
//
//   Event -> classify prompt -> AccountState.ObserveRequest -> Scorer ->
//   Policy -> Decision -> AccountState.ObserveResponse
//
// Causality: Process() must be called in event-time order (the EventSource
// guarantees it); the decision for an exchange rests on the account's past
// exchanges and on this exchange's request, never on its response or on
// anything later. `first_action_ts` and `exchanges_before_action` record the
// moment an account first became actioned.
//
// Linkage (linkage/linker.h) sits between the account's own score and the
// policy: it links the account to others, scores campaigns as wholes and
// escalates them; a campaign's action reaches every core member at once
// (their first_action_ts is the campaign's) and every account that links to
// it later on its own first exchanges.
//
// Shared intel (optional, SetIntel): after the scorer, each exchange is
// matched against the imported indicators (intel/index.h). The logit of an
// account's own score rises by the weight of every distinct kind it matched
// (IntelKindLogitWeight: specific kinds such as a keyed payment hash or a
// template sketch weigh much more than values unrelated people share, such
// as an SDK's user agent), at most kIntelMaxLogitBoost, before the linker
// and the policy see it; a reason names the bundle per match.
//
// Thread-safety: not thread-safe; one thread drives an engine.
#ifndef DG_PIPELINE_ENGINE_H_
#define DG_PIPELINE_ENGINE_H_

#include <absl/container/flat_hash_map.h>

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "classify/classifier.h"
#include "features/account_state.h"
#include "ingest/event.h"
#include "intel/index.h"
#include "linkage/linker.h"
#include "pipeline/config.h"
#include "scoring/policy.h"
#include "scoring/scorer.h"
#include "sinks/outputs.h"

namespace dg {

struct Decision {
  Action action = Action::kAllow;
  double score = 0;
};

// What the engine keeps per account beside its features.
struct AccountRecord {
  std::string account_id;
  uint32_t index = 0;    // position in order of first appearance (the linker's account index)
  double own_score = 0;  // the account's own score, before campaign evidence
  AccountState state;
  Action action = Action::kAllow;
  double score = 0;
  int64_t first_action_ts_ms = kNoTime;
  int64_t exchanges_before_action = -1;
  HourlyTimeline timeline;  // exchanges per active hour, served / refused
  // Distinct shared-intel matches (at most kIntelMaxHits kept for reasons)
  // and the kinds seen, one bit per IntelKind.
  std::vector<IntelHit> intel_hits;
  int64_t intel_matches = 0;
  uint32_t intel_kinds = 0;
};

// The logit added to an account's own score per distinct kind of shared
// indicator it matched. Another provider's campaign is strong evidence only
// where the value is specific to the operation: a keyed payment hash or a
// template sketch; an exact address somewhat (it may be a carrier NAT or a
// residential proxy peer); a user agent, client fingerprint, ASN or prefix
// barely, since unrelated customers share them by construction (a popular
// SDK, a proxy provider). A benign account matching the campaign's SDK and
// ASN moves from 0.02 to about 0.05; a campaign account matching a template
// and a payment hash becomes a linkage seed at once (docs/intel.md).
double IntelKindLogitWeight(IntelKind kind);
inline constexpr double kIntelMaxLogitBoost = 5.0;
inline constexpr size_t kIntelMaxHits = 8;

struct EngineCounters {
  int64_t exchanges = 0;
  std::array<int64_t, 5> decisions{};  // exchanges decided per Action
  std::array<int64_t, kCapabilityCount> capabilities{};
  int64_t coercion = 0;
  int64_t rubric = 0;
  int64_t propagated = 0;  // exchanges refused because of the account's campaign
  int64_t intel_matched_exchanges = 0;
};

// What the classifier sees of an event.
PromptContext PromptContextOf(const Event& event);

class Engine {
 public:
  static Result<std::unique_ptr<Engine>> Create(const EngineConfig& config);

  // Updates state with `event` and returns the decision for it.
  Decision Process(const Event& event);
  // The same with the prompt already classified (PromptContextOf(event) run
  // through a PromptClassifier elsewhere, e.g. by a scale-out stage-1 worker,
  // src/stream/): the result equals Process(event) for that class.
  Decision Process(const Event& event, const PromptClass& prompt_class);

  // Matches every later exchange against `intel` (nullptr: none).
  void SetIntel(std::shared_ptr<const IntelIndex> intel) { intel_ = std::move(intel); }

  // Current view of an account (nullptr if never seen).
  const AccountRecord* Find(std::string_view account_id) const;
  // Rows for accounts.jsonl, in order of first appearance, with reasons.
  std::vector<AccountRow> AccountRows() const;
  AccountRow RowFor(const AccountRecord& record) const;
  // Rows for campaigns.json: every campaign the linker found (score at least
  // the monitor threshold), with its members, evidence and extensions.
  std::vector<CampaignRow> CampaignRows() const;
  // The campaign id of an account ("" when none).
  std::string CampaignIdOf(const AccountRecord& record) const;
  const Linker& linker() const { return linker_; }
  // The engine's classifier, e.g. to Clone() for threads that classify ahead
  // of Process(event, prompt_class) (pipeline/classified_stream.h).
  const PromptClassifier& classifier() const { return *classifier_; }

  size_t account_count() const { return accounts_.size(); }
  // The account at a position in order of first appearance (the linker's
  // account index); REQUIRES: index < account_count().
  const AccountRecord& record(uint32_t index) const { return *accounts_[index]; }
  int64_t now_ms() const { return now_ms_; }
  const EngineCounters& counters() const { return counters_; }
  const EngineConfig& config() const { return config_; }

 private:
  Engine(const EngineConfig& config, std::unique_ptr<PromptClassifier> classifier);
  void ApplyEscalation(const Escalation& escalation, uint32_t current);

  EngineConfig config_;
  std::unique_ptr<PromptClassifier> classifier_;
  Scorer scorer_;
  Policy policy_;
  Linker linker_;
  // Accounts in order of first appearance; index_ maps id -> position.
  std::vector<std::unique_ptr<AccountRecord>> accounts_;
  absl::flat_hash_map<std::string, size_t> index_;
  int64_t now_ms_ = kNoTime;
  EngineCounters counters_;
  std::shared_ptr<const IntelIndex> intel_;
  // The prompt's template sketch for intel matching (computed only when the
  // imported bundles hold template indicators), and its scratch space.
  TemplateSketch intel_sketch_{};
  std::vector<uint64_t> intel_sketch_words_;
};

}  // namespace dg

#endif  // DG_PIPELINE_ENGINE_H_
