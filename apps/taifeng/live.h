// The live-track input shared by taifeng match, forecast and replay: reading a track file in any
// supported format, cutting it at --at, and printing positions.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "taifeng/core/forecast.h"
#include "taifeng/core/matcher.h"
#include "taifeng/core/similarity.h"
#include "taifeng/data/import.h"
#include "taifeng/data/track.h"

namespace taifeng::cli {

struct LiveInput {
  std::string track, format = "auto", storm, at;
  int wind_minutes = 10;  // averaging period of a CSV track's wind
};

// ISO 8601 UTC or YYYYMMDDHH; throws Error(kUsage) naming the option.
std::int64_t ParseTime(const std::string& text, const char* option);
// The format of a track file from --format or its name.
data::Format DetectFormat(const std::string& path, const std::string& requested);
// Reads the live track strictly (refused whole on a bad record), picks --storm, cuts at --at.
data::Storm LoadLive(const LiveInput& input);
// "22.3N 114.2E"
std::string Position(const core::TrackPoint& p);
nlohmann::json PointJson(const core::TrackPoint& p);
// Joins the official forecast in `file` (ATCF a-deck or CSV; none when empty) to the live segment
// for matching (core::JoinForecast); returns the number of forecast points and sets `note`.
std::size_t JoinOfficialForecast(std::vector<core::TrackPoint>& live, const std::string& file,
                                 const std::vector<std::string>& techs, int wind_minutes, int hours, std::string& note);

// Adds --track (required), --format, --storm, --at and --wind-minutes for `input` to `cmd`.
void AddLiveOptions(CLI::App* cmd, LiveInput& input);

// Leaves the live storm out of the analogs under every agency that tracked it: its id, and the
// archive storms of the same season and name. Returns the archive ids left out.
std::vector<std::string> ExcludeLiveStorm(const data::Archive& archive, const data::Storm& storm, core::MatchFilter& filter);

}  // namespace taifeng::cli
