#include "tools/stream_commands.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include "common/json_writer.h"
#include "pipeline/config.h"
#include "service/service.h"
#include "stream/kv_tools.h"
#include "stream/nats_client.h"
#include "stream/partition.h"
#include "stream/publisher.h"
#include "stream/worker.h"

namespace dg {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

int Fail(int code, const std::string& message) {
  std::fprintf(stderr, "distillguard: %s\n", message.c_str());
  return code;
}

int CodeFor(const Status& s) {
  return s.code() == StatusCode::kInvalidArgument || s.code() == StatusCode::kNotFound ? kExitUsage : kExitFailure;
}

// The config file's [stream] table with the flags over it.
Result<EngineConfig> Load(const StreamCommands& c) {
  EngineConfig config;
  if (!c.config_path.empty()) {
    auto loaded = LoadConfigFile(c.config_path);
    if (!loaded.ok()) return loaded.status();
    config = std::move(loaded).value();
  }
  if (!c.nats.empty()) config.stream.nats_urls = SplitUrls(c.nats);
  if (c.partitions > 0) config.stream.partitions = c.partitions;
  if (c.replicas > 0) config.stream.replicas = c.replicas;
  DG_RETURN_IF_ERROR(config.Validate());
  if (config.stream.nats_urls.empty()) return Status::InvalidArgument("no NATS server: give --nats URL[,URL...]");
  return config;
}

// Blocks SIGINT/SIGTERM in every thread and sets *stop when one arrives.
std::thread StopOnSignal(std::atomic<bool>* stop, std::atomic<bool>* done) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return std::thread([stop, done, signals] {
    timespec wait{0, 100'000'000};
    while (!done->load()) {
      if (sigtimedwait(&signals, nullptr, &wait) > 0) stop->store(true);
    }
  });
}

int RunPublish(const StreamCommands& c) {
  auto config = Load(c);
  if (!config.ok()) return Fail(kExitUsage, config.status().message());
  PublishOptions options;
  options.inputs = c.inputs;
  options.stream = config->stream;
  options.max_line_bytes = config->ingest.max_line_bytes;
  options.rate_per_s = c.rate;
  const bool tty = !c.quiet && isatty(STDERR_FILENO);
  auto report = dg::RunPublish(options, [&](const PublishReport& r) {
    if (!tty) return;
    const double percent =
        r.total_bytes > 0 ? 100.0 * static_cast<double>(r.bytes_consumed) / static_cast<double>(r.total_bytes) : -1;
    std::fprintf(stderr, "\rpublished %llu lines (%.0f/s)", static_cast<unsigned long long>(r.lines),
                 r.elapsed_s > 0 ? static_cast<double>(r.lines) / r.elapsed_s : 0.0);
    if (percent >= 0) std::fprintf(stderr, " %.0f%%", percent);
  });
  if (tty) std::fprintf(stderr, "\r\033[K");
  if (!report.ok()) return Fail(CodeFor(report.status()), report.status().message());
  for (const auto& e : report->input_errors)
    std::fprintf(stderr, "distillguard: input error: %s\n", e.message().c_str());
  if (!c.quiet) {
    std::printf(
        "published %llu lines in %.2f s: %llu stored, %llu duplicates, %llu undecodable, %llu truncated, "
        "%llu resent\n",
        static_cast<unsigned long long>(report->lines), report->elapsed_s,
        static_cast<unsigned long long>(report->stored), static_cast<unsigned long long>(report->duplicates),
        static_cast<unsigned long long>(report->undecodable), static_cast<unsigned long long>(report->truncated),
        static_cast<unsigned long long>(report->retries));
  }
  return report->input_errors.empty() ? kExitOk : kExitFailure;
}

