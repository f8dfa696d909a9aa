// ResultDir: reads what `distillguard scan` wrote (accounts.jsonl,
// campaigns.json, summary.json) back into structs, for the report and the
// intel export.
//
// Pipeline: sinks write the files -> **report/result_dir** reads them ->
// report (HTML, CSV) and intel (STIX export). campaigns.json carries the fixed
// fields of ../shared/SCHEMA.md section 3 and, optionally, the linkage
// stage's extension fields (action, members, infrastructure, signup,
// templates, timeline, graph...). Every optional field may be missing; one of
// the wrong type is ignored (the report still renders what it can), while a
// fixed field missing or of the wrong type is an error.
//
// Thread-safety: plain values and free functions, reentrant.
#ifndef DG_REPORT_RESULT_DIR_H_
#define DG_REPORT_RESULT_DIR_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "common/time_util.h"

namespace dg {

// A shared value (IP, prefix, ASN, user agent, client fingerprint, payment
// fingerprint) with how many accounts and exchanges carried it. kAbsentCount
// when the file did not say.
inline constexpr int64_t kAbsentCount = -1;
struct CountedValue {
  std::string value;                 // ASNs as decimal text ("AS9009 (proxy)" is read as "9009", ip_type "proxy")
  std::string ip_type;               // ASNs only; may be empty
  int64_t accounts = kAbsentCount;   // accounts of the campaign holding it
  int64_t exchanges = kAbsentCount;  // exchanges of the campaign carrying it
  int64_t holders = kAbsentCount;    // accounts anywhere in the traffic holding it
};

struct EmailShapeValue {
  std::string domain;
  std::string shape;
  int64_t accounts = kAbsentCount;
};

// name -> share of exchanges (or of accounts), in file order.
using ShareList = std::vector<std::pair<std::string, double>>;

struct Infrastructure {
  ShareList ip_types;
  ShareList countries;
  std::vector<CountedValue> ips;
  std::vector<CountedValue> prefixes;
  std::vector<CountedValue> asns;
  std::vector<CountedValue> user_agents;
  std::vector<CountedValue> client_fps;
  std::vector<CountedValue> request_shapes;  // fingerprint, agent, model and parameters together
};

struct SignupWave {
  int64_t start_ms = kNoTime;
  int64_t accounts = 0;
};

struct Signup {
  std::vector<CountedValue> payment_fps;
  std::vector<EmailShapeValue> email_shapes;
  ShareList billing_countries;
  std::vector<SignupWave> waves;
};

// Width of a template sketch (one-permutation MinHash, sketch/minhash.h).
inline constexpr size_t kCampaignSketchHashes = 64;

struct TemplateRow {
  std::vector<uint32_t> minhash;  // kCampaignSketchHashes values
  int64_t accounts = kAbsentCount;
  int64_t exchanges = kAbsentCount;
};

struct SketchParams {
  bool present = false;
  std::string scheme;
  int64_t shingle_words = 0;
  int64_t hashes = 0;
  int64_t bands = 0;
  int64_t rows = 0;
};

struct TimelineBucket {
  int64_t hour_ms = kNoTime;
  int64_t served = 0;
  int64_t refused = 0;
};

struct GraphNode {
  std::string id;
  std::string action;
  int64_t exchanges = 0;
};

struct GraphEdge {
  std::string a;
  std::string b;
  std::string kind;
  double weight = 0;
};

struct CampaignData {
  // Fixed (SCHEMA.md section 3).
  std::string id;
  int64_t accounts = 0;
  int64_t exchanges = 0;
  int64_t first_seen_ms = kNoTime;
  int64_t last_seen_ms = kNoTime;
  double score = 0;
  ShareList capabilities;
  std::vector<std::string> evidence;
  // Optional (linkage extension); empty / kNoTime / kAbsentCount when absent.
  std::string action;
  int64_t actioned_at_ms = kNoTime;
  std::vector<std::string> members;
  int64_t exchanges_before_action = kAbsentCount;
  Infrastructure infrastructure;
  Signup signup;
  std::vector<TemplateRow> templates;
  SketchParams sketch_params;
  std::vector<TimelineBucket> timeline;
  std::vector<GraphNode> graph_nodes;
  std::vector<GraphEdge> graph_edges;
};

// One line of accounts.jsonl.
struct AccountData {
  std::string account_id;
  std::string action;
  double score = 0;
  std::string campaign;  // empty: null
  int64_t exchanges = 0;
  int64_t first_action_ts_ms = kNoTime;
  int64_t exchanges_before_action = kAbsentCount;
  std::vector<std::string> reasons;
};

// The parts of summary.json the report shows; present == false when the
// file is missing (a result dir written by another tool).
struct SummaryData {
  bool present = false;
  int64_t events = 0;
  int64_t accounts = 0;
  int64_t quarantined = 0;
  int64_t duplicates = 0;
  std::vector<std::pair<std::string, int64_t>> accounts_by_action;
  std::vector<std::pair<std::string, int64_t>> exchanges_by_action;
  int64_t first_ts_ms = kNoTime;
  int64_t last_ts_ms = kNoTime;
};

struct ResultData {
  std::vector<AccountData> accounts;
  std::vector<CampaignData> campaigns;
  SummaryData summary;
};

// Parses campaigns.json text. InvalidArgument (with the campaign index and
// field) when it is not JSON or a fixed field is missing or mistyped.
Result<std::vector<CampaignData>> ParseCampaignsJson(const std::string& text);
// Parses one accounts.jsonl line.
Result<AccountData> ParseAccountLine(const std::string& line);
Result<SummaryData> ParseSummaryJson(const std::string& text);

// Reads DIR/accounts.jsonl, DIR/campaigns.json (both required: NotFound
// otherwise) and DIR/summary.json (optional).
Result<ResultData> LoadResultDir(const std::string& dir);

// Reads a whole file; NotFound / IoError.
Result<std::string> ReadWholeFile(const std::string& path);

}  // namespace dg

#endif  // DG_REPORT_RESULT_DIR_H_
