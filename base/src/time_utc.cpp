#include "taifeng/base/time_utc.h"

#include <cstdio>

namespace taifeng {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

// Exactly `width` decimal digits, or nullopt.
std::optional<int> Digits(std::string_view s, std::size_t pos, std::size_t width) {
  if (pos + width > s.size()) return std::nullopt;
  int v = 0;
  for (std::size_t i = pos; i < pos + width; ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

// Howard Hinnant's days_from_civil / civil_from_days (public-domain algorithms).
std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool IsLeap(int y) noexcept { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int y, int m) noexcept {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

}  // namespace

std::optional<std::int64_t> UtcSeconds(int year, int month, int day, int hour, int minute,
                                       int second) noexcept {
  if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1 ||
      day > DaysInMonth(year, month) || hour < 0 || hour > 23 || minute < 0 || minute > 59 ||
      second < 0 || second > 59) {
    return std::nullopt;
  }
  return DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
         hour * 3600 + minute * 60 + second;
}

CivilTime ToCivil(std::int64_t t) noexcept {
  std::int64_t days = t / 86400;
  std::int64_t secs = t % 86400;
  if (secs < 0) {
    secs += 86400;
    --days;
  }
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  CivilTime c;
  c.year = static_cast<int>(static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2));
  c.month = static_cast<int>(m);
  c.day = static_cast<int>(d);
  c.hour = static_cast<int>(secs / 3600);
  c.minute = static_cast<int>(secs % 3600 / 60);
  c.second = static_cast<int>(secs % 60);
  return c;
}

std::string FormatIsoUtc(std::int64_t utc_seconds) {
  const CivilTime c = ToCivil(utc_seconds);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", c.year, c.month, c.day, c.hour,
                c.minute, c.second);
  return buf;
}

std::optional<std::int64_t> ParseUtc(std::string_view s) noexcept {
  s = Trim(s);
  auto digits = [&](std::size_t pos, std::size_t n) { return Digits(s, pos, n); };
  if (s.size() == 10) {  // YYYYMMDDHH
    auto y = digits(0, 4), mo = digits(4, 2), d = digits(6, 2), h = digits(8, 2);
    if (!y || !mo || !d || !h) return std::nullopt;
    return UtcSeconds(*y, *mo, *d, *h);
  }
  // YYYY-MM-DD[T ]HH:MM[:SS][Z]
  if (s.size() < 16 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') || s[13] != ':') {
    return std::nullopt;
  }
  auto y = digits(0, 4), mo = digits(5, 2), d = digits(8, 2), h = digits(11, 2), mi = digits(14, 2);
  if (!y || !mo || !d || !h || !mi) return std::nullopt;
  std::size_t pos = 16;
  int sec = 0;
  if (pos < s.size() && s[pos] == ':') {
    auto v = digits(pos + 1, 2);
    if (!v) return std::nullopt;
    sec = *v;
    pos += 3;
  }
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) ++pos;
  if (pos != s.size()) return std::nullopt;
  return UtcSeconds(*y, *mo, *d, *h, *mi, sec);
}

}  // namespace taifeng
