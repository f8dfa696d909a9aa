// RunPublish: `distillguard publish` without the command line. Pushes input
// files (plain, .gz, .zst; ingest/line_reader.h) line by line into the
// DG_EVENTS stream of the scale-out (docs/scale-out.md), for backfills and
// tests.
//
// Each line goes to dg.events.<PartitionOf(account_id)> with the JetStream
// message id = request_id, so a line published twice within the stream's
// duplicate window (a retry after a lost acknowledgement, a backfill run
// again) is stored once. A line that does not decode goes to partition 0
// without a message id, to be quarantined by stage 1: nothing is dropped
// silently. A line longer than the limit (or than the server's max_payload)
// is sent as its first kQuarantineRawBytes bytes with a `Dg-Truncated`
// header giving its length, and is quarantined downstream as well.
//
// Publishes are asynchronous in batches (bounded in flight); a batch's
// unacknowledged messages are sent again, with the same message id, until
// they are acknowledged or `retry_for_ms` passes, which carries a publish
// across a NATS node dying or a stream leader election. Blank lines are
// skipped, as `scan` skips them.
//
// Library code: progress through a callback, errors as Status.
#ifndef DG_STREAM_PUBLISHER_H_
#define DG_STREAM_PUBLISHER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "pipeline/config.h"

namespace dg {

inline constexpr std::string_view kTruncatedHeader = "Dg-Truncated";

struct PublishOptions {
  std::vector<std::string> inputs;  // paths, "-" for stdin
  StreamOptions stream;
  size_t max_line_bytes = size_t{16} << 20;
  size_t batch = 512;              // messages in flight at most
  int64_t retry_for_ms = 120'000;  // give up on a message after this long
  // At most this many lines per second (0: as fast as the cluster takes
  // them); batches then hold 10 ms of lines, for latency measurements.
  double rate_per_s = 0;
};

struct PublishReport {
  uint64_t lines = 0;        // non-blank lines read
  uint64_t stored = 0;       // acknowledged as new by the stream
  uint64_t duplicates = 0;   // acknowledged as duplicates (message id seen within the window)
  uint64_t undecodable = 0;  // sent to partition 0 for quarantine
  uint64_t truncated = 0;    // sent as a prefix with Dg-Truncated
  uint64_t retries = 0;      // messages sent again after a failure or a timeout
  uint64_t bytes_consumed = 0;
  uint64_t total_bytes = 0;
  double elapsed_s = 0;
  std::vector<Status> input_errors;  // inputs that ended early (their earlier lines were published)
};

using PublishProgress = std::function<void(const PublishReport&)>;

// InvalidArgument / NotFound for bad options or unreadable inputs (before
// anything is sent), IoError when the cluster cannot be reached or a message
// stays unacknowledged for retry_for_ms.
Result<PublishReport> RunPublish(const PublishOptions& options, const PublishProgress& progress);

}  // namespace dg

#endif  // DG_STREAM_PUBLISHER_H_
