// distillguard: the command-line entry point. Thin: parses flags, calls the
// library, prints and picks the exit code (0 success, 1 failure while
// writing results, 2 bad arguments, unreadable inputs or bad config).
#include <pthread.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "eval/evaluate.h"
#include "gateway/shipper.h"
#include "intel/bundle.h"
#include "intel/hmac.h"
#include "intel/stix_export.h"
#include "pipeline/config.h"
#include "pipeline/scan.h"
#include "report/report.h"
#include "service/http_server.h"
#include "service/service.h"
#include "sim/sample_traffic.h"
#include "sim/scenario.h"
#include "tools/progress.h"
#include "tools/stream_commands.h"

namespace dg {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr const char* kVersion = "0.1.0";

int Fail(int code, const std::string& message) {
  std::fprintf(stderr, "distillguard: %s\n", message.c_str());
  return code;
}

// Usage errors are statuses found before any work started.
int ExitCodeFor(const Status& s) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
      return kExitUsage;
    default:
      return kExitFailure;
  }
}

struct CommonFlags {
  std::string config_path;
  std::vector<std::string> intel_paths;
  std::string key_file;
  bool quiet = false;
  int64_t max_line_bytes = 0;
  size_t threads = 0;  // 0: AutoScanThreads()
};

size_t ScanThreads(const CommonFlags& flags) { return flags.threads == 0 ? AutoScanThreads() : flags.threads; }

// `--threads` of the commands that scan (scan, demo).
void AddThreadsOption(CLI::App* command, size_t* threads) {
  command
      ->add_option("--threads", *threads,
                   "Threads: 1 does everything on one; N > 1 reads and classifies on N - 1 helpers ahead of the "
                   "engine (same outputs); 0: one per core, at most " +
                       std::to_string(kAutoScanThreads))
      ->check(CLI::Range(size_t{0}, kMaxScanThreads))
      ->capture_default_str();
}

Result<EngineConfig> LoadConfig(const CommonFlags& flags) {
  EngineConfig config;
  if (!flags.config_path.empty()) {
    auto loaded = LoadConfigFile(flags.config_path);
    if (!loaded.ok()) return loaded.status();
    config = std::move(loaded).value();
  }
  if (flags.max_line_bytes > 0) config.ingest.max_line_bytes = static_cast<size_t>(flags.max_line_bytes);
  return config;
}

std::string Thousands(int64_t v) {
  std::string s = std::to_string(v);
  for (int i = static_cast<int>(s.size()) - 3; i > (v < 0 ? 1 : 0); i -= 3) s.insert(static_cast<size_t>(i), ",");
  return s;
}

void PrintScanSummary(const ScanReport& r, const std::string& out_dir) {
  const auto& a = r.accounts_by_action;
  const int64_t actioned = a[2] + a[3] + a[4];
  std::printf("scanned %s exchanges from %s accounts in %.2f s (%.0f events/s)\n",
              Thousands(static_cast<int64_t>(r.ingest.events)).c_str(), Thousands(r.accounts).c_str(), r.elapsed_s,
              r.elapsed_s > 0 ? static_cast<double>(r.ingest.events) / r.elapsed_s : 0.0);
  if (r.first_ts_ms != kNoTime) {
    std::printf("event time %s .. %s\n", FormatRfc3339Ms(r.first_ts_ms).c_str(), FormatRfc3339Ms(r.last_ts_ms).c_str());
  }
  std::printf("accounts actioned: %s (block %s, challenge %s, throttle %s); monitored: %s; campaigns: %s\n",
              Thousands(actioned).c_str(), Thousands(a[4]).c_str(), Thousands(a[3]).c_str(), Thousands(a[2]).c_str(),
              Thousands(a[1]).c_str(), Thousands(r.campaigns).c_str());
  std::printf("lines quarantined: %s (of which too long %s); duplicates ignored: %s; late events: %s\n",
              Thousands(static_cast<int64_t>(r.ingest.quarantined)).c_str(),
              Thousands(static_cast<int64_t>(r.ingest.too_long)).c_str(),
              Thousands(static_cast<int64_t>(r.ingest.duplicates)).c_str(),
              Thousands(static_cast<int64_t>(r.ingest.late)).c_str());
  for (const auto& e : r.input_errors) std::printf("input error: %s\n", e.message().c_str());
  std::printf("outputs: %s/{accounts.jsonl,campaigns.json,quarantine.jsonl,summary.json,report.html,accounts.csv}\n",
              out_dir.c_str());
}

