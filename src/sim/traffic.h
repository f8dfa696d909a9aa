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
#include <limits>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

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
  // Where one serialised line (with its '\n') lives in the arena.
  struct StoredLine {
    const char* data;
    size_t length;
  };
  // The sort key of a line: its time, then its emission order (which keeps
  // the sort stable without std::stable_sort's scratch buffer).
  struct LineKey {
    int64_t ts_ms;
    uint32_t line;  // index into lines_
  };
  // Memory for the serialised lines, in large blocks mapped with huge pages
  // where the kernel allows: the output of a run is tens to hundreds of MB,
  // and faulting it in 4 KiB pages cost more than serialising it.
  class LineArena {
   public:
    LineArena() = default;
    LineArena(const LineArena&) = delete;
    LineArena& operator=(const LineArena&) = delete;
    ~LineArena();
    // Copies `line` into the arena; the bytes stay put until destruction.
    const char* Append(std::string_view line);

   private:
    struct Block {
      void* mapping;
      size_t mapped_bytes;
      char* data;  // huge-page aligned start inside the mapping
      size_t used;
      size_t capacity;
    };
    std::vector<Block> blocks_;
  };

  std::string NextId(std::string_view prefix, int kind);
  // Appends "YYYY-MM-DDTHH:MM:SS.mmmZ" (quoted) to line_, reusing the date
  // of the previous call when the day is the same.
  void AppendTimestamp(int64_t ts_ms);
  // `"params":{...}`, and one of its decimal values. The few distinct values
  // a run uses are formatted once: snprintf per event was a visible cost.
  void WriteParams(const SimParams& params, std::string* out);
  void AppendParamDouble(double value, std::string* out);

  uint64_t seed_;
  uint64_t request_mix_;
  std::vector<uint64_t> id_counters_;
  uint64_t request_counter_ = 0;
  std::vector<AccountState> accounts_;
  LineArena arena_;
  std::vector<StoredLine> lines_;
  std::vector<LineKey> keys_;
  int64_t attack_events_ = 0;
  // The line being serialised; reused so that its capacity settles.
  std::string line_;
  int64_t cached_day_ = std::numeric_limits<int64_t>::min();
  char cached_date_[16] = {};  // "YYYY-MM-DDT" of cached_day_
  struct FormattedParam {
    double value;
    std::string text;
  };
  std::vector<FormattedParam> param_cache_;
};

}  // namespace dg

#endif  // DG_SIM_TRAFFIC_H_
