// UTC time helpers. Times are int64 seconds since 1970-01-01T00:00:00Z (proleptic Gregorian,
// no leap seconds, like POSIX and HDF5/netCDF "seconds since" units).
// Part of base/, the vocabulary every layer shares (namespace taifeng).
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace taifeng {

// Seconds since the epoch for a civil UTC date-time, or nullopt when any field is out of range
// (month 1–12, day valid for the month, hour 0–23, minute 0–59, second 0–59).
std::optional<std::int64_t> UtcSeconds(int year, int month, int day, int hour = 0, int minute = 0,
                                       int second = 0) noexcept;

struct CivilTime {
  int year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0;
};
CivilTime ToCivil(std::int64_t utc_seconds) noexcept;

// "2018-09-16T09:00:00Z".
std::string FormatIsoUtc(std::int64_t utc_seconds);

// Parses "2018-09-16T09:00:00Z", "2018-09-16T09:00Z", "2018-09-16 09:00:00" (UTC assumed) or
// ATCF's compact "2018091609". nullopt when it is none of these.
std::optional<std::int64_t> ParseUtc(std::string_view text) noexcept;

}  // namespace taifeng