int RunWorkerCommand(const StreamCommands& c) {
  auto config = Load(c);
  if (!config.ok()) return Fail(kExitUsage, config.status().message());
  if (c.workers == 0 || c.worker_index >= c.workers)
    return Fail(kExitUsage, "--worker-index must be in [0, --workers)");
  WorkerOptions options;
  options.config = std::move(config).value();
  options.worker_index = c.worker_index;
  options.workers = c.workers;
  options.worker_id = c.worker_id;
  options.stage2 = !c.no_stage2;
  options.dump_accounts_path = c.dump_accounts;
  std::atomic<bool> stop{false}, done{false};
  std::thread signals = StopOnSignal(&stop, &done);
  if (!c.quiet) {
    std::fprintf(stderr, "distillguard: worker %u of %u started\n", c.worker_index, c.workers);
  }
  WorkerStats stats;
  const Status s = RunWorker(options, &stop, &stats);
  done.store(true);
  signals.join();
  if (!s.ok()) return Fail(CodeFor(s), s.message());
  if (!c.quiet) {
    std::fprintf(stderr,
                 "distillguard: worker stopped: classified %llu events (%llu redelivered), stage-2 leader "
                 "%llu times, %llu consumer stepdowns, %llu stage restarts after NATS errors\n",
                 static_cast<unsigned long long>(stats.classified.load()),
                 static_cast<unsigned long long>(stats.redelivered.load()),
                 static_cast<unsigned long long>(stats.terms.load()),
                 static_cast<unsigned long long>(stats.stepdowns.load()),
                 static_cast<unsigned long long>(stats.restarts.load()));
  }
  return kExitOk;
}

std::string ItemJson(const KvItem& item, int64_t seen_ms) {
  JsonWriter w;
  w.BeginObject();
  w.Key("key").String(item.key);
  w.Key("revision").Int(static_cast<int64_t>(item.revision));
  if (seen_ms > 0) w.Key("seen_ms").Int(seen_ms);
  w.Key("value");
  // Values written by the workers are JSON objects; anything else is shown
  // as a string.
  if (!item.value.empty() && item.value.front() == '{' && item.value.back() == '}') {
    w.Raw(item.value);
  } else if (item.deleted) {
    w.Null();
  } else {
    w.String(item.value);
  }
  w.EndObject();
  return w.Take();
}

int RunKvDump(const StreamCommands& c) {
  auto config = Load(c);
  if (!config.ok()) return Fail(kExitUsage, config.status().message());
  auto client = NatsClient::Connect(config->stream.nats_urls, "distillguard-kv-dump");
  if (!client.ok()) return Fail(kExitFailure, client.status().message());
  auto items = DumpBucket(**client, config->stream.decisions_bucket);
  if (!items.ok()) return Fail(kExitFailure, items.status().message());
  for (const auto& item : *items) {
    if (item.key.rfind(c.prefix, 0) != 0) continue;
    std::printf("%s\n", ItemJson(item, 0).c_str());
  }
  return kExitOk;
}

int RunKvWatch(const StreamCommands& c) {
  auto config = Load(c);
  if (!config.ok()) return Fail(kExitUsage, config.status().message());
  std::atomic<bool> stop{false}, done{false};
  std::thread signals = StopOnSignal(&stop, &done);
  std::thread timer;
  if (c.for_s > 0) {
    timer = std::thread([&] {
      const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(c.for_s);
      while (!stop.load() && std::chrono::steady_clock::now() < end)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      stop.store(true);
    });
  }
  Status s;
  auto client = NatsClient::Connect(config->stream.nats_urls, "distillguard-kv-watch");
  if (client.ok()) {
    s = WatchBucket(
        **client, config->stream.decisions_bucket,
        [&](const KvItem& item) {
          if (item.key.rfind(c.prefix, 0) != 0) return;
          const int64_t now_ms =
              std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
                  .count();
          std::printf("%s\n", ItemJson(item, now_ms).c_str());
          std::fflush(stdout);
        },
        &stop);
  } else {
    s = client.status();
  }
  stop.store(true);
  if (timer.joinable()) timer.join();
  done.store(true);
  signals.join();
  if (!s.ok()) return Fail(kExitFailure, s.message());
  return kExitOk;
}

}  // namespace

