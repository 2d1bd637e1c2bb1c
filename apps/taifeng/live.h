// The live-track input shared by taifeng match, forecast and replay: reading a track file in any
// supported format, cutting it at --at, and printing positions.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

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

}  // namespace taifeng::cli
