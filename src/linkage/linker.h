// Linker: the cross-account stage. Links accounts by what they share, grows
// campaigns incrementally in event time, scores each campaign as a whole and
// tells the engine when a campaign's action escalates, so that every member
// is actioned at once and an account that links to an actioned campaign later
// is actioned on its first exchanges (what defeats burn-and-replace).
//
// Pipeline: features (own score) -> **linkage** -> scoring/policy -> decisions.
//
//   keys (link_keys.h)  every exchange's shared values, hashed
//   index               value -> accounts holding it (count, the most recent
//                       few), values seen from one account only in a bounded
//                       two-generation table
//   pair evidence       when an account takes a value others hold, it gains
//                       evidence toward each of the most recent holders:
//                       per family the strongest kind's weight, damped for
//                       values held by very many accounts (carrier NATs,
//                       popular SDKs); an edge needs `edge_threshold` over
//                       at least `edge_min_families` families
//   graph (graph.h)     union-find components of the edges; dense core by
//                       weighted-degree peeling before scoring
//   campaign score      a logistic over the core's aggregate: the account
//                       scorer applied to the core's pooled traffic (a
//                       campaign of accounts with a few exchanges each is
//                       judged on all of them), the mean of the members' own
//                       scores and the share of suspicious ones (neighbour
//                       aggregation), sign-up bursts, size; minus verified
//                       organisations
//
// Causality: everything is updated from the exchange being decided and what
// came before it; Observe() is called once per exchange in event-time order.
//
// Memory: per account a fixed number of held values, candidate pairs and
// edges (about 2 KB once its lists are full: 384 bytes of state, 448 of
// candidate pairs, up to 1.2 KB of held values and edges); per shared value
// a 64-byte slot of the index (about 100 bytes with the table's free slots)
// plus its display text (40 bytes and the text; template values also their
// 256-byte sketch), at most `max_keys` (the least recently seen are
// evicted); values seen once at most `seen_once_capacity` (two generations,
// the older dropped whole).
//
// Thread-safety: none; the engine owns the linker and calls it from one thread.
#ifndef DG_LINKAGE_LINKER_H_
#define DG_LINKAGE_LINKER_H_

#include <absl/container/flat_hash_map.h>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/huge_page_allocator.h"
#include "common/status.h"
#include "features/account_state.h"
#include "ingest/event.h"
#include "linkage/graph.h"
#include "linkage/link_keys.h"
#include "scoring/policy.h"
#include "sketch/minhash.h"