// report.html and accounts.csv beside the other outputs of a scan.
Status WriteScanReport(const std::string& out_dir) {
  auto data = LoadResultDir(out_dir);
  if (!data.ok()) return data.status();
  return WriteReportFiles(*data, ReportOptions{}, out_dir + "/report.html", out_dir + "/accounts.csv");
}

int RunReportCommand(const std::string& result_dir, const std::string& out_path, const std::string& csv_path,
                     const std::string& title) {
  auto data = LoadResultDir(result_dir);
  if (!data.ok()) return Fail(kExitUsage, data.status().message());
  ReportOptions options;
  if (!title.empty()) options.title = title;
  if (Status s = WriteReportFiles(*data, options, out_path, csv_path); !s.ok()) return Fail(kExitFailure, s.message());
  std::printf("report: %s (%zu campaigns, %zu accounts)%s%s\n", out_path.c_str(), data->campaigns.size(),
              data->accounts.size(), csv_path.empty() ? "" : "; accounts: ", csv_path.c_str());
  return kExitOk;
}

int RunScanCommand(const std::vector<std::string>& inputs, const std::string& out_dir, const CommonFlags& flags) {
  auto config = LoadConfig(flags);
  if (!config.ok()) return Fail(kExitUsage, config.status().message());
  ScanOptions options;
  options.inputs = inputs;
  options.out_dir = out_dir;
  options.config = std::move(config).value();
  options.intel_paths = flags.intel_paths;
  options.threads = ScanThreads(flags);
  if (!flags.key_file.empty()) {
    auto key = LoadIntelKeyFile(flags.key_file);
    if (!key.ok()) return Fail(kExitUsage, key.status().message());
    options.intel_key = std::move(key).value();
  }
  ProgressLine line(flags.quiet);
  auto report = RunScan(options, [&](const ScanProgress& p) { line.Update(p); });
  line.Finish();
  if (!report.ok()) return Fail(ExitCodeFor(report.status()), report.status().message());
  if (Status s = WriteScanReport(out_dir); !s.ok()) return Fail(kExitFailure, s.message());
  if (!flags.quiet) PrintScanSummary(*report, out_dir);
  if (!flags.quiet && !flags.intel_paths.empty()) {
    std::printf("shared intel: %lld indicators, %lld exchanges matched\n",
                static_cast<long long>(report->intel_indicators),
                static_cast<long long>(report->engine.intel_matched_exchanges));
  }
  for (const auto& e : report->input_errors) std::fprintf(stderr, "distillguard: warning: %s\n", e.message().c_str());
  return kExitOk;
}

int RunDemoCommand(const std::string& out_dir, uint64_t seed, double scale, const CommonFlags& flags) {
  auto config = LoadConfig(flags);
  if (!config.ok()) return Fail(kExitUsage, config.status().message());
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return Fail(kExitUsage, "cannot create " + out_dir + ": " + ec.message());
  const std::string events_path = out_dir + "/events.jsonl";
  const std::string labels_path = out_dir + "/labels.jsonl";
  SampleTrafficOptions sample;
  sample.seed = seed;
  sample.scale = scale;
  Result<SampleTrafficStats> stats = Status::Internal("not run");
  {
    std::ofstream events(events_path, std::ios::binary);
    std::ofstream labels(labels_path, std::ios::binary);
    if (!events || !labels) return Fail(kExitFailure, "cannot write the sample traffic into " + out_dir);
    stats = WriteSampleTraffic(sample, events, labels);
  }
  if (!stats.ok()) return Fail(kExitFailure, stats.status().message());
  std::printf(
      "generated sample traffic (seed %llu): %s exchanges, %s accounts, of which %s in one simulated campaign\n",
      static_cast<unsigned long long>(seed), Thousands(stats->events).c_str(), Thousands(stats->accounts).c_str(),
      Thousands(stats->attack_accounts).c_str());

  ScanOptions options;
  options.inputs = {events_path};
  options.out_dir = out_dir;
  options.config = std::move(config).value();
  options.threads = ScanThreads(flags);
  ProgressLine line(flags.quiet);
  auto report = RunScan(options, [&](const ScanProgress& p) { line.Update(p); });
  line.Finish();
  if (!report.ok()) return Fail(ExitCodeFor(report.status()), report.status().message());
  if (Status s = WriteScanReport(out_dir); !s.ok()) return Fail(kExitFailure, s.message());
  PrintScanSummary(*report, out_dir);

  // Judge the run against the generator's labels (SCHEMA.md section 4).
  EvalOptions eval;
  eval.labels_path = labels_path;
  eval.event_paths = {events_path};
  eval.result_dir = out_dir;
  auto judged = Evaluate(eval);
  if (!judged.ok()) return Fail(kExitFailure, judged.status().message());
  std::printf("against the labels:\n%s", EvalReportText(*judged).c_str());
  std::printf("input: %s, labels: %s\n", events_path.c_str(), labels_path.c_str());
  return kExitOk;
}

