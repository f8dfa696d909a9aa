#include "common/time_util.h"

#include <cstdio>

namespace dg {
namespace {

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
// (Howard Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Reads exactly `n` digits at text[*pos]; false if any is not a digit.
bool Digits(std::string_view text, size_t* pos, int n, int* out) {
  if (*pos + static_cast<size_t>(n) > text.size()) return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    const char c = text[*pos + static_cast<size_t>(i)];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *pos += static_cast<size_t>(n);
  *out = v;
  return true;
}

bool Expect(std::string_view text, size_t* pos, char c) {
  if (*pos >= text.size() || text[*pos] != c) return false;
  ++*pos;
  return true;
}

}  // namespace

std::optional<int64_t> ParseRfc3339Ms(std::string_view text) {
  size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!Digits(text, &pos, 4, &year) || !Expect(text, &pos, '-') || !Digits(text, &pos, 2, &month) ||
      !Expect(text, &pos, '-') || !Digits(text, &pos, 2, &day)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 ||
      static_cast<unsigned>(day) > DaysInMonth(year, static_cast<unsigned>(month))) {
    return std::nullopt;
  }
  int64_t ms = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * kMsPerDay;
  if (pos == text.size()) return ms;
  const char sep = text[pos];
  if (sep != 'T' && sep != 't' && sep != ' ') return std::nullopt;
  ++pos;
  if (!Digits(text, &pos, 2, &hour) || !Expect(text, &pos, ':') || !Digits(text, &pos, 2, &minute) ||
      !Expect(text, &pos, ':') || !Digits(text, &pos, 2, &second)) {
    return std::nullopt;
  }
  // 60 is a leap second; it is folded into the next second.
  if (hour > 23 || minute > 59 || second > 60) return std::nullopt;
  ms += hour * kMsPerHour + minute * kMsPerMinute + second * kMsPerSecond;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int64_t frac = 0;
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 3) frac = frac * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (int i = digits; i < 3; ++i) frac *= 10;
    ms += frac;
  }
  if (pos == text.size()) return std::nullopt;  // RFC 3339 requires an offset
  const char tz = text[pos];
  if (tz == 'Z' || tz == 'z') {
    ++pos;
  } else if (tz == '+' || tz == '-') {
    ++pos;
    int oh = 0, om = 0;
    if (!Digits(text, &pos, 2, &oh) || !Expect(text, &pos, ':') || !Digits(text, &pos, 2, &om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    const int64_t offset = oh * kMsPerHour + om * kMsPerMinute;
    ms += tz == '+' ? -offset : offset;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  return ms;
}

std::string FormatRfc3339Ms(int64_t epoch_ms) {
  const int64_t days = epoch_ms >= 0 ? epoch_ms / kMsPerDay : -((-epoch_ms + kMsPerDay - 1) / kMsPerDay);
  const int64_t rem = epoch_ms - days * kMsPerDay;
  int64_t y = 0;
  unsigned m = 0, d = 0;
  CivilFromDays(days, &y, &m, &d);
  char buf[80];
  std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ", static_cast<long long>(y), m, d,
                static_cast<long long>(rem / kMsPerHour), static_cast<long long>(rem / kMsPerMinute % 60),
                static_cast<long long>(rem / kMsPerSecond % 60), static_cast<long long>(rem % kMsPerSecond));
  return buf;
}

int64_t DayNumber(int64_t epoch_ms) {
  return epoch_ms >= 0 ? epoch_ms / kMsPerDay : -((-epoch_ms + kMsPerDay - 1) / kMsPerDay);
}

int HourOfDayUtc(int64_t epoch_ms) {
  return static_cast<int>((epoch_ms - DayNumber(epoch_ms) * kMsPerDay) / kMsPerHour);
}

}  // namespace dg
