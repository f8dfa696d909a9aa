// Service metrics: lock-free counters and latency histograms rendered in the
// Prometheus text exposition format for GET /metrics.
//
// Thread-safety: Observe() and the counters may be used from any thread
// (relaxed atomics: a scrape may see a histogram mid-update, off by one).
#ifndef DG_SERVICE_METRICS_H_
#define DG_SERVICE_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace dg {

// Bucket upper bounds in microseconds: fine below a millisecond, where the
// check latency target lies, coarse above.
inline constexpr std::array<int64_t, 14> kLatencyBucketsUs = {25,   50,   100,   250,   500,    750,    1000,
                                                              2500, 5000, 10000, 25000, 100000, 500000, 1000000};

class LatencyHistogram {
 public:
  void Observe(int64_t micros);
  // Appends `name`_bucket/_sum/_count lines with the given label set (e.g.
  // `route="check"`), in seconds.
  void Render(std::string_view name, std::string_view labels, std::string* out) const;

 private:
  std::array<std::atomic<uint64_t>, kLatencyBucketsUs.size() + 1> buckets_{};  // last: +Inf
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_us_{0};
};

// Bytes of resident memory of this process (0 if unknown).
int64_t ResidentMemoryBytes();

}  // namespace dg

#endif  // DG_SERVICE_METRICS_H_
