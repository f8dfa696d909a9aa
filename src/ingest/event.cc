#include "ingest/event.h"

#include <array>
#include <cstdint>
#include <string>

#include "common/ascii.h"

namespace dg {
namespace {

constexpr std::array<std::string_view, kIpTypeCount> kIpTypeNames = {"unknown", "residential", "mobile", "business",
                                                                     "hosting", "vpn",         "tor",    "proxy"};
constexpr std::array<std::string_view, 6> kTierNames = {"unknown", "free", "pro", "team", "enterprise", "api"};

// Reset keeps the strings' buffers for the next line, up to this size: a
// pool of events (the reorder window holds ~650 at the demo's peak) would
// otherwise keep in every slot the largest value it ever held (the demo's
// prompts reach 19 KB; a hostile input 16 MiB), which cost 5 MB of peak
// memory on the demo traffic. Prompts above it are rare (~0.3% of the demo's),
// so giving their buffer back costs an allocation now and then.
constexpr size_t kKeptBufferBytes = 4096;

void ClearKeepingBuffer(std::string* s) {
  if (s->capacity() > kKeptBufferBytes) {
    std::string().swap(*s);
  } else {
    s->clear();
  }
}

}  // namespace

std::string_view IpTypeName(IpType t) { return kIpTypeNames[static_cast<size_t>(t)]; }

IpType ParseIpType(std::string_view s) {
  for (size_t i = 0; i < kIpTypeNames.size(); ++i) {
    if (AsciiEqualsIgnoreCase(s, kIpTypeNames[i])) return static_cast<IpType>(i);
  }
  return IpType::kUnknown;
}

std::string_view TierName(Tier t) { return kTierNames[static_cast<size_t>(t)]; }

Tier ParseTier(std::string_view s) {
  for (size_t i = 0; i < kTierNames.size(); ++i) {
    if (AsciiEqualsIgnoreCase(s, kTierNames[i])) return static_cast<Tier>(i);
  }
  return Tier::kUnknown;
}

void Event::Reset() {
  // A new field must be reset here too; this fires when Event's layout
  // changes so that the list below is checked again (DecoderTest
  // ReusedEventEqualsAFreshOne compares every field with a fresh decode).
#if defined(__GLIBCXX__) && UINTPTR_MAX == UINT64_MAX
  static_assert(sizeof(Event) == 768, "Event changed: reset the new field in Event::Reset()");
#endif
  ts_ms = kNoTime;
  ClearKeepingBuffer(&request_id);
  ClearKeepingBuffer(&account_id);
  ClearKeepingBuffer(&org_id);
  ClearKeepingBuffer(&api_key_id);
  ClearKeepingBuffer(&ip);
  asn = kAbsent;
  ip_type = IpType::kUnknown;
  has_ip_type = false;
  ClearKeepingBuffer(&country);
  ClearKeepingBuffer(&user_agent);
  ClearKeepingBuffer(&client_fp);
  has_account = false;
  account.created_ms = kNoTime;
  ClearKeepingBuffer(&account.email_domain);
  ClearKeepingBuffer(&account.email_local_shape);
  ClearKeepingBuffer(&account.payment_fp);
  ClearKeepingBuffer(&account.billing_country);
  account.phone_verified = TriBool::kUnset;
  account.tier = Tier::kUnknown;
  ClearKeepingBuffer(&model);
  ClearKeepingBuffer(&system);
  ClearKeepingBuffer(&prompt);
  message_count = 0;
  assistant_messages = 0;
  tool_messages = 0;
  ClearKeepingBuffer(&conversation_id);
  turn = kAbsent;
  tools.clear();
  tool_calls = kAbsent;
  params = GenParams{};
  input_tokens = kAbsent;
  output_tokens = kAbsent;
  ClearKeepingBuffer(&stop_reason);
  response_bytes = kAbsent;
  input_index = 0;
  line_number = 0;
  line_bytes = 0;
}

}  // namespace dg
