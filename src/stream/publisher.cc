#include "stream/publisher.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>

#include "ingest/decoder.h"
#include "ingest/line_reader.h"
#include "stream/nats_client.h"
#include "stream/partition.h"

namespace dg {
namespace {

constexpr int64_t kAckWaitMs = 5000;
// Room for headers and subject within max_payload.
constexpr size_t kEnvelopeBytes = 1024;

// Filled by the library's ack thread, read between batches.
struct AckState {
  std::mutex mu;
  uint64_t stored = 0;
  uint64_t duplicates = 0;
  std::vector<natsMsg*> failed;  // owned until resent or destroyed
};

void OnAck(jsCtx*, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae, void* closure) {
  auto* state = static_cast<AckState*>(closure);
  std::lock_guard<std::mutex> lock(state->mu);
  if (pa != nullptr && pae == nullptr) {
    if (pa->Duplicate) {
      ++state->duplicates;
    } else {
      ++state->stored;
    }
    natsMsg_Destroy(msg);
    return;
  }
  state->failed.push_back(msg);
}

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

class BatchPublisher {
 public:
  BatchPublisher(NatsClient* client, AckState* state, const PublishOptions& options, PublishReport* report)
      : client_(client), state_(state), options_(options), report_(report) {}

  Status Add(const std::string& subject, std::string_view data, const std::string& msg_id, uint64_t truncated_length) {
    natsMsg* msg = nullptr;
    natsStatus s = natsMsg_Create(&msg, subject.c_str(), nullptr, data.data(), static_cast<int>(data.size()));
    if (s != NATS_OK) return NatsError(s, "message");
    if (!msg_id.empty()) natsMsgHeader_Set(msg, "Nats-Msg-Id", msg_id.c_str());
    if (truncated_length > 0) {
      natsMsgHeader_Set(msg, std::string(kTruncatedHeader).c_str(), std::to_string(truncated_length).c_str());
    }
    batch_.push_back(msg);
    if (batch_.size() >= options_.batch) return Flush();
    return Status::Ok();
  }

  // Sends the batch and waits until every message of it is acknowledged,
  // resending failures with their original message id.
  Status Flush() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.retry_for_ms);
    std::vector<natsMsg*> to_send = std::move(batch_);
    batch_.clear();
    int64_t backoff_ms = 50;
    while (!to_send.empty()) {
      jsPubOptions pub;
      jsPubOptions_Init(&pub);
      pub.MaxWait = kAckWaitMs;
      std::vector<natsMsg*> refused;
      for (natsMsg*& msg : to_send) {
        if (js_PublishMsgAsync(client_->js(), &msg, &pub) != NATS_OK) refused.push_back(msg);
        // On success the library owns msg and cleared the pointer.
      }
      jsPubOptions wait;
      jsPubOptions_Init(&wait);
      wait.MaxWait = 2 * kAckWaitMs;
      if (js_PublishAsyncComplete(client_->js(), &wait) != NATS_OK) {
        natsMsgList pending{};
        if (js_PublishAsyncGetPendingList(&pending, client_->js()) == NATS_OK) {
          for (int i = 0; i < pending.Count; ++i) {
            refused.push_back(pending.Msgs[i]);
            pending.Msgs[i] = nullptr;
          }
          natsMsgList_Destroy(&pending);
        }
      }
      {
        std::lock_guard<std::mutex> lock(state_->mu);
        refused.insert(refused.end(), state_->failed.begin(), state_->failed.end());
        state_->failed.clear();
        report_->stored = state_->stored;
        report_->duplicates = state_->duplicates;
      }
      to_send = std::move(refused);
      if (to_send.empty()) break;
      report_->retries += to_send.size();
      if (std::chrono::steady_clock::now() > deadline) {
        const size_t lost = to_send.size();
        for (natsMsg* m : to_send) natsMsg_Destroy(m);
        return Status::IoError(
            fmt::format("{} messages still unacknowledged after {} ms", lost, options_.retry_for_ms));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(backoff_ms));
      backoff_ms = std::min<int64_t>(backoff_ms * 2, 1000);
    }
    return Status::Ok();
  }

