#include "sim/traffic.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "common/check.h"
#include "common/hash.h"
#include "common/time_util.h"

namespace dg {
namespace {

enum IdKind : int { kAccountId, kOrgId, kApiKeyId, kConversationId, kPaymentFp, kIdKinds };

constexpr int kShortIdBits = 40;  // 10 hex digits
constexpr uint64_t kShortIdMask = (uint64_t{1} << kShortIdBits) - 1;
constexpr int kShortIdHexDigits = kShortIdBits / 4;

// Rounds of a keyed permutation of the 40-bit integers: multiplying by an odd
// number, xor-shifting and adding are each bijective modulo 2^40.
constexpr uint64_t kPermuteMultipliers[] = {0xD6E8FEB86659FDULL, 0x9E3779B97FULL, 0xC2B2AE3D27ULL};
constexpr int kPermuteShift = kShortIdBits / 2 - 1;

uint64_t Permute40(uint64_t x, uint64_t key) {
  x = (x ^ key) & kShortIdMask;
  for (uint64_t multiplier : kPermuteMultipliers) {
    x = (x * (multiplier | 1)) & kShortIdMask;
    x ^= x >> kPermuteShift;
    x = (x + (key >> kShortIdBits)) & kShortIdMask;
  }
  return x;
}

// The splitmix64 finalizer, a bijection of the 64-bit integers.
uint64_t Mix64(uint64_t x) {
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

constexpr size_t kChunkBytes = size_t{4} << 20;

// Real logs carry the account object now and then, not only on the first
// request: about one later event in kAccountRepeatEvery repeats it.
constexpr uint64_t kAccountRepeatEvery = 50;
constexpr uint64_t kAccountRepeatSalt = 0xACC0;

void WriteAccountFacts(const SimAccountFacts& facts, JsonWriter* w) {
  w->Key("account").BeginObject();
  w->Key("created").String(FormatRfc3339Ms(facts.created_ms));
  if (!facts.email_domain.empty()) w->Key("email_domain").String(facts.email_domain);
  if (!facts.email_local_shape.empty()) {
    w->Key("email_local_shape").String(facts.email_local_shape);
  }
  if (!facts.payment_fp.empty()) w->Key("payment_fp").String(facts.payment_fp);
  if (!facts.billing_country.empty()) w->Key("billing_country").String(facts.billing_country);
  w->Key("phone_verified").Bool(facts.phone_verified);
  if (!facts.tier.empty()) w->Key("tier").String(facts.tier);
  w->EndObject();
}

bool HasParams(const SimParams& p) {
  return p.max_tokens || p.temperature || p.top_p || p.n || p.logprobs || p.top_logprobs ||
         p.thinking_budget || p.stream;
}

void WriteParams(const SimParams& p, JsonWriter* w) {
  // Two decimals: sampling parameters are set by people, not computed.
  constexpr int kParamDecimals = 2;
  w->Key("params").BeginObject();
  if (p.max_tokens) w->Key("max_tokens").Int(*p.max_tokens);
  if (p.temperature) w->Key("temperature").Double(*p.temperature, kParamDecimals);
  if (p.top_p) w->Key("top_p").Double(*p.top_p, kParamDecimals);
  if (p.n) w->Key("n").Int(*p.n);
  if (p.logprobs) w->Key("logprobs").Bool(*p.logprobs);
  if (p.top_logprobs) w->Key("top_logprobs").Int(*p.top_logprobs);
  if (p.thinking_budget) w->Key("thinking_budget").Int(*p.thinking_budget);
  if (p.stream) w->Key("stream").Bool(*p.stream);
  w->EndObject();
}

}  // namespace

TrafficCollector::TrafficCollector(uint64_t seed) : seed_(seed), id_counters_(kIdKinds, 0) {}

std::string TrafficCollector::NextId(std::string_view prefix, int kind) {
  const uint64_t key = Mix64(seed_ ^ Mix64(static_cast<uint64_t>(kind) + 1));
  const uint64_t counter = id_counters_[kind]++;
  DG_CHECK(counter <= kShortIdMask);
  return fmt::format("{}{:0{}x}", prefix, Permute40(counter, key), kShortIdHexDigits);
}

std::string TrafficCollector::NewAccountId() { return NextId("acct_", kAccountId); }
std::string TrafficCollector::NewOrgId() { return NextId("org_", kOrgId); }
std::string TrafficCollector::NewApiKeyId() { return NextId("key_", kApiKeyId); }
std::string TrafficCollector::NewConversationId() { return NextId("conv_", kConversationId); }
std::string TrafficCollector::NewPaymentFingerprint() { return NextId("pm_", kPaymentFp); }

TrafficCollector::AccountHandle TrafficCollector::AddAccount(SimAccount account) {
  accounts_.push_back(AccountState{std::move(account)});
  return static_cast<AccountHandle>(accounts_.size() - 1);
}

void TrafficCollector::Emit(AccountHandle handle, const SimEvent& e) {
  AccountState& state = accounts_[handle];
  DG_CHECK(state.events == 0 || e.ts_ms >= state.last_ts_ms);
  const std::string request_id = fmt::format("req_{:016x}", Mix64(request_counter_++ ^ Mix64(seed_)));

  JsonWriter& w = writer_;
  w.Clear();
  w.BeginObject();
  w.Key("ts").String(FormatRfc3339Ms(e.ts_ms));
  w.Key("request_id").String(request_id);
  w.Key("account_id").String(state.account.id);
  if (!state.account.org_id.empty()) w.Key("org_id").String(state.account.org_id);
  if (!e.api_key_id.empty()) w.Key("api_key_id").String(e.api_key_id);
  if (e.endpoint) {
    w.Key("ip").String(e.endpoint->ip);
    w.Key("asn").Int(e.endpoint->asn);
    w.Key("ip_type").String(IpTypeName(e.endpoint->ip_type));
    w.Key("country").String(e.endpoint->country);
  }
  if (!e.client.user_agent.empty()) w.Key("user_agent").String(e.client.user_agent);
  if (!e.client.client_fp.empty()) w.Key("client_fp").String(e.client.client_fp);
  if (state.events == 0 || Hash64(request_id, kAccountRepeatSalt) % kAccountRepeatEvery == 0) {
    WriteAccountFacts(state.account.facts, &w);
  }
  if (!e.model.empty()) w.Key("model").String(e.model);
  if (!e.system.empty()) w.Key("system").String(e.system);
  if (!e.prompt.empty()) w.Key("prompt").String(e.prompt);
  if (!e.messages.empty()) {
    w.Key("messages").BeginArray();
    for (const SimMessage& m : e.messages) {
      w.BeginObject().Key("role").String(m.role).Key("content").String(m.content).EndObject();
    }
    w.EndArray();
  }
  if (!e.conversation_id.empty()) w.Key("conversation_id").String(e.conversation_id);
  if (e.turn) w.Key("turn").Int(*e.turn);
  if (!e.tools.empty()) {
    w.Key("tools").BeginArray();
    for (std::string_view tool : e.tools) w.String(tool);
    w.EndArray();
  }
  if (e.tool_calls) w.Key("tool_calls").Int(*e.tool_calls);
  if (HasParams(e.params)) WriteParams(e.params, &w);
  if (e.input_tokens) w.Key("input_tokens").Int(*e.input_tokens);
  if (e.output_tokens) w.Key("output_tokens").Int(*e.output_tokens);
  if (!e.stop_reason.empty()) w.Key("stop_reason").String(e.stop_reason);
  if (!e.response.empty()) w.Key("response").String(e.response);
  w.EndObject();

  const std::string& line = w.str();
  if (chunks_.empty() || chunks_.back().size() + line.size() > chunks_.back().capacity()) {
    chunks_.emplace_back().reserve(std::max(kChunkBytes, line.size()));
  }
  std::string& chunk = chunks_.back();
  index_.push_back(StoredLine{e.ts_ms, static_cast<uint32_t>(chunks_.size() - 1),
                              static_cast<uint32_t>(chunk.size()), static_cast<uint32_t>(line.size())});
  chunk.append(line);
  ++state.events;
  state.last_ts_ms = e.ts_ms;
  if (state.account.label.attack) ++attack_events_;
}

TrafficCounts TrafficCollector::Counts() const {
  TrafficCounts counts;
  counts.events = static_cast<int64_t>(index_.size());
  counts.attack_events = attack_events_;
  for (const AccountState& state : accounts_) {
    if (state.events == 0) continue;
    ++counts.accounts;
    if (state.account.label.attack) ++counts.attack_accounts;
  }
  return counts;
}

std::map<std::string, int64_t> TrafficCollector::AccountsByKind() const {
  std::map<std::string, int64_t> by_kind;
  for (const AccountState& state : accounts_) {
    if (state.events > 0) ++by_kind[state.account.label.kind];
  }
  return by_kind;
}

Status TrafficCollector::Write(std::ostream& events, std::ostream& labels) const {
  std::vector<uint32_t> order(index_.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return index_[a].ts_ms < index_[b].ts_ms; });
  for (uint32_t i : order) {
    const StoredLine& line = index_[i];
    events.write(chunks_[line.chunk].data() + line.offset, line.length);
    events.put('\n');
    if (!events) return Status::IoError("writing the events stream failed");
  }
  events.flush();
  if (!events) return Status::IoError("writing the events stream failed");

  std::vector<const SimAccount*> with_events;
  for (const AccountState& state : accounts_) {
    if (state.events > 0) with_events.push_back(&state.account);
  }
  std::sort(with_events.begin(), with_events.end(),
            [](const SimAccount* a, const SimAccount* b) { return a->id < b->id; });
  JsonWriter w;
  for (const SimAccount* account : with_events) {
    w.Clear();
    w.BeginObject();
    w.Key("account_id").String(account->id);
    w.Key("label").String(account->label.attack ? "attack" : "benign");
    w.Key("campaign");
    if (account->label.campaign.empty()) {
      w.Null();
    } else {
      w.String(account->label.campaign);
    }
    w.Key("kind").String(account->label.kind);
    w.EndObject();
    labels << w.str() << '\n';
    if (!labels) return Status::IoError("writing the labels stream failed");
  }
  labels.flush();
  if (!labels) return Status::IoError("writing the labels stream failed");
  return Status::Ok();
}

}  // namespace dg
