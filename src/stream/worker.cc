#include "stream/worker.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <chrono>
#include <cmath>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "classify/prebuilt.h"
#include "common/json_writer.h"
#include "ingest/decoder.h"
#include "ingest/dedup.h"
#include "pipeline/engine.h"
#include "sinks/outputs.h"
#include "stream/nats_client.h"
#include "stream/partition.h"
#include "stream/publisher.h"
#include "stream/record.h"
#include "stream/sequencer.h"

namespace dg {
namespace {

constexpr int64_t kNanosPerMs = 1'000'000;
constexpr int kFetchBatch = 512;
constexpr int64_t kPublishWaitMs = 10'000;
// Stage 2 restarts its term when its consumer delivered nothing this long
// while DG_CLASSIFIED holds records it has not seen.
constexpr int64_t kStallMs = 3000;
// Stage 1 checks a partition's consumer when a fetch has returned nothing
// this long.
constexpr int64_t kConsumerStallMs = 3000;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A copy of `data` followed by the padding simdjson reads past the end.
class PaddedLine {
 public:
  std::string_view Set(const char* data, size_t size) {
    buffer_.assign(data, size);
    buffer_.append(simdjson::SIMDJSON_PADDING, '\0');
    return std::string_view(buffer_.data(), size);
  }

 private:
  std::string buffer_;
};

// ---- stage 1 ----------------------------------------------------------

struct Stage1Acks {
  std::mutex mu;
  uint64_t failed = 0;
};

void OnStage1Ack(jsCtx*, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae, void* closure) {
  if (pa == nullptr || pae != nullptr) {
    auto* acks = static_cast<Stage1Acks*>(closure);
    std::lock_guard<std::mutex> lock(acks->mu);
    ++acks->failed;
  }
  natsMsg_Destroy(msg);
}

class Stage1 {
 public:
  Stage1(const WorkerOptions& options, std::atomic<bool>* stop, WorkerStats* stats)
      : options_(options), stop_(stop), stats_(stats) {}

  ~Stage1() {
    for (natsSubscription* sub : subs_) natsSubscription_Destroy(sub);
  }

