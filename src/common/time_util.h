// Event-time helpers: RFC 3339 parsing and formatting in epoch milliseconds.
//
// Used by ingest (decoding `ts` and `account.created`) and by every sink that
// writes a time. All times inside DistillGuard are int64 milliseconds since
// the Unix epoch, UTC; kNoTime marks "absent".
#ifndef DG_COMMON_TIME_UTIL_H_
#define DG_COMMON_TIME_UTIL_H_

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace dg {

inline constexpr int64_t kNoTime = std::numeric_limits<int64_t>::min();
inline constexpr int64_t kMsPerSecond = 1000;
inline constexpr int64_t kMsPerMinute = 60 * kMsPerSecond;
inline constexpr int64_t kMsPerHour = 60 * kMsPerMinute;
inline constexpr int64_t kMsPerDay = 24 * kMsPerHour;

// Parses an RFC 3339 date-time ("2026-04-22T10:00:03.125Z",
// "2026-04-22T12:00:03+02:00", "2026-04-22 10:00:03Z"; fractions of any length
// are truncated to milliseconds). A date alone ("2026-04-22") is midnight UTC.
// Returns nullopt for anything else, including impossible dates.
std::optional<int64_t> ParseRfc3339Ms(std::string_view text);

// Formats as "YYYY-MM-DDTHH:MM:SS.mmmZ".
std::string FormatRfc3339Ms(int64_t epoch_ms);

// Hour of day (0..23, UTC) and day number since the epoch for an epoch-ms time.
int HourOfDayUtc(int64_t epoch_ms);
int64_t DayNumber(int64_t epoch_ms);

}  // namespace dg

#endif  // DG_COMMON_TIME_UTIL_H_
