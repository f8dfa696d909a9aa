// Sinks: the files `distillguard scan` writes (../shared/SCHEMA.md section 3).
//
// Pipeline: scoring/decisions -> **sinks**. Rows are plain structs so that the
// same writers serve scan, the service and reports. Every file is written to
// a temporary name and renamed into place, so a reader never sees half a file.
//
// Thread-safety: QuarantineFileSink is single-threaded; the functions are
// reentrant.
#ifndef DG_SINKS_OUTPUTS_H_
#define DG_SINKS_OUTPUTS_H_

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "common/time_util.h"
#include "ingest/source.h"
#include "scoring/policy.h"

namespace dg {

// One line of accounts.jsonl.
struct AccountRow {
  std::string account_id;
  Action action = Action::kAllow;
  double score = 0;
  std::string campaign;  // empty: null
  int64_t exchanges = 0;
  int64_t first_action_ts_ms = kNoTime;  // kNoTime: null
  int64_t exchanges_before_action = -1;  // < 0: null
  std::vector<std::string> reasons;
};

// One entry of campaigns.json.
struct CampaignRow {
  std::string id;
  int64_t accounts = 0;
  int64_t exchanges = 0;
  int64_t first_seen_ms = kNoTime;
  int64_t last_seen_ms = kNoTime;
  double score = 0;
  std::map<std::string, double> capabilities;  // name -> share
  std::vector<std::string> evidence;
  // Optional extensions (docs/outputs.md): written when set.
  Action action = Action::kAllow;
  int64_t actioned_ts_ms = kNoTime;
  int64_t exchanges_before_action = -1;  // < 0: not written
  std::vector<std::string> members;
  // Further extension members as (key, already-serialised JSON value), in order.
  std::vector<std::pair<std::string, std::string>> extensions;
};

// Serialises one account row (no trailing newline); also used by the service.
std::string AccountRowJson(const AccountRow& row);

// The campaigns.json document (no trailing newline); also served by the
// service at GET /v1/campaigns.
std::string CampaignsJson(const std::vector<CampaignRow>& rows);

Status WriteAccountsJsonl(const std::vector<AccountRow>& rows, const std::string& path);
Status WriteCampaignsJson(const std::vector<CampaignRow>& rows, const std::string& path);
// Writes `json` plus a newline to `path` atomically (temp file + rename).
Status WriteFileAtomically(const std::string& path, const std::string& content);

// quarantine.jsonl: {"line", "input", "reason", "raw"} per rejected line,
// appended as they come (the file is complete when Close() returns OK).
class QuarantineFileSink : public QuarantineSink {
 public:
  static Result<std::unique_ptr<QuarantineFileSink>> Open(const std::string& path);
  ~QuarantineFileSink() override;
  void Write(const QuarantineRecord& record) override;
  // Flushes and closes; reports the first write error, if any.
  Status Close();
  uint64_t written() const { return written_; }

 private:
  QuarantineFileSink(std::string path, std::string tmp_path, std::FILE* file)
      : path_(std::move(path)), tmp_path_(std::move(tmp_path)), file_(file) {}
  std::string path_;
  std::string tmp_path_;
  std::FILE* file_;
  std::string line_;
  uint64_t written_ = 0;
  bool failed_ = false;
};

}  // namespace dg

#endif  // DG_SINKS_OUTPUTS_H_
