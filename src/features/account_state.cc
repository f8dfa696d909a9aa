#include "features/account_state.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "common/hash.h"

namespace dg {
namespace {

constexpr size_t kIpv4PrefixBytes = 3;  // /24
constexpr size_t kIpv6PrefixBytes = 6;  // /48
constexpr size_t kMaxIpText = 64;

double Share(int64_t part, int64_t whole) {
  return whole > 0 ? static_cast<double>(part) / static_cast<double>(whole) : 0.0;
}

constexpr size_t kIpv4Parts = 4;
constexpr unsigned kMaxIpv4Part = 255;

// Dotted-quad IPv4 exactly as glibc's inet_pton(AF_INET) accepts it (four
// decimal parts of at most 255, no leading zeros, nothing else), without the
// copy to a NUL-terminated buffer: most exchanges carry IPv4. False for
// anything else, which ParseIp then hands to inet_pton.
bool ParseIpv4(std::string_view ip, unsigned char bytes[4]) {
  size_t part = 0;
  unsigned value = 0;
  size_t digits = 0;
  for (const char ch : ip) {
    if (ch >= '0' && ch <= '9') {
      if (digits > 0 && value == 0) return false;  // leading zero
      value = value * 10 + static_cast<unsigned>(ch - '0');
      if (value > kMaxIpv4Part) return false;
      ++digits;
    } else if (ch == '.' && digits > 0 && part + 1 < kIpv4Parts) {
      bytes[part++] = static_cast<unsigned char>(value);
      value = 0;
      digits = 0;
    } else {
      return false;
    }
  }
  if (digits == 0 || part + 1 != kIpv4Parts) return false;
  bytes[part] = static_cast<unsigned char>(value);
  return true;
}

}  // namespace

// Parses `ip` into `bytes`; returns the family (AF_INET / AF_INET6) or 0.
int ParseIp(std::string_view ip, unsigned char bytes[16]) {
  if (ParseIpv4(ip, bytes)) return AF_INET;
  if (ip.empty() || ip.size() >= kMaxIpText) return 0;
  char text[kMaxIpText];
  std::memcpy(text, ip.data(), ip.size());
  text[ip.size()] = '\0';
  if (inet_pton(AF_INET, text, bytes) == 1) return AF_INET;
  if (inet_pton(AF_INET6, text, bytes) == 1) return AF_INET6;
  return 0;
}

namespace {

bool IsAnonymised(IpType t) {
  return t == IpType::kHosting || t == IpType::kVpn || t == IpType::kTor || t == IpType::kProxy;
}

}  // namespace

std::string IpPrefix(std::string_view ip) {
  unsigned char b[16] = {};
  const int family = ParseIp(ip, b);
  if (family == AF_INET) {
    return std::to_string(b[0]) + "." + std::to_string(b[1]) + "." + std::to_string(b[2]) + ".0/24";
  }
  if (family == AF_INET6) {
    unsigned char masked[16] = {};
    std::memcpy(masked, b, kIpv6PrefixBytes);
    char text[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, masked, text, sizeof(text));
    return std::string(text) + "/48";
  }
  return {};
}

uint64_t IpPrefixHash(std::string_view ip) {
  unsigned char b[16] = {};
  const int family = ParseIp(ip, b);
  if (family == AF_INET) return Hash64(std::string_view(reinterpret_cast<char*>(b), kIpv4PrefixBytes), 4);
  if (family == AF_INET6) return Hash64(std::string_view(reinterpret_cast<char*>(b), kIpv6PrefixBytes), 6);
  return 0;
}

void AccountState::ObserveRequest(const Event& e, const PromptClass& pc) {
  const int64_t ts = e.ts_ms;
  if (exchanges_ > 0 && ts >= last_ts_ms_) {
    gaps_.Add(static_cast<double>(std::min(ts - last_ts_ms_, kMaxGapMs)));
  }
  ++exchanges_;
  if (first_ts_ms_ == kNoTime) first_ts_ms_ = ts;
  last_ts_ms_ = std::max(last_ts_ms_, ts);
  per_minute_.Add(ts);
  per_hour_.Add(ts);
  per_day_.Add(ts);
  ++hour_of_day_[static_cast<size_t>(HourOfDayUtc(ts))];

  // Conversation shape: a follow-up carries earlier turns or a turn number > 1.
  const bool follow_up = e.turn > 1 || e.assistant_messages > 0;
  if (follow_up) {
    ++multi_turn_;
  } else {
    ++single_turn_;
  }
  if (e.turn > 0) {
    turn_sum_ += e.turn;
    ++turn_count_;
    max_turn_ = std::max(max_turn_, e.turn);
  }
  if (!e.tools.empty()) ++tools_offered_;
  if (e.tool_messages > 0) ++tool_results_;

  const GenParams& p = e.params;
  if (p.max_tokens != kAbsent) {
    ++max_tokens_count_;
    max_tokens_sum_ += p.max_tokens;
    if (p.max_tokens >= kLargeMaxTokens) ++large_max_tokens_;
  }
  if (p.thinking_budget > 0) ++thinking_;
  if (p.logprobs == TriBool::kTrue || p.top_logprobs > 0) ++logprobs_;
  if (p.n > 1) ++multi_n_;
  if (p.temperature >= 0) {
    ++temperature_count_;
    temperature_sum_ += p.temperature;
  }

  if (!e.model.empty()) {
    const uint64_t m = Hash64(e.model);
    if (last_model_ != 0 && m != last_model_) ++model_switches_;
    last_model_ = m;
    models_.Add(m);
  }

  ++capabilities_[static_cast<size_t>(pc.capability)];
  if (pc.reasoning_coercion) ++coercion_;
  if (pc.rubric_grading) ++rubric_;

  if (e.has_account) {
    has_account_facts_ = true;
    facts_ = e.account;
  }
  if (!e.org_id.empty()) has_org_ = true;

  if (!e.ip.empty()) {
    ips_.Add(Hash64(e.ip));
    const uint64_t prefix = IpPrefixHash(e.ip);
    if (prefix != 0) prefixes_.Add(prefix);
  }
  if (e.asn != kAbsent) asns_.Add(static_cast<uint64_t>(e.asn));
  if (!e.country.empty()) countries_.Add(Hash64(e.country));
  if (!e.user_agent.empty()) user_agents_.Add(Hash64(e.user_agent));
  if (!e.client_fp.empty()) client_fps_.Add(Hash64(e.client_fp));
  if (e.has_ip_type) {
    ++ip_types_[static_cast<size_t>(e.ip_type)];
    ++ip_typed_;
  }
  if (!e.country.empty() && !facts_.billing_country.empty()) {
    ++country_compared_;
    if (e.country != facts_.billing_country) ++country_mismatch_;
  }
}

void AccountState::ObserveResponse(const Event& e) {
  ++responses_;
  if (e.tool_calls > 0) tool_calls_ += e.tool_calls;
  if (e.input_tokens != kAbsent && e.output_tokens != kAbsent) {
    input_tokens_sum_ += e.input_tokens;
    output_tokens_sum_ += e.output_tokens;
    ++token_pairs_;
  }
}

AccountSummary AccountState::Summary(int64_t now_ms) const {
  AccountSummary s;
  const int64_t n = exchanges_;
  s.exchanges = n;
  s.first_ts_ms = first_ts_ms_;
  s.last_ts_ms = last_ts_ms_;
  s.last_hour = per_minute_.Sum(now_ms);
  s.last_day = per_hour_.Sum(now_ms);
  s.last_week = per_day_.Sum(now_ms);
  s.peak_hour = per_hour_.Max();
  s.active_hours_24h = static_cast<int>(per_hour_.NonEmpty());

  // Normalised Shannon entropy of the hour-of-day histogram.
  double entropy = 0;
  for (const uint32_t c : hour_of_day_) {
    if (c == 0) continue;
    const double q = static_cast<double>(c) / static_cast<double>(n);
    entropy -= q * std::log(q);
  }
  s.hour_entropy = n > 1 ? entropy / std::log(24.0) : 0.0;
  s.gaps = static_cast<int64_t>(gaps_.count());
  if (gaps_.count() >= 2 && gaps_.mean() > 0) s.gap_cv = std::sqrt(gaps_.variance()) / gaps_.mean();

  s.single_turn_share = Share(single_turn_, n);
  s.multi_turn_share = Share(multi_turn_, n);
  s.mean_turn = turn_count_ > 0 ? static_cast<double>(turn_sum_) / static_cast<double>(turn_count_) : 0.0;
  s.max_turn = max_turn_;
  s.tools_offered_share = Share(tools_offered_, n);
  s.tool_result_share = Share(tool_results_, n);
  s.tool_calls_per_exchange = Share(tool_calls_, responses_);
  s.large_max_tokens_share = Share(large_max_tokens_, n);
  s.mean_max_tokens = Share(max_tokens_sum_, max_tokens_count_);
  s.thinking_share = Share(thinking_, n);
  s.logprobs_share = Share(logprobs_, n);
  s.multi_n_share = Share(multi_n_, n);
  if (temperature_count_ > 0) s.mean_temperature = temperature_sum_ / static_cast<double>(temperature_count_);
  if (token_pairs_ > 0 && input_tokens_sum_ > 0) {
    s.output_input_ratio = static_cast<double>(output_tokens_sum_) / static_cast<double>(input_tokens_sum_);
  }
  s.model_switches = model_switches_;
  s.distinct_models = static_cast<int64_t>(models_.count());
  for (size_t i = 0; i < kCapabilityCount; ++i) s.capability_share[i] = Share(capabilities_[i], n);
  s.coercion_share = Share(coercion_, n);
  s.rubric_share = Share(rubric_, n);

  s.has_account_facts = has_account_facts_;
  s.created_ms = facts_.created_ms;
  if (facts_.created_ms != kNoTime && first_ts_ms_ != kNoTime) {
    s.age_at_first_use_ms = std::max<int64_t>(0, first_ts_ms_ - facts_.created_ms);
  }
  s.tier = facts_.tier;
  s.phone_verified = facts_.phone_verified;
  s.has_payment = !facts_.payment_fp.empty();
  s.has_org = has_org_;

  s.distinct_ips = ips_.count();
  s.distinct_prefixes = prefixes_.count();
  s.distinct_asns = asns_.count();
  s.distinct_countries = countries_.count();
  s.distinct_user_agents = user_agents_.count();
  s.distinct_client_fps = client_fps_.count();
  int64_t anonymised = 0;
  for (size_t i = 0; i < kIpTypeCount; ++i) {
    s.ip_type_share[i] = Share(ip_types_[i], ip_typed_);
    if (IsAnonymised(static_cast<IpType>(i))) anonymised += ip_types_[i];
  }
  s.anonymised_share = Share(anonymised, ip_typed_);
  s.country_mismatch_share = Share(country_mismatch_, country_compared_);
  return s;
}

}  // namespace dg

