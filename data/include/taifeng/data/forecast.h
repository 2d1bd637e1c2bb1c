// An official forecast track (the agency's forecast positions after "now"), to be joined to the
// observed track for matching (TSAI-style analogs, Ren et al. 2018).
//
// Sources: an ATCF a-deck (lines whose TECH is one of `techs`, in priority order; the latest
// forecast cycle at or before `not_after_utc`; TAU > 0 positions, one fix per TAU with the
// wind-radius lines merged; winds kt 1-minute), or a CSV in the live-track layout
// (time_utc,lat_deg,lon_deg,wind_ms,pressure_hpa) with absolute times.
// Errors: ParseError naming file, line and field (strict: a forecast is refused whole);
// Error(kNotFound) when no line of the wanted techs and cycle exists.
// Thread safety: reentrant.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "taifeng/data/track.h"

namespace taifeng::data {

struct ForecastTrack {
  std::string source_file;
  std::string tech;               // "OFCL", "JTWC", … or "CSV"
  std::int64_t issued_utc = 0;    // the forecast cycle (for CSV: the first time minus nothing; 0)
  WindAveraging wind_averaging = WindAveraging::kOneMinute;
  std::vector<Fix> fixes;         // forecast positions, increasing time
};

// Parses a-deck text.
ForecastTrack ParseAdeck(std::string_view text, std::string_view file_name, std::optional<std::int64_t> not_after_utc,
                         const std::vector<std::string>& techs = {"OFCL", "JTWC"});

// Reads a forecast file: CSV when the name ends in .csv (its wind averaged over
// `csv_wind_averaging`), otherwise an ATCF a-deck.
ForecastTrack ReadForecast(const std::filesystem::path& path, std::optional<std::int64_t> not_after_utc,
                           const std::vector<std::string>& techs = {"OFCL", "JTWC"},
                           WindAveraging csv_wind_averaging = WindAveraging::kTenMinute);

}  // namespace taifeng::data
