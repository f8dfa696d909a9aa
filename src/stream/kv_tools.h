// Reading the DG_DECISIONS bucket of the scale-out (docs/scale-out.md): a
// snapshot of every key (`distillguard kv-dump`, tests) and a watch of every
// change (`distillguard kv-watch`, benchmarks; `serve --nats` applies the
// same watch to its decision table).
//
// Thread-safety: functions block the calling thread; `stop` may be set from
// any thread.
#ifndef DG_STREAM_KV_TOOLS_H_
#define DG_STREAM_KV_TOOLS_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "scoring/policy.h"
#include "stream/nats_client.h"

namespace dg {

struct KvItem {
  std::string key;
  std::string value;  // empty for a delete
  uint64_t revision = 0;
  bool deleted = false;
};

// An acct.<id> value of DG_DECISIONS as stage 2 writes it (worker.cc).
struct KvDecision {
  std::string account_id;
  Action action = Action::kAllow;
  double score = 0;
  std::string campaign;  // empty: none
  int64_t exchanges = 0;
};
// InvalidArgument when `json` is not such a value.
Result<KvDecision> ParseKvDecision(std::string_view json);

// Every live key of `bucket` with its value, sorted by key.
Result<std::vector<KvItem>> DumpBucket(NatsClient& client, const std::string& bucket);

// Calls `on_item` for every current value, then for every change, until
// *stop is set. `on_item` runs on the calling thread.
Status WatchBucket(NatsClient& client, const std::string& bucket, const std::function<void(const KvItem&)>& on_item,
                   std::atomic<bool>* stop);

}  // namespace dg

#endif  // DG_STREAM_KV_TOOLS_H_
