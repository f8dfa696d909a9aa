#include "service/service.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <sched.h>
#include <simdjson.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <future>

#include "common/json_writer.h"
#include "common/thread_util.h"
#include "common/time_util.h"
#include "ingest/decoder.h"
#include "intel/bundle.h"
#include "intel/index.h"
#include "sinks/outputs.h"

namespace dg {
namespace {

// Ids in paths and check bodies longer than this are refused: no real
// account id is this long, and a bound keeps hostile ones out of the maps.
constexpr size_t kMaxIdBytes = 1024;
// Free-text fields of an override.
constexpr size_t kMaxOverrideTextBytes = 4096;
// How long a request waits for the engine thread (reads behind a backlog,
// reloads replaying a long log) before answering 503.
constexpr auto kEngineWait = std::chrono::seconds(60);
// Audit records listed by GET /v1/overrides.
constexpr size_t kAuditListed = 100;
// Digits of a score in answers (as in accounts.jsonl).
constexpr int kScoreDecimals = 4;

// The ingest and engine threads yield the CPU to the HTTP threads
// (service.background_policy), so that a check does not wait behind a batch
// being decoded or processed. A nice value lowers their share of a busy CPU;
// under SCHED_IDLE a waking HTTP thread preempts them at once, but they then
// run only when nothing else on the machine wants a CPU, so on a busy machine
// ingestion falls behind (docs/benchmarks.md): "nice" is the default.
void LowerThisThreadsPriority(const ServiceOptions& o) {
  if (o.background_policy == "idle") {
#ifdef SCHED_IDLE
    // Entering SCHED_IDLE needs no privilege; it applies to this thread only.
    sched_param param{};
    param.sched_priority = 0;
    if (pthread_setschedparam(pthread_self(), SCHED_IDLE, &param) == 0) return;
#endif
    // Not Linux, or refused: fall back to the nice value.
  }
  const int64_t offset = o.background_nice;
  if (offset <= 0) return;
  // Linux applies {get,set}priority to one thread when given its tid; the
  // offset is relative to the process's niceness. Raising the nice value
  // never needs privileges; failure only costs check latency.
  const auto tid = static_cast<id_t>(syscall(SYS_gettid));
  errno = 0;
  const int current = getpriority(PRIO_PROCESS, tid);
  if (current == -1 && errno != 0) return;
  constexpr int kMaxNice = 19;
  (void)setpriority(PRIO_PROCESS, tid, static_cast<int>(std::min<int64_t>(kMaxNice, current + offset)));
}

// Gives the CPU to a waiting thread every so often. The kernel lets a running
// thread finish its time slice (milliseconds) before a woken one runs, even
// one of higher priority; the ingest and engine threads run long batches, so
// without this a check arriving on their CPU waits for the slice's end.
// sched_yield with nobody waiting returns at once (about a microsecond).
class Yielder {
 public:
  void MaybeYield() {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < kInterval) return;
    sched_yield();
    last_ = std::chrono::steady_clock::now();
  }

