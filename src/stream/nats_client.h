// NatsClient: one connection to a NATS cluster with its JetStream context,
// and the topology of the scale-out (docs/scale-out.md): the streams
// DG_EVENTS (dg.events.<p>) and DG_CLASSIFIED (dg.classified.<p>), the
// key-value buckets DG_DECISIONS and DG_LEASES. Lowest layer of src/stream/;
// the publisher, the workers and the watcher sit on it.
//
// The connection reconnects forever (to any server of the list or one the
// cluster advertises), and buffers publishes while it is disconnected, so a
// NATS node dying is a pause, not an error.
//
// Thread-safety: the underlying libnats connection and context are
// thread-safe; the object itself is not copied or moved.
#ifndef DG_STREAM_NATS_CLIENT_H_
#define DG_STREAM_NATS_CLIENT_H_

#include <nats/nats.h>

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "pipeline/config.h"

namespace dg {

// "what: libnats text (jetstream error code)" as IoError, or Ok.
Status NatsError(natsStatus s, const std::string& what, jsErrCode code = static_cast<jsErrCode>(0));

// Splits "nats://a:1,nats://b:2" (and repeated flags) into URLs.
std::vector<std::string> SplitUrls(const std::vector<std::string>& flags);

class NatsClient {
 public:
  // `ack_handler` (may be null) receives every asynchronous publish result.
  static Result<std::unique_ptr<NatsClient>> Connect(const std::vector<std::string>& urls, const std::string& name,
                                                     jsPubAckHandler ack_handler = nullptr,
                                                     void* ack_closure = nullptr);
  ~NatsClient();
  NatsClient(const NatsClient&) = delete;
  NatsClient& operator=(const NatsClient&) = delete;

  natsConnection* connection() const { return connection_; }
  jsCtx* js() const { return js_; }

 private:
  NatsClient() = default;
  natsOptions* options_ = nullptr;
  natsConnection* connection_ = nullptr;
  jsCtx* js_ = nullptr;
};

// Creates whatever of the topology is missing (existing streams and buckets
// are left as they are; a partition count that differs from the existing
// stream's is an error). Retries for a while: right after a cluster starts,
// or while a node is down, JetStream may have no meta leader yet.
Status EnsureTopology(NatsClient& client, const StreamOptions& options);

// The key-value bucket `name`, which must exist.
Result<kvStore*> OpenBucket(NatsClient& client, const std::string& name);

// DG_EVENTS' (or any stream's) first and last sequence; 0 for an empty one.
struct StreamBounds {
  uint64_t first_seq = 0;
  uint64_t last_seq = 0;
  uint64_t messages = 0;
};
Result<StreamBounds> GetStreamBounds(NatsClient& client, const std::string& stream);

}  // namespace dg

#endif  // DG_STREAM_NATS_CLIENT_H_
