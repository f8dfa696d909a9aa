// RunScan: the batch driver of the engine, `distillguard scan` without the
// command line. Opens the inputs, streams them through the Engine in event
// time, and writes accounts.jsonl, campaigns.json, quarantine.jsonl and
// summary.json into the output directory.
//
// Library code: it reports progress through a callback and errors as a
// Status; tools/ decides what to print.
#ifndef DG_PIPELINE_SCAN_H_
#define DG_PIPELINE_SCAN_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "ingest/source.h"
#include "pipeline/config.h"
#include "pipeline/engine.h"

namespace dg {

struct ScanOptions {
  std::vector<std::string> inputs;  // paths, "-" for stdin
  std::string out_dir;
  EngineConfig config;
  // Shared-intel bundles to match against (intel/bundle.h), and the trust
  // group's HMAC key for their keyed indicators (may be empty).
  std::vector<std::string> intel_paths;
  std::string intel_key;
  // Threads: 1 runs everything on the calling thread; N > 1 adds N - 1
  // helpers that read and classify ahead of the engine
  // (pipeline/classified_stream.h). The outputs are the same for every N.
  size_t threads = 1;
};

// The most threads a scan takes; more would only wait on the engine thread,
// which does about half of an exchange's work.
inline constexpr size_t kMaxScanThreads = 64;
// What `scan --threads 0` (the default) means: every core this process may
// run on, at most kAutoScanThreads (beyond that the engine thread is the limit;
// docs/benchmarks.md, "Threads").
inline constexpr size_t kAutoScanThreads = 4;
size_t AutoScanThreads();

struct ScanProgress : SourceProgress {
  double elapsed_s = 0;
};

struct ScanReport {
  IngestCounters ingest;
  EngineCounters engine;
  LinkerStats linkage;
  int64_t accounts = 0;
  std::array<int64_t, 5> accounts_by_action{};  // final action per account
  int64_t campaigns = 0;
  int64_t first_ts_ms = kNoTime;
  int64_t last_ts_ms = kNoTime;
  std::vector<Status> input_errors;
  double elapsed_s = 0;
  std::string summary_path;
  int64_t intel_indicators = 0;  // loaded from intel_paths
};

// Called about every `kProgressEvents` events and once at the end.
using ProgressCallback = std::function<void(const ScanProgress&)>;
inline constexpr uint64_t kProgressEvents = 1 << 16;

// InvalidArgument / NotFound / IoError before any work for bad options,
// unreadable inputs or an output directory that cannot be created; IoError
// if writing the outputs fails. Quarantined lines and input errors met
// mid-stream are not failures: they are in the report.
Result<ScanReport> RunScan(const ScanOptions& options, const ProgressCallback& progress);

// The summary.json text for a report (also used by the demo).
std::string ScanSummaryJson(const ScanReport& report);

}  // namespace dg

#endif  // DG_PIPELINE_SCAN_H_
