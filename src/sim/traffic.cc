#include "sim/traffic.h"

#include <fmt/format.h>
#include <sys/mman.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "common/check.h"
#include "common/hash.h"
#include "common/json_writer.h"
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

// Arena blocks: large enough that a run maps only a handful, aligned to the
// transparent huge page size so that each block faults in 2 MiB at a time.
constexpr size_t kArenaBlockBytes = size_t{32} << 20;
constexpr size_t kHugePageBytes = size_t{2} << 20;
// The sorted events go out in blocks of this size: few write calls, and the
// staging buffer stays in cache.
constexpr size_t kWriteBlockBytes = size_t{1} << 20;

// Real logs carry the account object now and then, not only on the first
// request: about one later event in kAccountRepeatEvery repeats it.
constexpr uint64_t kAccountRepeatEvery = 50;
constexpr uint64_t kAccountRepeatSalt = 0xACC0;

constexpr int kRequestIdHexDigits = 16;
constexpr std::string_view kRequestIdPrefix = "req_";

void AppendInt(int64_t value, std::string* out) {
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  out->append(buf, static_cast<size_t>(end - buf));
}

// As JsonWriter::Double: fixed decimals, trailing zeros trimmed, no "-0".
void AppendDouble(double value, int decimals, std::string* out) {
  if (!std::isfinite(value)) {
    out->append("null");
    return;
  }
  char buf[64];
  const int n = std::snprintf(buf, sizeof(buf), "%.*f", decimals, value);
  std::string_view s(buf, static_cast<size_t>(n));
  if (s.find('.') != std::string_view::npos) {
    while (s.back() == '0') s.remove_suffix(1);
    if (s.back() == '.') s.remove_suffix(1);
  }
  if (s == "-0") s = "0";
  out->append(s);
}

void AppendBool(bool value, std::string* out) { out->append(value ? "true" : "false"); }

// `,"key":` — every member but an object's first. Keys are plain ASCII.
void AppendKey(std::string_view key, std::string* out) {
  out->append(",\"");
  out->append(key);
  out->append("\":");
}

void AppendStringMember(std::string_view key, std::string_view value, std::string* out) {
  AppendKey(key, out);
  AppendJsonString(value, out);
}

void AppendIntMember(std::string_view key, int64_t value, std::string* out) {
  AppendKey(key, out);
  AppendInt(value, out);
}

// Two digits, zero-padded.
void AppendTwoDigits(int64_t value, char* out) {
  out[0] = static_cast<char>('0' + value / 10);
  out[1] = static_cast<char>('0' + value % 10);
}

void WriteAccountFacts(const SimAccountFacts& facts, std::string* out) {
  AppendKey("account", out);
  out->append("{\"created\":");
  AppendJsonString(FormatRfc3339Ms(facts.created_ms), out);
  if (!facts.email_domain.empty()) AppendStringMember("email_domain", facts.email_domain, out);
  if (!facts.email_local_shape.empty()) AppendStringMember("email_local_shape", facts.email_local_shape, out);
  if (!facts.payment_fp.empty()) AppendStringMember("payment_fp", facts.payment_fp, out);
  if (!facts.billing_country.empty()) AppendStringMember("billing_country", facts.billing_country, out);
  AppendKey("phone_verified", out);
  AppendBool(facts.phone_verified, out);
  if (!facts.tier.empty()) AppendStringMember("tier", facts.tier, out);
  out->push_back('}');
}

bool HasParams(const SimParams& p) {
  return p.max_tokens || p.temperature || p.top_p || p.n || p.logprobs || p.top_logprobs || p.thinking_budget ||
         p.stream;
}

}  // namespace

TrafficCollector::LineArena::~LineArena() {
  for (const Block& block : blocks_) munmap(block.mapping, block.mapped_bytes);
}

