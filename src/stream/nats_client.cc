#include "stream/nats_client.h"

#include <fmt/format.h>

#include <chrono>
#include <thread>

#include "stream/partition.h"

namespace dg {
namespace {

constexpr int64_t kNanosPerMs = 1'000'000;
constexpr int64_t kTopologyRetryMs = 30'000;

}  // namespace

Status NatsError(natsStatus s, const std::string& what, jsErrCode code) {
  if (s == NATS_OK) return Status::Ok();
  std::string text = what + ": " + natsStatus_GetText(s);
  if (code != 0) text += fmt::format(" (jetstream error {})", static_cast<int>(code));
  return Status::IoError(text);
}

std::vector<std::string> SplitUrls(const std::vector<std::string>& flags) {
  std::vector<std::string> urls;
  for (const auto& flag : flags) {
    size_t start = 0;
    while (start <= flag.size()) {
      const size_t comma = flag.find(',', start);
      const size_t end = comma == std::string::npos ? flag.size() : comma;
      if (end > start) urls.push_back(flag.substr(start, end - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return urls;
}

Result<std::unique_ptr<NatsClient>> NatsClient::Connect(const std::vector<std::string>& urls, const std::string& name,
                                                        jsPubAckHandler ack_handler, void* ack_closure) {
  if (urls.empty()) return Status::InvalidArgument("no NATS server given (--nats URL or [stream] nats_urls)");
  std::unique_ptr<NatsClient> client(new NatsClient());
  natsStatus s = natsOptions_Create(&client->options_);
  if (s != NATS_OK) return NatsError(s, "nats options");
  std::vector<const char*> servers;
  for (const auto& u : urls) servers.push_back(u.c_str());
  s = natsOptions_SetServers(client->options_, servers.data(), static_cast<int>(servers.size()));
  if (s != NATS_OK) return Status::InvalidArgument(fmt::format("bad NATS URL list: {}", natsStatus_GetText(s)));
  natsOptions_SetName(client->options_, name.c_str());
  natsOptions_SetAllowReconnect(client->options_, true);
  natsOptions_SetMaxReconnect(client->options_, -1);
  natsOptions_SetReconnectWait(client->options_, 100);
  natsOptions_SetTimeout(client->options_, 2000);
  // Publishes made while reconnecting wait in this buffer (the default 8 MiB
  // is a few thousand events).
  natsOptions_SetReconnectBufSize(client->options_, 64 << 20);
  s = natsConnection_Connect(&client->connection_, client->options_);
  if (s != NATS_OK) return NatsError(s, "cannot connect to " + urls.front());
  jsOptions js_options;
  jsOptions_Init(&js_options);
  js_options.Wait = 5000;
  js_options.PublishAsync.MaxPending = 4096;
  js_options.PublishAsync.AckHandler = ack_handler;
  js_options.PublishAsync.AckHandlerClosure = ack_closure;
  s = natsConnection_JetStream(&client->js_, client->connection_, &js_options);
  if (s != NATS_OK) return NatsError(s, "jetstream context");
  return client;
}

NatsClient::~NatsClient() {
  if (js_ != nullptr) jsCtx_Destroy(js_);
  if (connection_ != nullptr) {
    natsConnection_Close(connection_);
    natsConnection_Destroy(connection_);
  }
  if (options_ != nullptr) natsOptions_Destroy(options_);
}

namespace {

Status EnsureStream(NatsClient& client, const std::string& name, const std::string& subject_prefix,
                    const StreamOptions& options) {
  jsStreamInfo* info = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&info, client.js(), name.c_str(), nullptr, &code);
  if (s == NATS_OK) {
    jsStreamInfo_Destroy(info);
    return Status::Ok();
  }
  if (s != NATS_NOT_FOUND) return NatsError(s, "stream info " + name, code);
  std::vector<std::string> subjects;
  for (int64_t p = 0; p < options.partitions; ++p) subjects.push_back(fmt::format("{}{}", subject_prefix, p));
  std::vector<const char*> subject_ptrs;
  for (const auto& sub : subjects) subject_ptrs.push_back(sub.c_str());
  jsStreamConfig config;
  jsStreamConfig_Init(&config);
  config.Name = name.c_str();
  config.Subjects = subject_ptrs.data();
  config.SubjectsLen = static_cast<int>(subject_ptrs.size());
  config.Storage = js_FileStorage;
  config.Replicas = options.replicas;
  config.Duplicates = options.duplicate_window_ms * kNanosPerMs;
  s = js_AddStream(&info, client.js(), &config, nullptr, &code);
  if (s != NATS_OK) return NatsError(s, "create stream " + name, code);
  jsStreamInfo_Destroy(info);
  return Status::Ok();
}

Status EnsureBucket(NatsClient& client, const std::string& name, int64_t ttl_ms, const StreamOptions& options) {
  kvStore* kv = nullptr;
  natsStatus s = js_KeyValue(&kv, client.js(), name.c_str());
  if (s == NATS_OK) {
    kvStore_Destroy(kv);
    return Status::Ok();
  }
  if (ttl_ms == 0) {
    kvConfig config;
    kvConfig_Init(&config);
    config.Bucket = name.c_str();
    config.History = 1;
    config.Replicas = static_cast<int>(options.replicas);
    config.StorageType = js_FileStorage;
    s = js_CreateKeyValue(&kv, client.js(), &config);
    if (s != NATS_OK) return NatsError(s, "create key-value bucket " + name);
    kvStore_Destroy(kv);
    return Status::Ok();
  }
  // A bucket whose values expire sooner than JetStream's default duplicate
  // window (2 min) is refused by the server unless the window is shortened
  // too, which kvConfig cannot say: create its stream by hand, as the KV
  // layer would (KV_<bucket>, $KV.<bucket>.>, one value per key).
  const std::string stream = "KV_" + name;
  const std::string subject = "$KV." + name + ".>";
  const char* subjects[] = {subject.c_str()};
  jsStreamConfig config;
  jsStreamConfig_Init(&config);
  config.Name = stream.c_str();
  config.Subjects = subjects;
  config.SubjectsLen = 1;
  config.MaxMsgsPerSubject = 1;
  config.MaxAge = ttl_ms * kNanosPerMs;
  config.Duplicates = ttl_ms * kNanosPerMs;
  config.Storage = js_FileStorage;
  config.Replicas = options.replicas;
  config.AllowRollup = true;
  config.DenyDelete = true;
  config.AllowDirect = true;
  config.Discard = js_DiscardNew;
  jsStreamInfo* info = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  s = js_AddStream(&info, client.js(), &config, nullptr, &code);
  if (s != NATS_OK) return NatsError(s, "create key-value bucket " + name, code);
  jsStreamInfo_Destroy(info);
  return Status::Ok();
}

}  // namespace

Status EnsureTopology(NatsClient& client, const StreamOptions& options) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kTopologyRetryMs);
  Status last;
  while (true) {
    last = EnsureStream(client, options.events_stream, std::string(kEventsSubjectPrefix), options);
    if (last.ok())
      last = EnsureStream(client, options.classified_stream, std::string(kClassifiedSubjectPrefix), options);
    if (last.ok()) last = EnsureBucket(client, options.decisions_bucket, 0, options);
    if (last.ok()) last = EnsureBucket(client, options.leases_bucket, options.lease_ttl_ms, options);
    if (last.ok()) break;
    if (std::chrono::steady_clock::now() > deadline) return last;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  // The partition count is fixed by the stream: a worker or publisher
  // configured otherwise would route accounts to subjects nobody owns.
  jsStreamInfo* info = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&info, client.js(), options.events_stream.c_str(), nullptr, &code);
  if (s != NATS_OK) return NatsError(s, "stream info " + options.events_stream, code);
  const int subjects = info->Config->SubjectsLen;
  jsStreamInfo_Destroy(info);
  if (subjects != options.partitions) {
    return Status::InvalidArgument(
        fmt::format("stream {} has {} partitions, configured {}", options.events_stream, subjects, options.partitions));
  }
  return Status::Ok();
}

Result<kvStore*> OpenBucket(NatsClient& client, const std::string& name) {
  kvStore* kv = nullptr;
  natsStatus s = js_KeyValue(&kv, client.js(), name.c_str());
  if (s != NATS_OK) return NatsError(s, "key-value bucket " + name);
  return kv;
}

Result<StreamBounds> GetStreamBounds(NatsClient& client, const std::string& stream) {
  jsStreamInfo* info = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&info, client.js(), stream.c_str(), nullptr, &code);
  if (s != NATS_OK) return NatsError(s, "stream info " + stream, code);
  StreamBounds b{info->State.FirstSeq, info->State.LastSeq, info->State.Msgs};
  jsStreamInfo_Destroy(info);
  return b;
}

}  // namespace dg
