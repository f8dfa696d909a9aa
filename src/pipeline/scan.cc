#include "pipeline/scan.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <string>

#include "common/json_writer.h"
#include "common/thread_util.h"
#include "intel/bundle.h"
#include "pipeline/classified_stream.h"
#include "sinks/outputs.h"

namespace dg {
namespace {

Status MakeOutputDir(const std::string& dir) {
  if (dir.empty()) return Status::InvalidArgument("--out DIR is required");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IoError("cannot create output directory " + dir + ": " + ec.message());
  if (!std::filesystem::is_directory(dir, ec)) return Status::IoError(dir + " is not a directory");
  return Status::Ok();
}

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

size_t AutoScanThreads() { return std::min(UsableCpuCount(), kAutoScanThreads); }

Result<ScanReport> RunScan(const ScanOptions& options, const ProgressCallback& progress) {
  const auto start = std::chrono::steady_clock::now();
  DG_RETURN_IF_ERROR(options.config.Validate());
  if (options.threads < 1 || options.threads > kMaxScanThreads) {
    return Status::InvalidArgument("threads must be 1.." + std::to_string(kMaxScanThreads));
  }
  DG_RETURN_IF_ERROR(MakeOutputDir(options.out_dir));
  const std::string dir = options.out_dir + "/";

  auto quarantine = QuarantineFileSink::Open(dir + "quarantine.jsonl");
  if (!quarantine.ok()) return quarantine.status();
  auto source = EventSource::Open(options.inputs, options.config.ingest, quarantine->get());
  if (!source.ok()) return source.status();
  auto engine = Engine::Create(options.config);
  if (!engine.ok()) return engine.status();

  ScanReport report;
  if (!options.intel_paths.empty()) {
    auto intel = std::make_shared<IntelIndex>(options.intel_key);
    for (const auto& path : options.intel_paths) {
      auto bundle = LoadIntelBundle(path);
      if (!bundle.ok()) return bundle.status();
      intel->Add(*bundle);
    }
    report.intel_indicators = static_cast<int64_t>(intel->indicator_count());
    (*engine)->SetIntel(std::move(intel));
  }
  const auto report_progress = [&](const SourceProgress& s) {
    if (progress) progress(ScanProgress{s, Seconds(start)});
  };
  uint64_t until_progress = kProgressEvents;
  // Notes the event's time; true every kProgressEvents events.
  const auto observe = [&](const Event& event) {
    if (report.first_ts_ms == kNoTime) report.first_ts_ms = event.ts_ms;
    report.last_ts_ms = std::max(report.last_ts_ms, event.ts_ms);
    if (--until_progress != 0) return false;
    until_progress = kProgressEvents;
    return true;
  };
  if (options.threads == 1) {
    while (const Event* event = (*source)->Next()) {
      (*engine)->Process(*event);
      if (observe(*event)) report_progress((*source)->progress());
    }
  } else {
    auto stream = ClassifiedStream::Start(source->get(), (*engine)->classifier(), options.threads - 1);
    if (!stream.ok()) return stream.status();
    PromptClass prompt_class;
    while (const Event* event = (*stream)->Next(&prompt_class)) {
      (*engine)->Process(*event, prompt_class);
      // The source belongs to the helpers until the end: report their snapshot.
      if (observe(*event)) report_progress((*stream)->progress());
    }
  }
  report_progress((*source)->progress());

  const auto rows = (*engine)->AccountRows();
  for (const auto& row : rows) ++report.accounts_by_action[static_cast<size_t>(row.action)];
  const auto campaigns = (*engine)->CampaignRows();
  DG_RETURN_IF_ERROR(WriteAccountsJsonl(rows, dir + "accounts.jsonl"));
  DG_RETURN_IF_ERROR(WriteCampaignsJson(campaigns, dir + "campaigns.json"));
  DG_RETURN_IF_ERROR((*quarantine)->Close());

  report.ingest = (*source)->counters();
  report.engine = (*engine)->counters();
  report.accounts = static_cast<int64_t>(rows.size());
  report.campaigns = static_cast<int64_t>(campaigns.size());
  report.linkage = (*engine)->linker().Stats();
  report.input_errors = (*source)->input_errors();
  report.elapsed_s = Seconds(start);
  report.summary_path = dir + "summary.json";
  DG_RETURN_IF_ERROR(WriteFileAtomically(report.summary_path, ScanSummaryJson(report) + "\n"));
  return report;
}

std::string ScanSummaryJson(const ScanReport& r) {
  JsonWriter w;
  w.BeginObject();
  w.Key("lines").Int(static_cast<int64_t>(r.ingest.lines));
  w.Key("events").Int(static_cast<int64_t>(r.ingest.events));
  w.Key("bytes").Int(static_cast<int64_t>(r.ingest.bytes));
  w.Key("quarantined").Int(static_cast<int64_t>(r.ingest.quarantined));
  w.Key("too_long").Int(static_cast<int64_t>(r.ingest.too_long));
  w.Key("duplicates").Int(static_cast<int64_t>(r.ingest.duplicates));
  w.Key("blank_lines").Int(static_cast<int64_t>(r.ingest.blank_lines));
  w.Key("late").Int(static_cast<int64_t>(r.ingest.late));
  w.Key("input_errors").BeginArray();
  for (const auto& s : r.input_errors) w.String(s.message());
  w.EndArray();
  w.Key("accounts").Int(r.accounts);
  w.Key("accounts_by_action").BeginObject();
  for (size_t i = 0; i < r.accounts_by_action.size(); ++i) {
    w.Key(ActionName(static_cast<Action>(i))).Int(r.accounts_by_action[i]);
  }
  w.EndObject();
  w.Key("exchanges_by_action").BeginObject();
  for (size_t i = 0; i < r.engine.decisions.size(); ++i) {
    w.Key(ActionName(static_cast<Action>(i))).Int(r.engine.decisions[i]);
  }
  w.EndObject();
  w.Key("capabilities").BeginObject();
  for (size_t i = 0; i < kCapabilityCount; ++i) {
    w.Key(CapabilityName(static_cast<Capability>(i))).Int(r.engine.capabilities[i]);
  }
  w.EndObject();
  w.Key("reasoning_coercion").Int(r.engine.coercion);
  w.Key("rubric_grading").Int(r.engine.rubric);
  w.Key("campaigns").Int(r.campaigns);
  w.Key("propagated").Int(r.engine.propagated);
  w.Key("linkage")
      .BeginObject()
      .Key("shared_values")
      .Int(static_cast<int64_t>(r.linkage.shared_keys))
      .Key("values_seen_once")
      .Int(static_cast<int64_t>(r.linkage.seen_once))
      .Key("edges")
      .Int(static_cast<int64_t>(r.linkage.edges))
      .Key("components")
      .Int(static_cast<int64_t>(r.linkage.components))
      .EndObject();
  w.Key("intel_indicators").Int(r.intel_indicators);
  w.Key("intel_matched_exchanges").Int(r.engine.intel_matched_exchanges);
  w.Key("first_ts");
  if (r.first_ts_ms == kNoTime) {
    w.Null();
  } else {
    w.String(FormatRfc3339Ms(r.first_ts_ms));
  }
  w.Key("last_ts");
  if (r.last_ts_ms == kNoTime) {
    w.Null();
  } else {
    w.String(FormatRfc3339Ms(r.last_ts_ms));
  }
  w.Key("elapsed_s").Double(r.elapsed_s, 3);
  w.EndObject();
  return w.Take();
}

}  // namespace dg
