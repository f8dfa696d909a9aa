// Shipper: posts a gateway's access log, one exchange event per line, to
// the decision service's POST /v1/events (`distillguard ship`).
//
// Gateway side: nginx/HAProxy write SCHEMA.md section-1 events into their
// access log (deploy/); LogFollower (gateway/log_follower.h) reads the new
// lines, the Shipper batches them (up to batch_lines / batch_bytes, or what
// arrived within flush_interval_ms) and posts each batch as NDJSON. A batch
// that fails (no connection, 5xx, 429, 408) is posted again, unchanged,
// after a growing pause, until it is accepted: delivery is at least once,
// and the service counts a redelivered request_id once. An answer that
// retrying cannot fix (401, 403, 404, 413, 415, other 4xx) ends Run with an
// error. Lines the service rejects (bad JSON, missing fields) are counted,
// not retried.
//
// Thread-safety: Run() on one thread; `stop` may be set from any other.
#ifndef DG_GATEWAY_SHIPPER_H_
#define DG_GATEWAY_SHIPPER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace dg {

struct ShipOptions {
  std::string log_path;
  bool from_start = false;               // read the log from its beginning, not its end
  bool once = false;                     // stop at the end of the log instead of following it
  size_t batch_lines = 500;              // most lines in one post
  size_t batch_bytes = size_t{4} << 20;  // most bytes in one post (keep below service.max_body_bytes)
  int64_t flush_interval_ms = 200;       // a partial batch waits at most this long for more lines
  int64_t poll_interval_ms = 100;        // how often the log is looked at when idle
  int64_t retry_initial_ms = 200;        // first pause before re-posting a failed batch; doubles
  int64_t retry_max_ms = 10000;          // up to this
  // Where the log was shipped up to, kept across restarts (empty: not
  // kept). Written after each accepted batch (atomically: a temporary file
  // renamed over it); on start a saved position of the same file wins over
  // from_start, and a log that was rotated or truncated since is read from
  // its start. The position lags what was posted, never leads it: a crash
  // repeats at most the batches after the last save, which the service
  // counts once (request_id).
  std::string position_path;
};

// What one post got back: an HTTP status and body, or a transport error
// (status 0, `error` says what).
struct PostResult {
  int status = 0;
  std::string body;
  std::string error;
};
// Posts one NDJSON body to /v1/events.
using PostFn = std::function<PostResult(const std::string& ndjson)>;

// A PostFn over HTTP/1.1 (keep-alive) to `base_url` ("http://host:port"),
// with "Authorization: Bearer token" when `token` is not empty.
// InvalidArgument for a URL it cannot use.
Result<PostFn> HttpEventPoster(std::string_view base_url, std::string token, int64_t timeout_ms);

struct ShipStats {
  int64_t lines = 0;      // lines read from the log
  int64_t accepted = 0;   // lines the service accepted
  int64_t rejected = 0;   // lines the service rejected (reported, not retried)
  int64_t batches = 0;    // batches accepted
  int64_t retries = 0;    // posts that failed and were repeated
  int64_t rotations = 0;  // log rotations followed
  bool resumed = false;   // went on from a saved position
};

// Called with a one-line note on retries and rejected lines (the tool
// prints them; may be empty).
using ShipNote = std::function<void(const std::string&)>;

// Ships until the log ends (`once`) or `stop` is set; then posts what was
// read (a batch still failing when stopped is dropped: it is still in the
// log). `stats` is updated as it goes.
Status Ship(const ShipOptions& options, const PostFn& post, const std::atomic<bool>& stop, ShipStats* stats,
            const ShipNote& note = {});

}  // namespace dg

#endif  // DG_GATEWAY_SHIPPER_H_