  Status Run() {
    const StreamOptions& so = options_.config.stream;
    auto client = NatsClient::Connect(so.nats_urls, options_.worker_id + "-stage1", OnStage1Ack, &acks_);
    if (!client.ok()) return client.status();
    client_ = std::move(client).value();
    DG_RETURN_IF_ERROR(EnsureTopology(*client_, so));
    auto classifier = PromptClassifier::Create({.precompiled = PrebuiltClassifierDatabases()});
    if (!classifier.ok()) return classifier.status();
    classifier_ = std::move(classifier).value();
    for (uint32_t p = 0; p < static_cast<uint32_t>(so.partitions); ++p) {
      if (p % options_.workers != options_.worker_index) continue;
      DG_RETURN_IF_ERROR(Subscribe(p));
    }
    while (!stop_->load()) {
      // One round: a batch from every owned partition, all published
      // together, one wait for the acknowledgements: the round trips of the
      // partitions overlap instead of adding up.
      std::vector<Batch> batches;
      for (size_t i = 0; i < subs_.size() && !stop_->load(); ++i) {
        Batch batch;
        jsFetchRequest request;
        jsFetchRequest_Init(&request);
        request.Batch = kFetchBatch;
        request.NoWait = true;
        // A fetch that fails (no messages, a node down, a consumer leader
        // election) is retried on the next round: nothing is lost, the
        // messages stay in the stream until acknowledged.
        if (natsSubscription_FetchRequest(&batch.list, subs_[i], &request) != NATS_OK || batch.list.Count == 0) {
          natsMsgList_Destroy(&batch.list);
          CheckStalled(i);
          continue;
        }
        last_fetched_[i] = std::chrono::steady_clock::now();
        Encode(partitions_[i], &batch);
        batches.push_back(std::move(batch));
        if (!broken_.ok()) break;
      }
      if (broken_.ok() && !batches.empty()) Store(&batches);
      for (Batch& batch : batches) natsMsgList_Destroy(&batch.list);
      if (!broken_.ok()) return broken_;
      if (batches.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return Status::Ok();
  }

 private:
  Status Subscribe(uint32_t p) {
    const StreamOptions& so = options_.config.stream;
    const std::string subject = EventsSubject(p);
    const std::string durable = PartitionConsumer(p);
    jsSubOptions sub_options;
    jsSubOptions_Init(&sub_options);
    sub_options.Stream = so.events_stream.c_str();
    // Explicit acks, one per message. Not "ack all up to": after a worker
    // restart the consumer hands out new messages before it redelivers the
    // ones the dead process held, and acking a new one would ack those
    // unprocessed (e2e_scale_out caught exactly that).
    sub_options.Config.AckPolicy = js_AckExplicit;
    sub_options.Config.AckWait = kStage1AckWaitMs * kNanosPerMs;
    sub_options.Config.DeliverPolicy = js_DeliverAll;
    sub_options.Config.MaxAckPending = 8 * kFetchBatch;
    sub_options.Config.Replicas = so.replicas;
    // Several workers may start at once, or the cluster may be electing a
    // leader: retry a while.
    Status last;
    for (int attempt = 0; attempt < 60 && !stop_->load(); ++attempt) {
      natsSubscription* sub = nullptr;
      jsErrCode code = static_cast<jsErrCode>(0);
      const natsStatus s =
          js_PullSubscribe(&sub, client_->js(), subject.c_str(), durable.c_str(), nullptr, &sub_options, &code);
      if (s == NATS_OK) {
        subs_.push_back(sub);
        partitions_.push_back(p);
        last_fetched_.push_back(std::chrono::steady_clock::now());
        return Status::Ok();
      }
      last = NatsError(s, "pull consumer " + durable, code);
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    return last;
  }

  // A consumer that hands out nothing while its subject has messages past
  // the last one it delivered is stuck: seen with nats-server 2.9 when its
  // leader moved to a node that had just restarted (num_pending 0 for good).
  // Asking the leader to step down makes a current replica take over.
  void CheckStalled(size_t i) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_fetched_[i] < std::chrono::milliseconds(kConsumerStallMs)) return;
    last_fetched_[i] = now;  // at most one check per period
    const StreamOptions& so = options_.config.stream;
    const std::string consumer = PartitionConsumer(partitions_[i]);
    jsConsumerInfo* info = nullptr;
    jsErrCode code = static_cast<jsErrCode>(0);
    if (js_GetConsumerInfo(&info, client_->js(), so.events_stream.c_str(), consumer.c_str(), nullptr, &code) !=
        NATS_OK) {
      return;
    }
    const uint64_t delivered = info->Delivered.Stream;
    const uint64_t pending = info->NumPending + static_cast<uint64_t>(info->NumAckPending);
    jsConsumerInfo_Destroy(info);
    if (pending > 0) return;
    natsMsg* last = nullptr;
    const std::string subject = EventsSubject(partitions_[i]);
    if (js_GetLastMsg(&last, client_->js(), so.events_stream.c_str(), subject.c_str(), nullptr, &code) != NATS_OK) {
      return;
    }
    const uint64_t last_seq = natsMsg_GetSequence(last);
    natsMsg_Destroy(last);
    if (last_seq <= delivered) return;
    natsMsg* reply = nullptr;
    const std::string api = "$JS.API.CONSUMER.LEADER.STEPDOWN." + so.events_stream + "." + consumer;
    if (natsConnection_RequestString(&reply, client_->connection(), api.c_str(), "", 2000) == NATS_OK) {
      natsMsg_Destroy(reply);
    }
    ++stats_->stepdowns;
  }

  struct Batch {
    natsMsgList list{};
    std::string subject;
    std::vector<std::pair<uint64_t, std::string>> records;  // (source seq, encoded record)
    uint64_t redelivered = 0;                               // inputs JetStream had delivered before
    Batch() = default;
    Batch(Batch&& o) noexcept
        : list(o.list), subject(std::move(o.subject)), records(std::move(o.records)), redelivered(o.redelivered) {
      o.list = natsMsgList{};
    }
    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;
    Batch& operator=(Batch&&) = delete;
  };

  // Decodes and classifies every input of the batch into its record.
  void Encode(uint32_t partition, Batch* batch) {
    batch->subject = ClassifiedSubject(partition);
    natsMsgList* list = &batch->list;
    batch->records.reserve(static_cast<size_t>(list->Count));
    for (int i = 0; i < list->Count; ++i) {
      natsMsg* in = list->Msgs[i];
      ClassifiedRecord record;
      jsMsgMetaData* meta = nullptr;
      if (natsMsg_GetMetaData(&meta, in) != NATS_OK) {
        // Every message of a JetStream consumer has metadata; without its
        // sequence the record cannot be placed, so stop rather than guess.
        broken_ = Status::Internal("a message of " + PartitionConsumer(partition) + " has no JetStream metadata");
        return;
      }
      record.source_seq = meta->Sequence.Stream;
      record.stored_ms = meta->Timestamp / kNanosPerMs;
      if (meta->NumDelivered > 1) ++batch->redelivered;
      jsMsgMetaData_Destroy(meta);
      record.line.assign(natsMsg_GetData(in), static_cast<size_t>(natsMsg_GetDataLength(in)));
      const char* truncated = nullptr;
      if (natsMsgHeader_Get(in, std::string(kTruncatedHeader).c_str(), &truncated) == NATS_OK && truncated != nullptr) {
        record.kind = RecordKind::kQuarantine;
        record.reason = fmt::format("line of {} bytes is longer than the limit", truncated);
      } else {
        const std::string_view line = padded_.Set(record.line.data(), record.line.size());
        if (Status s = decoder_.Decode(line, &event_); s.ok()) {
          record.prompt_class = classifier_->Classify(PromptContextOf(event_));
        } else {
          record.kind = RecordKind::kQuarantine;
          record.reason = s.message();
        }
      }
      batch->records.emplace_back(record.source_seq, EncodeRecord(record));
    }
  }

  // Publishes every record of the round until all are stored, then acks
  // each batch. The records are a function of the inputs and carry their
  // ids, so sending them again is harmless.
  void Store(std::vector<Batch>* batches) {
    int64_t backoff_ms = 50;
    while (!PublishRecords(*batches)) {
      if (stop_->load()) return;  // not acked: redelivered to whoever owns the partition next
      for (Batch& b : *batches) {
        for (int i = 0; i < b.list.Count; ++i) natsMsg_InProgress(b.list.Msgs[i], nullptr);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(backoff_ms));
      backoff_ms = std::min<int64_t>(backoff_ms * 2, 1000);
    }
    for (Batch& b : *batches) {
      for (int i = 0; i < b.list.Count; ++i) natsMsg_Ack(b.list.Msgs[i], nullptr);
      stats_->classified += static_cast<uint64_t>(b.list.Count);
      stats_->redelivered += b.redelivered;
    }
  }

  // True when DG_CLASSIFIED acknowledged every record.
  bool PublishRecords(const std::vector<Batch>& batches) {
    {
      std::lock_guard<std::mutex> lock(acks_.mu);
      acks_.failed = 0;
    }
    bool ok = true;
    for (const Batch& b : batches) {
      for (const auto& [seq, payload] : b.records) {
        natsMsg* out = nullptr;
        if (natsMsg_Create(&out, b.subject.c_str(), nullptr, payload.data(), static_cast<int>(payload.size())) !=
            NATS_OK) {
          ok = false;
          break;
        }
        // The id is the source sequence: a redelivered event (this worker
        // died before acking) is published again under the same id, and
        // DG_CLASSIFIED stores it once.
        natsMsgHeader_Set(out, "Nats-Msg-Id", fmt::format("s{}", seq).c_str());
        jsPubOptions pub;
        jsPubOptions_Init(&pub);
        pub.MaxWait = kPublishWaitMs / 2;
        if (js_PublishMsgAsync(client_->js(), &out, &pub) != NATS_OK) {
          natsMsg_Destroy(out);
          ok = false;
          break;
        }
      }
      if (!ok) break;
    }
    jsPubOptions wait;
    jsPubOptions_Init(&wait);
    wait.MaxWait = kPublishWaitMs;
    if (js_PublishAsyncComplete(client_->js(), &wait) != NATS_OK) {
      ok = false;
      natsMsgList pending{};
      if (js_PublishAsyncGetPendingList(&pending, client_->js()) == NATS_OK) natsMsgList_Destroy(&pending);
    }
    std::lock_guard<std::mutex> lock(acks_.mu);
    return ok && acks_.failed == 0;
  }

  const WorkerOptions& options_;
  std::atomic<bool>* stop_;
  WorkerStats* stats_;
  Stage1Acks acks_;
  std::unique_ptr<NatsClient> client_;
  std::unique_ptr<PromptClassifier> classifier_;
  std::vector<natsSubscription*> subs_;
  std::vector<uint32_t> partitions_;
  std::vector<std::chrono::steady_clock::time_point> last_fetched_;
  Status broken_;
  EventDecoder decoder_;
  Event event_;
  PaddedLine padded_;
};

// ---- stage 2 ----------------------------------------------------------

// What was last put for an account; a put happens when any of it changes.
struct PutState {
  Action action = Action::kAllow;
  int64_t score_bucket = -1;  // score in steps of 0.05
  std::string campaign;
  bool put = false;
};

struct CampaignPutState {
  Action action = Action::kAllow;
  size_t members = 0;
  int64_t score_bucket = -1;
};

int64_t ScoreBucket(double score) { return static_cast<int64_t>(std::floor(score * 20.0)); }

class Stage2 {
 public:
  Stage2(const WorkerOptions& options, std::atomic<bool>* stop, WorkerStats* stats)
      : options_(options), stop_(stop), stats_(stats) {}