 private:
  static constexpr auto kInterval = std::chrono::microseconds(100);
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

int64_t WallClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "Application/JSON; charset=utf-8" -> "application/json".
std::string MediaType(std::string_view content_type) {
  std::string out;
  for (char c : content_type.substr(0, content_type.find(';'))) {
    if (c == ' ' || c == '\t') continue;
    out.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return out;
}

bool IsJson(std::string_view media) { return media == "application/json"; }
bool IsNdjson(std::string_view media) {
  return media == "application/x-ndjson" || media == "application/ndjson" || media == "application/jsonl" ||
         media == "application/x-jsonlines" || media == "text/plain";
}

bool IsBlank(std::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

// Decodes with the ingest decoder, which needs padding after the line.
Status DecodePadded(std::string_view line, EventDecoder* decoder, std::string* buffer, Event* event) {
  buffer->assign(line.data(), line.size());
  buffer->append(simdjson::SIMDJSON_PADDING, '\0');
  return decoder->Decode(std::string_view(buffer->data(), line.size()), event);
}

// The answer of a check. Without an override it is the one the engine thread
// built when it published the decision (BuildCheckJson), or a constant for an
// account never seen: the check path writes no JSON in the common case.
std::string BuildCheckJson(const PublishedDecision* d, const std::optional<Override>& o) {
  JsonWriter w;
  w.BeginObject();
  const Action action = o ? o->action : (d != nullptr ? d->action : Action::kAllow);
  w.Key("action").String(ActionName(action));
  w.Key("score").Double(d != nullptr ? d->score : 0.0, kScoreDecimals);
  w.Key("campaign");
  if (d != nullptr && !d->campaign.empty()) {
    w.String(d->campaign);
  } else {
    w.Null();
  }
  w.Key("reasons").BeginArray();
  if (o) w.String(std::string(OverrideKindName(o->kind)) + " override by " + o->by + ": " + o->reason);
  if (d != nullptr) {
    for (const auto& r : d->reasons) w.String(r);
  } else if (!o) {
    w.String("no exchanges seen for this account");
  }
  w.EndArray();
  w.Key("exchanges").Int(d != nullptr ? d->exchanges : 0);
  if (o) {
    w.Key("override").BeginObject();
    w.Key("kind").String(OverrideKindName(o->kind));
    w.Key("by").String(o->by);
    w.Key("reason").String(o->reason);
    w.Key("model_action").String(ActionName(d != nullptr ? d->action : Action::kAllow));
    w.EndObject();
  }
  w.EndObject();
  return w.Take();
}

std::string CheckJson(const PublishedDecision* d, const std::optional<Override>& o) {
  if (o) return BuildCheckJson(d, o);
  if (d != nullptr) return d->check_json;
  static const std::string* const kNeverSeen = new std::string(BuildCheckJson(nullptr, std::nullopt));
  return *kNeverSeen;
}

void WriteOverride(JsonWriter& w, const Override& o, bool cleared) {
  w.BeginObject();
  w.Key("kind").String(OverrideKindName(o.kind));
  w.Key("id").String(o.id);
  w.Key("action").String(cleared ? std::string_view("clear") : ActionName(o.action));
  w.Key("by").String(o.by);
  w.Key("reason").String(o.reason);
  w.Key("ts").String(FormatRfc3339Ms(o.ts_ms));
  w.EndObject();
}

// Parses a JSON object body with this thread's parser. On failure fills
// `*error` with the answer.
bool ParseObject(std::string_view body, std::string_view content_type, simdjson::dom::object* out, HttpAnswer* error) {
  if (!IsJson(MediaType(content_type))) {
    *error = ErrorAnswer(415, "Content-Type must be application/json");
    return false;
  }
  if (body.empty()) {
    *error = ErrorAnswer(400, "empty body");
    return false;
  }
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto e = parser.parse(body.data(), body.size()).get(doc); e != simdjson::SUCCESS) {
    *error = ErrorAnswer(400, std::string("invalid JSON: ") + simdjson::error_message(e));
    return false;
  }
  if (doc.get_object().get(*out) != simdjson::SUCCESS) {
    *error = ErrorAnswer(400, "body must be a JSON object");
    return false;
  }
  return true;
}

// Reads an optional string member; false (with `*error`) for a wrong type.
bool OptionalString(simdjson::dom::object obj, const char* key, std::string_view* out, HttpAnswer* error) {
  simdjson::dom::element e;
  if (obj.at_key(key).get(e) != simdjson::SUCCESS || e.is_null()) return true;
  if (e.get_string().get(*out) != simdjson::SUCCESS) {
    *error = ErrorAnswer(400, std::string("field '") + key + "' must be a string");
    return false;
  }
  return true;
}

}  // namespace

std::string ClientIpFromHeaders(std::string_view forwarded_for, std::string_view real_ip) {
  const auto valid = [](std::string_view text) -> std::string {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    // INET6_ADDRSTRLEN with room for brackets and a port; longer is not an address.
    if (text.empty() || text.size() > 64) return "";
    std::string host(text);
    if (host.front() == '[') {  // [v6]:port or [v6]
      const size_t close = host.find(']');
      if (close == std::string::npos) return "";
      host = host.substr(1, close - 1);
    } else if (std::count(host.begin(), host.end(), ':') == 1) {  // v4:port
      host.resize(host.find(':'));
    }
    in6_addr v6{};
    in_addr v4{};
    if (inet_pton(AF_INET, host.c_str(), &v4) == 1 || inet_pton(AF_INET6, host.c_str(), &v6) == 1) return host;
    return "";
  };
  std::string ip = valid(forwarded_for.substr(0, forwarded_for.find(',')));
  if (ip.empty()) ip = valid(real_ip);
  return ip;
}

HttpAnswer ErrorAnswer(int status, std::string_view message) {
  JsonWriter w;
  w.BeginObject().Key("error").String(message).EndObject();
  return HttpAnswer{status, w.Take()};
}

DecisionService::DecisionService(ServeOptions options) : options_(std::move(options)), config_(options_.config) {
  tokens_.store(std::make_shared<const TokenSet>(TokenSet::FromOptions(config_.service)));
}

Result<std::unique_ptr<DecisionService>> DecisionService::Open(ServeOptions options) {
  DG_RETURN_IF_ERROR(options.config.Validate());
  DG_RETURN_IF_ERROR(CheckCpus(options.config.service.background_cpus, "service.background_cpus"));
  DG_RETURN_IF_ERROR(CheckCpus(options.config.service.io_cpus, "service.io_cpus"));
  std::unique_ptr<DecisionService> s(new DecisionService(std::move(options)));
  auto log = EventLog::Open(s->options_.state_dir, s->config_.service.fsync);
  if (!log.ok()) return log.status();
  s->log_ = std::move(log).value();
  auto overrides = s->log_->LoadOverrides();
  if (!overrides.ok()) return overrides.status();
  for (const auto& o : *overrides) s->overrides_.Set(o);
  DG_RETURN_IF_ERROR(s->RebuildEngine(s->config_));
  s->engine_thread_ = std::thread([raw = s.get()] { raw->EngineLoop(); });
  s->ingest_thread_ = std::thread([raw = s.get()] { raw->IngestLoop(); });
  return s;
}

DecisionService::~DecisionService() {
  {
    std::lock_guard lock(ingest_mu_);
    ingest_stop_ = true;
  }
  ingest_cv_.notify_all();
  if (ingest_thread_.joinable()) ingest_thread_.join();
  {
    std::lock_guard lock(queue_mu_);
    stop_ = true;
  }
  queue_cv_.notify_all();
  if (engine_thread_.joinable()) engine_thread_.join();
}

Status DecisionService::RebuildEngine(const EngineConfig& config) {
  const auto start = std::chrono::steady_clock::now();
  auto engine = Engine::Create(config);
  if (!engine.ok()) return engine.status();
  engine_ = std::move(engine).value();
  if (!options_.state_dir.empty()) {
    // Shared intel imported into the state (`intel import`): picked up here,
    // so an import followed by a reload takes effect without a restart.
    auto bundles = LoadImportedBundles(options_.state_dir);
    if (!bundles.ok()) return bundles.status();
    if (!bundles->empty()) {
      auto intel = std::make_shared<IntelIndex>(options_.intel_key);
      for (const auto& bundle : *bundles) intel->Add(bundle);
      intel_indicators_.store(static_cast<int64_t>(intel->indicator_count()));
      engine_->SetIntel(std::move(intel));
    }
  }
  dedup_ = std::make_unique<RequestIdDedup>(config.ingest.dedup_window_ms, config.ingest.dedup_max_ids);
  last_ts_ms_ = kNoTime;
  applied_seq_ = 0;
  events_processed_.store(0);
  events_duplicate_.store(0);
  events_late_.store(0);
  const int64_t before = applied_seq_;
  publish_each_event_ = false;  // one publish per account at the end is enough
  const Status replayed = ReplayInto(0);
  publish_each_event_ = true;
  DG_RETURN_IF_ERROR(replayed);
  replayed_events_ = applied_seq_ - before;
  // Entries are overwritten, never cleared first: during a reload checks keep
  // getting the old decisions instead of "never seen, allow".
  published_campaigns_.clear();
  PublishAll();
  PublishCampaignChanges();  // only records what is published
  PublishCounters();
  replay_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return Status::Ok();
}

Status DecisionService::ReplayInto(int64_t after_seq) {
  EventDecoder decoder;
  Event event;
  return log_->ForEachEvent(after_seq, [&](int64_t seq, std::string_view line) {
    // A line that no longer decodes (the decoder changed between versions)
    // is skipped: it was accepted once, but there is nothing to rebuild from.
    if (DecodePadded(line, &decoder, &replay_buffer_, &event).ok()) ProcessOnEngine(event);
    applied_seq_ = seq;
  });
}

void DecisionService::ProcessOnEngine(const Event& event) {
  // Dedup as scan does: by request id, in event time that never goes back.
  const int64_t dedup_ts = last_ts_ms_ == kNoTime ? event.ts_ms : std::max(event.ts_ms, last_ts_ms_);
  if (!dedup_->Insert(event.request_id, dedup_ts)) {
    events_duplicate_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (last_ts_ms_ != kNoTime && event.ts_ms < last_ts_ms_) events_late_.fetch_add(1, std::memory_order_relaxed);
  last_ts_ms_ = last_ts_ms_ == kNoTime ? event.ts_ms : std::max(last_ts_ms_, event.ts_ms);
  engine_->Process(event);
  events_processed_.fetch_add(1, std::memory_order_relaxed);
  if (!publish_each_event_) return;
  if (const AccountRecord* record = engine_->Find(event.account_id); record != nullptr) PublishAccount(*record);
  PublishCampaignChanges();
}

void DecisionService::PublishCampaignChanges() {
  const std::vector<CampaignInfo>& campaigns = engine_->linker().campaigns();
  if (published_campaigns_.size() < campaigns.size()) published_campaigns_.resize(campaigns.size());
  for (size_t c = 0; c < campaigns.size(); ++c) {
    const CampaignInfo& info = campaigns[c];
    PublishedCampaign& seen = published_campaigns_[c];
    if (seen.id == info.id && seen.action == info.action && seen.alive == info.alive && seen.core == info.core.size() &&
        seen.fringe == info.fringe.size()) {
      continue;
    }
    seen = PublishedCampaign{info.id, info.action, info.alive, info.core.size(), info.fringe.size()};
    for (uint32_t m : info.core) PublishAccount(engine_->record(m));
    for (uint32_t m : info.fringe) PublishAccount(engine_->record(m));
  }
}

void DecisionService::PublishAccount(const AccountRecord& record) {
  AccountRow row = engine_->RowFor(record);
  auto d = std::make_shared<PublishedDecision>();
  d->action = row.action;
  d->score = row.score;
  d->campaign = std::move(row.campaign);
  d->exchanges = row.exchanges;
  d->reasons = std::move(row.reasons);
  d->check_json = BuildCheckJson(d.get(), std::nullopt);
  table_.Publish(record.account_id, std::move(d));
}

void DecisionService::PublishExternal(std::string_view account_id, PublishedDecision decision) {
  // Every publisher builds the check answer (CheckJson serves it as is).
  decision.check_json = BuildCheckJson(&decision, std::nullopt);
  table_.Publish(account_id, std::make_shared<const PublishedDecision>(std::move(decision)));
}

void DecisionService::PublishAll() {
  for (const auto& row : engine_->AccountRows()) {
    const AccountRecord* record = engine_->Find(row.account_id);
    if (record != nullptr) PublishAccount(*record);
  }
}

void DecisionService::PublishCounters() {
  const EngineCounters& c = engine_->counters();
  for (size_t i = 0; i < c.decisions.size(); ++i) decisions_by_action_[i].store(static_cast<uint64_t>(c.decisions[i]));
  accounts_.store(static_cast<int64_t>(engine_->account_count()));
  campaigns_.store(static_cast<int64_t>(engine_->CampaignRows().size()));
}

void DecisionService::IngestLoop() {
  NameThisThread("dg-ingest");
  (void)PinThisThread(options_.config.service.background_cpus);  // checked in Open
  LowerThisThreadsPriority(options_.config.service);
  while (true) {
    IngestJob* job = nullptr;
    {
      std::unique_lock lock(ingest_mu_);
      ingest_cv_.wait(lock, [&] { return ingest_stop_ || !ingest_jobs_.empty(); });
      if (ingest_jobs_.empty()) return;
      job = ingest_jobs_.front();
      ingest_jobs_.pop_front();
    }
    job->answer.set_value(IngestNow(job->body, job->content_type));
  }
}

void DecisionService::EngineLoop() {
  NameThisThread("dg-engine");
  (void)PinThisThread(options_.config.service.background_cpus);  // checked in Open
  LowerThisThreadsPriority(options_.config.service);
  std::deque<Item> batch;
  Yielder yielder;
  // Campaign rows may be costly to build: count them at most this often.
  constexpr auto kCountersInterval = std::chrono::milliseconds(500);
  auto last_counters = std::chrono::steady_clock::now();
  while (true) {
    {
      std::unique_lock lock(queue_mu_);
      engine_busy_ = false;
      if (queue_.empty()) drained_cv_.notify_all();
      queue_cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      // At stop, queued events are left: they are in the log and the next
      // start replays them, so shutdown does not wait for a backlog.
      if (stop_) return;
      batch.swap(queue_);
      queued_events_ = 0;
      engine_busy_ = true;
    }
    not_full_cv_.notify_all();
    for (Item& item : batch) {
      yielder.MaybeYield();
      if (item.task) {
        item.task();
      } else if (item.seq > applied_seq_) {  // a reload's replay may already have covered it
        ProcessOnEngine(item.event);
        applied_seq_ = item.seq;
      }
    }
    batch.clear();
    const auto now = std::chrono::steady_clock::now();
    if (now - last_counters >= kCountersInterval) {
      PublishCounters();
      last_counters = now;
    } else {
      const EngineCounters& c = engine_->counters();
      for (size_t i = 0; i < c.decisions.size(); ++i) {
        decisions_by_action_[i].store(static_cast<uint64_t>(c.decisions[i]), std::memory_order_relaxed);
      }
      accounts_.store(static_cast<int64_t>(engine_->account_count()), std::memory_order_relaxed);
    }
  }
}

void DecisionService::Enqueue(std::vector<Item> items) {
  std::unique_lock lock(queue_mu_);
  for (Item& item : items) {
    // Backpressure: a poster waits while the engine is this far behind
    // (its events are already in the log, so waiting loses nothing).
    if (item.seq > 0) {
      not_full_cv_.wait(lock, [&] { return queued_events_ < options_.config.service.max_queue_events || stop_; });
      ++queued_events_;
    }
    queue_.push_back(std::move(item));
    queue_cv_.notify_one();
  }
}

bool DecisionService::RunOnEngine(std::function<void()> fn) {
  auto done = std::make_shared<std::promise<void>>();
  std::future<void> finished = done->get_future();
  std::vector<Item> items(1);
  items[0].task = [fn = std::move(fn), done] {
    fn();
    done->set_value();
  };
  Enqueue(std::move(items));
  return finished.wait_for(kEngineWait) == std::future_status::ready;
}

void DecisionService::Drain() {
  std::unique_lock lock(queue_mu_);
  drained_cv_.wait(lock, [&] { return (queue_.empty() && !engine_busy_) || stop_; });
}

EngineConfig DecisionService::config() const {
  std::lock_guard lock(config_mu_);
  return config_;
}

Scope DecisionService::Authorize(std::string_view authorization_header) const {
  const std::shared_ptr<const TokenSet> tokens = tokens_.load(std::memory_order_acquire);
  return tokens->Authorize(authorization_header);
}

HttpAnswer DecisionService::PostEvents(std::string_view body, std::string_view content_type) {
  IngestJob job{body, content_type, {}};
  std::future<HttpAnswer> answer = job.answer.get_future();
  {
    std::lock_guard lock(ingest_mu_);
    if (ingest_stop_) return ErrorAnswer(503, "shutting down");
    ingest_jobs_.push_back(&job);
  }
  ingest_cv_.notify_one();
  return answer.get();
}

HttpAnswer DecisionService::IngestNow(std::string_view body, std::string_view content_type) {
  event_requests_.fetch_add(1, std::memory_order_relaxed);
  const std::string media = MediaType(content_type);
  const bool single = IsJson(media);
  if (!single && !IsNdjson(media)) {
    return ErrorAnswer(415, "Content-Type must be application/x-ndjson (one event per line) or application/json");
  }
  if (body.empty()) return ErrorAnswer(400, "empty body");
  size_t max_line_bytes = 0;
  size_t max_errors = 0;
  {
    std::lock_guard lock(config_mu_);
    max_line_bytes = config_.ingest.max_line_bytes;
    max_errors = config_.service.max_errors;
  }

  // Ingest thread only: its decoder, and one writer to the log at a time.
  thread_local EventDecoder decoder;
  thread_local std::string buffer;
  std::vector<std::string_view> lines;
  std::vector<Item> items;
  JsonWriter errors;
  errors.BeginArray();
  uint64_t rejected = 0;
  const auto reject = [&](uint64_t line, const std::string& reason) {
    if (++rejected <= max_errors) {
      errors.BeginObject().Key("line").Int(static_cast<int64_t>(line)).Key("reason").String(reason).EndObject();
    }
  };
  uint64_t line_number = 0;
  size_t pos = 0;
  thread_local Yielder yielder;
  while (pos < body.size()) {
    yielder.MaybeYield();
    size_t end = single ? body.size() : body.find('\n', pos);
    if (end == std::string_view::npos) end = body.size();
    std::string_view line = body.substr(pos, end - pos);
    pos = end + 1;
    ++line_number;
    if (!single && !line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (IsBlank(line)) continue;
    if (line.size() > max_line_bytes) {
      reject(line_number, "line of " + std::to_string(line.size()) + " bytes exceeds the limit of " +
                              std::to_string(max_line_bytes));
      continue;
    }
    Item item;
    if (Status s = DecodePadded(line, &decoder, &buffer, &item.event); !s.ok()) {
      reject(line_number, s.message());
      continue;
    }
    lines.push_back(line);
    items.push_back(std::move(item));
  }
  errors.EndArray();
  events_rejected_.fetch_add(rejected, std::memory_order_relaxed);

  if (!items.empty()) {
    int64_t first_seq = 0;
    if (Status s = log_->Append(lines, &first_seq); !s.ok()) {
      log_failures_.fetch_add(1, std::memory_order_relaxed);
      return ErrorAnswer(503, "events not accepted: " + s.message());
    }
    for (size_t i = 0; i < items.size(); ++i) items[i].seq = first_seq + static_cast<int64_t>(i);
    Enqueue(std::move(items));
  }
  events_accepted_.fetch_add(lines.size(), std::memory_order_relaxed);

  JsonWriter w;
  w.BeginObject();
  w.Key("accepted").Int(static_cast<int64_t>(lines.size()));
  w.Key("rejected").Int(static_cast<int64_t>(rejected));
  w.Key("errors").Raw(errors.str());
  if (rejected > max_errors) w.Key("errors_truncated").Bool(true);
  w.EndObject();
  return HttpAnswer{200, w.Take()};
}

HttpAnswer DecisionService::Check(std::string_view body, std::string_view content_type) {
  simdjson::dom::object obj;
  HttpAnswer error;
  if (!ParseObject(body, content_type, &obj, &error)) return error;
  std::string_view account_id;
  simdjson::dom::element e;
  if (obj.at_key("account_id").get(e) != simdjson::SUCCESS || e.is_null()) {
    return ErrorAnswer(400, "missing required field 'account_id'");
  }
  if (e.get_string().get(account_id) != simdjson::SUCCESS)
    return ErrorAnswer(400, "field 'account_id' must be a string");
  if (account_id.empty()) return ErrorAnswer(400, "field 'account_id' must not be empty");
  if (account_id.size() > kMaxIdBytes) return ErrorAnswer(400, "field 'account_id' is too long");
  // Accepted for the contract and validated; the linkage stage will use them
  // to decide about accounts never seen before.
  std::string_view ignored;
  for (const char* key : {"ip", "client_fp", "org_id"}) {
    if (!OptionalString(obj, key, &ignored, &error)) return error;
  }
  const Verdict v = Decide(account_id);
  return HttpAnswer{200, CheckJson(v.decision.get(), v.override)};
}

DecisionService::Verdict DecisionService::Decide(std::string_view account_id) {
  Verdict v;
  v.decision = table_.Lookup(account_id);
  v.override = overrides_.Find(account_id, v.decision != nullptr ? v.decision->campaign : std::string_view());
  v.action = v.override ? v.override->action : (v.decision != nullptr ? v.decision->action : Action::kAllow);
  checks_by_action_[static_cast<size_t>(v.action)].fetch_add(1, std::memory_order_relaxed);
  return v;
}

std::string DecisionService::authz_account_header() const {
  std::lock_guard lock(config_mu_);
  return config_.service.authz_account_header;
}

HttpAnswer DecisionService::Authz(const AuthzRequest& request) {
  const std::string_view account_id = request.account_id;
  if (account_id.empty()) return ErrorAnswer(401, "no account header");
  if (account_id.size() > kMaxIdBytes) return ErrorAnswer(400, "account id is too long");
  // The decision does not use the address yet (as in Check: linkage will, for
  // accounts never seen); it is validated so that the answer can name it.
  const std::string client_ip = ClientIpFromHeaders(request.forwarded_for, request.real_ip);
  const Verdict v = Decide(account_id);
  int64_t retry_after_s = 0;
  bool serve_throttled = false;
  std::string directives;
  {
    std::lock_guard lock(config_mu_);
    retry_after_s = config_.service.authz_retry_after_s;
    serve_throttled = config_.service.authz_throttle == "serve";
    directives = config_.service.authz_directives[static_cast<size_t>(v.action)];
  }
  HttpAnswer a;
  a.body = CheckJson(v.decision.get(), v.override);
  a.headers.emplace_back("X-DistillGuard-Action", std::string(ActionName(v.action)));
  char score[32];
  std::snprintf(score, sizeof(score), "%.4f", v.decision != nullptr ? v.decision->score : 0.0);
  a.headers.emplace_back("X-DistillGuard-Score", score);
  if (!directives.empty()) a.headers.emplace_back("X-DistillGuard-Directives", directives);
  if (!client_ip.empty()) a.headers.emplace_back("X-DistillGuard-Client-Ip", client_ip);
  const bool serve =
      v.action == Action::kAllow || v.action == Action::kMonitor || (v.action == Action::kThrottle && serve_throttled);
  if (serve) {
    a.status = 204;
    a.body.clear();  // 204 carries no body
    return a;
  }
  if (v.action == Action::kThrottle) {
    a.status = request.nginx_compat ? 403 : 429;
    a.headers.emplace_back("Retry-After", std::to_string(retry_after_s));
    a.headers.emplace_back("X-DistillGuard-Reason", "throttle");
    return a;
  }
  a.status = 403;
  a.headers.emplace_back("X-DistillGuard-Reason", v.action == Action::kChallenge ? "challenge" : "block");
  return a;
}

HttpAnswer DecisionService::GetAccount(std::string_view account_id) {
  if (account_id.empty() || account_id.size() > kMaxIdBytes) return ErrorAnswer(400, "bad account id");
  auto row = std::make_shared<std::optional<AccountRow>>();
  const std::string id(account_id);
  if (!RunOnEngine([this, row, id] {
        if (const AccountRecord* r = engine_->Find(id); r != nullptr) *row = engine_->RowFor(*r);
      })) {
    return ErrorAnswer(503, "the engine is busy; try again");
  }
  if (!row->has_value()) return ErrorAnswer(404, "account not seen");
  AccountRow& r = **row;
  const auto override = overrides_.Find(r.account_id, r.campaign);
  if (!override) return HttpAnswer{200, AccountRowJson(r)};
  const Action model_action = r.action;
  r.action = override->action;
  r.reasons.insert(r.reasons.begin(), std::string(OverrideKindName(override->kind)) + " override by " + override->by +
                                          ": " + override->reason);
  std::string json = AccountRowJson(r);
  json.pop_back();  // reopen the object to add the override
  JsonWriter w;
  WriteOverride(w, *override, false);
  json += ",\"model_action\":\"" + std::string(ActionName(model_action)) + "\",\"override\":" + w.Take() + "}";
  return HttpAnswer{200, std::move(json)};
}

HttpAnswer DecisionService::GetCampaigns() {
  auto json = std::make_shared<std::string>();
  if (!RunOnEngine([this, json] { *json = CampaignsJson(engine_->CampaignRows()); })) {
    return ErrorAnswer(503, "the engine is busy; try again");
  }
  return HttpAnswer{200, std::move(*json)};
}

HttpAnswer DecisionService::SetOverride(OverrideKind kind, std::string_view id, std::string_view body,
                                        std::string_view content_type) {
  if (id.empty() || id.size() > kMaxIdBytes) return ErrorAnswer(400, "bad id");
  simdjson::dom::object obj;
  HttpAnswer error;
  if (!ParseObject(body, content_type, &obj, &error)) return error;
  std::string_view action_name, by, reason;
  if (!OptionalString(obj, "action", &action_name, &error) || !OptionalString(obj, "by", &by, &error) ||
      !OptionalString(obj, "reason", &reason, &error)) {
    return error;
  }
  if (by.empty() || reason.empty()) return ErrorAnswer(400, "fields 'by' and 'reason' are required");
  if (by.size() > kMaxOverrideTextBytes || reason.size() > kMaxOverrideTextBytes) {
    return ErrorAnswer(400, "fields 'by' and 'reason' are too long");
  }
  const bool cleared = action_name == "clear";
  Override o;
  o.kind = kind;
  o.id = std::string(id);
  o.by = std::string(by);
  o.reason = std::string(reason);
  o.ts_ms = WallClockMs();
  if (!cleared) {
    auto action = ParseAction(action_name);
    if (!action) return ErrorAnswer(400, "field 'action' must be allow, monitor, throttle, challenge, block or clear");
    o.action = *action;
  }
  // The table changes only after the record is durable, so an override that
  // was answered is never lost.
  if (Status s = log_->SaveOverride(o, cleared); !s.ok()) return ErrorAnswer(503, "override not saved: " + s.message());
  if (cleared) {
    overrides_.Clear(kind, id);
  } else {
    overrides_.Set(o);
  }
  JsonWriter w;
  WriteOverride(w, o, cleared);
  return HttpAnswer{200, w.Take()};
}

HttpAnswer DecisionService::GetOverrides() {
  auto current = log_->LoadOverrides();
  if (!current.ok()) return ErrorAnswer(503, current.status().message());
  auto audit = log_->Audit(kAuditListed);
  if (!audit.ok()) return ErrorAnswer(503, audit.status().message());
  JsonWriter w;
  w.BeginObject().Key("overrides").BeginArray();
  for (const auto& o : *current) WriteOverride(w, o, false);
  w.EndArray().Key("audit").BeginArray();
  for (const auto& r : *audit) WriteOverride(w, r.change, r.cleared);
  w.EndArray().EndObject();
  return HttpAnswer{200, w.Take()};
}

HttpAnswer DecisionService::Reload() {
  if (options_.config_path.empty()) return ErrorAnswer(409, "the service was started without --config");
  auto loaded = LoadConfigFile(options_.config_path);
  if (!loaded.ok()) return ErrorAnswer(400, "config not reloaded: " + loaded.status().message());
  EngineConfig next = std::move(loaded).value();
  if (require_tokens_.load() && TokenSet::FromOptions(next.service).open()) {
    return ErrorAnswer(400, "config not reloaded: it has no token, and the service listens beyond loopback");
  }
  auto status = std::make_shared<Status>();
  // Replaying on the engine thread, behind the events already queued, keeps
  // the invariant that only that thread touches the engine.
  if (!RunOnEngine([this, next, status] {
        std::unique_ptr<Engine> old_engine = std::move(engine_);
        std::unique_ptr<RequestIdDedup> old_dedup = std::move(dedup_);
        const int64_t old_seq = applied_seq_;
        const int64_t old_ts = last_ts_ms_;
        *status = RebuildEngine(next);
        if (!status->ok()) {
          engine_ = std::move(old_engine);
          dedup_ = std::move(old_dedup);
          applied_seq_ = old_seq;
          last_ts_ms_ = old_ts;
        }
      })) {
    return ErrorAnswer(503, "reload still running");
  }
  if (!status->ok()) return ErrorAnswer(400, "config not reloaded: " + status->message());
  {
    std::lock_guard lock(config_mu_);
    // Listening address, threads and timeouts of the HTTP server are fixed
    // at start; tokens, limits and the engine's settings change here.
    config_ = next;
    tokens_.store(std::make_shared<const TokenSet>(TokenSet::FromOptions(config_.service)), std::memory_order_release);
  }
  reloads_.fetch_add(1);
  JsonWriter w;
  w.BeginObject().Key("reloaded").Bool(true).Key("replayed_events").Int(replayed_events_).EndObject();
  return HttpAnswer{200, w.Take()};
}

void DecisionService::ObserveLatency(Route route, int64_t micros) {
  latency_[static_cast<size_t>(route)].Observe(micros);
}

void DecisionService::CountHttpError(int status) {
  (status >= 500 ? http_5xx_ : http_4xx_).fetch_add(1, std::memory_order_relaxed);
}

std::string DecisionService::MetricsText() const {
  std::string out;
  const auto counter = [&](const char* name, const char* help, uint64_t value) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " counter\n" + name + " " +
           std::to_string(value) + "\n";
  };
  const auto gauge = [&](const char* name, const char* help, int64_t value) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " gauge\n" + name + " " +
           std::to_string(value) + "\n";
  };
  counter("dg_events_accepted_total", "Event lines accepted (committed to the log).", events_accepted_.load());
  counter("dg_events_rejected_total", "Event lines rejected with a reason.", events_rejected_.load());
  counter("dg_events_processed_total", "Events processed by the engine since start or reload.",
          events_processed_.load());
  counter("dg_events_duplicate_total", "Events dropped as duplicate deliveries.", events_duplicate_.load());
  counter("dg_events_late_total", "Events older than one already processed.", events_late_.load());
  counter("dg_event_requests_total", "POST /v1/events requests.", event_requests_.load());
  counter("dg_log_failures_total", "Event batches refused because the log could not commit.", log_failures_.load());
  out += "# HELP dg_decisions_total Exchanges decided by the engine, by action.\n# TYPE dg_decisions_total counter\n";
  for (size_t i = 0; i < decisions_by_action_.size(); ++i) {
    out += "dg_decisions_total{action=\"" + std::string(ActionName(static_cast<Action>(i))) + "\"} " +
           std::to_string(decisions_by_action_[i].load()) + "\n";
  }
  out += "# HELP dg_checks_total Answers of /v1/check, by action.\n# TYPE dg_checks_total counter\n";
  for (size_t i = 0; i < checks_by_action_.size(); ++i) {
    out += "dg_checks_total{action=\"" + std::string(ActionName(static_cast<Action>(i))) + "\"} " +
           std::to_string(checks_by_action_[i].load()) + "\n";
  }
  gauge("dg_accounts", "Accounts seen.", accounts_.load());
  gauge("dg_campaigns", "Campaigns found.", campaigns_.load());
  gauge("dg_intel_indicators", "Shared-intel indicators loaded from STATE/intel/.", intel_indicators_.load());
  gauge("dg_overrides", "Overrides in force.", static_cast<int64_t>(overrides_.size()));
  gauge("dg_log_events", "Events in the write-ahead log.", log_->last_seq());
  {
    std::lock_guard lock(queue_mu_);
    gauge("dg_engine_queue_events", "Accepted events waiting for the engine.", static_cast<int64_t>(queued_events_));
  }
  counter("dg_reloads_total", "Successful config reloads.", static_cast<uint64_t>(reloads_.load()));
  counter("dg_http_client_errors_total", "Answers with a 4xx status.", http_4xx_.load());
  counter("dg_http_server_errors_total", "Answers with a 5xx status.", http_5xx_.load());
  gauge("dg_process_resident_memory_bytes", "Resident memory of the process.", ResidentMemoryBytes());
  out +=
      "# HELP dg_request_duration_seconds Time spent handling a request (after it was read).\n"
      "# TYPE dg_request_duration_seconds histogram\n";
  static constexpr const char* kRouteNames[] = {"events", "check", "account", "campaigns", "override", "other"};
  for (size_t i = 0; i < latency_.size(); ++i) {
    latency_[i].Render("dg_request_duration_seconds", std::string("route=\"") + kRouteNames[i] + "\"", &out);
  }
  return out;
}

}  // namespace dg
