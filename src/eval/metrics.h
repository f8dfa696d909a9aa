// Metrics of ../shared/SCHEMA.md section 4 on a labelled stream: account
// recall, benign false-positive rate (overall and per benign `kind`),
// campaign leakage and time to detection.
//
// Pipeline: sits beside the sinks; reads labels.jsonl and the account rows a
// scan produced. Used by the demo summary and by `distillguard eval`.
#ifndef DG_EVAL_METRICS_H_
#define DG_EVAL_METRICS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "sinks/outputs.h"

namespace dg {

struct Label {
  std::string account_id;
  bool attack = false;
  std::string campaign;  // empty for benign
  std::string kind;
};

// Reads labels.jsonl; InvalidArgument names the first bad line.
Result<std::vector<Label>> LoadLabels(const std::string& path);

// Reads a scan's accounts.jsonl back into rows (reasons included).
Result<std::vector<AccountRow>> ReadAccountRows(const std::string& path);

struct KindFigures {
  int64_t accounts = 0;
  int64_t actioned = 0;
};

struct CampaignFigures {
  int64_t accounts = 0;
  int64_t actioned = 0;
  int64_t exchanges = 0;
  int64_t leaked = 0;                   // exchanges served before action
  int64_t first_exchange_ms = kNoTime;  // needs the stream; kNoTime when unknown
  int64_t first_action_ms = kNoTime;
  double recall() const { return accounts > 0 ? static_cast<double>(actioned) / static_cast<double>(accounts) : 0; }
  double leakage() const { return exchanges > 0 ? static_cast<double>(leaked) / static_cast<double>(exchanges) : 0; }
};

struct Metrics {
  int64_t attack_accounts = 0;
  int64_t attack_actioned = 0;
  int64_t benign_accounts = 0;
  int64_t benign_actioned = 0;
  int64_t attack_exchanges = 0;
  int64_t leaked_exchanges = 0;
  int64_t unlabelled_accounts = 0;  // in the scan but not in the labels
  std::map<std::string, KindFigures> benign_by_kind;
  std::map<std::string, CampaignFigures> campaigns;
  double recall() const;
  double benign_fpr() const;
  double leakage() const;
};

// `first_exchange_ms` per campaign must be filled by the caller from the
// stream when time to detection is wanted (accounts.jsonl does not carry it).
Metrics ComputeMetrics(const std::vector<Label>& labels, const std::vector<AccountRow>& rows);

}  // namespace dg

#endif  // DG_EVAL_METRICS_H_
