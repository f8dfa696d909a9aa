#include "service/metrics.h"

#include <unistd.h>

#include <cstdio>

namespace dg {

void LatencyHistogram::Observe(int64_t micros) {
  size_t i = 0;
  while (i < kLatencyBucketsUs.size() && micros > kLatencyBucketsUs[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_us_.fetch_add(static_cast<uint64_t>(micros < 0 ? 0 : micros), std::memory_order_relaxed);
}

void LatencyHistogram::Render(std::string_view name, std::string_view labels, std::string* out) const {
  const std::string prefix(name);
  const std::string sep = labels.empty() ? "" : ",";
  uint64_t cumulative = 0;
  char buf[64];
  for (size_t i = 0; i <= kLatencyBucketsUs.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    std::string le;
    if (i < kLatencyBucketsUs.size()) {
      std::snprintf(buf, sizeof(buf), "%g", static_cast<double>(kLatencyBucketsUs[i]) / 1e6);
      le = buf;
    } else {
      le = "+Inf";
    }
    *out += prefix + "_bucket{" + std::string(labels) + sep + "le=\"" + le + "\"} " + std::to_string(cumulative) + "\n";
  }
  std::snprintf(buf, sizeof(buf), "%.6f", static_cast<double>(sum_us_.load(std::memory_order_relaxed)) / 1e6);
  const std::string label_set = labels.empty() ? "" : "{" + std::string(labels) + "}";
  *out += prefix + "_sum" + label_set + " " + buf + "\n";
  *out += prefix + "_count" + label_set + " " + std::to_string(count_.load(std::memory_order_relaxed)) + "\n";
}

int64_t ResidentMemoryBytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  long long size_pages = 0;
  long long resident_pages = 0;
  const int n = std::fscanf(f, "%lld %lld", &size_pages, &resident_pages);
  std::fclose(f);
  if (n != 2) return 0;
  return resident_pages * static_cast<int64_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace dg
