// DecisionService: the long-running driver of the engine behind
// `distillguard serve` (../shared/SCHEMA.md section 5). The same Engine as
// `scan`, fed from HTTP instead of files; this class is the HTTP-free core
// (every endpoint is a method taking a body and returning status + JSON),
// and service/http_server.h puts it on the network.
//
//   POST /v1/events --decode (caller's thread)--> EventLog.Append (commit)
//       --> engine queue --> engine thread: dedup -> Engine.Process
//       --> DecisionTable.Publish
//   POST /v1/check  --> DecisionTable + OverrideTable (never the engine)
//
// Which thread owns what:
// - HTTP worker threads (any number) answer checks and reads from
//   DecisionTable, OverrideTable, TokenSet and the metrics. They never touch
//   the engine, and they hand event bodies to the ingest thread.
// - The ingest thread (one) decodes posted bodies, appends the accepted
//   lines to the event log and hands them to the engine queue, in that
//   order, so the queue order is the log order and a replay of the log sees
//   the events exactly as the engine saw them.
// - Ingest and engine threads run at a lower CPU priority than the HTTP
//   threads (service.background_policy: nice +10 by default, or SCHED_IDLE):
//   on a busy machine a check waits for no batch decode; the queue between
//   them absorbs bursts.
// - The engine thread (one) owns the Engine, the request-id dedup and the
//   decoder used for replay; it alone calls Process(). Reads that need the
//   engine (GET /v1/accounts/{id}, GET /v1/campaigns) and reloads are tasks
//   queued behind the events already accepted, so they see every event
//   accepted before them (read-your-writes).
//
// Durability: an event is "accepted" only once its line is committed to the
// log; on start the log is replayed through a fresh engine, which rebuilds
// the state deterministically (docs/service.md). Order: events are processed
// in the order they are accepted, with no reorder window (a gateway needs the
// decision now); an event older than one already processed is still
// processed, counted as late. For events posted in the order of a sorted
// file the decisions equal those of `scan` on that file.
//
// Thread-safety: every public method may be called from any thread.
#ifndef DG_SERVICE_SERVICE_H_
#define DG_SERVICE_SERVICE_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "common/status.h"
#include "ingest/dedup.h"
#include "ingest/event.h"
#include "pipeline/config.h"
#include "pipeline/engine.h"
#include "service/auth.h"
#include "service/decision_table.h"
#include "service/event_log.h"
#include "service/metrics.h"

namespace dg {

struct HttpAnswer {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
};

// A JSON error answer: {"error": message}.
HttpAnswer ErrorAnswer(int status, std::string_view message);

struct ServeOptions {
  std::string state_dir;    // empty: a temporary log, nothing survives the process
  std::string config_path;  // empty: defaults; Reload() re-reads it
  EngineConfig config;      // as loaded from config_path
  // The trust group's HMAC key for shared intel (empty: keyed indicators
  // cannot match). Bundles come from STATE/intel/ (`intel import`), loaded
  // at start and at every reload.
  std::string intel_key;
};

// What GET /v1/authz reads from the gateway's subrequest (any method, any
// path under /v1/authz/, as nginx auth_request and Envoy ext_authz send it).
struct AuthzRequest {
  std::string_view account_id;     // value of service.authz_account_header
  std::string_view forwarded_for;  // X-Forwarded-For (first address is the client)
  std::string_view real_ip;        // X-Real-IP (used when X-Forwarded-For has no valid address)
  // True when the caller asked for nginx-compatible statuses (?compat=nginx):
  // nginx auth_request turns anything but 2xx/401/403 into a 500, so a
  // throttle answers 403 with X-DistillGuard-Action: throttle and Retry-After,
  // and the gateway's error_page turns it into 429.
  bool nginx_compat = false;
};

// The client address from X-Forwarded-For (first entry) or X-Real-IP: a
// valid IPv4/IPv6 address (a port or IPv6 brackets are dropped), or empty.
std::string ClientIpFromHeaders(std::string_view forwarded_for, std::string_view real_ip);

// Routes the latency histograms are kept for.
enum class Route { kEvents, kCheck, kAccount, kCampaigns, kOverride, kOther, kCount };

class DecisionService {
 public:
  // Opens the state, replays the event log, starts the engine thread.
  // IoError / InvalidArgument when the state or config is unusable.
  static Result<std::unique_ptr<DecisionService>> Open(ServeOptions options);
  // Stops the engine thread after the item in progress; events still queued
  // are in the log and replayed at the next start.
  ~DecisionService();
  DecisionService(const DecisionService&) = delete;
  DecisionService& operator=(const DecisionService&) = delete;