 private:
  NatsClient* client_;
  AckState* state_;
  const PublishOptions& options_;
  PublishReport* report_;
  std::vector<natsMsg*> batch_;
};

}  // namespace

Result<PublishReport> RunPublish(const PublishOptions& options, const PublishProgress& progress) {
  const auto start = std::chrono::steady_clock::now();
  if (options.inputs.empty()) return Status::InvalidArgument("no input files");
  if (options.batch == 0) return Status::InvalidArgument("batch must be >= 1");
  if (options.rate_per_s < 0) return Status::InvalidArgument("rate must be >= 0");
  LineReaderOptions reader_options;
  reader_options.max_line_bytes = options.max_line_bytes;
  std::vector<std::unique_ptr<LineReader>> readers;
  for (const auto& path : options.inputs) {
    auto reader = LineReader::Open(path, reader_options);
    if (!reader.ok()) return reader.status();
    readers.push_back(std::move(reader).value());
  }
  PublishReport report;
  for (const auto& r : readers) report.total_bytes += r->total_bytes();

  AckState state;
  auto client = NatsClient::Connect(options.stream.nats_urls, "distillguard-publish", OnAck, &state);
  if (!client.ok()) return client.status();
  DG_RETURN_IF_ERROR(EnsureTopology(**client, options.stream));
  const int64_t max_payload = natsConnection_GetMaxPayload((*client)->connection());
  const size_t max_data = std::min(
      options.max_line_bytes, static_cast<size_t>(std::max<int64_t>(max_payload, 2 * kEnvelopeBytes)) - kEnvelopeBytes);

  PublishOptions effective = options;
  if (options.rate_per_s > 0) {
    effective.batch = std::max<size_t>(1, std::min(options.batch, static_cast<size_t>(options.rate_per_s / 100)));
  }
  BatchPublisher publisher(client->get(), &state, effective, &report);
  EventDecoder decoder;
  Event event;
  const uint32_t partitions = static_cast<uint32_t>(options.stream.partitions);
  uint64_t consumed_before = 0;  // bytes of the inputs already finished
  uint64_t until_progress = 1 << 14;
  for (auto& reader : readers) {
    while (true) {
      const Line line = reader->Next();
      if (line.kind == LineKind::kEnd) break;
      if (line.kind == LineKind::kError) {
        report.input_errors.push_back(reader->error());
        break;
      }
      if (line.text.find_first_not_of(" \t\r") == std::string_view::npos && line.kind == LineKind::kLine) continue;
      ++report.lines;
      if (line.kind == LineKind::kTooLong || line.text.size() > max_data) {
        ++report.truncated;
        const std::string_view prefix = line.text.substr(0, std::min(line.text.size(), kQuarantineRawBytes));
        DG_RETURN_IF_ERROR(publisher.Add(EventsSubject(0), prefix, "", line.length));
      } else if (decoder.Decode(line.text, &event).ok()) {
        DG_RETURN_IF_ERROR(
            publisher.Add(EventsSubject(PartitionOf(event.account_id, partitions)), line.text, event.request_id, 0));
      } else {
        ++report.undecodable;
        DG_RETURN_IF_ERROR(publisher.Add(EventsSubject(0), line.text, "", 0));
      }
      if (options.rate_per_s > 0) {
        const auto due =
            start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                        std::chrono::duration<double>(static_cast<double>(report.lines) / options.rate_per_s));
        if (due > std::chrono::steady_clock::now()) {
          DG_RETURN_IF_ERROR(publisher.Flush());
          std::this_thread::sleep_until(due);
        }
      }
      if (--until_progress == 0 && progress) {
        until_progress = 1 << 14;
        report.bytes_consumed = consumed_before + reader->bytes_consumed();
        report.elapsed_s = Seconds(start);
        progress(report);
      }
    }
    consumed_before += reader->bytes_consumed();
  }
  DG_RETURN_IF_ERROR(publisher.Flush());
  report.bytes_consumed = consumed_before;
  report.elapsed_s = Seconds(start);
  if (progress) progress(report);
  return report;
}

}  // namespace dg
