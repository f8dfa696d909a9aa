// Report: one self-contained HTML file (and accounts.csv) a policy or legal
// team can hand on, built from a scan's result directory.
//
// Pipeline: sinks (accounts.jsonl, campaigns.json, summary.json) ->
// report/result_dir -> **report** -> report.html, accounts.csv.
// `distillguard report` and `scan` both call WriteReportFiles.
//
// The HTML opens offline: the chart library (uPlot, pinned in web/package.json)
// and the report's own script and style are compiled into the binary
// (embedded_assets.S.in) and inlined into the page, the data rides in a
// <script type="application/json"> block, and a Content-Security-Policy of
// default-src 'none' forbids the page any request. The script renders the
// overview, per-campaign sections (summary sentence, exchanges per hour,
// sign-up waves, capability mix, infrastructure, evidence, a sampled linkage
// graph, a sortable and filterable account table) and the heavy benign users
// left alone.
//
// Thread-safety: free functions, reentrant.
#ifndef DG_REPORT_REPORT_H_
#define DG_REPORT_REPORT_H_

#include <cstddef>
#include <string>

#include "common/status.h"
#include "report/result_dir.h"

namespace dg {

struct ReportOptions {
  std::string title = "DistillGuard report";
  // Rows of each account table embedded in the page; the rest are in
  // accounts.csv (a campaign of 25,000 accounts would otherwise make a page
  // of tens of MB that a browser renders slowly).
  size_t max_table_accounts = 2000;
  // Heaviest non-actioned accounts shown as "left alone".
  size_t benign_heavy_accounts = 25;
};

// The one-sentence summary in the style of the public letters, e.g.
// "412 accounts, 10,450 exchanges between 2026-04-22 10:00 and 2026-04-24
// 18:00 UTC, targeting software engineering 41%, agentic tool use 30% ...".
std::string CampaignSentence(const CampaignData& campaign);

// Share of a campaign's exchanges served before it was actioned, from the
// campaign's exchanges_before_action or else summed over its accounts (an
// account never actioned counts all its exchanges); negative if unknown.
double CampaignLeakage(const CampaignData& campaign, const ResultData& data);

// The JSON model the page renders (embedded in the HTML; exposed for tests).
std::string ReportModelJson(const ResultData& data, const ReportOptions& options);

// The whole page.
std::string RenderReportHtml(const ResultData& data, const ReportOptions& options);

// accounts.csv: one RFC 4180 row per account (header first): account_id,
// action, score, campaign, exchanges, first_action_ts,
// exchanges_before_action, reasons (joined with " | ").
std::string AccountsCsv(const ResultData& data);

// Writes the page to html_path and, unless csv_path is empty, accounts.csv,
// each atomically. IoError when a file cannot be written.
Status WriteReportFiles(const ResultData& data, const ReportOptions& options, const std::string& html_path,
                        const std::string& csv_path);

}  // namespace dg

#endif  // DG_REPORT_REPORT_H_