int RunSimulateCommand(const std::string& scenario_path, const std::string& out_dir, std::optional<uint64_t> seed,
                       const std::string& corpora_dir, bool quiet) {
  auto scenario = LoadScenarioFile(scenario_path);
  if (!scenario.ok()) return Fail(kExitUsage, scenario.status().message());
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return Fail(kExitUsage, "cannot create " + out_dir + ": " + ec.message());
  SimulateOptions options;
  options.seed = seed;
  options.corpora_dir = corpora_dir;
  const std::string events_path = out_dir + "/events.jsonl";
  const std::string labels_path = out_dir + "/labels.jsonl";
  const auto start = std::chrono::steady_clock::now();
  Result<SimulateStats> stats = Status::Internal("not run");
  {
    std::ofstream events(events_path, std::ios::binary);
    std::ofstream labels(labels_path, std::ios::binary);
    if (!events || !labels) return Fail(kExitUsage, "cannot write into " + out_dir);
    stats = Simulate(*scenario, options, events, labels);
    events.flush();
    labels.flush();
    if (stats.ok() && (!events || !labels)) return Fail(kExitFailure, "write error in " + out_dir);
  }
  if (!stats.ok()) return Fail(ExitCodeFor(stats.status()), stats.status().message());
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!quiet) {
    std::printf(
        "simulated %s exchanges from %s accounts (%s in campaigns, %s of their exchanges) in %.2f s "
        "(%.0f events/s)\n",
        Thousands(stats->events).c_str(), Thousands(stats->accounts).c_str(), Thousands(stats->attack_accounts).c_str(),
        Thousands(stats->attack_events).c_str(), secs, secs > 0 ? static_cast<double>(stats->events) / secs : 0.0);
    for (const auto& [kind, n] : stats->accounts_by_kind) {
      std::printf("  %-18s %s accounts\n", kind.c_str(), Thousands(n).c_str());
    }
    std::printf("written: %s, %s\n", events_path.c_str(), labels_path.c_str());
  }
  return kExitOk;
}

int RunEvalCommand(EvalOptions options, const std::string& json_path) {
  auto report = Evaluate(options);
  if (!report.ok()) return Fail(ExitCodeFor(report.status()), report.status().message());
  const std::string out = json_path.empty() ? options.result_dir + "/eval.json" : json_path;
  if (Status s = WriteFileAtomically(out, EvalReportJson(*report) + "\n"); !s.ok()) {
    return Fail(kExitFailure, s.message());
  }
  std::fputs(EvalReportText(*report).c_str(), stdout);
  std::printf("written: %s\n", out.c_str());
  return kExitOk;
}

