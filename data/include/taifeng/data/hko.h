// The Hong Kong Observatory's records (data/samples/hko/PROVENANCE.md): the tropical cyclone
// warning signals No. 8 or higher it issued (HKO's Warnings and Signals Database), its
// 10-minute station winds (`latest_10min_wind.csv` as published every 10 minutes) and the daily
// rainfall at its headquarters.
//
// Signals file: CSV with the header `season,storm_name,signal,start_hkt,end_hkt`; signal is 8NE,
// 8SE, 8SW, 8NW, 9 or 10; times ISO 8601 with their offset ("2001-07-05T19:30+08:00"). A blank
// line is skipped; a UTF-8 byte-order mark is accepted.
// Errors: the file unreadable -> Error(kNotFound); a bad line -> ParseError naming the file, line
// and field (the file is refused whole: a verification on part of the record would mislead).
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace taifeng::data {

struct HkoSignal {
  int season = 0;
  std::string storm_name;  // as HKO writes it, upper case ("UTOR")
  std::string signal;      // "8NE", "8SE", "8SW", "8NW", "9", "10"
  int number = 0;          // 8, 9 or 10
  std::int64_t start_utc = 0, end_utc = 0;
};

std::vector<HkoSignal> ReadHkoSignals(const std::filesystem::path& path);

// One station's 10-minute observation. Winds in km/h (10-minute mean; maximum gust in the 10
// minutes); nullopt where HKO published "N/A".
struct HkoWind {
  std::int64_t time_utc = 0;  // the file's HKT time, converted
  std::string station;        // "Chek Lap Kok"
  std::string direction;      // "East", "Variable", "" for N/A
  std::optional<double> mean_kmh, gust_kmh;
};

// One `latest_10min_wind.csv` file: the header `Date time,Automatic Weather Station,10-Minute Mean
// Wind Direction(Compass points),10-Minute Mean Speed(km/hour),10-Minute Maximum Gust(km/hour)`,
// rows with the time as YYYYMMDDhhmm in HKT; a UTF-8 BOM and CRLF accepted; a station repeated in
// a file keeps its first row. Refused whole (ParseError with file, line, field) when a row cannot
// be read; at most 10,000 lines.
std::vector<HkoWind> ReadHkoWindFile(const std::filesystem::path& path);
// Every `*.csv` of a directory, merged: one observation per (time, station) (the same time in two
// files: the first file in name order), sorted by time then station.
std::vector<HkoWind> ReadHkoWindDirectory(const std::filesystem::path& dir);

// The headquarters' daily rainfall (`daily_HKO_RF_ALL.csv`): three header lines, then
// `year,month,day,value,completeness`; "Trace" is 0 (< 0.05 mm); "***" (unavailable) leaves the
// day out; the closing notes (lines starting with '#' or without a year) end it.
struct HkoDailyRain {
  int year = 0, month = 0, day = 0;
  double mm = 0;
  bool complete = true;  // HKO's flag C; '#' incomplete
};
std::vector<HkoDailyRain> ReadHkoDailyRainfall(const std::filesystem::path& path);

// "2001-07-05T19:30+08:00" (or with seconds, or "Z") -> UTC seconds; nullopt when malformed.
std::optional<std::int64_t> ParseTimeWithOffset(std::string_view text);

}  // namespace taifeng::data
