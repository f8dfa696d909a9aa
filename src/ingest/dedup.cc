#include "ingest/dedup.h"

#include "common/hash.h"

namespace dg {

void RequestIdDedup::Expire(int64_t now_ms) {
  while (!order_.empty() && (order_.front().first < now_ms - window_ms_ || order_.size() >= max_ids_)) {
    ids_.erase(order_.front().second);
    order_.pop_front();
  }
}

bool RequestIdDedup::Insert(std::string_view request_id, int64_t ts_ms) {
  Expire(ts_ms);
  const uint64_t h = Hash64(request_id);
  if (!ids_.insert(h).second) return false;
  order_.emplace_back(ts_ms, h);
  return true;
}

}  // namespace dg