int RunIntelExportCommand(const std::string& result_dir, const std::string& out_path, const std::string& key_file,
                          StixExportOptions options) {
  auto data = LoadResultDir(result_dir);
  if (!data.ok()) return Fail(kExitUsage, data.status().message());
  if (!key_file.empty()) {
    auto key = LoadIntelKeyFile(key_file);
    if (!key.ok()) return Fail(kExitUsage, key.status().message());
    options.key = std::move(key).value();
  }
  options.now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  auto exported = ExportStixBundle(*data, options);
  if (!exported.ok()) return Fail(kExitUsage, exported.status().message());
  if (Status s = WriteFileAtomically(out_path, exported->bundle_json + "\n"); !s.ok())
    return Fail(kExitFailure, s.message());
  // The extension-definition object beside the bundle (stix_export.h says why).
  const std::filesystem::path def_path =
      std::filesystem::path(out_path).replace_extension(".extension-definition.json");
  if (Status s = WriteFileAtomically(def_path.string(), exported->extension_definition_json + "\n"); !s.ok()) {
    return Fail(kExitFailure, s.message());
  }
  const auto& st = exported->stats;
  std::printf("intel: %s: %lld objects, %lld campaigns, %lld indicators, %lld sightings; extension: %s\n",
              out_path.c_str(), static_cast<long long>(st.objects), static_cast<long long>(st.campaigns),
              static_cast<long long>(st.indicators), static_cast<long long>(st.sightings), def_path.c_str());
  if (st.identifiers_left_out > 0) {
    std::fprintf(stderr, "distillguard: warning: %lld payment / e-mail indicators left out: no --key-file\n",
                 static_cast<long long>(st.identifiers_left_out));
  }
  return kExitOk;
}

int RunIntelImportCommand(const std::string& bundle_path, const std::string& state_dir) {
  auto bundle = ImportIntelBundle(bundle_path, state_dir);
  if (!bundle.ok()) return Fail(ExitCodeFor(bundle.status()), bundle.status().message());
  std::printf("imported %s from %s: %zu indicators (%lld not matchable, ignored) into %s/intel/\n", bundle->id.c_str(),
              bundle->producer.c_str(), bundle->indicators.size(), static_cast<long long>(bundle->unsupported),
              state_dir.c_str());
  return kExitOk;
}

// The decision service. Signals are taken by this thread with sigwait (the
// service's threads inherit the blocked mask): SIGTERM/SIGINT stop it
// gracefully (requests in flight answered, queued events processed, the log
// closed), SIGHUP reloads the config.
int RunServeCommand(const std::string& listen, const std::string& state_dir, const std::string& intel_key_file,
                    const CommonFlags& flags, const std::vector<std::string>& nats) {
  auto address = ParseListenAddress(listen);
  if (!address.ok()) return Fail(kExitUsage, address.status().message());
  auto config = LoadConfig(flags);
  if (!config.ok()) return Fail(kExitUsage, config.status().message());
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  ServeOptions options;
  options.state_dir = state_dir;
  if (!intel_key_file.empty()) {
    auto key = LoadIntelKeyFile(intel_key_file);
    if (!key.ok()) return Fail(kExitUsage, key.status().message());
    options.intel_key = std::move(key).value();
  }
  options.config_path = flags.config_path;
  options.config = std::move(config).value();
  const auto start = std::chrono::steady_clock::now();
  auto service = DecisionService::Open(options);
  if (!service.ok()) return Fail(ExitCodeFor(service.status()), service.status().message());
  const double replay_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto server = HttpServer::Bind(service->get(), *address);
  if (!server.ok()) return Fail(kExitUsage, server.status().message());
  if (!flags.quiet) {
    std::fprintf(stderr, "distillguard: replayed %lld events in %.2f s; listening on %s:%d\n",
                 static_cast<long long>((*service)->replayed_events()), replay_s, address->host.c_str(),
                 (*server)->port());
  }
  // Opt-in: decisions of the scale-out cluster (docs/scale-out.md).
  std::atomic<bool> watch_stop{false};
  std::thread watch;
  if (!nats.empty()) watch = StartDecisionWatch(nats, flags.config_path, service->get(), &watch_stop);
  Status run_status;
  std::thread http([&] {
    run_status = (*server)->Run();
    // The server ended on its own (not by a signal): wake the signal loop.
    kill(getpid(), SIGTERM);
  });
  while (true) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      const HttpAnswer a = (*service)->Reload();
      if (!flags.quiet) std::fprintf(stderr, "distillguard: reload: %s\n", a.body.c_str());
      continue;
    }
    break;
  }
  (*server)->Stop();
  http.join();
  watch_stop.store(true);
  if (watch.joinable()) watch.join();
  service->reset();  // drains the engine queue
  if (!run_status.ok()) return Fail(kExitFailure, run_status.message());
  if (!flags.quiet) std::fprintf(stderr, "distillguard: stopped\n");
  return kExitOk;
}

