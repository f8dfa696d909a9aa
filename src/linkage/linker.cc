#include "linkage/linker.h"

#include <absl/container/flat_hash_set.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "common/check.h"
#include "common/hash.h"

namespace dg {
namespace {

// Busiest sign-up hours whose share of members counts as a burst (waves).
constexpr size_t kBurstHours = 3;
// A component is rescored when it grew by this factor since its last score ...
constexpr double kRescoreGrowth = 1.1;
// ... or after this many of its members' exchanges (at least), or half its size.
constexpr int64_t kRescoreMinEvents = 20;
// A family contributes to the family count only from this weight up.
constexpr double kMinFamilyWeight = 0.1;
constexpr size_t kCampaignIdDigits = 4;
// Coverage is judged on at least this many of the core's prompts.
constexpr uint64_t kCoverageMinPrompts = 20;

double Sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

bool IsContent(LinkKind kind) { return FamilyOf(kind) == LinkFamily::kContent; }

// Values unrelated people share by construction: addresses behind NATs and
// proxies, popular SDKs and browsers, common email shapes, busy sign-up
// hours. A payment fingerprint, an exact request shape or a prompt template
// shared by thousands is not such a value: it is either a product's default
// or one operation.
bool IsCommonByConstruction(LinkKind kind) {
  return FamilyOf(kind) == LinkFamily::kNetwork || kind == LinkKind::kClientFp || kind == LinkKind::kUserAgent ||
         kind == LinkKind::kEmailShape || kind == LinkKind::kSignupHour || kind == LinkKind::kLockstep ||
         kind == LinkKind::kModelSwitch;
}

}  // namespace

Status LinkageConfig::Validate() const {
  for (double w : kind_weight) {
    if (!(w >= 0 && w <= 2.5)) return Status::InvalidArgument("linkage kind weights must be in [0, 2.5]");
  }
  for (double c : family_cap) {
    if (!(c >= 0 && c <= 2.5)) return Status::InvalidArgument("linkage family caps must be in [0, 2.5]");
  }
  if (!(edge_threshold > 0)) return Status::InvalidArgument("linkage.edge_threshold must be > 0");
  if (edge_min_families < 1 || edge_min_families > static_cast<int64_t>(kLinkFamilyCount)) {
    return Status::InvalidArgument("linkage.edge_min_families must be in 1..5");
  }
  if (common_accounts < 2) return Status::InvalidArgument("linkage.common_accounts must be >= 2");
  if (common_damping < 0) return Status::InvalidArgument("linkage.common_damping must be >= 0");
  if (min_campaign_accounts < 2) return Status::InvalidArgument("linkage.min_campaign_accounts must be >= 2");
  if (!(core_median_share >= 0 && core_median_share <= 1)) {
    return Status::InvalidArgument("linkage.core_median_share must be in [0, 1]");
  }
  if (max_keys < 1024 || seen_once_capacity < 1024) {
    return Status::InvalidArgument("linkage.max_keys and linkage.seen_once_capacity must be >= 1024");
  }
  return Status::Ok();
}

Linker::Linker(const LinkageConfig& config, const PolicyConfig& policy) : config_(config), policy_(policy) {}

Linker::AccountLinks& Linker::Account(uint32_t account) {
  while (accounts_.size() <= account) {
    accounts_.emplace_back();
    candidates_.emplace_back();
    components_.Add();
    campaign_of_.push_back(-1);
  }
  return accounts_[account];
}

namespace {

// The four Bloom probes of a value: 11-bit slices of its (already uniform) hash.
constexpr unsigned kFilterProbes = 4;
constexpr unsigned kFilterBitsLog2 = 11;
inline unsigned Probe(uint64_t key, unsigned i) {
  return static_cast<unsigned>((key >> (i * kFilterBitsLog2)) & ((1u << kFilterBitsLog2) - 1));
}

}  // namespace

bool Linker::Holds(const AccountLinks& a, uint64_t key) {
  for (unsigned i = 0; i < kFilterProbes; ++i) {
    const unsigned bit = Probe(key, i);
    if ((a.held_filter[bit / 64] & (uint64_t{1} << (bit % 64))) == 0) return false;
  }
  return true;
}

bool Linker::IsSeed(const AccountLinks& a) const {
  return a.own_score >= config_.suspicious_score && a.exchanges >= config_.seed_min_exchanges && !a.is_protected;
}

void Linker::Hold(AccountLinks& a, LinkKind kind, uint64_t key) {
  for (unsigned i = 0; i < kFilterProbes; ++i) {
    const unsigned bit = Probe(key, i);
    a.held_filter[bit / 64] |= uint64_t{1} << (bit % 64);
  }
  // A lockstep value lives ten minutes: listing it would push the account's
  // lasting values (addresses, fingerprints) out of its list.
  if (kind == LinkKind::kLockstep) return;
  const bool content = IsContent(kind);
  auto& list = content ? a.content_keys : a.infra_keys;
  auto& next = content ? a.content_next : a.infra_next;
  const size_t cap = content ? kMaxContentKeys : kMaxInfraKeys;
  if (list.size() < cap) {
    list.push_back(key);
  } else {
    list[next] = key;  // FIFO: the oldest held value makes room
    next = static_cast<uint8_t>((next + 1) % cap);
  }
}

double Linker::Damped(LinkKind kind, uint32_t holders) const {
  const double w = config_.kind_weight[static_cast<size_t>(kind)];
  const auto common = static_cast<double>(config_.common_accounts);
  if (holders <= common || !IsCommonByConstruction(kind)) return w;
  return w / (1.0 + config_.common_damping * std::log2(static_cast<double>(holders) / common));
}

bool Linker::IsProtected(const AccountLinks& a) const {
  return a.verified_org || (a.exchanges >= config_.protect_min_exchanges && a.own_score < config_.protect_below_score);
}

LinkOutcome Linker::Observe(uint32_t account, const Event& event, double own_score, const AccountSummary& summary) {
  escalations_.clear();
  if (!config_.enabled) return {};
  AccountLinks& a = Account(account);
  a.own_score = static_cast<float>(own_score);
  a.exchanges = summary.exchanges;
  if (summary.created_ms != kNoTime) a.signup_hour = summary.created_ms / kMsPerHour;
  a.verified_org = summary.has_org && summary.phone_verified == TriBool::kTrue &&
                   (summary.tier == Tier::kEnterprise || summary.tier == Tier::kTeam);
  a.is_protected = IsProtected(a);

  const int64_t ts = event.ts_ms;
  const std::vector<LinkKey>& keys = extractor_.Extract(event);
  Prefetch(account, keys);
  for (const LinkKey& key : keys) TakeValue(account, key, event);
  // A switch to another model: accounts of one operation switch together
  // when a new model is released (the key is the model and the hour).
  const uint64_t model = event.model.empty() ? 0 : extractor_.model_hash();  // Hash64(event.model)
  AccountLinks& links = accounts_[account];
  if (model != 0 && links.last_model != 0 && model != links.last_model) {
    model_switch_text_ = event.model + " from " + FormatRfc3339Ms(ts - ts % kMsPerHour).substr(0, 13) + "h";
    const uint64_t pair[2] = {model, static_cast<uint64_t>(ts / kMsPerHour)};
    TakeValue(
        account,
        LinkKey{LinkKind::kModelSwitch, XXH3_64bits_withSeed(pair, sizeof(pair), 0x6d6f64ULL), model_switch_text_},
        event);
  }
  if (model != 0) accounts_[account].last_model = model;
  if (extractor_.prompt_hash() != 0) CountPrompt(account, extractor_.prompt_hash());
  if (keys_.size() > config_.max_keys) EvictKeys();

  const uint32_t root = components_.Find(account);
  if (auto c = component_at_root_.find(root); c != component_at_root_.end()) {
    ++c->second.events_since_score;
    MaybeRescore(root, ts);
  }
  LinkOutcome out;
  const int32_t campaign = campaign_of_[account];
  if (campaign >= 0) {
    const CampaignInfo& info = campaigns_[static_cast<size_t>(campaign)];
    out.campaign = campaign;
    out.campaign_score = info.score;
    out.campaign_action = info.action;
    out.propagate = IsActioned(info.action) && !accounts_[account].is_protected;
  }
  return out;
}

namespace {

// Keys of one exchange prefetched for (an exchange has about 25).
constexpr size_t kMaxPrefetchKeys = 64;

inline void PrefetchLine(const void* p) { __builtin_prefetch(p, /*rw=*/1, /*locality=*/3); }

}  // namespace

void Linker::Prefetch(uint32_t account, const std::vector<LinkKey>& keys) const {
  // The index is far larger than the caches and every value lands on a
  // random slot, as does each holder's candidate set: looked up one after
  // the other, each waits for memory. Values the account already holds are
  // skipped by TakeValue whatever happens (the filter only gains bits).
  const AccountLinks& a = accounts_[account];
  const size_t n = std::min(keys.size(), kMaxPrefetchKeys);
  uint64_t fresh = 0;  // bit per key not held yet
  for (size_t i = 0; i < n; ++i) {
    if (Holds(a, keys[i].hash)) continue;
    fresh |= uint64_t{1} << i;
    keys_.prefetch(keys[i].hash);
    seen_once_.prefetch(keys[i].hash);
  }
  // The whole prompt's first sender (CountPrompt).
  if (extractor_.prompt_hash() != 0) prompts_.prefetch(extractor_.prompt_hash());
  // The shared ones' holders: their slots are on the way by now.
  for (size_t i = 0; i < n; ++i) {
    if ((fresh >> i & 1) == 0) continue;
    auto it = keys_.find(keys[i].hash);
    if (it == keys_.end()) continue;
    const KeyStats& k = it->second;
    const size_t known = std::min<size_t>(k.holders, kRecent);
    for (size_t r = 0; r < known; ++r) {
      const auto* set = reinterpret_cast<const char*>(&candidates_[std::max(account, k.recent[r])]);
      PrefetchLine(set);                   // the first 16 ids
      PrefetchLine(set + kCacheLine);      // the other 8, the size and the first totals
      PrefetchLine(set + 2 * kCacheLine);  // the other totals
    }
  }
}

void Linker::CountPrompt(uint32_t account, uint64_t prompt_hash) {
  ++accounts_[account].prompts;
  auto it = prompts_.find(prompt_hash);
  if (it == prompts_.end()) {
    auto old = prompts_old_.find(prompt_hash);
    if (old == prompts_old_.end()) {
      prompts_.emplace(prompt_hash, FirstSender{account, false});
      if (prompts_.size() >= config_.seen_once_capacity / 2) {
        prompts_old_ = std::move(prompts_);
        prompts_.clear();
      }
      return;
    }
    it = prompts_.emplace(prompt_hash, old->second).first;
    prompts_old_.erase(old);
  }
  FirstSender& first = it->second;
  if (first.account == account) return;
  ++accounts_[account].repeated;
  if (!first.repeated) {
    first.repeated = true;
    ++accounts_[first.account].repeated;
  }
}

void Linker::TakeValue(uint32_t account, const LinkKey& key, const Event& event) {
  const int64_t ts = event.ts_ms;
  if (config_.kind_weight[static_cast<size_t>(key.kind)] <= 0) return;
  if (Holds(accounts_[account], key.hash)) return;
  auto it = keys_.find(key.hash);
  if (it != keys_.end()) {
    KeyStats& k = it->second;
    k.last_seen_ms = ts;
    const size_t known = std::min<size_t>(k.holders, kRecent);
    ++k.holders;
    const double weight = Damped(key.kind, k.holders);
    const std::array<uint32_t, kRecent> recent = k.recent;
    k.recent[k.recent_next] = account;
    k.recent_next = static_cast<uint8_t>((k.recent_next + 1) % kRecent);
    Hold(accounts_[account], key.kind, key.hash);
    for (size_t r = 0; r < known; ++r) AddEvidence(account, recent[r], key.kind, weight, ts);
    return;
  }
  // One probe of seen_once_ finds the value or makes its slot: a value is
  // never in both generations (it enters seen_once_ only when in neither).
  auto [once, inserted] = seen_once_.try_emplace(key.hash, SeenOnce{account});
  bool in_old = false;
  if (inserted) {
    auto old = seen_once_old_.find(key.hash);
    if (old == seen_once_old_.end()) {
      if (seen_once_.size() >= config_.seen_once_capacity / 2) {
        // Two generations: the older half is dropped whole, so memory stays
        // bounded and a value survives at least capacity/2 newer values.
        seen_once_old_ = std::move(seen_once_);
        seen_once_.clear();
      }
      return;
    }
    seen_once_.erase(once);  // seen in the older generation: not new after all
    once = old;
    in_old = true;
  }
  const uint32_t first = once->second.account;
  if (first == account) return;
  if (in_old) {
    seen_once_old_.erase(once);
  } else {
    seen_once_.erase(once);
  }
  KeyStats stats;
  stats.kind = key.kind;
  stats.holders = 2;
  stats.recent[0] = first;
  stats.recent[1] = account;
  stats.recent_next = 2;
  stats.last_seen_ms = ts;
  stats.detail = std::make_unique<KeyDetail>();
  stats.detail->display = extractor_.Display(key, event);
  if (key.kind == LinkKind::kTemplateBand && extractor_.has_sketch()) {
    stats.detail->sketch = std::make_unique<TemplateSketch>(extractor_.sketch());
  }
  keys_.emplace(key.hash, std::move(stats));
  Hold(accounts_[first], key.kind, key.hash);
  Hold(accounts_[account], key.kind, key.hash);
  AddEvidence(account, first, key.kind, Damped(key.kind, 2), ts);
}

void Linker::AddEvidence(uint32_t a, uint32_t b, LinkKind kind, double weight, int64_t ts_ms) {
  if (a == b) return;
  // Evidence of a pair lives with its newer account (the larger index), so it
  // accumulates in one place whichever side takes the shared value.
  const uint32_t owner = std::max(a, b);
  const uint32_t other = std::min(a, b);
  CandidateSet& set = candidates_[owner];
  size_t at = 0;
  while (at < set.size && set.other[at] != other) ++at;
  if (at == set.size) {
    if (set.size >= kMaxCandidates) {
      // Replace the weakest unlinked candidate (the first of equals); linked ones are kept.
      int16_t weakest = kLinked;
      for (int16_t total : set.total) weakest = std::min(weakest, total);
      if (weakest == kLinked) return;
      at = static_cast<size_t>(std::find(set.total.begin(), set.total.end(), weakest) - set.total.begin());
    } else {
      at = set.size++;
    }
    set.other[at] = other;
    set.total[at] = 0;
    set.evidence[at] = Candidate{{}, 0, 0};
  }
  Candidate& pair = set.evidence[at];
  const auto kind_bit = static_cast<uint16_t>(1u << static_cast<unsigned>(kind));
  if (kind == LinkKind::kLockstep) {
    // Lockstep accumulates: one shared window is chance, many are a schedule.
    // Once per window and pair (the two accounts' keys of one window meet once).
    const auto window = static_cast<uint16_t>(ts_ms / kLockstepWindowMs);
    if ((pair.kinds & kind_bit) != 0 && pair.last_window == window) return;
    pair.last_window = window;
  } else if ((pair.kinds & kind_bit) != 0) {
    return;  // each other kind counts once per pair
  }
  pair.kinds |= kind_bit;
  const auto family = static_cast<size_t>(FamilyOf(kind));
  const double capped = std::min(config_.family_cap[family], pair.family_weight[family] / kWeightScale + weight);
  const auto weight_hundredths = static_cast<uint8_t>(std::lround(std::min(capped, 2.55) * kWeightScale));
  const int old_hundredths = pair.family_weight[family];
  pair.family_weight[family] = weight_hundredths;
  if (set.total[at] == kLinked) return;
  set.total[at] = static_cast<int16_t>(set.total[at] + weight_hundredths - old_hundredths);
  double total = 0;
  int64_t families = 0;
  bool identity = false;  // sign-up or content evidence
  for (size_t f = 0; f < kLinkFamilyCount; ++f) {
    const double w = pair.family_weight[f] / kWeightScale;
    total += w;
    if (w < kMinFamilyWeight) continue;
    ++families;
    identity |= f == static_cast<size_t>(LinkFamily::kSignup) || f == static_cast<size_t>(LinkFamily::kContent);
  }
  // Network and client evidence alone say "same place, same tool", which
  // people behind one VPN exit with one SDK share: an edge also needs what
  // the accounts are (sign-up) or what they send (content), unless three
  // families agree.
  const bool enough_families =
      families >= config_.edge_min_families && (identity || families > config_.edge_min_families);
  if (total + 1e-9 >= config_.edge_threshold && enough_families) {
    set.total[at] = kLinked;
    AddEdge(owner, other, total, pair.kinds, ts_ms);
  }
}

void Linker::AddEdge(uint32_t a, uint32_t b, double weight, uint16_t kinds, int64_t ts_ms) {
  for (uint32_t side : {a, b}) {
    auto& edges = accounts_[side].edges;
    const uint32_t other = side == a ? b : a;
    if (edges.size() < kMaxEdges) {
      edges.push_back(Edge{other, static_cast<float>(weight), kinds});
    } else {
      auto weakest = std::min_element(edges.begin(), edges.end(),
                                      [](const Edge& x, const Edge& y) { return x.weight < y.weight; });
      if (weakest->weight < weight) *weakest = Edge{other, static_cast<float>(weight), kinds};
    }
  }
  ++edge_count_;
  uint32_t absorbed = 0;
  const uint32_t root = components_.Union(a, b, &absorbed);
  if (absorbed != root) OnUnion(root, absorbed, ts_ms);
  // A newcomer whose edges to a campaign's core weigh at least attach_weight
  // joins the core at once (until the next rescore peels it): this is how an
  // account that replaces a banned one is stopped on its first exchanges.
  for (auto [x, y] : {std::pair{a, b}, std::pair{b, a}}) {
    const int32_t campaign = campaign_of_[y];
    if (campaign < 0 || campaign_of_[x] >= 0 || accounts_[x].is_protected) continue;
    if (!campaigns_[static_cast<size_t>(campaign)].alive) continue;
    double attached = 0;
    for (const Edge& e : accounts_[x].edges) attached += campaign_of_[e.other] == campaign ? e.weight : 0;
    if (attached + 1e-9 >= config_.attach_weight) {
      CampaignInfo& info = campaigns_[static_cast<size_t>(campaign)];
      campaign_of_[x] = campaign;
      info.core.push_back(x);
      // x may not send again (the edge came from another account's
      // exchange): the engine actions it now.
      if (IsActioned(info.action)) escalations_.push_back(Escalation{campaign, info.action, ts_ms, {x}});
    }
  }
}

void Linker::OnUnion(uint32_t root, uint32_t absorbed, int64_t ts_ms) {
  Component& into = component_at_root_[root];
  if (into.members.empty()) into.members.push_back(root);
  std::vector<uint32_t> moved;
  int32_t moved_campaign = -1;
  if (auto it = component_at_root_.find(absorbed); it != component_at_root_.end()) {
    moved = std::move(it->second.members);
    moved_campaign = it->second.campaign;
    component_at_root_.erase(it);
  } else {
    moved.push_back(absorbed);
  }
  // Refetch: erase above may not move `into`, but keep the reference honest.
  Component& target = component_at_root_[root];
  target.members.insert(target.members.end(), moved.begin(), moved.end());
  if (moved_campaign >= 0) {
    if (target.campaign < 0) {
      target.campaign = moved_campaign;
    } else if (target.campaign != moved_campaign) {
      // Two campaigns met: the older id survives; the other's members move.
      int32_t keep = std::min(target.campaign, moved_campaign);
      int32_t drop = std::max(target.campaign, moved_campaign);
      CampaignInfo& kept = campaigns_[static_cast<size_t>(keep)];
      CampaignInfo& dropped = campaigns_[static_cast<size_t>(drop)];
      for (uint32_t m : dropped.core) campaign_of_[m] = keep;
      kept.core.insert(kept.core.end(), dropped.core.begin(), dropped.core.end());
      if (dropped.action > kept.action) kept.action = dropped.action;
      if (kept.actioned_ts_ms == kNoTime ||
          (dropped.actioned_ts_ms != kNoTime && dropped.actioned_ts_ms < kept.actioned_ts_ms)) {
        kept.actioned_ts_ms = dropped.actioned_ts_ms;
      }
      dropped.core.clear();
      dropped.fringe.clear();
      dropped.alive = false;
      target.campaign = keep;
    }
  }
  MaybeRescore(root, ts_ms);
}

void Linker::MaybeRescore(uint32_t root, int64_t ts_ms) {
  Component& c = component_at_root_[root];
  const size_t n = c.members.size();
  if (static_cast<int64_t>(n) < config_.min_campaign_accounts) return;
  const bool grown = static_cast<double>(n) >= static_cast<double>(c.scored_size) * kRescoreGrowth + 1;
  const bool busy = c.events_since_score >= std::max<int64_t>(kRescoreMinEvents, static_cast<int64_t>(n / 2));
  if (grown || busy) Rescore(root, ts_ms);
}

void Linker::Rescore(uint32_t root, int64_t ts_ms) {
  Component& c = component_at_root_[root];
  c.scored_size = c.members.size();
  c.events_since_score = 0;
  const std::vector<uint32_t>& members = c.members;
  const size_t n = members.size();
  absl::flat_hash_map<uint32_t, uint32_t> local;
  local.reserve(n);
  for (uint32_t i = 0; i < n; ++i) local.emplace(members[i], i);
  // Candidates: seeds, then (to a fixed point) members whose edges to
  // candidates weigh at least attach_weight. Benign accounts linked only to
  // each other never become candidates, however dense their links.
  std::vector<bool> seed(n), candidate(n);
  for (uint32_t i = 0; i < n; ++i) {
    seed[i] = IsSeed(accounts_[members[i]]);
    candidate[i] = seed[i];
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (uint32_t i = 0; i < n; ++i) {
      const AccountLinks& a = accounts_[members[i]];
      if (candidate[i] || a.is_protected) continue;
      double attached = 0;
      for (const Edge& e : a.edges) {
        auto j = local.find(e.other);
        if (j != local.end() && candidate[j->second]) attached += e.weight;
      }
      if (attached + 1e-9 >= config_.attach_weight) {
        candidate[i] = true;
        changed = true;
      }
    }
  }
  // An edge may survive in one endpoint's list only (each list keeps its
  // strongest kMaxEdges): take both lists, each pair once.
  std::vector<WeightedEdge> edges;
  absl::flat_hash_set<uint64_t> pairs;
  for (uint32_t i = 0; i < n; ++i) {
    if (!candidate[i]) continue;
    for (const Edge& e : accounts_[members[i]].edges) {
      auto j = local.find(e.other);
      if (j == local.end() || !candidate[j->second]) continue;
      const uint64_t lo = std::min(i, j->second);
      const uint64_t hi = std::max(i, j->second);
      if (pairs.insert(lo << 32 | hi).second) edges.push_back(WeightedEdge{i, j->second, e.weight});
    }
  }
  std::vector<bool> in_core = PeelToCore(n, edges, config_.edge_threshold, config_.core_median_share);
  for (uint32_t i = 0; i < n; ++i) in_core[i] = in_core[i] && candidate[i];
  // Aggregate over the core.
  size_t core_n = 0;
  double sum_score = 0;
  size_t suspicious = 0;
  size_t verified = 0;
  absl::flat_hash_map<int64_t, uint32_t> signup_hours;
  size_t with_signup = 0;
  uint64_t prompts = 0;
  uint64_t repeated = 0;
  for (uint32_t i = 0; i < n; ++i) {
    if (!in_core[i]) continue;
    const AccountLinks& a = accounts_[members[i]];
    ++core_n;
    sum_score += a.own_score;
    suspicious += a.own_score >= config_.suspicious_score ? 1 : 0;
    verified += a.verified_org ? 1 : 0;
    if (a.signup_hour != kNoTime) {
      ++signup_hours[a.signup_hour];
      ++with_signup;
    }
    prompts += a.prompts;
    repeated += std::min(a.repeated, a.prompts);
  }
  if (static_cast<int64_t>(core_n) < config_.min_campaign_accounts) return;
  std::vector<uint32_t> hour_counts;
  hour_counts.reserve(signup_hours.size());
  for (const auto& [hour, count] : signup_hours) hour_counts.push_back(count);
  std::sort(hour_counts.rbegin(), hour_counts.rend());
  double burst = 0;
  for (size_t i = 0; i < std::min(kBurstHours, hour_counts.size()); ++i) burst += hour_counts[i];
  const auto core_d = static_cast<double>(core_n);
  burst = with_signup > 0 ? burst / static_cast<double>(with_signup) : 0;
  const double mean = sum_score / core_d;
  const double coverage =
      prompts >= kCoverageMinPrompts ? 1.0 - static_cast<double>(repeated) / static_cast<double>(prompts) : 0.0;
  double pooled = 0;
  if (pooled_scorer_) {
    std::vector<uint32_t> core_members;
    core_members.reserve(core_n);
    for (uint32_t i = 0; i < n; ++i) {
      if (in_core[i]) core_members.push_back(members[i]);
    }
    pooled = pooled_scorer_(core_members);
  }
  const double logit =
      config_.campaign_bias + config_.campaign_pooled_score * pooled + config_.campaign_mean_score * mean +
      config_.campaign_suspicious_share * (static_cast<double>(suspicious) / core_d) +
      config_.campaign_signup_burst * burst + config_.campaign_size * std::min(1.0, std::log10(core_d) / 3.0) +
      config_.campaign_coverage * coverage - config_.campaign_verified_org * (static_cast<double>(verified) / core_d);
  const double score = Sigmoid(logit);
  if (c.campaign < 0) {
    if (score < policy_.config().monitor) return;
    c.campaign = static_cast<int32_t>(campaigns_.size());
    CampaignInfo info;
    info.id = fmt::format("C{:0{}d}", campaigns_.size() + 1, kCampaignIdDigits);
    campaigns_.push_back(std::move(info));
  }
  CampaignInfo& info = campaigns_[static_cast<size_t>(c.campaign)];
  info.score = score;
  // Members peeled since the last rescore leave the campaign (the actions
  // already taken on them stand: a decision is never rewritten).
  for (uint32_t m : info.core) {
    auto at = local.find(m);
    if (at == local.end() || !in_core[at->second]) campaign_of_[m] = -1;
  }
  info.core.clear();
  info.fringe.clear();
  std::vector<uint32_t> joined;  // core members that were not in the core before
  for (uint32_t i = 0; i < n; ++i) {
    if (in_core[i]) {
      info.core.push_back(members[i]);
      if (campaign_of_[members[i]] != c.campaign) joined.push_back(members[i]);
      campaign_of_[members[i]] = c.campaign;
    } else {
      info.fringe.push_back(members[i]);
    }
  }
  const Action action = policy_.ActionFor(score);
  // The campaign's action is sticky: a campaign that sends camouflage after
  // being blocked does not unblock itself.
  const bool escalated = action > info.action;
  if (escalated) info.action = action;
  if (!IsActioned(info.action)) return;
  if (info.actioned_ts_ms == kNoTime) info.actioned_ts_ms = ts_ms;
  // On escalation every core member is actioned; otherwise only those that
  // joined the core at this rescore (the rest already were).
  Escalation esc;
  esc.campaign = c.campaign;
  esc.action = info.action;
  esc.ts_ms = ts_ms;
  for (uint32_t m : escalated ? info.core : joined) {
    if (!accounts_[m].is_protected) esc.members.push_back(m);
  }
  if (!esc.members.empty()) escalations_.push_back(std::move(esc));
}

void Linker::EvictKeys() {
  // Drop the least recently seen half of the shared values. Accounts may still
  // list an evicted value; if it comes back it is a new value (its holders
  // count from zero), which only under-counts evidence.
  std::vector<int64_t> seen;
  seen.reserve(keys_.size());
  for (const auto& [hash, k] : keys_) seen.push_back(k.last_seen_ms);
  auto mid = seen.begin() + static_cast<std::ptrdiff_t>(seen.size() / 2);
  std::nth_element(seen.begin(), mid, seen.end());
  const int64_t cutoff = *mid;
  absl::erase_if(keys_, [cutoff](const auto& entry) { return entry.second.last_seen_ms < cutoff; });
}

std::vector<Escalation> Linker::TakeEscalations() { return std::move(escalations_); }

int32_t Linker::CampaignOf(uint32_t account) const {
  return account < campaign_of_.size() ? campaign_of_[account] : -1;
}

std::vector<SharedValue> Linker::SharedValues(int32_t campaign, size_t limit) const {
  std::vector<SharedValue> out;
  if (campaign < 0 || static_cast<size_t>(campaign) >= campaigns_.size()) return out;
  absl::flat_hash_map<uint64_t, int64_t> counts;
  for (uint32_t m : campaigns_[static_cast<size_t>(campaign)].core) {
    for (uint64_t k : accounts_[m].infra_keys) ++counts[k];
    for (uint64_t k : accounts_[m].content_keys) ++counts[k];
  }
  for (const auto& [hash, count] : counts) {
    if (count < 2) continue;
    auto it = keys_.find(hash);
    if (it == keys_.end()) continue;
    SharedValue v;
    v.kind = it->second.kind;
    v.hash = hash;
    v.display = it->second.detail->display;
    v.accounts = count;
    v.holders = it->second.holders;
    v.sketch = it->second.detail->sketch.get();
    out.push_back(std::move(v));
  }
  std::sort(out.begin(), out.end(), [](const SharedValue& x, const SharedValue& y) {
    if (x.accounts != y.accounts) return x.accounts > y.accounts;
    if (x.kind != y.kind) return x.kind < y.kind;
    if (x.display != y.display) return x.display < y.display;
    return x.hash < y.hash;  // hash-map order varies per process: never let it show
  });
  if (out.size() > limit) out.resize(limit);
  return out;
}

std::vector<std::pair<uint32_t, uint32_t>> Linker::SampleEdges(int32_t campaign, size_t limit,
                                                               std::vector<uint32_t>* nodes) const {
  std::vector<std::pair<uint32_t, uint32_t>> out;
  nodes->clear();
  if (campaign < 0 || static_cast<size_t>(campaign) >= campaigns_.size()) return out;
  const auto& core = campaigns_[static_cast<size_t>(campaign)].core;
  // The first `limit` members (in order of joining) and the edges among them.
  std::vector<uint32_t> sorted(core.begin(), core.end());
  std::sort(sorted.begin(), sorted.end());
  if (sorted.size() > limit) sorted.resize(limit);
  absl::flat_hash_map<uint32_t, bool> chosen;
  for (uint32_t m : sorted) chosen.emplace(m, true);
  for (uint32_t m : sorted) {
    for (const Edge& e : accounts_[m].edges) {
      if (e.other > m && chosen.contains(e.other)) out.emplace_back(m, e.other);
    }
  }
  *nodes = std::move(sorted);
  return out;
}

std::vector<std::string> Linker::AccountEvidence(uint32_t account, size_t limit) const {
  std::vector<std::string> out;
  if (account >= accounts_.size()) return out;
  const int32_t campaign = campaign_of_[account];
  if (campaign < 0) return out;
  // The account's strongest held values among those its campaign shares.
  std::vector<std::pair<int64_t, const KeyStats*>> held;
  for (const auto* list : {&accounts_[account].infra_keys, &accounts_[account].content_keys}) {
    for (uint64_t k : *list) {
      auto it = keys_.find(k);
      if (it != keys_.end() && it->second.holders >= 2) held.emplace_back(it->second.holders, &it->second);
    }
  }
  std::sort(held.begin(), held.end(), [](const auto& x, const auto& y) {
    if (x.first != y.first) return x.first > y.first;
    if (x.second->kind != y.second->kind) return x.second->kind < y.second->kind;
    return x.second->detail->display < y.second->detail->display;
  });
  std::array<bool, kLinkKindCount> shown{};
  for (const auto& [holders, k] : held) {
    if (out.size() >= limit) break;
    if (shown[static_cast<size_t>(k->kind)]) continue;
    shown[static_cast<size_t>(k->kind)] = true;
    out.push_back(
        fmt::format("shares {} '{}' with {} accounts", LinkKindLabel(k->kind), k->detail->display, holders - 1));
  }
  return out;
}

LinkerStats Linker::Stats() const {
  LinkerStats s;
  s.shared_keys = keys_.size();
  s.seen_once = seen_once_.size() + seen_once_old_.size();
  s.edges = edge_count_;
  s.components = component_at_root_.size();
  for (const auto& c : campaigns_) s.campaigns += c.alive ? 1 : 0;
  return s;
}

}  // namespace dg