  Scope Authorize(std::string_view authorization_header) const;
  // Set when listening beyond loopback: then a reload that would leave the
  // service without any token is refused.
  void RequireTokens() { require_tokens_.store(true); }

  // POST /v1/events. `content_type`: application/x-ndjson (also
  // application/jsonl, application/ndjson, text/plain) for one event per
  // line, application/json for one object.
  HttpAnswer PostEvents(std::string_view body, std::string_view content_type);
  // POST /v1/check.
  HttpAnswer Check(std::string_view body, std::string_view content_type);
  // /v1/authz, for nginx `auth_request`, Envoy ext_authz, HAProxy: the same
  // decision as Check for the account named by a header, as a status: 204
  // serve (allow, monitor; throttle with service.authz_throttle = "serve"),
  // 429 with Retry-After (throttle), 403 with an X-DistillGuard-Reason header
  // (challenge, block), 401 without an account. Every answer carries
  // X-DistillGuard-Action and -Score, and X-DistillGuard-Directives when the
  // action has directives configured (docs/gateway.md).
  HttpAnswer Authz(const AuthzRequest& request);
  HttpAnswer Authz(std::string_view account_id, std::string_view client_ip) {
    return Authz(AuthzRequest{account_id, client_ip, {}, false});
  }
  // The header GET /v1/authz reads the account from.
  std::string authz_account_header() const;

  // A decision made elsewhere (the scale-out's DG_DECISIONS bucket, `serve
  // --nats`, docs/scale-out.md), put into the decision table as the engine's
  // own are: checks answer with it until it is replaced, by a newer one or by
  // this instance's engine deciding the account from events posted here.
  void PublishExternal(std::string_view account_id, PublishedDecision decision);

  // GET /v1/accounts/{id}.
  HttpAnswer GetAccount(std::string_view account_id);
  // GET /v1/campaigns.
  HttpAnswer GetCampaigns();
  // POST /v1/accounts/{id}/override and /v1/campaigns/{id}/override.
  HttpAnswer SetOverride(OverrideKind kind, std::string_view id, std::string_view body, std::string_view content_type);
  // GET /v1/overrides: overrides in force and the newest audit records.
  HttpAnswer GetOverrides();
  // POST /v1/admin/reload (and SIGHUP): re-reads the config file; on success
  // rebuilds the engine with it by replaying the log, and swaps the tokens.
  // On a bad file nothing changes and the answer says why.
  HttpAnswer Reload();
  // GET /metrics (Prometheus text).
  std::string MetricsText() const;

  void ObserveLatency(Route route, int64_t micros);
  void CountHttpError(int status);

  // Blocks until every event accepted so far has been processed.
  void Drain();
  // Config in force (service settings included).
  EngineConfig config() const;
  int64_t replayed_events() const { return replayed_events_; }

 private:
  struct Item {
    int64_t seq = 0;  // log sequence number; 0 for a task
    Event event;
    std::function<void()> task;  // run on the engine thread instead of an event
  };

  explicit DecisionService(ServeOptions options);
  struct Verdict {
    std::shared_ptr<const PublishedDecision> decision;  // nullptr: never seen
    std::optional<Override> override;
    Action action = Action::kAllow;
  };
  // What a check answers for `account_id`; counts it in the metrics.
  Verdict Decide(std::string_view account_id);
  // Engine thread only.
  void EngineLoop();
  void ProcessOnEngine(const Event& event);
  void PublishAccount(const AccountRecord& record);
  void PublishAll();
  // Republishes the members of every campaign whose membership or action
  // changed: the linker escalates a whole campaign on one member's exchange.
  void PublishCampaignChanges();
  void PublishCounters();
  Status ReplayInto(int64_t after_seq);
  Status RebuildEngine(const EngineConfig& config);

