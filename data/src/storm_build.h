// Private helpers shared by the importers.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "taifeng/data/import.h"
#include "taifeng/base/time_utc.h"
#include "taifeng/data/track.h"
#include "taifeng/data/units.h"

namespace taifeng::data {

// Status codes of ATCF b-decks and HURDAT2; the archive's `grade` for those sources is the index
// into this table (stored with the archive as the attribute `grade_codes_atcf`).
inline constexpr std::array<std::string_view, 18> kAtcfStatusCodes{
    "DB", "TD", "TS", "TY", "ST", "TC", "HU", "SD", "SS",
    "EX", "IN", "DS", "LO", "WV", "ET", "XX", "PT", "MD"};

// Index of an ATCF status code, or -1.
int AtcfStatusIndex(std::string_view code) noexcept;

// The common category for an ATCF/HURDAT2 status and 1-minute wind.
Category CategoryFromAtcfStatus(std::string_view code, double wind_ms) noexcept;

// Sets kFixOffSynoptic when the fix is not at 00/06/12/18 UTC.
inline void MarkSynoptic(Fix& fix) {
  if (fix.time_utc % 21600 != 0) fix.flags |= kFixOffSynoptic;
}

// An ATCF latitude or longitude in tenths of a degree with a hemisphere letter ("202N", "0998E"),
// in degrees (negative for `negative`), or nullopt.
std::optional<double> ParseAtcfTenths(std::string_view s, char positive, char negative) noexcept;

// Lowercase-insensitive compare of ASCII names.
bool IEquals(std::string_view a, std::string_view b) noexcept;

// Four digits of a file name read as a year (1800-2200), or 0.
int YearInFileName(std::string_view digits) noexcept;

// Case-insensitive "ends with".
inline bool EndsWithI(std::string_view name, std::string_view suffix) noexcept {
  return name.size() >= suffix.size() && IEquals(name.substr(name.size() - suffix.size()), suffix);
}

}  // namespace taifeng::data
