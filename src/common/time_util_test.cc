#include "common/time_util.h"

#include <gtest/gtest.h>

namespace dg {
namespace {

TEST(TimeUtilTest, ParsesUtcWithMilliseconds) {
  EXPECT_EQ(ParseRfc3339Ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseRfc3339Ms("1970-01-01T00:00:01.250Z"), 1250);
  // 1776852001000 is the epoch-ms value the conformance check pairs with this time.
  EXPECT_EQ(ParseRfc3339Ms("2026-04-22T10:00:01.000Z"), 1776852001000);
}

TEST(TimeUtilTest, AppliesOffsetsAndTruncatesLongFractions) {
  EXPECT_EQ(ParseRfc3339Ms("2026-04-22T12:00:01+02:00"), ParseRfc3339Ms("2026-04-22T10:00:01Z"));
  EXPECT_EQ(ParseRfc3339Ms("2026-04-22T05:00:01-05:00"), ParseRfc3339Ms("2026-04-22T10:00:01Z"));
  EXPECT_EQ(ParseRfc3339Ms("1970-01-01T00:00:00.123456789Z"), 123);
  EXPECT_EQ(ParseRfc3339Ms("1970-01-01T00:00:00.5Z"), 500);
  EXPECT_EQ(ParseRfc3339Ms("2026-04-01"), ParseRfc3339Ms("2026-04-01T00:00:00Z"));
}

TEST(TimeUtilTest, RejectsMalformedAndImpossibleTimes) {
  for (const char* bad :
       {"", "yesterday", "2026-04-22T10:00:00", "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-04-22T24:00:00Z",
        "2026-04-22T10:00:00.Z", "2026-04-22T10:00:00Zjunk", "2026-04-22T10:00:00+0200", "2026-4-22T10:00:00Z"}) {
    EXPECT_FALSE(ParseRfc3339Ms(bad).has_value()) << bad;
  }
  EXPECT_TRUE(ParseRfc3339Ms("2024-02-29T00:00:00Z").has_value());
  EXPECT_FALSE(ParseRfc3339Ms("2023-02-29T00:00:00Z").has_value());
}

TEST(TimeUtilTest, FormatRoundTrips) {
  for (int64_t ms : {int64_t{0}, int64_t{1776852001000}, int64_t{1776852001999}, int64_t{-1}, int64_t{951782400123}}) {
    EXPECT_EQ(ParseRfc3339Ms(FormatRfc3339Ms(ms)), ms) << FormatRfc3339Ms(ms);
  }
  EXPECT_EQ(FormatRfc3339Ms(1776852001125), "2026-04-22T10:00:01.125Z");
}

TEST(TimeUtilTest, HourOfDayAndDay) {
  EXPECT_EQ(HourOfDayUtc(*ParseRfc3339Ms("2026-04-22T23:59:59Z")), 23);
  EXPECT_EQ(HourOfDayUtc(-1), 23);
  EXPECT_EQ(DayNumber(-1), -1);
  EXPECT_EQ(DayNumber(kMsPerDay), 1);
}

}  // namespace
}  // namespace dg
