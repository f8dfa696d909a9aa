// RequestIdDedup: drops duplicate deliveries of one exchange, in bounded memory.
//
// Ingest stage, after decoding and reordering. A repeated `request_id` is a
// duplicate delivery (../shared/SCHEMA.md section 1) and is counted once. The
// set is windowed in event time: an id is remembered for `window_ms` after the
// event that carried it, and at most `max_ids` ids are remembered (the oldest
// are forgotten first). A duplicate that arrives later than that is counted
// again; the window is sized for redelivery (seconds to hours), not for
// replays of old files. Ids are kept as 64-bit xxHash3 values: with 4M ids
// held, the chance that two different ids collide is about 1e-6.
//
// Memory: about 40 bytes per remembered id.
// Thread-safety: not thread-safe; one per stream.
#ifndef DG_INGEST_DEDUP_H_
#define DG_INGEST_DEDUP_H_

#include <absl/container/flat_hash_set.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <string_view>
#include <utility>

#include "common/huge_page_allocator.h"

namespace dg {

inline constexpr int64_t kDefaultDedupWindowMs = int64_t{24} * 60 * 60 * 1000;
inline constexpr size_t kDefaultDedupMaxIds = size_t{4} << 20;

class RequestIdDedup {
 public:
  RequestIdDedup(int64_t window_ms, size_t max_ids) : window_ms_(window_ms), max_ids_(max_ids) {}

  // True the first time `request_id` is seen within the window; false for a
  // duplicate. `ts_ms` should be non-decreasing across calls (it drives expiry).
  bool Insert(std::string_view request_id, int64_t ts_ms);

  size_t size() const { return ids_.size(); }

 private:
  void Expire(int64_t now_ms);

  int64_t window_ms_;
  size_t max_ids_;
  // Probed for every event: on huge pages where the kernel gives them.
  absl::flat_hash_set<uint64_t, absl::Hash<uint64_t>, std::equal_to<uint64_t>, HugePageAllocator<uint64_t>> ids_;
  std::deque<std::pair<int64_t, uint64_t>> order_;  // (ts, id hash), oldest first
};

}  // namespace dg

#endif  // DG_INGEST_DEDUP_H_
