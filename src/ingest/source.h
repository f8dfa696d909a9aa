// EventSource: the ingest stage as one stream. Opens every input, decodes
// each line, sends rejected lines to a QuarantineSink, puts lines that are a
// little out of order back in order, merges all inputs by `ts` and drops
// duplicate deliveries. Downstream stages (features, scoring) see one stream
// of events in event-time order.
//
//   LineReader (per input) -> EventDecoder -> reorder + merge heap -> dedup -> Next()
//
// Ordering: an event is held until every open input has read past
// ts + reorder_window_ms, so jitter up to the window is absorbed. An event
// later than that is still delivered (never dropped), as soon as it is read,
// and counted in `late`. Ties in `ts` keep input order, then line order, so a
// scan is deterministic and a prefix of a stream is scanned exactly as the
// start of the whole stream.
//
// Thread-safety: not thread-safe; one source per scan.
#ifndef DG_INGEST_SOURCE_H_
#define DG_INGEST_SOURCE_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include "common/status.h"
#include "ingest/decoder.h"
#include "ingest/dedup.h"
#include "ingest/event.h"
#include "ingest/line_reader.h"

namespace dg {

inline constexpr int64_t kDefaultReorderWindowMs = 10'000;

struct IngestOptions {
  size_t max_line_bytes = kDefaultMaxLineBytes;
  int64_t reorder_window_ms = kDefaultReorderWindowMs;
  int64_t dedup_window_ms = kDefaultDedupWindowMs;
  size_t dedup_max_ids = kDefaultDedupMaxIds;
};

// One rejected line, as written to quarantine.jsonl.
struct QuarantineRecord {
  uint64_t line = 0;   // 1-based line number in `input`
  std::string input;   // the input's path as given ("-" for stdin)
  std::string reason;  // why it was rejected
  std::string raw;     // the first kQuarantineRawBytes bytes of the line
};

// Receives rejected lines. Implemented by sinks (file) and the service (HTTP
// error list).
class QuarantineSink {
 public:
  virtual ~QuarantineSink() = default;
  virtual void Write(const QuarantineRecord& record) = 0;
};

struct IngestCounters {
  uint64_t lines = 0;         // lines read, all inputs
  uint64_t blank_lines = 0;   // empty or whitespace-only lines (not records)
  uint64_t events = 0;        // events delivered by Next()
  uint64_t quarantined = 0;   // lines rejected (incl. too long) plus input errors
  uint64_t too_long = 0;      // lines over max_line_bytes (also in quarantined)
  uint64_t duplicates = 0;    // repeated request_id, counted once
  uint64_t late = 0;          // delivered out of order (later than the reorder window)
  uint64_t input_errors = 0;  // inputs that ended in a read or decompression error
  uint64_t bytes = 0;         // bytes of lines read
};

// Where a source has got to, for progress lines.
struct SourceProgress {
  uint64_t events = 0;          // delivered by Next()
  uint64_t lines = 0;           // read, all inputs
  uint64_t bytes_consumed = 0;  // of the underlying (possibly compressed) inputs
  uint64_t total_bytes = 0;     // their total size, 0 when any is unknown (stdin)
};

class EventSource {
 public:
  // Opens every input ("-" is standard input). Fails with the first input
  // that cannot be opened (NotFound / IoError), before anything is read.
  static Result<std::unique_ptr<EventSource>> Open(const std::vector<std::string>& paths, const IngestOptions& options,
                                                   QuarantineSink* quarantine);

  // The next event in event-time order, or nullptr at the end. The event is
  // the source's own and stays valid (and unchanged) until the next call to
  // Next() or the source's destruction; events are decoded into a pool of
  // Events whose buffers are reused, so a steady stream copies no event and
  // allocates nothing per line.
  const Event* Next();
  // The same, swapped into `*event` (whose old contents go back to the pool);
  // false at the end.
  bool Next(Event* event);

  const IngestCounters& counters() const { return counters_; }
  // Errors that ended an input early (e.g. a truncated gzip file); each was
  // also written to the quarantine sink.
  const std::vector<Status>& input_errors() const { return input_errors_; }
  // For progress: bytes of the underlying inputs read so far, and their total
  // size (0 when any input's size is unknown, e.g. stdin).
  uint64_t bytes_consumed() const;
  uint64_t total_bytes() const;
  // The four above at once.
  SourceProgress progress() const { return {counters_.events, counters_.lines, bytes_consumed(), total_bytes()}; }

 private:
  struct Pending {
    int64_t ts_ms;
    uint32_t input;
    uint64_t line;
    size_t slot;  // index into events_
  };
  struct Later {
    bool operator()(const Pending& a, const Pending& b) const {
      if (a.ts_ms != b.ts_ms) return a.ts_ms > b.ts_ms;
      if (a.input != b.input) return a.input > b.input;
      return a.line > b.line;
    }
  };
  static constexpr size_t kNoSlot = static_cast<size_t>(-1);
  struct Input {
    std::unique_ptr<LineReader> reader;
    int64_t max_ts_ms = kNoTime;  // largest ts read from this input
    bool done = false;
  };

  EventSource(const IngestOptions& options, QuarantineSink* quarantine);
  // Reads lines from input `i` until it yields one event or ends.
  void ReadOne(uint32_t i);
  void Quarantine(uint32_t input, uint64_t line, std::string reason, std::string_view raw);
  // The input that holds back the watermark (smallest max_ts among open ones),
  // or -1 when all are done.
  int Laggard() const;
  bool Ready() const;

  IngestOptions options_;
  QuarantineSink* quarantine_;
  std::vector<Input> inputs_;
  EventDecoder decoder_;
  RequestIdDedup dedup_;
  std::priority_queue<Pending, std::vector<Pending>, Later> heap_;
  // Storage for pending events, decoded in place. A deque, so that growing
  // the pool (a burst wider than the reorder window has seen) does not move,
  // i.e. copy, every pending event.
  std::deque<Event> events_;
  std::vector<size_t> free_slots_;
  size_t lent_slot_ = kNoSlot;  // the slot Next() returned last; freed by the next call
  int64_t last_emitted_ms_ = kNoTime;
  IngestCounters counters_;
  std::vector<Status> input_errors_;
};

}  // namespace dg

#endif  // DG_INGEST_SOURCE_H_
