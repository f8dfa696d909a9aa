#include "features/window.h"

#include <gtest/gtest.h>

namespace dg {
namespace {

TEST(SlidingWindowTest, CountsWithinTheWindowAndForgetsOlderBuckets) {
  SlidingWindowCounter<60, kMsPerMinute> per_minute;
  per_minute.Add(0);
  per_minute.Add(30 * kMsPerMinute);
  per_minute.Add(59 * kMsPerMinute);
  EXPECT_EQ(per_minute.Sum(59 * kMsPerMinute), 3u);
  EXPECT_EQ(per_minute.Sum(60 * kMsPerMinute), 2u);   // minute 0 fell out
  EXPECT_EQ(per_minute.Sum(200 * kMsPerMinute), 0u);  // all fell out
  per_minute.Add(200 * kMsPerMinute);
  EXPECT_EQ(per_minute.Sum(200 * kMsPerMinute), 1u);
  EXPECT_EQ(per_minute.NonEmpty(), 1u);
}

TEST(SlidingWindowTest, LateEventsCountInTheNewestBucket) {
  SlidingWindowCounter<24, kMsPerHour> per_hour;
  per_hour.Add(10 * kMsPerHour);
  per_hour.Add(9 * kMsPerHour);  // late
  EXPECT_EQ(per_hour.Sum(10 * kMsPerHour), 2u);
  EXPECT_EQ(per_hour.Max(), 2u);
}

TEST(RunningStatsTest, MeanAndVariance) {
  RunningStats s;
  for (double x : {2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0}) s.Add(x);
  EXPECT_DOUBLE_EQ(s.mean(), 5.0);
  EXPECT_NEAR(s.variance(), 32.0 / 7.0, 1e-12);
}

TEST(SmallDistinctTest, ExactUpToCapacityThenCounts) {
  SmallDistinct<3> d;
  for (uint64_t v : {1, 2, 2, 3, 1}) d.Add(v);
  EXPECT_EQ(d.count(), 3u);
  EXPECT_FALSE(d.saturated() && d.count() > 3);
  d.Add(4);
  d.Add(5);
  EXPECT_EQ(d.count(), 5u);
}

TEST(HourlyTimeline, CountsServedAndRefusedPerActiveHour) {
  HourlyTimeline t;
  t.Add(10 * kMsPerHour + 5, false);
  t.Add(10 * kMsPerHour + 999, true);
  t.Add(13 * kMsPerHour, false);
  t.Add(12 * kMsPerHour, true);  // late: counts in the newest hour
  ASSERT_EQ(t.hours().size(), 2u);
  EXPECT_EQ(t.hours()[0].hour, 10);
  EXPECT_EQ(t.hours()[0].served, 1u);
  EXPECT_EQ(t.hours()[0].refused, 1u);
  EXPECT_EQ(t.hours()[1].hour, 13);
  EXPECT_EQ(t.hours()[1].served, 1u);
  EXPECT_EQ(t.hours()[1].refused, 1u);
}

TEST(HourlyTimeline, StaysBoundedWithoutLosingTotals) {
  HourlyTimeline t;
  const int64_t n = HourlyTimeline::kMaxHours + 100;
  for (int64_t h = 0; h < n; ++h) t.Add(h * kMsPerHour, h % 2 == 0);
  EXPECT_EQ(t.hours().size(), HourlyTimeline::kMaxHours);
  uint64_t total = 0;
  for (const auto& h : t.hours()) total += h.served + h.refused;
  EXPECT_EQ(total, static_cast<uint64_t>(n));
  EXPECT_EQ(t.hours().back().hour, n - 1);
}

}  // namespace
}  // namespace dg
