// AccountState: what DistillGuard remembers about one account, updated one
// exchange at a time, in bounded memory (1.4 KB per account whatever its
// volume).
//
// Pipeline: ingest -> classify -> **features** -> scoring. The engine calls
// ObserveRequest() with the request side of an exchange (known when the
// gateway must decide), asks scoring for a decision, then ObserveResponse()
// with the response side (output tokens, tool calls, stop reason). So a
// decision on an exchange never rests on its own response: causality holds
// at the level of a single exchange, not only of the stream.
//
// Summary() turns the raw counters into the rates and shares scoring uses.
//
// Thread-safety: none; the engine owns every AccountState.
#ifndef DG_FEATURES_ACCOUNT_STATE_H_
#define DG_FEATURES_ACCOUNT_STATE_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "classify/classifier.h"
#include "features/window.h"
#include "ingest/event.h"

namespace dg {

// Thresholds that turn parameters into "harvesting-shaped" counts. They are
// deliberately generous: ordinary chat clients send max_tokens in the low
// thousands, harvesting scripts ask for the model's longest answers.
inline constexpr int64_t kLargeMaxTokens = 8192;
inline constexpr int64_t kMaxGapMs = kMsPerDay;  // gaps above a day are capped (idle periods)
inline constexpr size_t kDistinctTracked = 8;    // distinct IPs, prefixes, ASNs... remembered per account

// The derived view scoring reads; shares are in [0, 1], counts are raw.
struct AccountSummary {
  int64_t exchanges = 0;
  int64_t first_ts_ms = kNoTime;
  int64_t last_ts_ms = kNoTime;
  uint64_t last_hour = 0;    // exchanges in the last 60 minutes
  uint64_t last_day = 0;     // exchanges in the last 24 hours
  uint64_t last_week = 0;    // exchanges in the last 7 days
  uint32_t peak_hour = 0;    // most exchanges in one clock hour (of the last 24)
  int active_hours_24h = 0;  // distinct clock hours with traffic in the last 24 h
  double hour_entropy = 0;   // normalised entropy of the hour-of-day histogram (1 = flat, 24/7)
  double gap_cv = -1;        // coefficient of variation of inter-arrival gaps (-1: too few)
  int64_t gaps = 0;
  double single_turn_share = 0;
  double multi_turn_share = 0;
  double mean_turn = 0;
  int64_t max_turn = 0;
  double tools_offered_share = 0;
  double tool_result_share = 0;  // requests carrying tool results (a real agent loop)
  double tool_calls_per_exchange = 0;
  double large_max_tokens_share = 0;
  double mean_max_tokens = 0;
  double thinking_share = 0;
  double logprobs_share = 0;
  double multi_n_share = 0;
  double mean_temperature = -1;
  double output_input_ratio = -1;
  int64_t model_switches = 0;
  int64_t distinct_models = 0;
  std::array<double, kCapabilityCount> capability_share{};
  double coercion_share = 0;
  double rubric_share = 0;
  // Sign-up facts.
  bool has_account_facts = false;
  int64_t created_ms = kNoTime;
  int64_t age_at_first_use_ms = -1;  // -1: unknown
  Tier tier = Tier::kUnknown;
  TriBool phone_verified = TriBool::kUnset;
  bool has_payment = false;
  bool has_org = false;
  // Network.
  uint64_t distinct_ips = 0;
  uint64_t distinct_prefixes = 0;
  uint64_t distinct_asns = 0;
  uint64_t distinct_countries = 0;
  uint64_t distinct_user_agents = 0;
  uint64_t distinct_client_fps = 0;
  std::array<double, kIpTypeCount> ip_type_share{};
  double anonymised_share = 0;        // hosting, vpn, tor or proxy
  double country_mismatch_share = 0;  // ip country differs from billing country
};

class AccountState {
 public:
  // Request side: everything the gateway knows before serving the exchange.
  void ObserveRequest(const Event& event, const PromptClass& prompt_class);
  // Response side: output tokens, tool calls made, stop reason.
  void ObserveResponse(const Event& event);

  AccountSummary Summary(int64_t now_ms) const;
  int64_t exchanges() const { return exchanges_; }

 private:
  int64_t exchanges_ = 0;
  int64_t first_ts_ms_ = kNoTime;
  int64_t last_ts_ms_ = kNoTime;

  SlidingWindowCounter<60, kMsPerMinute, uint16_t> per_minute_;
  SlidingWindowCounter<24, kMsPerHour> per_hour_;
  SlidingWindowCounter<7, kMsPerDay> per_day_;
  std::array<uint32_t, 24> hour_of_day_{};
  RunningStats gaps_;

  int64_t single_turn_ = 0;
  int64_t multi_turn_ = 0;
  int64_t turn_sum_ = 0;
  int64_t turn_count_ = 0;
  int64_t max_turn_ = 0;
  int64_t tools_offered_ = 0;
  int64_t tool_results_ = 0;
  int64_t tool_calls_ = 0;
  int64_t responses_ = 0;

  int64_t max_tokens_count_ = 0;
  int64_t max_tokens_sum_ = 0;
  int64_t large_max_tokens_ = 0;
  int64_t thinking_ = 0;
  int64_t logprobs_ = 0;
  int64_t multi_n_ = 0;
  int64_t temperature_count_ = 0;
  double temperature_sum_ = 0;
  int64_t input_tokens_sum_ = 0;
  int64_t output_tokens_sum_ = 0;
  int64_t token_pairs_ = 0;

  uint64_t last_model_ = 0;
  int64_t model_switches_ = 0;
  SmallDistinct<4> models_;

  std::array<int64_t, kCapabilityCount> capabilities_{};
  int64_t coercion_ = 0;
  int64_t rubric_ = 0;

  bool has_account_facts_ = false;
  AccountFacts facts_;  // latest sign-up facts
  bool has_org_ = false;

  SmallDistinct<kDistinctTracked> ips_;
  SmallDistinct<kDistinctTracked> prefixes_;
  SmallDistinct<kDistinctTracked> asns_;
  SmallDistinct<kDistinctTracked> countries_;
  SmallDistinct<4> user_agents_;
  SmallDistinct<4> client_fps_;
  std::array<int64_t, kIpTypeCount> ip_types_{};
  int64_t ip_typed_ = 0;
  int64_t country_compared_ = 0;
  int64_t country_mismatch_ = 0;
};

// The summary of a group of accounts (a campaign's core) as if it were one
// account: shares are pooled over all the group's exchanges (so a group of
// accounts with a few exchanges each is judged on all of them, without the
// per-account shrinkage), sign-up facts are the members' majority (tier,
// phone verification, organisation) and median (age at first use). Timing
// is left out (hour_entropy 0, gap_cv -1): a group of accounts is spread
// over the clock by its number, not by automation.
AccountSummary PoolSummaries(const std::vector<AccountSummary>& members);

// The network prefix an address belongs to for linkage and diversity: IPv4
// /24 or IPv6 /48, as text ("203.0.113.0/24"); empty for an unparseable address.
std::string IpPrefix(std::string_view ip);
// `ip` as inet_pton reads it: its bytes and family (AF_INET, AF_INET6), or
// 0 when it is neither. Exposed for its differential test.
int ParseIp(std::string_view ip, unsigned char bytes[16]);
// A hash of the same prefix without building the text (0 when unparseable).
uint64_t IpPrefixHash(std::string_view ip);

}  // namespace dg

#endif  // DG_FEATURES_ACCOUNT_STATE_H_