std::thread StartDecisionWatch(const std::vector<std::string>& nats, const std::string& config_path,
                               DecisionService* service, std::atomic<bool>* stop) {
  StreamCommands c;
  c.nats = nats;
  c.config_path = config_path;
  return std::thread([c, service, stop] {
    auto config = Load(c);
    if (!config.ok()) {
      std::fprintf(stderr, "distillguard: --nats: %s\n", config.status().message().c_str());
      return;
    }
    const std::string prefix(kAccountKeyPrefix);
    while (!stop->load()) {
      auto client = NatsClient::Connect(config->stream.nats_urls, "distillguard-serve-watch");
      Status s = client.ok() ? Status::Ok() : client.status();
      if (s.ok()) {
        s = WatchBucket(
            **client, config->stream.decisions_bucket,
            [&](const KvItem& item) {
              if (item.deleted || item.key.rfind(prefix, 0) != 0) return;
              auto d = ParseKvDecision(item.value);
              if (!d.ok()) return;  // not written by a worker; nothing to enforce
              PublishedDecision published;
              published.action = d->action;
              published.score = d->score;
              published.campaign = d->campaign;
              published.exchanges = d->exchanges;
              published.reasons.push_back("decided by the scale-out cluster (DG_DECISIONS)");
              service->PublishExternal(d->account_id, std::move(published));
            },
            stop);
      }
      if (!s.ok() && !stop->load()) {
        std::fprintf(stderr, "distillguard: --nats watch: %s (retrying)\n", s.message().c_str());
        for (int i = 0; i < 10 && !stop->load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
  });
}

namespace {

void AddNatsFlags(CLI::App* cmd, StreamCommands* c) {
  cmd->add_option("--nats", c->nats, "NATS server URL(s), comma-separated or repeated (default: [stream] nats_urls)");
  cmd->add_option("--config", c->config_path, "Config file (TOML; the [stream] table, docs/config.md)");
}

}  // namespace

void AddStreamCommands(CLI::App& app, StreamCommands* c) {
  c->publish = app.add_subcommand("publish",
                                  "Push event files (JSONL, .gz, .zst) into the DG_EVENTS JetStream "
                                  "stream, partitioned by account (docs/scale-out.md).");
  AddNatsFlags(c->publish, c);
  c->publish->add_option("inputs", c->inputs, "Input files; '-' reads standard input")->required();
  c->publish->add_option("--partitions", c->partitions, "Partitions of a stream created now (default 12)")
      ->check(CLI::Range(1, 1024));
  c->publish->add_option("--replicas", c->replicas, "Replicas of streams and buckets created now (default 1)")
      ->check(CLI::Range(1, 5));
  c->publish->add_option("--rate", c->rate, "At most this many lines per second (default: as fast as possible)")
      ->check(CLI::PositiveNumber);
  c->publish->add_flag("--quiet", c->quiet, "No progress line and no summary");

  c->worker = app.add_subcommand("worker",
                                 "Run a scale-out worker: classify the events of its partitions (stage 1) "
                                 "and compete for the cross-account stage (stage 2) that puts decisions "
                                 "into the DG_DECISIONS key-value bucket.");
  AddNatsFlags(c->worker, c);
  c->worker->add_option("--workers", c->workers, "Number of workers sharing the partitions")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  c->worker->add_option("--worker-index", c->worker_index, "This worker's index in [0, --workers)")
      ->capture_default_str();
  c->worker->add_option("--worker-id", c->worker_id, "Name in the lease and status (default w<index>)");
  c->worker->add_option("--partitions", c->partitions, "Partitions (must match the stream; default 12)")
      ->check(CLI::Range(1, 1024));
  c->worker->add_option("--replicas", c->replicas, "Replicas of streams and buckets created now (default 1)")
      ->check(CLI::Range(1, 5));
  c->worker->add_option("--dump-accounts", c->dump_accounts,
                        "When stage-2 leader: write accounts.jsonl (as scan does) here whenever caught up and idle");
  c->worker->add_flag("--no-stage2", c->no_stage2, "Run stage 1 only");
  c->worker->add_flag("--quiet", c->quiet, "No start and stop messages");

  c->kv_dump = app.add_subcommand("kv-dump", "Print every key of the DG_DECISIONS bucket as JSON lines.");
  AddNatsFlags(c->kv_dump, c);
  c->kv_dump->add_option("--prefix", c->prefix, "Only keys starting with this (acct., campaign., status.)");

  c->kv_watch = app.add_subcommand("kv-watch",
                                   "Print every value of DG_DECISIONS, then every change, as JSON "
                                   "lines with the time it was seen (seen_ms).");
  AddNatsFlags(c->kv_watch, c);
  c->kv_watch->add_option("--prefix", c->prefix, "Only keys starting with this");
  c->kv_watch->add_option("--for", c->for_s, "Stop after this many seconds (default: at SIGINT/SIGTERM)")
      ->check(CLI::PositiveNumber);
}

std::optional<int> RunStreamCommands(const StreamCommands& c) {
  if (c.publish != nullptr && c.publish->parsed()) return RunPublish(c);
  if (c.worker != nullptr && c.worker->parsed()) return RunWorkerCommand(c);
  if (c.kv_dump != nullptr && c.kv_dump->parsed()) return RunKvDump(c);
  if (c.kv_watch != nullptr && c.kv_watch->parsed()) return RunKvWatch(c);
  return std::nullopt;
}

}  // namespace dg