namespace dg {

namespace {

// The share fields a pooled summary averages over exchanges.
constexpr double AccountSummary::*kPooledShares[] = {
    &AccountSummary::single_turn_share,      &AccountSummary::multi_turn_share,
    &AccountSummary::tools_offered_share,    &AccountSummary::tool_result_share,
    &AccountSummary::large_max_tokens_share, &AccountSummary::thinking_share,
    &AccountSummary::logprobs_share,         &AccountSummary::multi_n_share,
    &AccountSummary::coercion_share,         &AccountSummary::rubric_share,
    &AccountSummary::anonymised_share,       &AccountSummary::country_mismatch_share,
    &AccountSummary::mean_max_tokens,
};

}  // namespace

AccountSummary PoolSummaries(const std::vector<AccountSummary>& members) {
  AccountSummary pooled;
  if (members.empty()) return pooled;
  double total = 0;
  std::array<int64_t, 6> tiers{};  // indexed by Tier
  int64_t verified = 0;
  int64_t unverified = 0;
  int64_t with_org = 0;
  std::vector<int64_t> ages;
  const auto pool = [&](double AccountSummary::*field, const AccountSummary& m, double w) {
    pooled.*field += m.*field * w;
  };
  for (const AccountSummary& m : members) {
    const auto w = static_cast<double>(m.exchanges);
    total += w;
    pooled.exchanges += m.exchanges;
    if (m.first_ts_ms != kNoTime && (pooled.first_ts_ms == kNoTime || m.first_ts_ms < pooled.first_ts_ms)) {
      pooled.first_ts_ms = m.first_ts_ms;
    }
    pooled.last_ts_ms = std::max(pooled.last_ts_ms, m.last_ts_ms);
    for (auto field : kPooledShares) pool(field, m, w);
    for (size_t i = 0; i < kCapabilityCount; ++i) pooled.capability_share[i] += m.capability_share[i] * w;
    for (size_t i = 0; i < kIpTypeCount; ++i) pooled.ip_type_share[i] += m.ip_type_share[i] * w;
    ++tiers[static_cast<size_t>(m.tier)];
    verified += m.phone_verified == TriBool::kTrue ? 1 : 0;
    unverified += m.phone_verified == TriBool::kFalse ? 1 : 0;
    with_org += m.has_org ? 1 : 0;
    if (m.age_at_first_use_ms >= 0) ages.push_back(m.age_at_first_use_ms);
    pooled.has_account_facts |= m.has_account_facts;
  }
  if (total > 0) {
    for (auto field : kPooledShares) pooled.*field /= total;
    for (double& v : pooled.capability_share) v /= total;
    for (double& v : pooled.ip_type_share) v /= total;
  }
  pooled.tier = static_cast<Tier>(std::max_element(tiers.begin(), tiers.end()) - tiers.begin());
  if (verified + unverified > 0) pooled.phone_verified = verified >= unverified ? TriBool::kTrue : TriBool::kFalse;
  pooled.has_org = 2 * with_org > static_cast<int64_t>(members.size());
  if (!ages.empty()) {
    auto mid = ages.begin() + static_cast<std::ptrdiff_t>(ages.size() / 2);
    std::nth_element(ages.begin(), mid, ages.end());
    pooled.age_at_first_use_ms = *mid;
  }
  pooled.hour_entropy = 0;
  pooled.gap_cv = -1;
  return pooled;
}

}  // namespace dg