  ~Stage2() { Release(); }

  Status Run() {
    const StreamOptions& so = options_.config.stream;
    auto client = NatsClient::Connect(so.nats_urls, options_.worker_id + "-stage2");
    if (!client.ok()) return client.status();
    client_ = std::move(client).value();
    DG_RETURN_IF_ERROR(EnsureTopology(*client_, so));
    auto leases = OpenBucket(*client_, so.leases_bucket);
    if (!leases.ok()) return leases.status();
    leases_ = *leases;
    auto decisions = OpenBucket(*client_, so.decisions_bucket);
    if (!decisions.ok()) return decisions.status();
    decisions_ = *decisions;
    const std::string key(kStage2LeaseKey);
    bool holding = false;
    while (!stop_->load()) {
      uint64_t rev = 0;
      if (holding) {
        holding = kvStore_UpdateString(&rev, leases_, key.c_str(), options_.worker_id.c_str(), lease_rev_) == NATS_OK;
      }
      if (!holding) holding = kvStore_CreateString(&rev, leases_, key.c_str(), options_.worker_id.c_str()) == NATS_OK;
      if (!holding) {
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        continue;
      }
      lease_rev_ = rev;
      lease_lost_ = false;
      ++stats_->terms;
      // An error while leading (a node down under the ordered consumer, a
      // lost lease) ends the term; the engine is rebuilt by replay in the
      // next one, here if the lease is still ours, else in another worker.
      (void)Lead();
      if (lease_lost_) holding = false;
      if (stop_->load() && holding) {
        // Hand over at once rather than after the lease's TTL.
        kvStore_Delete(leases_, key.c_str());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return Status::Ok();
  }

 private:
  void Release() {
    if (sub_ != nullptr) natsSubscription_Destroy(sub_);
    sub_ = nullptr;
    if (leases_ != nullptr) kvStore_Destroy(leases_);
    leases_ = nullptr;
    if (decisions_ != nullptr) kvStore_Destroy(decisions_);
    decisions_ = nullptr;
  }

  Status Lead() {
    const StreamOptions& so = options_.config.stream;
    auto engine = Engine::Create(options_.config);
    if (!engine.ok()) return engine.status();
    engine_ = std::move(engine).value();
    dedup_ =
        std::make_unique<RequestIdDedup>(options_.config.ingest.dedup_window_ms, options_.config.ingest.dedup_max_ids);
    put_.clear();
    campaign_put_.clear();
    events_ = quarantined_ = duplicates_ = 0;
    dumped_next_ = 0;
    auto events = GetStreamBounds(*client_, so.events_stream);
    if (!events.ok()) return events.status();
    auto classified = GetStreamBounds(*client_, so.classified_stream);
    if (!classified.ok()) return classified.status();
    sequencer_ = std::make_unique<Sequencer>(std::max<uint64_t>(1, events->first_seq));
    catch_up_seq_ = classified->last_seq;
    last_classified_seq_ = 0;
    last_receive_ = std::chrono::steady_clock::now();
    caught_up_ = catch_up_seq_ == 0;
    events_last_seq_ = events->last_seq;

    if (sub_ != nullptr) natsSubscription_Destroy(sub_);
    sub_ = nullptr;
    jsSubOptions sub_options;
    jsSubOptions_Init(&sub_options);
    sub_options.Stream = so.classified_stream.c_str();
    sub_options.Ordered = true;
    sub_options.Config.DeliverPolicy = js_DeliverAll;
    jsErrCode code = static_cast<jsErrCode>(0);
    const std::string subjects = std::string(kClassifiedSubjectPrefix) + ">";
    natsStatus s = js_SubscribeSync(&sub_, client_->js(), subjects.c_str(), nullptr, &sub_options, &code);
    if (s != NATS_OK) return NatsError(s, "ordered consumer of " + so.classified_stream, code);
    // The replay can be far ahead of the engine; let it queue.
    natsSubscription_SetPendingLimits(sub_, -1, 1 << 30);

    auto next_tick = std::chrono::steady_clock::now();
    std::string payload;
    while (!stop_->load()) {
      natsMsg* msg = nullptr;
      s = natsSubscription_NextMsg(&msg, sub_, 50);
      bool idle = false;
      if (s == NATS_OK) {
        Receive(msg);
        natsMsg_Destroy(msg);
        while (sequencer_->Pop(&payload)) Apply(payload);
      } else if (s == NATS_TIMEOUT) {
        idle = true;
      } else {
        return NatsError(s, "ordered consumer");
      }
      if (idle || std::chrono::steady_clock::now() >= next_tick) {
        next_tick = std::chrono::steady_clock::now() + std::chrono::milliseconds(kStage2TickMs);
        DG_RETURN_IF_ERROR(Tick(idle));
      }
    }
    return Status::Ok();
  }

  void Receive(natsMsg* msg) {
    jsMsgMetaData* meta = nullptr;
    uint64_t classified_seq = 0;
    if (natsMsg_GetMetaData(&meta, msg) == NATS_OK) {
      classified_seq = meta->Sequence.Stream;
      jsMsgMetaData_Destroy(meta);
    }
    last_classified_seq_ = std::max(last_classified_seq_, classified_seq);
    last_receive_ = std::chrono::steady_clock::now();
    const std::string_view data(natsMsg_GetData(msg), static_cast<size_t>(natsMsg_GetDataLength(msg)));
    ClassifiedRecord record;
    if (DecodeRecord(data, &record).ok()) {
      sequencer_->Push(record.source_seq, std::string(data));
    }
    if (!caught_up_ && classified_seq >= catch_up_seq_) {
      // Apply what is in order before the first puts.
      std::string payload;
      while (sequencer_->Pop(&payload)) Apply(payload);
      caught_up_ = true;
      Sweep();
    }
  }

  void Apply(const std::string& payload) {
    ClassifiedRecord record;
    if (!DecodeRecord(payload, &record).ok() || record.kind == RecordKind::kQuarantine) {
      ++quarantined_;
      return;
    }
    last_stored_ms_ = record.stored_ms;
    const std::string_view line = padded_.Set(record.line.data(), record.line.size());
    if (!decoder_.Decode(line, &event_).ok()) {
      ++quarantined_;
      return;
    }
    // Beyond JetStream's duplicate window a redelivered request_id can reach
    // the stream twice; the engine counts it once, as `scan` does.
    if (!dedup_->Insert(event_.request_id, event_.ts_ms)) {
      ++duplicates_;
      return;
    }
    engine_->Process(event_, record.prompt_class);
    ++events_;
    if (caught_up_) {
      const AccountRecord* r = engine_->Find(event_.account_id);
      if (r != nullptr) MaybePut(*r);
    }
  }

  void MaybePut(const AccountRecord& r) {
    if (put_.size() <= r.index) put_.resize(r.index + 1);
    PutState& last = put_[r.index];
    const int64_t bucket = ScoreBucket(r.score);
    std::string campaign = engine_->CampaignIdOf(r);
    if (last.put && last.action == r.action && last.score_bucket == bucket && last.campaign == campaign) return;
    JsonWriter w;
    w.BeginObject();
    w.Key("account_id").String(r.account_id);
    w.Key("action").String(ActionName(r.action));
    w.Key("score").Double(r.score, 4);
    w.Key("campaign");
    if (campaign.empty()) {
      w.Null();
    } else {
      w.String(campaign);
    }
    w.Key("exchanges").Int(r.state.exchanges());
    w.Key("first_action_ts");
    if (r.first_action_ts_ms == kNoTime) {
      w.Null();
    } else {
      w.String(FormatRfc3339Ms(r.first_action_ts_ms));
    }
    w.Key("seq").Int(static_cast<int64_t>(sequencer_->next() - 1));
    w.Key("stored_ms").Int(last_stored_ms_);
    w.Key("put_ms").Int(NowMs());
    w.EndObject();
    const std::string value = w.Take();
    uint64_t rev = 0;
    const std::string key = AccountKey(r.account_id);
    if (kvStore_Put(&rev, decisions_, key.c_str(), value.data(), static_cast<int>(value.size())) != NATS_OK) {
      return;  // tried again at the next sweep
    }
    last.put = true;
    last.action = r.action;
    last.score_bucket = bucket;
    last.campaign = std::move(campaign);
  }

  void Sweep() {
    for (uint32_t i = 0; i < engine_->account_count(); ++i) MaybePut(engine_->record(i));
    const double monitor = options_.config.policy.monitor;
    for (const CampaignInfo& c : engine_->linker().campaigns()) {
      if (!c.alive || c.score < monitor) continue;
      CampaignPutState& last = campaign_put_[c.id];
      const int64_t bucket = ScoreBucket(c.score);
      if (last.action == c.action && last.members == c.core.size() && last.score_bucket == bucket) continue;
      JsonWriter w;
      w.BeginObject();
      w.Key("id").String(c.id);
      w.Key("action").String(ActionName(c.action));
      w.Key("score").Double(c.score, 4);
      w.Key("accounts").Int(static_cast<int64_t>(c.core.size()));
      w.Key("seq").Int(static_cast<int64_t>(sequencer_->next() - 1));
      w.EndObject();
      const std::string value = w.Take();
      uint64_t rev = 0;
      const std::string key = CampaignKey(c.id);
      if (kvStore_Put(&rev, decisions_, key.c_str(), value.data(), static_cast<int>(value.size())) == NATS_OK) {
        last = CampaignPutState{c.action, c.core.size(), bucket};
      }
    }
  }

  Status Tick(bool idle) {
    uint64_t rev = 0;
    const std::string key(kStage2LeaseKey);
    if (kvStore_UpdateString(&rev, leases_, key.c_str(), options_.worker_id.c_str(), lease_rev_) != NATS_OK) {
      lease_lost_ = true;
      return Status::IoError("stage-2 lease lost");
    }
    lease_rev_ = rev;
    // A consumer silent while the stream has records it has not delivered
    // is stuck (seen when it was created during a leader election right
    // after a node died): end the term, the next one replays anew.
    if (std::chrono::steady_clock::now() - last_receive_ > std::chrono::milliseconds(kStallMs)) {
      auto classified = GetStreamBounds(*client_, options_.config.stream.classified_stream);
      if (classified.ok() && classified->last_seq > last_classified_seq_) {
        return Status::IoError("ordered consumer of DG_CLASSIFIED stalled");
      }
      last_receive_ = std::chrono::steady_clock::now();
    }
    if (!caught_up_) return Status::Ok();
    Sweep();
    if (auto bounds = GetStreamBounds(*client_, options_.config.stream.events_stream); bounds.ok()) {
      events_last_seq_ = bounds->last_seq;
    }
    if (idle && !options_.dump_accounts_path.empty() && dumped_next_ != sequencer_->next()) {
      if (WriteAccountsJsonl(engine_->AccountRows(), options_.dump_accounts_path).ok()) {
        dumped_next_ = sequencer_->next();
      }
    }
    WriteStatus();
    return Status::Ok();
  }

  void WriteStatus() {
    JsonWriter w;
    w.BeginObject();
    w.Key("worker").String(options_.worker_id);
    w.Key("applied_seq").Int(static_cast<int64_t>(sequencer_->next() - 1));
    w.Key("events_last_seq").Int(static_cast<int64_t>(events_last_seq_));
    w.Key("buffered").Int(static_cast<int64_t>(sequencer_->buffered()));
    w.Key("events").Int(static_cast<int64_t>(events_));
    w.Key("quarantined").Int(static_cast<int64_t>(quarantined_));
    w.Key("duplicates").Int(static_cast<int64_t>(duplicates_));
    w.Key("redelivered_records").Int(static_cast<int64_t>(sequencer_->duplicates()));
    w.Key("accounts").Int(static_cast<int64_t>(engine_->account_count()));
    w.Key("dump").String(options_.dump_accounts_path);
    w.Key("dump_seq").Int(dumped_next_ == 0 ? 0 : static_cast<int64_t>(dumped_next_ - 1));
    w.Key("put_ms").Int(NowMs());
    w.EndObject();
    const std::string value = w.Take();
    if (value == last_status_body_) return;
    uint64_t rev = 0;
    const std::string key(kStage2StatusKey);
    kvStore_Put(&rev, decisions_, key.c_str(), value.data(), static_cast<int>(value.size()));
    last_status_body_ = value;
  }

  const WorkerOptions& options_;
  std::atomic<bool>* stop_;
  WorkerStats* stats_;
  std::unique_ptr<NatsClient> client_;
  kvStore* leases_ = nullptr;
  kvStore* decisions_ = nullptr;
  natsSubscription* sub_ = nullptr;
  uint64_t lease_rev_ = 0;
  bool lease_lost_ = false;

  std::unique_ptr<Engine> engine_;
  std::unique_ptr<RequestIdDedup> dedup_;
  std::unique_ptr<Sequencer> sequencer_;
  EventDecoder decoder_;
  Event event_;
  PaddedLine padded_;
  std::vector<PutState> put_;
  std::unordered_map<std::string, CampaignPutState> campaign_put_;
  uint64_t catch_up_seq_ = 0;
  uint64_t last_classified_seq_ = 0;
  std::chrono::steady_clock::time_point last_receive_;
  bool caught_up_ = false;
  uint64_t events_last_seq_ = 0;
  uint64_t events_ = 0, quarantined_ = 0, duplicates_ = 0;
  uint64_t dumped_next_ = 0;
  int64_t last_stored_ms_ = 0;
  std::string last_status_body_;
};

}  // namespace

// Runs a stage again after a NATS error (see RunWorker), pausing between
// runs, until it ends otherwise or `stop` is set.
template <typename RunFn>
Status RunRestarting(const RunFn& run, const std::atomic<bool>& stop, WorkerStats* stats) {
  constexpr int64_t kFirstPauseMs = 200;
  constexpr int64_t kMaxPauseMs = 5000;
  int64_t pause_ms = kFirstPauseMs;
  while (true) {
    const auto started = std::chrono::steady_clock::now();
    Status s = run();
    if (s.ok() || s.code() != StatusCode::kIoError || stop.load()) return s;
    stats->restarts.fetch_add(1);
    // A run that got going before failing starts the next one quickly.
    if (std::chrono::steady_clock::now() - started > std::chrono::milliseconds(kMaxPauseMs)) pause_ms = kFirstPauseMs;
    for (int64_t waited = 0; waited < pause_ms && !stop.load(); waited += 20) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    pause_ms = std::min(kMaxPauseMs, pause_ms * 2);
  }
}

Status RunWorker(const WorkerOptions& in, std::atomic<bool>* stop, WorkerStats* stats_out) {
  WorkerStats local_stats;
  WorkerStats* stats = stats_out != nullptr ? stats_out : &local_stats;
  WorkerOptions options = in;
  if (options.workers == 0 || options.worker_index >= options.workers) {
    return Status::InvalidArgument("--worker-index must be in [0, --workers)");
  }
  if (options.worker_id.empty()) options.worker_id = fmt::format("w{}", options.worker_index);
  DG_RETURN_IF_ERROR(options.config.Validate());
  if (options.config.stream.nats_urls.empty()) return Status::InvalidArgument("no NATS server given (--nats URL)");
  Status stage1_status, stage2_status;
  std::atomic<bool> failed{false};
  std::atomic<bool> local_stop{false};
  // A failing stage stops the other: half a worker would look healthy.
  std::thread watcher([&] {
    while (!stop->load() && !failed.load()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    local_stop.store(true);
  });
  std::thread t1, t2;
  if (options.stage1) {
    t1 = std::thread([&] {
      stage1_status = RunRestarting([&] { return Stage1(options, &local_stop, stats).Run(); }, local_stop, stats);
      if (!stage1_status.ok()) failed.store(true);
    });
  }
  if (options.stage2) {
    t2 = std::thread([&] {
      stage2_status = RunRestarting([&] { return Stage2(options, &local_stop, stats).Run(); }, local_stop, stats);
      if (!stage2_status.ok()) failed.store(true);
    });
  }
  if (t1.joinable()) t1.join();
  if (t2.joinable()) t2.join();
  failed.store(true);
  watcher.join();
  if (!stage1_status.ok()) return stage1_status;
  return stage2_status;
}

}  // namespace dg
