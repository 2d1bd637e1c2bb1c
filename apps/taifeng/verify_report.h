// The Markdown report of `taifeng warn verify`: the tables of the run (its JSON) and one small SVG
// chart per storm: the signal timelines of the Hong Kong Observatory and of Taifeng (each forecast
// mode) over the observed reference-network wind ("generally": the 4th strongest of the eight
// reference anemometers' 10-minute means, km/h) where HKO's station files exist.
// Times for people in Hong Kong Time (HKT, UTC+8), labelled. Errors: Error(kIo) naming the file.
// Thread safety: pure functions; WriteReport writes files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace taifeng::cli {

// One signal in force from `from_utc` to `to_utc` (the next change, the cancel or the end of the
// replay): HKO's number 1, 3, 8, 9, 10 and its label ("8 NE").
struct SignalSpan {
  std::int64_t from_utc = 0, to_utc = 0;
  int number = 0;
  std::string label;
};

struct StormChart {
  int season = 0;
  std::string id, name, number;  // CMA id, name, international number ("1713")
  double closest_km = 0;
  std::int64_t t0_utc = 0, t1_utc = 0;  // the replay's span
  std::vector<SignalSpan> hko;          // HKO's No. 8 or higher (the record holds no lower signals)
  std::vector<std::pair<std::string, std::vector<SignalSpan>>> taifeng;  // per forecast mode
  std::vector<std::pair<std::int64_t, double>> network_kmh;              // observed, generally; may be empty
};

// The chart as a standalone SVG document (about 720 px wide).
std::string ChartSvg(const StormChart& chart);

// Writes dir/report.md and dir/charts/<season>_<id>.svg (each atomically); `result` is the JSON the
// command prints, `command` the command line that produced it.
void WriteReport(const std::filesystem::path& dir, const nlohmann::json& result, const std::vector<StormChart>& charts,
                 const std::string& command);

}  // namespace taifeng::cli