namespace dg {

struct LinkageConfig {
  bool enabled = true;
  // Evidence weight of one shared value, by kind (docs/config.md [linkage]).
  std::array<double, kLinkKindCount> kind_weight = {
      0.6,   // ip
      0.35,  // prefix
      0.25,  // asn (anonymising types only)
      0.25,  // client_fp   (fingerprint and agent together, 0.4, say "the same SDK":
      0.15,  // user_agent   weak; the exact request shape says "the same script settings")
      0.5,   // request_shape
      1.0,   // payment_fp
      0.3,   // email_shape (low-entropy: shapes repeat across unrelated people)
      0.3,   // signup_hour
      0.6,   // system_prompt
      0.5,   // prompt_head
      0.5,   // prompt_tail
      0.3,   // template (one shared LSH band: the prompts are similar, not the same template)
      0.1,   // lockstep: per shared window (accumulates, unlike the other kinds)
      0.3,   // model_switch: switched to the same model in the same hour
  };
  // A pair's evidence per family is the sum of its kinds' weights (each kind
  // counted once per pair), capped: several views of one prompt are not
  // independent evidence.
  // network, client, sign-up, content, timing
  std::array<double, kLinkFamilyCount> family_cap = {0.8, 0.6, 1.0, 0.7, 0.5};
  double edge_threshold = 1.2;    // pair evidence that makes an edge
  int64_t edge_min_families = 2;  // ... from at least this many families
  // Values unrelated people share by construction (network values: carrier
  // NAT, campus and cloud egress, proxy ranges; client fingerprints and user
  // agents of popular SDKs and browsers; common email shapes; busy sign-up
  // hours) held by more than common_accounts accounts are damped by
  // 1 / (1 + damping * log2(holders / common_accounts)). Payment
  // fingerprints, request shapes and content are not: one shared by
  // thousands is either a product's default or one operation, and the seed
  // gate (below), not the weight, tells the two apart.
  int64_t common_accounts = 64;
  double common_damping = 0.15;
  int64_t min_campaign_accounts = 5;  // smaller components are never campaigns
  // Campaign score: logistic over the dense core's aggregate.
  double campaign_bias = -7.0;
  double campaign_pooled_score = 10.0;     // the account scorer on the core's pooled traffic
  double campaign_mean_score = 3.0;        // mean of the members' own scores
  double campaign_suspicious_share = 2.0;  // share of members with own score >= suspicious_score
  double campaign_signup_burst = 1.0;      // share of members created in the three busiest sign-up hours
  double campaign_size = 1.0;              // min(1, log10(core accounts) / 3)
  double campaign_verified_org = 4.0;      // share of members in verified enterprise/team organisations (trust)
  // Coverage without overlap: share of the core's prompts that no other
  // account sent. A linked core (shared templates, settings, sign-up) whose
  // prompts never repeat is one prompt set split across accounts; benign
  // linked groups that are not protected (evaluation harnesses, users of one
  // tool) send the same prompts again. Needs kCoverageMinPrompts prompts.
  double campaign_coverage = 1.0;
  // Seeds: members suspicious on their own (own score >= suspicious_score
  // after at least seed_min_exchanges). A campaign's core is its seeds plus
  // the members whose edges to seeds weigh at least attach_weight, so benign
  // accounts linked to each other never bridge into a campaign.
  double suspicious_score = 0.3;
  int64_t seed_min_exchanges = 2;
  double attach_weight = 2.0;
  double core_median_share = 0.1;  // peeling: stay while weighted degree >= this share of the median
  // Members the campaign's action never reaches by propagation alone.
  double protect_below_score = 0.05;   // own score below this ...
  int64_t protect_min_exchanges = 10;  // ... after at least this many exchanges
  size_t max_keys = 2'000'000;
  size_t seen_once_capacity = 4'000'000;

  Status Validate() const;
};

// What the linker says about the account of the exchange just observed.
struct LinkOutcome {
  int32_t campaign = -1;  // campaign index (CampaignInfo) or -1
  double campaign_score = 0;
  Action campaign_action = Action::kAllow;
  bool propagate = false;  // the campaign's action applies to this account
};

// An escalation: campaign `campaign` reached `action` at `ts_ms`; the engine
// actions every account in `members` (core members, protected ones left out).
struct Escalation {
  int32_t campaign;
  Action action;
  int64_t ts_ms;
  std::vector<uint32_t> members;
};

// A shared value as it appears among a campaign's members.
struct SharedValue {
  LinkKind kind;
  uint64_t hash = 0;  // identifies the value (two values may display alike)
  std::string display;
  int64_t accounts = 0;                    // core members holding it
  int64_t holders = 0;                     // all accounts holding it (campaign or not)
  const TemplateSketch* sketch = nullptr;  // representative sketch (template values only)
};

struct CampaignInfo {
  std::string id;  // "C0001", stable as the campaign grows and absorbs others
  double score = 0;
  Action action = Action::kAllow;
  int64_t actioned_ts_ms = kNoTime;
  std::vector<uint32_t> core;    // member accounts (engine indices)
  std::vector<uint32_t> fringe;  // linked but peeled from the core
  bool alive = true;             // false once merged into another campaign
};

struct LinkerStats {
  size_t shared_keys = 0;
  size_t seen_once = 0;
  size_t edges = 0;
  size_t components = 0;  // with two or more accounts
  size_t campaigns = 0;
};

class Linker {
 public:
  // Scores the pooled traffic of a set of accounts (engine indices) in [0, 1].
  using PooledScorer = std::function<double(const std::vector<uint32_t>& members)>;

  Linker(const LinkageConfig& config, const PolicyConfig& policy);
  // Without one, the pooled term is left out of campaign scores.
  void SetPooledScorer(PooledScorer scorer) { pooled_scorer_ = std::move(scorer); }