const char* TrafficCollector::LineArena::Append(std::string_view line) {
  if (blocks_.empty() || blocks_.back().capacity - blocks_.back().used < line.size()) {
    const size_t capacity = std::max(kArenaBlockBytes, line.size());
    // Over-map by one huge page to align the block's start to one.
    const size_t mapped_bytes = capacity + kHugePageBytes;
    void* mapping = mmap(nullptr, mapped_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    DG_CHECK(mapping != MAP_FAILED);
    const auto address = reinterpret_cast<uintptr_t>(mapping);
    char* data = reinterpret_cast<char*>((address + kHugePageBytes - 1) & ~(kHugePageBytes - 1));
    // Advice only: without transparent huge pages the block is still usable.
    madvise(data, capacity, MADV_HUGEPAGE);
    blocks_.push_back(Block{mapping, mapped_bytes, data, 0, capacity});
  }
  Block& block = blocks_.back();
  char* at = block.data + block.used;
  std::memcpy(at, line.data(), line.size());
  block.used += line.size();
  return at;
}

TrafficCollector::TrafficCollector(uint64_t seed) : seed_(seed), request_mix_(Mix64(seed)), id_counters_(kIdKinds, 0) {}

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

void TrafficCollector::AppendTimestamp(int64_t ts_ms) {
  constexpr size_t kDateChars = 11;  // "YYYY-MM-DDT"
  const int64_t day = DayNumber(ts_ms);
  if (day != cached_day_) {
    const std::string full = FormatRfc3339Ms(day * kMsPerDay);
    DG_CHECK(full.size() > kDateChars && full[kDateChars - 1] == 'T');
    std::memcpy(cached_date_, full.data(), kDateChars);
    cached_day_ = day;
  }
  const int64_t ms = ts_ms - day * kMsPerDay;
  // "HH:MM:SS.mmmZ"
  char time[13];
  AppendTwoDigits(ms / kMsPerHour, time);
  time[2] = ':';
  AppendTwoDigits(ms / kMsPerMinute % 60, time + 3);
  time[5] = ':';
  AppendTwoDigits(ms / kMsPerSecond % 60, time + 6);
  time[8] = '.';
  const int64_t millis = ms % kMsPerSecond;
  time[9] = static_cast<char>('0' + millis / 100);
  AppendTwoDigits(millis % 100, time + 10);
  time[12] = 'Z';
  line_.push_back('"');
  line_.append(cached_date_, kDateChars);
  line_.append(time, sizeof(time));
  line_.push_back('"');
}

void TrafficCollector::AppendParamDouble(double value, std::string* out) {
  // Two decimals: sampling parameters are set by people, not computed.
  constexpr int kParamDecimals = 2;
  constexpr size_t kCachedParams = 8;
  for (const FormattedParam& cached : param_cache_) {
    if (cached.value == value) {
      out->append(cached.text);
      return;
    }
  }
  std::string text;
  AppendDouble(value, kParamDecimals, &text);
  out->append(text);
  if (param_cache_.size() < kCachedParams) param_cache_.push_back({value, std::move(text)});
}

void TrafficCollector::WriteParams(const SimParams& p, std::string* out) {
  AppendKey("params", out);
  out->push_back('{');
  const size_t open = out->size();
  // Members after the first are comma-separated; the first drops its comma.
  if (p.max_tokens) AppendIntMember("max_tokens", *p.max_tokens, out);
  if (p.temperature) {
    AppendKey("temperature", out);
    AppendParamDouble(*p.temperature, out);
  }
  if (p.top_p) {
    AppendKey("top_p", out);
    AppendParamDouble(*p.top_p, out);
  }
  if (p.n) AppendIntMember("n", *p.n, out);
  if (p.logprobs) {
    AppendKey("logprobs", out);
    AppendBool(*p.logprobs, out);
  }
  if (p.top_logprobs) AppendIntMember("top_logprobs", *p.top_logprobs, out);
  if (p.thinking_budget) AppendIntMember("thinking_budget", *p.thinking_budget, out);
  if (p.stream) {
    AppendKey("stream", out);
    AppendBool(*p.stream, out);
  }
  out->erase(open, 1);  // HasParams: at least one member, so a comma is there
  out->push_back('}');
}

void TrafficCollector::Emit(AccountHandle handle, const SimEvent& e) {
  AccountState& state = accounts_[handle];
  DG_CHECK(state.events == 0 || e.ts_ms >= state.last_ts_ms);
  // "req_" and 16 hex digits, as fmt's {:016x} would write them.
  char request_id_buf[kRequestIdPrefix.size() + kRequestIdHexDigits];
  std::memcpy(request_id_buf, kRequestIdPrefix.data(), kRequestIdPrefix.size());
  {
    static constexpr char kHex[] = "0123456789abcdef";
    uint64_t value = Mix64(request_counter_++ ^ request_mix_);
    for (int d = kRequestIdHexDigits - 1; d >= 0; --d) {
      request_id_buf[kRequestIdPrefix.size() + static_cast<size_t>(d)] = kHex[value & 0xF];
      value >>= 4;
    }
  }
  const std::string_view request_id(request_id_buf, sizeof(request_id_buf));

  // Members in the order of SCHEMA.md section 1; keys are literals, so only
  // values go through the escaper.
  std::string& out = line_;
  out.clear();
  out.append("{\"ts\":");
  AppendTimestamp(e.ts_ms);
  AppendStringMember("request_id", request_id, &out);
  AppendStringMember("account_id", state.account.id, &out);
  if (!state.account.org_id.empty()) AppendStringMember("org_id", state.account.org_id, &out);
  if (!e.api_key_id.empty()) AppendStringMember("api_key_id", e.api_key_id, &out);
  if (e.endpoint) {
    AppendStringMember("ip", e.endpoint->ip, &out);
    AppendIntMember("asn", e.endpoint->asn, &out);
    AppendStringMember("ip_type", IpTypeName(e.endpoint->ip_type), &out);
    AppendStringMember("country", e.endpoint->country, &out);
  }
  if (!e.client.user_agent.empty()) AppendStringMember("user_agent", e.client.user_agent, &out);
  if (!e.client.client_fp.empty()) AppendStringMember("client_fp", e.client.client_fp, &out);
  if (state.events == 0 || Hash64(request_id, kAccountRepeatSalt) % kAccountRepeatEvery == 0) {
    WriteAccountFacts(state.account.facts, &out);
  }
  if (!e.model.empty()) AppendStringMember("model", e.model, &out);
  if (!e.system.empty()) AppendStringMember("system", e.system, &out);
  if (!e.prompt.empty()) AppendStringMember("prompt", e.prompt, &out);
  if (!e.messages.empty()) {
    AppendKey("messages", &out);
    out.push_back('[');
    for (size_t i = 0; i < e.messages.size(); ++i) {
      if (i > 0) out.push_back(',');
      out.append("{\"role\":");
      AppendJsonString(e.messages[i].role, &out);
      AppendStringMember("content", e.messages[i].content, &out);
      out.push_back('}');
    }
    out.push_back(']');
  }
  if (!e.conversation_id.empty()) AppendStringMember("conversation_id", e.conversation_id, &out);
  if (e.turn) AppendIntMember("turn", *e.turn, &out);
  if (!e.tools.empty()) {
    AppendKey("tools", &out);
    out.push_back('[');
    for (size_t i = 0; i < e.tools.size(); ++i) {
      if (i > 0) out.push_back(',');
      AppendJsonString(e.tools[i], &out);
    }
    out.push_back(']');
  }
  if (e.tool_calls) AppendIntMember("tool_calls", *e.tool_calls, &out);
  if (HasParams(e.params)) WriteParams(e.params, &out);
  if (e.input_tokens) AppendIntMember("input_tokens", *e.input_tokens, &out);
  if (e.output_tokens) AppendIntMember("output_tokens", *e.output_tokens, &out);
  if (!e.stop_reason.empty()) AppendStringMember("stop_reason", e.stop_reason, &out);
  if (!e.response.empty()) AppendStringMember("response", e.response, &out);
  out.append("}\n");

  DG_CHECK(lines_.size() < std::numeric_limits<uint32_t>::max());
  keys_.push_back(LineKey{e.ts_ms, static_cast<uint32_t>(lines_.size())});
  lines_.push_back(StoredLine{arena_.Append(out), out.size()});
  ++state.events;
  state.last_ts_ms = e.ts_ms;
  if (state.account.label.attack) ++attack_events_;
}

TrafficCounts TrafficCollector::Counts() const {
  TrafficCounts counts;
  counts.events = static_cast<int64_t>(lines_.size());
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
  // Keys are unique (the line index breaks ties), so an unstable sort gives
  // the stable order: by time, ties in emission order.
  std::vector<LineKey> order = keys_;
  std::sort(order.begin(), order.end(), [](const LineKey& a, const LineKey& b) {
    return a.ts_ms != b.ts_ms ? a.ts_ms < b.ts_ms : a.line < b.line;
  });
  std::string block;
  block.reserve(kWriteBlockBytes);
  const auto flush = [&]() {
    events.write(block.data(), static_cast<std::streamsize>(block.size()));
    block.clear();
    return static_cast<bool>(events);
  };
  for (const LineKey& key : order) {
    const StoredLine& line = lines_[key.line];
    if (block.size() + line.length > kWriteBlockBytes && !block.empty() && !flush()) {
      return Status::IoError("writing the events stream failed");
    }
    block.append(line.data, line.length);
  }
  if (!block.empty() && !flush()) return Status::IoError("writing the events stream failed");
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
