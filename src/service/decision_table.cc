#include "service/decision_table.h"

#include <mutex>

#include "common/hash.h"

namespace dg {
namespace {

// This abseil's string_view is its own type, not std::string_view.
absl::string_view Key(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace

DecisionTable::Shard& DecisionTable::ShardFor(std::string_view account_id) const {
  return shards_[Hash64(account_id) % kShards];
}

void DecisionTable::Publish(std::string_view account_id, std::shared_ptr<const PublishedDecision> decision) {
  Shard& shard = ShardFor(account_id);
  // The old entry is released after the lock: a reader may still hold it.
  std::shared_ptr<const PublishedDecision> old;
  {
    std::unique_lock lock(shard.mu);
    auto it = shard.map.find(Key(account_id));
    if (it == shard.map.end()) {
      shard.map.emplace(std::string(account_id), std::move(decision));
    } else {
      old = std::move(it->second);
      it->second = std::move(decision);
    }
  }
}

std::shared_ptr<const PublishedDecision> DecisionTable::Lookup(std::string_view account_id) const {
  Shard& shard = ShardFor(account_id);
  std::shared_lock lock(shard.mu);
  auto it = shard.map.find(Key(account_id));
  return it == shard.map.end() ? nullptr : it->second;
}

void DecisionTable::Clear() {
  for (auto& shard : shards_) {
    std::unique_lock lock(shard.mu);
    shard.map.clear();
  }
}

size_t DecisionTable::size() const {
  size_t n = 0;
  for (auto& shard : shards_) {
    std::shared_lock lock(shard.mu);
    n += shard.map.size();
  }
  return n;
}

const char* OverrideKindName(OverrideKind kind) { return kind == OverrideKind::kAccount ? "account" : "campaign"; }

void OverrideTable::Set(const Override& o) {
  std::unique_lock lock(mu_);
  (o.kind == OverrideKind::kAccount ? accounts_ : campaigns_).insert_or_assign(o.id, o);
  any_.store(true, std::memory_order_release);
}

void OverrideTable::Clear(OverrideKind kind, std::string_view id) {
  std::unique_lock lock(mu_);
  auto& map = kind == OverrideKind::kAccount ? accounts_ : campaigns_;
  map.erase(Key(id));
  any_.store(!accounts_.empty() || !campaigns_.empty(), std::memory_order_release);
}

void OverrideTable::ClearAll() {
  std::unique_lock lock(mu_);
  accounts_.clear();
  campaigns_.clear();
  any_.store(false, std::memory_order_release);
}

std::optional<Override> OverrideTable::Find(std::string_view account_id, std::string_view campaign) const {
  if (!any_.load(std::memory_order_acquire)) return std::nullopt;
  std::shared_lock lock(mu_);
  if (auto it = accounts_.find(Key(account_id)); it != accounts_.end()) return it->second;
  if (!campaign.empty()) {
    if (auto it = campaigns_.find(Key(campaign)); it != campaigns_.end()) return it->second;
  }
  return std::nullopt;
}

size_t OverrideTable::size() const {
  std::shared_lock lock(mu_);
  return accounts_.size() + campaigns_.size();
}

}  // namespace dg