  // One exchange of account `account` (a dense index the engine assigns in
  // order of first appearance: 0, 1, 2, ...), with its own score so far.
  LinkOutcome Observe(uint32_t account, const Event& event, double own_score, const AccountSummary& summary);

  // Escalations decided during the last Observe(); cleared by the call.
  std::vector<Escalation> TakeEscalations();

  // The campaign index of an account's core membership, or -1.
  int32_t CampaignOf(uint32_t account) const;
  const std::vector<CampaignInfo>& campaigns() const { return campaigns_; }
  // The values a campaign's core members share, most shared first (at most `limit`).
  std::vector<SharedValue> SharedValues(int32_t campaign, size_t limit) const;
  // Edges among a campaign's members, for drawing (at most `limit` nodes).
  std::vector<std::pair<uint32_t, uint32_t>> SampleEdges(int32_t campaign, size_t limit,
                                                         std::vector<uint32_t>* nodes) const;
  // The strongest kinds linking `account` to other members of its campaign.
  std::vector<std::string> AccountEvidence(uint32_t account, size_t limit) const;
  LinkerStats Stats() const;

 private:
  static constexpr size_t kRecent = 8;           // most recent holders remembered per value
  static constexpr size_t kMaxInfraKeys = 24;    // values held per account, non-content ...
  static constexpr size_t kMaxContentKeys = 40;  // ... and content
  static constexpr size_t kMaxCandidates = 24;
  static constexpr size_t kMaxEdges = 24;
  static constexpr double kWeightScale = 100.0;  // family weights are stored as uint8 hundredths
  static constexpr size_t kCacheLine = 64;

  // What only the output reads (SharedValues, AccountEvidence), off the
  // index's slots: every value an exchange takes is looked up in keys_.
  struct KeyDetail {
    std::string display;
    std::unique_ptr<TemplateSketch> sketch;  // template values: the sketch that made it shared
  };
  struct KeyStats {
    LinkKind kind;
    uint8_t recent_next = 0;
    uint32_t holders = 0;
    std::array<uint32_t, kRecent> recent{};
    int64_t last_seen_ms = kNoTime;
    std::unique_ptr<KeyDetail> detail;
  };
  // With its key, one slot of keys_ is a cache line (it was 96 bytes with the
  // display string inline).
  static_assert(sizeof(KeyStats) + sizeof(uint64_t) == kCacheLine, "the memory figure at the top");
  struct SeenOnce {
    uint32_t account;
  };
  // A candidate pair's evidence (its other account, its total and whether it
  // is linked are in CandidateSet).
  struct Candidate {
    std::array<uint8_t, kLinkFamilyCount> family_weight;  // hundredths, capped per family
    uint16_t kinds;                                       // bit per LinkKind already counted for this pair
    uint16_t last_window;                                 // low bits of the last lockstep window counted
  };
  // The pairs an account owns (toward older accounts), apart from the rest
  // of its state: every shared value an account takes looks its holders up
  // here, each a random account. What the look-up and the choice of a pair
  // to replace read (ids and totals) fills the first three cache lines; in
  // a vector behind AccountLinks, reaching the ids cost a miss on the account
  // and one on the vector, and ids and weights were spread over six lines.
  struct alignas(kCacheLine) CandidateSet {
    std::array<uint32_t, kMaxCandidates> other;  // [0, size) in order of arrival
    uint32_t size = 0;
    // Sum of family_weight while unlinked, kLinked once an edge exists (a
    // linked pair is never replaced): the pair to replace is the first
    // minimum, found without a branch per candidate.
    std::array<int16_t, kMaxCandidates> total;
    std::array<Candidate, kMaxCandidates> evidence;
  };
  static constexpr int16_t kLinked = INT16_MAX;  // above any sum of kLinkFamilyCount uint8 weights
  static_assert(sizeof(CandidateSet) == 7 * kCacheLine, "the memory figure at the top");
  struct Edge {
    uint32_t other;
    float weight;
    uint16_t kinds;
  };
  static constexpr size_t kFilterWords = 32;  // 2,048-bit Bloom filter of held values per account
  struct AccountLinks {
    // Every value the account ever took (Bloom filter, 4 probes): a value is
    // counted once per account however long ago it was taken. A false
    // positive under-counts a value's holders, the safe direction.
    std::array<uint64_t, kFilterWords> held_filter{};
    std::vector<uint64_t> infra_keys;  // FIFO, at most kMaxInfraKeys
    std::vector<uint64_t> content_keys;
    uint8_t infra_next = 0;
    uint8_t content_next = 0;
    std::vector<Edge> edges;
    float own_score = 0;
    int64_t exchanges = 0;
    int64_t signup_hour = kNoTime;
    bool verified_org = false;
    bool is_protected = false;
    uint64_t last_model = 0;  // hash of the model of the previous exchange (0: none yet)
    uint32_t prompts = 0;     // prompts with words
    uint32_t repeated = 0;    // of which another account sent the same one
  };
  static_assert(sizeof(AccountLinks) == 6 * kCacheLine, "the memory figure at the top");
  struct FirstSender {
    uint32_t account;
    bool repeated;  // another account sent it too (counted once for the first sender)
  };
  struct Component {
    std::vector<uint32_t> members;
    int32_t campaign = -1;
    size_t scored_size = 0;  // size at the last rescore
    int64_t events_since_score = 0;
  };

