#include "stream/kv_tools.h"

#include <simdjson.h>

#include <algorithm>

namespace dg {
namespace {

KvItem ItemOf(kvEntry* e) {
  KvItem item;
  item.key = kvEntry_Key(e);
  item.revision = kvEntry_Revision(e);
  const kvOperation op = kvEntry_Operation(e);
  item.deleted = op == kvOp_Delete || op == kvOp_Purge;
  if (!item.deleted && kvEntry_ValueLen(e) > 0) {
    item.value.assign(static_cast<const char*>(kvEntry_Value(e)), static_cast<size_t>(kvEntry_ValueLen(e)));
  }
  return item;
}

}  // namespace

Result<KvDecision> ParseKvDecision(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS || !root.is_object()) {
    return Status::InvalidArgument("decision value is not a JSON object");
  }
  KvDecision d;
  std::string_view text;
  if (root["account_id"].get(text) != simdjson::SUCCESS || text.empty()) {
    return Status::InvalidArgument("decision value without account_id");
  }
  d.account_id = std::string(text);
  if (root["action"].get(text) != simdjson::SUCCESS) return Status::InvalidArgument("decision value without action");
  const auto action = ParseAction(text);
  if (!action) return Status::InvalidArgument("unknown action '" + std::string(text) + "'");
  d.action = *action;
  double score = 0;
  if (root["score"].get(score) == simdjson::SUCCESS) d.score = score;
  if (root["campaign"].get(text) == simdjson::SUCCESS) d.campaign = std::string(text);
  int64_t exchanges = 0;
  if (root["exchanges"].get(exchanges) == simdjson::SUCCESS) d.exchanges = exchanges;
  return d;
}

Result<std::vector<KvItem>> DumpBucket(NatsClient& client, const std::string& bucket) {
  auto kv = OpenBucket(client, bucket);
  if (!kv.ok()) return kv.status();
  std::vector<KvItem> items;
  // A watch that stops at the end of the initial values reads every key in
  // one pass (kvStore_Keys followed by a Get per key would be one round trip
  // per key).
  kvWatchOptions options;
  kvWatchOptions_Init(&options);
  options.IgnoreDeletes = true;
  kvWatcher* watcher = nullptr;
  natsStatus s = kvStore_WatchAll(&watcher, *kv, &options);
  if (s != NATS_OK) {
    kvStore_Destroy(*kv);
    return NatsError(s, "watch " + bucket);
  }
  while (true) {
    kvEntry* e = nullptr;
    s = kvWatcher_Next(&e, watcher, 5000);
    if (s != NATS_OK) break;
    if (e == nullptr) break;  // end of the initial values
    items.push_back(ItemOf(e));
    kvEntry_Destroy(e);
  }
  kvWatcher_Destroy(watcher);
  kvStore_Destroy(*kv);
  if (s != NATS_OK) return NatsError(s, "reading " + bucket);
  std::sort(items.begin(), items.end(), [](const KvItem& a, const KvItem& b) { return a.key < b.key; });
  return items;
}

Status WatchBucket(NatsClient& client, const std::string& bucket, const std::function<void(const KvItem&)>& on_item,
                   std::atomic<bool>* stop) {
  auto kv = OpenBucket(client, bucket);
  if (!kv.ok()) return kv.status();
  kvWatcher* watcher = nullptr;
  natsStatus s = kvStore_WatchAll(&watcher, *kv, nullptr);
  if (s != NATS_OK) {
    kvStore_Destroy(*kv);
    return NatsError(s, "watch " + bucket);
  }
  Status result;
  while (!stop->load()) {
    kvEntry* e = nullptr;
    s = kvWatcher_Next(&e, watcher, 100);
    if (s == NATS_TIMEOUT) continue;
    if (s != NATS_OK) {
      result = NatsError(s, "watch " + bucket);
      break;
    }
    if (e == nullptr) continue;  // end of the initial values
    on_item(ItemOf(e));
    kvEntry_Destroy(e);
  }
  kvWatcher_Destroy(watcher);
  kvStore_Destroy(*kv);
  return result;
}

}  // namespace dg
