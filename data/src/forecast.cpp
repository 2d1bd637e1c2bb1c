#include "taifeng/data/forecast.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "storm_build.h"
#include "taifeng/data/import.h"
#include "taifeng/base/error.h"
#include "taifeng/geo/geodesy.h"
#include "text_util.h"

namespace taifeng::data {
namespace {

struct Line {
  std::string tech;
  std::int64_t cycle = 0;
  int tau = 0;
  Fix fix;
};

}  // namespace

ForecastTrack ParseAdeck(std::string_view text, std::string_view file_name, std::optional<std::int64_t> not_after_utc,
                         const std::vector<std::string>& techs) {
  const std::string file(file_name);
  text::LineReader reader(text);
  std::string_view raw;
  std::int64_t number = 0;
  std::vector<std::string_view> f;
  std::vector<Line> lines;
  while (reader.Next(raw, number)) {
    if (text::IsBlank(raw)) continue;
    text::SplitCommas(raw, f);
    if (f.size() < 8) throw ParseError(file, number, "record", "an ATCF a-deck line of at least 8 fields");
    const std::string tech(f[4]);
    if (std::find(techs.begin(), techs.end(), tech) == techs.end()) continue;
    auto cycle = ParseUtc(f[2]);
    if (f[2].size() != 10 || !cycle) throw ParseError(file, number, "YYYYMMDDHH", "a valid UTC time YYYYMMDDHH");
    auto tau = text::ParseInt(f[5]);
    if (!tau || *tau < -240 || *tau > 480) throw ParseError(file, number, "TAU", "forecast hour -240..480");
    auto lat = ParseAtcfTenths(f[6], 'N', 'S');
    if (!lat || *lat > 90.0 || *lat < -90.0) throw ParseError(file, number, "LAT", "latitude in 0.1° with N or S");
    auto lon = ParseAtcfTenths(f[7], 'E', 'W');
    if (!lon) throw ParseError(file, number, "LON", "longitude in 0.1° with E or W");
    Line l;
    l.tech = tech;
    l.cycle = *cycle;
    l.tau = static_cast<int>(*tau);
    l.fix.time_utc = *cycle + *tau * 3600;
    l.fix.lat_deg = *lat;
    l.fix.lon_deg = geo::NormalizeLonDeg(*lon);
    if (f.size() > 8) {
      auto vmax = text::ParseInt(f[8]);
      if (!f[8].empty() && (!vmax || *vmax > 300)) throw ParseError(file, number, "VMAX", "wind in kt, 0-300");
      if (vmax && *vmax > 0) l.fix.wind_ms = static_cast<float>(KnotsToMs(static_cast<double>(*vmax)));
    }
    if (f.size() > 9 && !f[9].empty()) {
      auto mslp = text::ParseInt(f[9]);
      if (!mslp || *mslp > 1100) throw ParseError(file, number, "MSLP", "pressure in hPa, 0-1100");
      if (*mslp > 0) l.fix.pressure_hpa = static_cast<float>(*mslp);
    }
    l.fix.source_line = number;
    lines.push_back(std::move(l));
  }
  for (const std::string& tech : techs) {
    std::int64_t cycle = -1;
    for (const Line& l : lines) {
      if (l.tech == tech && (!not_after_utc || l.cycle <= *not_after_utc)) cycle = std::max(cycle, l.cycle);
    }
    if (cycle < 0) continue;
    ForecastTrack track;
    track.source_file = file;
    track.tech = tech;
    track.issued_utc = cycle;
    track.wind_averaging = WindAveraging::kOneMinute;
    for (const Line& l : lines) {
      if (l.tech != tech || l.cycle != cycle || l.tau <= 0) continue;
      if (!track.fixes.empty() && track.fixes.back().time_utc == l.fix.time_utc) continue;  // radius lines
      if (!track.fixes.empty() && track.fixes.back().time_utc > l.fix.time_utc) {
        throw ParseError(file, l.fix.source_line, "TAU", "forecast hours in increasing order within a cycle");
      }
      track.fixes.push_back(l.fix);
    }
    if (track.fixes.empty()) continue;
    return track;
  }
  std::string wanted;
  for (const auto& t : techs) wanted += (wanted.empty() ? "" : "/") + t;
  throw Error(ErrorCode::kNotFound, file + ": no " + wanted + " forecast with TAU > 0" +
                                        (not_after_utc ? " issued at or before " + FormatIsoUtc(*not_after_utc) : ""));
}

ForecastTrack ReadForecast(const std::filesystem::path& path, std::optional<std::int64_t> not_after_utc,
                           const std::vector<std::string>& techs, WindAveraging csv_wind_averaging) {
  const std::string name = path.filename().string();
  if (name.size() > 4 && IEquals(std::string_view(name).substr(name.size() - 4), ".csv")) {
    ImportOptions options;
    options.strict = true;
    options.csv_wind_averaging = csv_wind_averaging;
    ImportResult r;
    ImportFile(Format::Named("csv"), path, options, r);
    if (r.storms.empty()) throw Error(ErrorCode::kNotFound, name + ": no forecast positions");
    ForecastTrack track;
    track.source_file = name;
    track.tech = "CSV";
    track.wind_averaging = csv_wind_averaging;
    track.fixes = std::move(r.storms[0].fixes);
    for (std::size_t i = 1; i < track.fixes.size(); ++i)
      if (track.fixes[i].time_utc <= track.fixes[i - 1].time_utc)
        throw ParseError(name, track.fixes[i].source_line, "time_utc", "forecast times in increasing order");
    return track;
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw Error(ErrorCode::kNotFound, path.string() + ": no such file");
  if (std::filesystem::file_size(path, ec) > (256ull << 20)) throw ParseError(name, 0, "file", "at most 256 MiB");
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return ParseAdeck(buffer.str(), name, not_after_utc, techs);
}

}  // namespace taifeng::data
