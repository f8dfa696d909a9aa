#include "ingest/event.h"

#include <array>
#include <cstdint>

namespace dg {
namespace {

constexpr std::array<std::string_view, kIpTypeCount> kIpTypeNames = {
    "unknown", "residential", "mobile", "business", "hosting", "vpn", "tor", "proxy"};
constexpr std::array<std::string_view, 6> kTierNames = {"unknown", "free", "pro", "team", "enterprise", "api"};

// ASCII case-insensitive equality: feeds spell these in either case.
bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (x != b[i]) return false;
  }
  return true;
}

}  // namespace

std::string_view IpTypeName(IpType t) { return kIpTypeNames[static_cast<size_t>(t)]; }

IpType ParseIpType(std::string_view s) {
  for (size_t i = 0; i < kIpTypeNames.size(); ++i) {
    if (EqualsIgnoreCase(s, kIpTypeNames[i])) return static_cast<IpType>(i);
  }
  return IpType::kUnknown;
}

std::string_view TierName(Tier t) { return kTierNames[static_cast<size_t>(t)]; }

Tier ParseTier(std::string_view s) {
  for (size_t i = 0; i < kTierNames.size(); ++i) {
    if (EqualsIgnoreCase(s, kTierNames[i])) return static_cast<Tier>(i);
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
  request_id.clear();
  account_id.clear();
  org_id.clear();
  api_key_id.clear();
  ip.clear();
  asn = kAbsent;
  ip_type = IpType::kUnknown;
  has_ip_type = false;
  country.clear();
  user_agent.clear();
  client_fp.clear();
  has_account = false;
  account.created_ms = kNoTime;
  account.email_domain.clear();
  account.email_local_shape.clear();
  account.payment_fp.clear();
  account.billing_country.clear();
  account.phone_verified = TriBool::kUnset;
  account.tier = Tier::kUnknown;
  model.clear();
  system.clear();
  prompt.clear();
  message_count = 0;
  assistant_messages = 0;
  tool_messages = 0;
  conversation_id.clear();
  turn = kAbsent;
  tools.clear();
  tool_calls = kAbsent;
  params = GenParams{};
  input_tokens = kAbsent;
  output_tokens = kAbsent;
  stop_reason.clear();
  response_bytes = kAbsent;
  input_index = 0;
  line_number = 0;
  line_bytes = 0;
}

}  // namespace dg