  // Runs `fn` on the engine thread after every event queued before it and
  // waits for it. False when it did not run in time (then `fn` may still
  // run later; it must only touch state it owns through shared pointers).
  bool RunOnEngine(std::function<void()> fn);
  void Enqueue(std::vector<Item> items);

  // Immutable after Open.
  const ServeOptions options_;
  std::unique_ptr<EventLog> log_;

  // Guarded by config_mu_ (changed by Reload).
  mutable std::mutex config_mu_;
  EngineConfig config_;
  // Replaced by Reload (under config_mu_); read by every request without a
  // lock, so a check never waits for a reload or for another check.
  std::atomic<std::shared_ptr<const TokenSet>> tokens_;

  // Jobs for the ingest thread (see the header comment).
  struct IngestJob {
    std::string_view body;  // owned by the waiting HTTP thread
    std::string_view content_type;
    std::promise<HttpAnswer> answer;
  };
  void IngestLoop();
  HttpAnswer IngestNow(std::string_view body, std::string_view content_type);
  std::mutex ingest_mu_;
  std::condition_variable ingest_cv_;
  std::deque<IngestJob*> ingest_jobs_;
  bool ingest_stop_ = false;
  std::thread ingest_thread_;

  // The queue between HTTP threads and the engine thread.
  mutable std::mutex queue_mu_;
  std::condition_variable queue_cv_;     // work arrived or stop
  std::condition_variable not_full_cv_;  // room in the queue
  std::condition_variable drained_cv_;   // queue empty and engine idle
  std::deque<Item> queue_;
  size_t queued_events_ = 0;
  bool engine_busy_ = false;
  bool stop_ = false;

  // Engine thread state (also touched by Open before the thread starts).
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<RequestIdDedup> dedup_;
  int64_t applied_seq_ = 0;                   // last log entry the engine has seen
  std::atomic<int64_t> intel_indicators_{0};  // shared-intel indicators loaded (written by the engine thread)
  int64_t last_ts_ms_ = kNoTime;
  bool publish_each_event_ = true;  // off while replaying
  struct PublishedCampaign {
    std::string id;
    Action action = Action::kAllow;
    bool alive = false;
    size_t core = 0;
    size_t fringe = 0;
  };
  std::vector<PublishedCampaign> published_campaigns_;  // by linker campaign index
  std::string replay_buffer_;
  std::thread engine_thread_;

  // Read by any thread.
  DecisionTable table_;
  OverrideTable overrides_;

  // Metrics.
  std::atomic<uint64_t> events_accepted_{0};
  std::atomic<uint64_t> events_rejected_{0};
  std::atomic<uint64_t> events_processed_{0};
  std::atomic<uint64_t> events_duplicate_{0};
  std::atomic<uint64_t> events_late_{0};
  std::atomic<uint64_t> event_requests_{0};
  std::atomic<uint64_t> log_failures_{0};
  std::array<std::atomic<uint64_t>, 5> checks_by_action_{};
  std::array<std::atomic<uint64_t>, 5> decisions_by_action_{};  // per exchange, as the engine decided
  std::atomic<int64_t> accounts_{0};
  std::atomic<int64_t> campaigns_{0};
  std::atomic<int64_t> reloads_{0};
  std::atomic<bool> require_tokens_{false};
  std::atomic<uint64_t> http_4xx_{0};
  std::atomic<uint64_t> http_5xx_{0};
  std::array<LatencyHistogram, static_cast<size_t>(Route::kCount)> latency_;
  int64_t replayed_events_ = 0;
  double replay_seconds_ = 0;
};

}  // namespace dg

#endif  // DG_SERVICE_SERVICE_H_
