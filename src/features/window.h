// Fixed-memory counters over sliding windows of event time, used by the
// per-account state (features/account_state.h).
//
// A ring of N buckets of `BucketMs` each; Add() advances the ring to the
// event's bucket, clearing the buckets that fell out. Events older than the
// ring's newest bucket (late arrivals) count in the newest bucket, so a late
// event is never lost, only placed at most one reorder window too late.
//
// Thread-safety: none; owned by one account state.
#ifndef DG_FEATURES_WINDOW_H_
#define DG_FEATURES_WINDOW_H_

#include <algorithm>
#include <array>
#include <cstdint>
#include <numeric>
#include <vector>

#include "common/time_util.h"

namespace dg {

template <size_t N, int64_t BucketMs, typename Count = uint32_t>
class SlidingWindowCounter {
 public:
  void Add(int64_t ts_ms, Count n = 1) {
    Advance(ts_ms);
    buckets_[static_cast<size_t>(head_ % static_cast<int64_t>(N))] += n;
  }
  // Sum over the window ending at `now_ms` (N buckets including the current).
  uint64_t Sum(int64_t now_ms) const {
    const int64_t bucket = Bucket(now_ms);
    if (head_ == kNone || bucket - head_ >= static_cast<int64_t>(N)) return 0;
    uint64_t sum = 0;
    const int64_t oldest = bucket - static_cast<int64_t>(N) + 1;
    for (int64_t b = std::max({oldest, head_ - static_cast<int64_t>(N) + 1, int64_t{0}}); b <= head_; ++b) {
      sum += buckets_[static_cast<size_t>(b % static_cast<int64_t>(N))];
    }
    return sum;
  }
  // Largest single bucket currently held.
  Count Max() const { return *std::max_element(buckets_.begin(), buckets_.end()); }
  // Number of non-empty buckets currently held.
  size_t NonEmpty() const {
    return static_cast<size_t>(std::count_if(buckets_.begin(), buckets_.end(), [](Count c) { return c != 0; }));
  }

 private:
  static constexpr int64_t kNone = -1;
  static int64_t Bucket(int64_t ts_ms) { return ts_ms < 0 ? 0 : ts_ms / BucketMs; }
  void Advance(int64_t ts_ms) {
    const int64_t bucket = Bucket(ts_ms);
    if (head_ == kNone) {
      head_ = bucket;
      return;
    }
    if (bucket <= head_) return;  // same bucket, or a late event: count it in the newest
    const int64_t steps = std::min<int64_t>(bucket - head_, static_cast<int64_t>(N));
    for (int64_t i = 1; i <= steps; ++i) buckets_[static_cast<size_t>((head_ + i) % static_cast<int64_t>(N))] = 0;
    head_ = bucket;
  }

  std::array<Count, N> buckets_{};
  int64_t head_ = kNone;
};

// Streaming mean and variance (Welford), for inter-arrival regularity.
class RunningStats {
 public:
  void Add(double x) {
    ++n_;
    const double d = x - mean_;
    mean_ += d / static_cast<double>(n_);
    m2_ += d * (x - mean_);
  }
  uint64_t count() const { return n_; }
  double mean() const { return mean_; }
  double variance() const { return n_ > 1 ? m2_ / static_cast<double>(n_ - 1) : 0.0; }

 private:
  uint64_t n_ = 0;
  double mean_ = 0;
  double m2_ = 0;
};

// Remembers up to N distinct 64-bit values (hashes) and counts how many more
// distinct ones were seen once full (approximate beyond N: a value seen
// again after the set filled is counted again). Bounded memory per account.
template <size_t N>
class SmallDistinct {
 public:
  void Add(uint64_t h) {
    for (size_t i = 0; i < size_; ++i) {
      if (values_[i] == h) return;
    }
    if (size_ < N) {
      values_[size_++] = h;
    } else if (h != last_overflow_) {
      ++overflow_;
      last_overflow_ = h;
    }
  }
  uint64_t count() const { return size_ + overflow_; }
  bool saturated() const { return size_ == N; }

 private:
  std::array<uint64_t, N> values_{};
  uint32_t size_ = 0;
  uint32_t overflow_ = 0;
  uint64_t last_overflow_ = 0;
};

// HourlyTimeline: an account's exchanges per clock hour, served and refused,
// for the campaign timelines of campaigns.json and reports. Run-length over
// active hours only (an account active a few hours a day costs a few bytes a
// day); at most kMaxHours entries, the oldest two merged when full, so memory
// stays bounded and totals are never lost (only their placement blurs).
class HourlyTimeline {
 public:
  static constexpr size_t kMaxHours = 24 * 14;
  struct Hour {
    int32_t hour;  // hours since the epoch
    uint32_t served;
    uint32_t refused;
  };

  void Add(int64_t ts_ms, bool refused) {
    const auto hour = static_cast<int32_t>(ts_ms / kMsPerHour);
    if (hours_.empty() || hours_.back().hour < hour) {
      if (hours_.size() == kMaxHours) {
        hours_[1].served += hours_[0].served;
        hours_[1].refused += hours_[0].refused;
        hours_.erase(hours_.begin());
      }
      hours_.push_back(Hour{hour, 0, 0});
    }
    // A late event (earlier hour) counts in the newest hour.
    (refused ? hours_.back().refused : hours_.back().served) += 1;
  }
  const std::vector<Hour>& hours() const { return hours_; }

 private:
  std::vector<Hour> hours_;
};

}  // namespace dg

#endif  // DG_FEATURES_WINDOW_H_
