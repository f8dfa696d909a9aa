// distillguard: the command-line entry point. Thin: parses flags, calls the
// library, prints and picks the exit code (0 success, 1 failure while
// writing results, 2 bad arguments, unreadable inputs or bad config).
#include <CLI/CLI.hpp>
#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "eval/evaluate.h"
#include "pipeline/config.h"
#include "pipeline/scan.h"
#include "service/http_server.h"
#include "service/service.h"
#include "sim/sample_traffic.h"
#include "sim/scenario.h"
#include "tools/progress.h"

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
  bool quiet = false;
  int64_t max_line_bytes = 0;
};

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
  std::printf("outputs: %s/{accounts.jsonl,campaigns.json,quarantine.jsonl,summary.json}\n", out_dir.c_str());
}

int RunScanCommand(const std::vector<std::string>& inputs, const std::string& out_dir, const CommonFlags& flags) {
  auto config = LoadConfig(flags);
  if (!config.ok()) return Fail(kExitUsage, config.status().message());
  ScanOptions options;
  options.inputs = inputs;
  options.out_dir = out_dir;
  options.config = std::move(config).value();
  ProgressLine line(flags.quiet);
  auto report = RunScan(options, [&](const ScanProgress& p) { line.Update(p); });
  line.Finish();
  if (!report.ok()) return Fail(ExitCodeFor(report.status()), report.status().message());
  if (!flags.quiet) PrintScanSummary(*report, out_dir);
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
  std::printf("generated sample traffic (seed %llu): %s exchanges, %s accounts, of which %s in one simulated campaign\n",
              static_cast<unsigned long long>(seed), Thousands(stats->events).c_str(),
              Thousands(stats->accounts).c_str(), Thousands(stats->attack_accounts).c_str());

  ScanOptions options;
  options.inputs = {events_path};
  options.out_dir = out_dir;
  options.config = std::move(config).value();
  ProgressLine line(flags.quiet);
  auto report = RunScan(options, [&](const ScanProgress& p) { line.Update(p); });
  line.Finish();
  if (!report.ok()) return Fail(ExitCodeFor(report.status()), report.status().message());
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
    std::printf("simulated %s exchanges from %s accounts (%s in campaigns, %s of their exchanges) in %.2f s "
                "(%.0f events/s)\n",
                Thousands(stats->events).c_str(), Thousands(stats->accounts).c_str(),
                Thousands(stats->attack_accounts).c_str(), Thousands(stats->attack_events).c_str(), secs,
                secs > 0 ? static_cast<double>(stats->events) / secs : 0.0);
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

// The decision service. Signals are taken by this thread with sigwait (the
// service's threads inherit the blocked mask): SIGTERM/SIGINT stop it
// gracefully (requests in flight answered, queued events processed, the log
// closed), SIGHUP reloads the config.
int RunServeCommand(const std::string& listen, const std::string& state_dir, const CommonFlags& flags) {
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
  service->reset();  // drains the engine queue
  if (!run_status.ok()) return Fail(kExitFailure, run_status.message());
  if (!flags.quiet) std::fprintf(stderr, "distillguard: stopped\n");
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
  auto* scan = app.add_subcommand("scan", "Scan exchange logs (JSONL, .gz, .zst or - for stdin) in event-time order "
                                          "and write accounts.jsonl, campaigns.json, quarantine.jsonl, summary.json.");
  scan->add_option("inputs", inputs, "Input files; '-' reads standard input")->required();
  scan->add_option("--out", out_dir, "Output directory (created if missing)")->required();
  scan->add_option("--config", flags.config_path, "Config file (TOML; see docs/config.md)");
  scan->add_option("--max-line-bytes", flags.max_line_bytes, "Longest accepted line (default 16 MiB)")
      ->check(CLI::PositiveNumber);
  scan->add_flag("--quiet", flags.quiet, "No progress line and no summary");

  std::string demo_out = "out/demo";
  uint64_t seed = 42;
  double scale = 1.0;
  auto* demo = app.add_subcommand("demo", "Generate the built-in sample traffic (benign populations and one "
                                          "campaign), scan it, and print what was found.");
  demo->add_option("--out", demo_out, "Output directory")->capture_default_str();
  demo->add_option("--seed", seed, "Random seed of the sample")->capture_default_str();
  demo->add_option("--scale", scale, "Multiplies every population size")->check(CLI::Range(0.01, 1000.0))
      ->capture_default_str();
  demo->add_option("--config", flags.config_path, "Config file (TOML; see docs/config.md)");
  demo->add_flag("--quiet", flags.quiet, "No progress line");

  std::string scenario_path, sim_out, corpora_dir;
  std::optional<uint64_t> sim_seed;
  bool sim_quiet = false;
  auto* simulate = app.add_subcommand("simulate", "Generate labelled traffic from a scenario file (TOML; see "
                                                  "docs/scenarios.md): events.jsonl and labels.jsonl.");
  simulate->add_option("--scenario", scenario_path, "Scenario file (scenarios/*.toml)")->required();
  simulate->add_option("--out", sim_out, "Output directory (created if missing)")->required();
  simulate->add_option("--seed", sim_seed, "Overrides the scenario's seed");
  simulate->add_option("--corpora", corpora_dir,
                       "Directory laid out like the shared corpora; missing ones fall back to the embedded samples");
  simulate->add_flag("--quiet", sim_quiet, "No summary");

  EvalOptions eval_options;
  std::string eval_json;
  auto* eval = app.add_subcommand("eval", "Judge a scan on labelled traffic (SCHEMA.md section 4): recall, benign "
                                          "false positives per kind, leakage and time to detection per campaign, "
                                          "beside a per-account quota baseline.");
  eval->add_option("--labels", eval_options.labels_path, "labels.jsonl (SCHEMA.md section 2)")->required();
  eval->add_option("--events", eval_options.event_paths, "The event files that were scanned")->required();
  eval->add_option("--result", eval_options.result_dir, "The scan's output directory (accounts.jsonl)")->required();
  eval->add_option("--quota", eval_options.quota_per_day, "Baseline: requests per account per rolling 24 h")
      ->check(CLI::PositiveNumber)->capture_default_str();
  eval->add_option("--json", eval_json, "Where to write the JSON report (default RESULT/eval.json)");

  std::string listen = "127.0.0.1:8080";
  std::string state_dir;
  auto* serve = app.add_subcommand("serve", "Run the decision service (HTTP; SCHEMA.md section 5, docs/service.md): "
                                            "ingest events, answer checks, keep state in --state DIR.");
  serve->add_option("--listen", listen, "HOST:PORT to listen on (loopback unless told otherwise; port 0: any)")
      ->capture_default_str();
  serve->add_option("--state", state_dir, "State directory (SQLite event log, overrides); without it nothing "
                                          "survives a restart");
  serve->add_option("--config", flags.config_path, "Config file (TOML; see docs/config.md); re-read on SIGHUP and "
                                                   "POST /v1/admin/reload");
  serve->add_flag("--quiet", flags.quiet, "No start and stop messages");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::fprintf(stderr, "distillguard: %s (see --help)\n", e.what());
    return kExitUsage;
  }
  if (scan->parsed()) return RunScanCommand(inputs, out_dir, flags);
  if (demo->parsed()) return RunDemoCommand(demo_out, seed, scale, flags);
  if (eval->parsed()) return RunEvalCommand(eval_options, eval_json);
  if (serve->parsed()) return RunServeCommand(listen, state_dir, flags);
  if (simulate->parsed()) return RunSimulateCommand(scenario_path, sim_out, sim_seed, corpora_dir, sim_quiet);
  return kExitUsage;
}
