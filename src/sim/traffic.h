// The simulator's event model and its output: SimEvent mirrors one exchange
// of SCHEMA.md section 1, SimAccount one account with its sign-up facts and
// ground-truth label (section 2), and TrafficCollector turns what the
// generators emit into the two JSONL streams, ordered by event time.
//
// Part of the sim module, between the generators (sim/simulate.cc) and the
// caller's output streams. The collector also owns every identifier it hands out: account, org, key, conversation
// and request ids come from one opaque scheme for all populations, so that no
// detector can be tuned to a simulator artefact (an id never hints at a
// label).
//
// Thread-safety: a TrafficCollector is not thread-safe; generators running in
// parallel would each need their own and a merge.
#ifndef DG_SIM_TRAFFIC_H_
#define DG_SIM_TRAFFIC_H_

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "common/json_writer.h"
#include "common/status.h"
#include "sim/network.h"

namespace dg {

// The `account` object of an event. Empty strings are omitted.
struct SimAccountFacts {
  int64_t created_ms = 0;
  std::string email_domain;
  std::string email_local_shape;
  std::string payment_fp;
  std::string billing_country;
  bool phone_verified = false;
  std::string_view tier;
};

// One line of labels.jsonl.
struct SimLabel {
  bool attack = false;
  std::string campaign;  // empty: null
  std::string kind;
};

struct SimAccount {
  std::string id;
  std::string org_id;  // empty: no org
  SimAccountFacts facts;
  SimLabel label;
};

struct SimMessage {
  std::string_view role;  // "user", "assistant" or "tool"
  std::string content;
};

// Request parameters; nullopt members are omitted, and an all-empty
// SimParams omits `params`.
struct SimParams {
  std::optional<int64_t> max_tokens;
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<int64_t> n;
  std::optional<bool> logprobs;
  std::optional<int64_t> top_logprobs;
  std::optional<int64_t> thinking_budget;
  std::optional<bool> stream;
};

// One exchange as a generator describes it. The collector fills in
// request_id, account_id, org_id and the account object. Empty strings,
// empty vectors and nullopt are omitted from the output.
struct SimEvent {
  int64_t ts_ms = 0;
  std::string api_key_id;
  std::optional<Endpoint> endpoint;
  ClientSoftware client;
  std::string_view model;
  std::string system;
  std::string prompt;
  std::vector<SimMessage> messages;
  std::string conversation_id;
  std::optional<int64_t> turn;
  std::vector<std::string_view> tools;
  std::optional<int64_t> tool_calls;
  SimParams params;
  std::optional<int64_t> input_tokens;
  std::optional<int64_t> output_tokens;
  std::string_view stop_reason;
  std::string response;
};

// What a run produced; accounts count only accounts with at least one event.
struct TrafficCounts {
  int64_t events = 0;
  int64_t accounts = 0;
  int64_t attack_accounts = 0;
  int64_t attack_events = 0;
};

class TrafficCollector {
 public:
  using AccountHandle = int32_t;

  explicit TrafficCollector(uint64_t seed);

  // Opaque identifiers, unique within the run: "acct_" + 10 hex digits and
  // so on. Each kind draws from a keyed permutation of a counter, so ids are
  // unique by construction and reveal neither order nor population.
  std::string NewAccountId();
  std::string NewOrgId();
  std::string NewApiKeyId();
  std::string NewConversationId();
  std::string NewPaymentFingerprint();

  AccountHandle AddAccount(SimAccount account);
  const SimAccount& account(AccountHandle handle) const { return accounts_[handle].account; }

  // Serialises `event` for `handle`. The account object goes on the
  // account's first event and, as real logs repeat it, on a small share of
  // later ones. Events of one account must be emitted in time order (a
  // generator bug otherwise).
  void Emit(AccountHandle handle, const SimEvent& event);

  TrafficCounts Counts() const;
  // Accounts with at least one event, by label kind.
  std::map<std::string, int64_t> AccountsByKind() const;

  // Writes all events ordered by ts (ties in emission order), then one label
  // line per account that has events, ordered by account id. IoError when a
  // stream fails.
  Status Write(std::ostream& events, std::ostream& labels) const;

 private:
  struct AccountState {
    SimAccount account;
    int64_t events = 0;
    int64_t last_ts_ms = 0;
  };
  struct StoredLine {
    int64_t ts_ms;
    uint32_t chunk;  // index into chunks_
    uint32_t offset;
    uint32_t length;
  };

  std::string NextId(std::string_view prefix, int kind);

  uint64_t seed_;
  std::vector<uint64_t> id_counters_;
  uint64_t request_counter_ = 0;
  std::vector<AccountState> accounts_;
  // Serialised event lines back to back in fixed-size chunks: one allocation
  // per few thousand events, and no copying as the output grows.
  std::vector<std::string> chunks_;
  std::vector<StoredLine> index_;
  int64_t attack_events_ = 0;
  JsonWriter writer_;
};

}  // namespace dg

#endif  // DG_SIM_TRAFFIC_H_