// `ship`: a gateway's access log to POST /v1/events. SIGINT/SIGTERM stop it
// after the batch in flight.
std::atomic<bool> g_ship_stop{false};
extern "C" void OnShipSignal(int) { g_ship_stop.store(true); }

struct ShipFlags {
  std::string url = "http://127.0.0.1:8080";
  std::string token_file;
  int64_t timeout_ms = 10000;
  bool quiet = false;
};

int RunShipCommand(ShipOptions options, const ShipFlags& flags) {
  std::string token;
  if (!flags.token_file.empty()) {
    std::ifstream in(flags.token_file);
    if (!in || !std::getline(in, token)) return Fail(kExitUsage, "--token-file: cannot read " + flags.token_file);
    while (!token.empty() && (token.back() == '\r' || token.back() == ' ' || token.back() == '\t')) token.pop_back();
    if (token.empty()) return Fail(kExitUsage, "--token-file: " + flags.token_file + " is empty");
  } else if (const char* env = std::getenv("DG_SHIP_TOKEN"); env != nullptr) {
    token = env;
  }
  if (options.batch_lines == 0) return Fail(kExitUsage, "--batch-lines must be positive");
  if (options.flush_interval_ms < 0 || flags.timeout_ms <= 0) return Fail(kExitUsage, "times must be positive");
  auto post = HttpEventPoster(flags.url, token, flags.timeout_ms);
  if (!post.ok()) return Fail(kExitUsage, post.status().message());
  std::signal(SIGINT, OnShipSignal);
  std::signal(SIGTERM, OnShipSignal);
  ShipStats stats;
  const ShipNote note = [&flags](const std::string& n) {
    if (!flags.quiet) std::fprintf(stderr, "distillguard ship: %s\n", n.c_str());
  };
  const Status s = Ship(options, *post, g_ship_stop, &stats, note);
  if (!flags.quiet) {
    std::fprintf(stderr,
                 "distillguard ship: %lld lines read, %lld accepted, %lld rejected, %lld batches, %lld retries, "
                 "%lld rotations\n",
                 static_cast<long long>(stats.lines), static_cast<long long>(stats.accepted),
                 static_cast<long long>(stats.rejected), static_cast<long long>(stats.batches),
                 static_cast<long long>(stats.retries), static_cast<long long>(stats.rotations));
  }
  if (!s.ok() && !g_ship_stop.load()) return Fail(kExitFailure, s.message());
  return kExitOk;
}

}  // namespace
}  // namespace dg

