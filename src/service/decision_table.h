// DecisionTable and OverrideTable: the read-mostly state that answers
// POST /v1/check without touching the engine.
//
// Service stage (sinks side of the pipeline): the engine thread publishes the
// decision of an account after each exchange it processes; HTTP threads read
// it concurrently. The table is split into kShards shards, each a hash map
// behind its own reader-writer lock, and entries are immutable shared
// pointers: a reader holds a shard's shared lock only long enough to copy one
// pointer, so a check never waits for the engine and rarely for a writer
// (one writer, 64 shards).
//
// Overrides (an analyst's allow/block of an account or a campaign) win over
// the model; they are few and change rarely, so one lock guards them and an
// atomic flag lets checks skip it while there are none.
//
// Thread-safety: every method may be called from any thread.
#ifndef DG_SERVICE_DECISION_TABLE_H_
#define DG_SERVICE_DECISION_TABLE_H_

#include <absl/container/flat_hash_map.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "scoring/policy.h"

namespace dg {

// What the model says about an account as of its latest exchange.
struct PublishedDecision {
  Action action = Action::kAllow;
  double score = 0;
  std::string campaign;  // empty: none
  int64_t exchanges = 0;
  std::vector<std::string> reasons;
  // The POST /v1/check answer for this decision when no override applies,
  // built once by the publisher (the engine thread) so that a check copies
  // one string instead of writing JSON.
  std::string check_json;
};

class DecisionTable {
 public:
  static constexpr size_t kShards = 64;

  void Publish(std::string_view account_id, std::shared_ptr<const PublishedDecision> decision);
  // nullptr when the account was never published.
  std::shared_ptr<const PublishedDecision> Lookup(std::string_view account_id) const;
  void Clear();
  size_t size() const;

 private:
  struct Shard {
    mutable std::shared_mutex mu;
    absl::flat_hash_map<std::string, std::shared_ptr<const PublishedDecision>> map;
  };
  Shard& ShardFor(std::string_view account_id) const;

  mutable std::array<Shard, kShards> shards_;
};

enum class OverrideKind { kAccount, kCampaign };
const char* OverrideKindName(OverrideKind kind);

struct Override {
  OverrideKind kind = OverrideKind::kAccount;
  std::string id;  // account or campaign id
  Action action = Action::kAllow;
  std::string by;      // who decided
  std::string reason;  // why
  int64_t ts_ms = 0;   // wall-clock time it was set
};

class OverrideTable {
 public:
  void Set(const Override& o);
  void Clear(OverrideKind kind, std::string_view id);
  void ClearAll();
  // The override in force for an account: its own, else its campaign's.
  std::optional<Override> Find(std::string_view account_id, std::string_view campaign) const;
  size_t size() const;

 private:
  mutable std::shared_mutex mu_;
  std::atomic<bool> any_{false};
  absl::flat_hash_map<std::string, Override> accounts_;
  absl::flat_hash_map<std::string, Override> campaigns_;
};

}  // namespace dg

#endif  // DG_SERVICE_DECISION_TABLE_H_
