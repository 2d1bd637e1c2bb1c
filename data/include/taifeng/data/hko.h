// The Hong Kong Observatory's records (data/samples/hko/PROVENANCE.md): the tropical cyclone
// warning signals No. 8 or higher it issued (HKO's Warnings and Signals Database).
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

// "2001-07-05T19:30+08:00" (or with seconds, or "Z") -> UTC seconds; nullopt when malformed.
std::optional<std::int64_t> ParseTimeWithOffset(std::string_view text);

}  // namespace taifeng::data