int main(int argc, char** argv) {
  using namespace dg;
  CLI::App app{"DistillGuard: finds and stops distillation campaigns in LLM API traffic.", "distillguard"};
  app.require_subcommand(1);
  app.set_version_flag("--version", kVersion);

  CommonFlags flags;
  std::vector<std::string> inputs;
  std::string out_dir;
  auto* scan = app.add_subcommand("scan",
                                  "Scan exchange logs (JSONL, .gz, .zst or - for stdin) in event-time order "
                                  "and write accounts.jsonl, campaigns.json, quarantine.jsonl, summary.json, "
                                  "report.html, accounts.csv.");
  scan->add_option("inputs", inputs, "Input files; '-' reads standard input")->required();
  scan->add_option("--out", out_dir, "Output directory (created if missing)")->required();
  scan->add_option("--config", flags.config_path, "Config file (TOML; see docs/config.md)");
  scan->add_option("--max-line-bytes", flags.max_line_bytes, "Longest accepted line (default 16 MiB)")
      ->check(CLI::PositiveNumber);
  scan->add_flag("--quiet", flags.quiet, "No progress line and no summary");
  scan->add_option("--intel", flags.intel_paths, "STIX bundles shared by other providers (intel export) to match");
  scan->add_option("--key-file", flags.key_file, "The trust group's HMAC key, for keyed indicators in --intel bundles");
  AddThreadsOption(scan, &flags.threads);

  std::string demo_out = "out/demo";
  uint64_t seed = 42;
  double scale = 1.0;
  auto* demo = app.add_subcommand("demo",
                                  "Generate the built-in sample traffic (benign populations and one "
                                  "campaign), scan it, and print what was found.");
  demo->add_option("--out", demo_out, "Output directory")->capture_default_str();
  demo->add_option("--seed", seed, "Random seed of the sample")->capture_default_str();
  demo->add_option("--scale", scale, "Multiplies every population size")
      ->check(CLI::Range(0.01, 1000.0))
      ->capture_default_str();
  demo->add_option("--config", flags.config_path, "Config file (TOML; see docs/config.md)");
  demo->add_flag("--quiet", flags.quiet, "No progress line");
  AddThreadsOption(demo, &flags.threads);

  std::string scenario_path, sim_out, corpora_dir;
  std::optional<uint64_t> sim_seed;
  bool sim_quiet = false;
  auto* simulate = app.add_subcommand("simulate",
                                      "Generate labelled traffic from a scenario file (TOML; see "
                                      "docs/scenarios.md): events.jsonl and labels.jsonl.");
  simulate->add_option("--scenario", scenario_path, "Scenario file (scenarios/*.toml)")->required();
  simulate->add_option("--out", sim_out, "Output directory (created if missing)")->required();
  simulate->add_option("--seed", sim_seed, "Overrides the scenario's seed");
  simulate->add_option("--corpora", corpora_dir,
                       "Directory laid out like the shared corpora; missing ones fall back to the embedded samples");
  simulate->add_flag("--quiet", sim_quiet, "No summary");

  EvalOptions eval_options;
  std::string eval_json;
  auto* eval = app.add_subcommand("eval",
                                  "Judge a scan on labelled traffic (SCHEMA.md section 4): recall, benign "
                                  "false positives per kind, leakage and time to detection per campaign, "
                                  "beside a per-account quota baseline.");
  eval->add_option("--labels", eval_options.labels_path, "labels.jsonl (SCHEMA.md section 2)")->required();
  eval->add_option("--events", eval_options.event_paths, "The event files that were scanned")->required();
  eval->add_option("--result", eval_options.result_dir, "The scan's output directory (accounts.jsonl)")->required();
  eval->add_option("--quota", eval_options.quota_per_day, "Baseline: requests per account per rolling 24 h")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  eval->add_option("--json", eval_json, "Where to write the JSON report (default RESULT/eval.json)");

  std::string report_result, report_out, report_csv, report_title;
  auto* report = app.add_subcommand("report",
                                    "Write a self-contained HTML report (opens offline) of a scan's result "
                                    "directory, and accounts.csv for abuse tooling.");
  report->add_option("--result", report_result, "The scan's output directory")->required();
  report->add_option("--out", report_out, "The HTML file to write")->required();
  report->add_option("--csv", report_csv, "Also write accounts.csv here (default: beside --out)");
  report->add_option("--title", report_title, "Page title");

  auto* intel = app.add_subcommand("intel",
                                   "Share campaigns with other providers as STIX 2.1 (no prompts, account "
                                   "ids or raw identifiers leave) and import what they share.");
  intel->require_subcommand(1);
  std::string intel_result, intel_out, intel_key_file, intel_bundle, intel_state;
  StixExportOptions export_options;
  auto* intel_export = intel->add_subcommand("export", "Write a STIX 2.1 bundle of a scan's campaigns.");
  intel_export->add_option("--result", intel_result, "The scan's output directory")->required();
  intel_export->add_option("--out", intel_out, "The bundle file to write")->required();
  intel_export->add_option("--key-file", intel_key_file,
                           "The trust group's shared HMAC key; without it payment and e-mail indicators are left out");
  intel_export->add_option("--producer", export_options.producer, "Name of the producing organisation")
      ->capture_default_str();
  intel_export->add_option("--valid-days", export_options.valid_days, "Indicator lifetime after the last sighting")
      ->check(CLI::Range(1, 3650))
      ->capture_default_str();
  intel_export->add_flag("--embed-extension-definition", export_options.embed_extension_definition,
                         "Also put the extension-definition inside the bundle (the OASIS bundle schema rejects that)");
  auto* intel_import = intel->add_subcommand("import", "Validate a STIX bundle and copy it into STATE/intel/.");
  intel_import->add_option("bundle", intel_bundle, "The bundle file")->required();
  intel_import->add_option("--state", intel_state, "State directory (the bundle goes to STATE/intel/)")->required();

  std::string listen = "127.0.0.1:8080";
  std::string state_dir;
  auto* serve = app.add_subcommand("serve",
                                   "Run the decision service (HTTP; SCHEMA.md section 5, docs/service.md): "
                                   "ingest events, answer checks, keep state in --state DIR.");
  serve->add_option("--listen", listen, "HOST:PORT to listen on (loopback unless told otherwise; port 0: any)")
      ->capture_default_str();
  serve->add_option("--state", state_dir,
                    "State directory (SQLite event log, overrides); without it nothing "
                    "survives a restart");
  serve->add_option("--config", flags.config_path,
                    "Config file (TOML; see docs/config.md); re-read on SIGHUP and "
                    "POST /v1/admin/reload");
  std::string serve_key_file;
  serve->add_option("--key-file", serve_key_file,
                    "The trust group's HMAC key for bundles imported into "
                    "STATE/intel/ (`intel import`; loaded at start and on reload)");
  serve->add_flag("--quiet", flags.quiet, "No start and stop messages");
  std::vector<std::string> serve_nats;
  serve->add_option("--nats", serve_nats,
                    "Also enforce the decisions of a scale-out cluster: watch its "
                    "DG_DECISIONS bucket (NATS URLs; docs/scale-out.md)");

  StreamCommands stream_commands;
  AddStreamCommands(app, &stream_commands);

  ShipOptions ship_options;
  ShipFlags ship_flags;
  auto* ship = app.add_subcommand("ship",
                                  "Follow a gateway's access log of exchange events (one JSON object per "
                                  "line; deploy/ has nginx and HAProxy formats) and post it in batches to "
                                  "POST /v1/events, retrying failed batches (docs/gateway.md).");
  ship->add_option("--log", ship_options.log_path,
                   "The access log to follow (tail -F: survives rename and "
                   "truncation)")
      ->required();
  ship->add_option("--url", ship_flags.url, "The service, http://HOST:PORT")->capture_default_str();
  ship->add_option("--token-file", ship_flags.token_file,
                   "File whose first line is a write token (else "
                   "$DG_SHIP_TOKEN; none: no Authorization header)");
  ship->add_flag("--from-start", ship_options.from_start, "Read the log from its beginning (default: from its end)");
  ship->add_flag("--once", ship_options.once, "Stop at the end of the log instead of following it");
  ship->add_option("--position-file", ship_options.position_path,
                   "Keep the position shipped up to in this file, and go on from it after a restart");
  ship->add_option("--batch-lines", ship_options.batch_lines, "Most lines per post")->capture_default_str();
  ship->add_option("--flush-ms", ship_options.flush_interval_ms, "A partial batch is posted after this long")
      ->capture_default_str();
  ship->add_option("--timeout-ms", ship_flags.timeout_ms, "Connect/read/write timeout of one post")
      ->capture_default_str();
  ship->add_flag("--quiet", ship_flags.quiet, "No notes on retries and no summary");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::fprintf(stderr, "distillguard: %s (see --help)\n", e.what());
    return kExitUsage;
  }
  if (auto code = RunStreamCommands(stream_commands)) return *code;
  if (scan->parsed()) return RunScanCommand(inputs, out_dir, flags);
  if (demo->parsed()) return RunDemoCommand(demo_out, seed, scale, flags);
  if (report->parsed()) {
    if (report_csv.empty()) {
      report_csv = (std::filesystem::path(report_out).parent_path() / "accounts.csv").string();
    }
    return RunReportCommand(report_result, report_out, report_csv, report_title);
  }
  if (intel_export->parsed()) return RunIntelExportCommand(intel_result, intel_out, intel_key_file, export_options);
  if (intel_import->parsed()) return RunIntelImportCommand(intel_bundle, intel_state);
  if (eval->parsed()) return RunEvalCommand(eval_options, eval_json);
  if (ship->parsed()) return RunShipCommand(ship_options, ship_flags);
  if (serve->parsed()) return RunServeCommand(listen, state_dir, serve_key_file, flags, serve_nats);
  if (simulate->parsed()) return RunSimulateCommand(scenario_path, sim_out, sim_seed, corpora_dir, sim_quiet);
  return kExitUsage;
}
