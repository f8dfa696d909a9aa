// Event: one decoded exchange (one model request and its response), the unit
// that flows through the whole pipeline (../shared/SCHEMA.md section 1).
//
// ingest (decoder) fills it; features, linkage and scoring read it. Strings
// are owned so that an event can wait in the reorder buffer after the line it
// came from is gone. The response text is not kept (only its size): nothing
// downstream needs it, and keeping it would double the memory of the buffer.
#ifndef DG_INGEST_EVENT_H_
#define DG_INGEST_EVENT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/time_util.h"

namespace dg {

// "Absent" for optional integer fields.
inline constexpr int64_t kAbsent = -1;

enum class IpType : uint8_t { kUnknown, kResidential, kMobile, kBusiness, kHosting, kVpn, kTor, kProxy };
inline constexpr size_t kIpTypeCount = 8;
std::string_view IpTypeName(IpType t);
IpType ParseIpType(std::string_view s);  // unknown spellings map to kUnknown

enum class Tier : uint8_t { kUnknown, kFree, kPro, kTeam, kEnterprise, kApi };
std::string_view TierName(Tier t);
Tier ParseTier(std::string_view s);

// A tri-state for optional booleans.
enum class TriBool : uint8_t { kUnset, kFalse, kTrue };

// Sign-up facts ("account" object); any line may carry them, the latest wins.
struct AccountFacts {
  int64_t created_ms = kNoTime;
  std::string email_domain;
  std::string email_local_shape;
  std::string payment_fp;
  std::string billing_country;
  TriBool phone_verified = TriBool::kUnset;
  Tier tier = Tier::kUnknown;

  bool operator==(const AccountFacts&) const = default;
};

// Generation parameters ("params" object); kAbsent / NaN when not given.
struct GenParams {
  int64_t max_tokens = kAbsent;
  double temperature = -1;  // < 0: absent
  double top_p = -1;        // < 0: absent
  int64_t n = kAbsent;
  TriBool logprobs = TriBool::kUnset;
  int64_t top_logprobs = kAbsent;
  int64_t thinking_budget = kAbsent;
  TriBool stream = TriBool::kUnset;

  bool operator==(const GenParams&) const = default;
};

struct Event {
  int64_t ts_ms = kNoTime;
  std::string request_id;
  std::string account_id;
  std::string org_id;
  std::string api_key_id;
  std::string ip;
  int64_t asn = kAbsent;
  IpType ip_type = IpType::kUnknown;
  bool has_ip_type = false;
  std::string country;
  std::string user_agent;
  std::string client_fp;
  bool has_account = false;
  AccountFacts account;
  std::string model;
  std::string system;
  // The newest user turn: `prompt`, else the last user message of `messages`.
  std::string prompt;
  int64_t message_count = 0;       // entries in `messages`
  int64_t assistant_messages = 0;  // earlier model turns carried in `messages`
  int64_t tool_messages = 0;       // tool results carried in `messages`
  std::string conversation_id;
  int64_t turn = kAbsent;
  std::vector<std::string> tools;
  int64_t tool_calls = kAbsent;
  GenParams params;
  int64_t input_tokens = kAbsent;
  int64_t output_tokens = kAbsent;
  std::string stop_reason;
  int64_t response_bytes = kAbsent;

  // Where the event came from (for ordering ties and diagnostics).
  uint32_t input_index = 0;
  uint64_t line_number = 0;
  // Bytes of the source line (for throughput figures).
  uint64_t line_bytes = 0;

  // Sets every field to its default, as `*this = Event{}` would, but keeps
  // the strings' buffers up to 4 KiB (and the tools vector's): the decoder
  // reuses one Event per line, and a fresh Event would give up the buffers
  // the previous line grew, at the price of allocations on the next one.
  // Larger buffers are given back, so a pool of Events does not keep the
  // largest line each one ever held.
  void Reset();

  // Field by field (for tests: a decoded event equals another).
  bool operator==(const Event&) const = default;
};

}  // namespace dg

#endif  // DG_INGEST_EVENT_H_