  AccountLinks& Account(uint32_t account);
  static bool Holds(const AccountLinks& a, uint64_t key);
  bool IsSeed(const AccountLinks& a) const;
  void Hold(AccountLinks& a, LinkKind kind, uint64_t key);
  double Damped(LinkKind kind, uint32_t holders) const;
  // Starts the loads TakeValue will wait for, all of an exchange's at once:
  // the index slots of its values and of its prompt, and the candidate pairs
  // of the values' holders. Changes nothing (a hint; the values are then
  // taken in order).
  void Prefetch(uint32_t account, const std::vector<LinkKey>& keys) const;
  // The account takes one value: index update and pair evidence.
  void TakeValue(uint32_t account, const LinkKey& key, const Event& event);
  void CountPrompt(uint32_t account, uint64_t prompt_hash);
  void AddEvidence(uint32_t a, uint32_t b, LinkKind kind, double weight, int64_t ts_ms);
  void AddEdge(uint32_t a, uint32_t b, double weight, uint16_t kinds, int64_t ts_ms);
  void OnUnion(uint32_t root, uint32_t absorbed, int64_t ts_ms);
  void MaybeRescore(uint32_t root, int64_t ts_ms);
  void Rescore(uint32_t root, int64_t ts_ms);
  void EvictKeys();
  bool IsProtected(const AccountLinks& a) const;

  LinkageConfig config_;
  Policy policy_;
  PooledScorer pooled_scorer_;
  KeyExtractor extractor_;
  std::string model_switch_text_;
  // The tables every event probes at random, on huge pages where the kernel
  // gives them (common/huge_page_allocator.h).
  template <typename V>
  using ValueTable = absl::flat_hash_map<uint64_t, V, absl::Hash<uint64_t>, std::equal_to<uint64_t>,
                                         HugePageAllocator<std::pair<const uint64_t, V>>>;
  ValueTable<KeyStats> keys_;
  ValueTable<SeenOnce> seen_once_;
  ValueTable<SeenOnce> seen_once_old_;
  // Whole prompts and their first sender (two generations, like seen_once_).
  ValueTable<FirstSender> prompts_;
  ValueTable<FirstSender> prompts_old_;
  std::vector<AccountLinks, HugePageAllocator<AccountLinks>> accounts_;
  std::vector<CandidateSet, HugePageAllocator<CandidateSet>> candidates_;  // per account, beside accounts_
  UnionFind components_;
  absl::flat_hash_map<uint32_t, Component> component_at_root_;
  std::vector<CampaignInfo> campaigns_;
  std::vector<int32_t> campaign_of_;  // per account: core membership
  std::vector<Escalation> escalations_;
  size_t edge_count_ = 0;
};

}  // namespace dg

#endif  // DG_LINKAGE_LINKER_H_
