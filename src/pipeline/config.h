// EngineConfig: every tunable of the pipeline, and its loading from a TOML
// file (docs/config.md documents each key; config/default.toml holds the
// defaults and a test keeps the two equal).
//
// Unknown keys are an error, not ignored: a misspelt threshold silently left
// at its default is how a security control fails quietly.
#ifndef DG_PIPELINE_CONFIG_H_
#define DG_PIPELINE_CONFIG_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "ingest/source.h"
#include "linkage/linker.h"
#include "scoring/policy.h"
#include "scoring/scorer.h"

namespace dg {

// Settings of the decision service (`distillguard serve`, src/service/),
// section [service]; the engine ignores them. docs/config.md explains each.
struct ServiceOptions {
  // Bearer tokens. A write token may also read. With no token at all the
  // service is open (and then refuses to listen beyond loopback). More tokens
  // come from the environment (DG_READ_TOKENS, DG_WRITE_TOKENS).
  std::vector<std::string> read_tokens;
  std::vector<std::string> write_tokens;
  size_t max_body_bytes = size_t{32} << 20;  // larger request bodies get 413
  int64_t read_timeout_ms = 5000;            // a client silent this long mid-request is dropped
  int64_t write_timeout_ms = 5000;           // a client not reading its answer this long is dropped
  int64_t idle_timeout_ms = 5000;            // idle keep-alive connections are closed after this
  size_t io_threads = 1;                     // event loops: read requests, answer checks, write answers
  size_t threads = 16;                       // workers for the routes that wait (events, reads, overrides)
  size_t max_connections = 4096;             // open connections; beyond: evict the longest idle, else 503
  // CPU affinity (ids as in /proc/cpuinfo; empty: wherever the OS puts
  // them). Keeping the event loops and the ingest/engine threads on
  // different cores stops a batch being processed from delaying a check.
  std::vector<int> io_cpus;
  std::vector<int> background_cpus;
  size_t keep_alive_max_requests = 1'000'000;  // requests per connection before it is closed
  size_t max_queue_events = size_t{1} << 20;   // accepted events waiting for the engine; posts wait beyond
  size_t max_errors = 1000;                    // per-line errors listed in one /v1/events answer
  bool fsync = true;                           // fsync the event log on every commit (power-loss safe)
  // How the ingest and engine threads yield the CPU to the HTTP threads:
  // "nice" at background_nice above the process's niceness; "idle" under
  // SCHED_IDLE (Linux): they then get a CPU only when nothing else of the
  // machine wants it, below even nice 19, so ingestion stalls on a busy
  // machine or under a saturating check load (docs/benchmarks.md).
  std::string background_policy = "nice";
  int64_t background_nice = 10;  // with background_policy = "nice": this much nicer than HTTP threads
  std::string authz_account_header = "X-Account-Id";  // GET /v1/authz: header naming the account
  int64_t authz_retry_after_s = 60;                   // Retry-After of a throttled /v1/authz answer
  // What /v1/authz does with a throttled account: "refuse" (429, or 403 in
  // nginx mode) or "serve" (2xx with the throttle directives applied).
  std::string authz_throttle = "refuse";
  // Directives per action (allow, monitor, throttle, challenge, block) that
  // /v1/authz sends in X-DistillGuard-Directives: "name=value; name=value",
  // names [a-z0-9-], values [A-Za-z0-9._-]; empty: no header.
  std::array<std::string, 5> authz_directives = {"", "", "max-tokens=1024; reasoning=strip", "", ""};
};

// Checks the syntax of a directives string (ServiceOptions::authz_directives).
Status ValidateDirectives(std::string_view directives);
// Settings of the opt-in scale-out over NATS JetStream (`distillguard
// publish`, `worker`, `serve --nats`; src/stream/, docs/scale-out.md),
// section [stream]; the engine ignores them. Flags override each.
struct StreamOptions {
  std::vector<std::string> nats_urls;       // e.g. nats://127.0.0.1:4222; empty: the scale-out is off
  int64_t partitions = 12;                  // subjects dg.events.0 .. partitions-1 (fixed once the stream exists)
  int64_t replicas = 1;                     // JetStream replicas of every stream and bucket (3 on a 3-node cluster)
  int64_t duplicate_window_ms = 3'600'000;  // JetStream de-duplicates a repeated request_id this long
  std::string events_stream = "DG_EVENTS";
  std::string classified_stream = "DG_CLASSIFIED";
  std::string decisions_bucket = "DG_DECISIONS";
  std::string leases_bucket = "DG_LEASES";
  int64_t lease_ttl_ms = 4000;  // a stage-2 leader silent this long is replaced
};

struct EngineConfig {
  IngestOptions ingest;
  ScoringWeights weights;
  PolicyConfig policy;
  ServiceOptions service;
  LinkageConfig linkage;
  StreamOptions stream;

  Status Validate() const;
};

// Parses TOML text (`origin` names it in error messages).
Result<EngineConfig> ParseConfig(const std::string& toml_text, const std::string& origin);
// Reads and parses a file; NotFound / IoError / InvalidArgument with the
// file, line and key in the message.
Result<EngineConfig> LoadConfigFile(const std::string& path);

}  // namespace dg

#endif  // DG_PIPELINE_CONFIG_H_
