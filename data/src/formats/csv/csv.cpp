// A live track as CSV: a header naming the columns, then one fix per line.
//   time_utc,lat_deg,lon_deg,wind_ms,pressure_hpa      (also: time,lat,lon,wind,pressure)
// time in ISO 8601 UTC or YYYYMMDDHH; wind and pressure may be empty (missing). The wind's
// averaging period is ImportOptions::csv_wind_averaging.
#include <string>
#include <vector>

#include "formats/format_spec.h"
#include "taifeng/geo/geodesy.h"
#include "parse_context.h"
#include "storm_build.h"
#include "text_util.h"

namespace taifeng::data {

namespace {

bool LooksLikeCsv(std::string_view name) { return EndsWithI(name, ".csv"); }

}  // namespace

void ParseCsvTrack(std::string_view text, ParseContext& ctx) {
  text::LineReader reader(text);
  std::string_view line;
  std::int64_t number = 0;
  std::vector<std::string_view> f;
  int col[5] = {-1, -1, -1, -1, -1};  // time, lat, lon, wind, pressure
  bool header = false;
  Storm storm;
  storm.agency = "LIVE";
  storm.id = "LIVE:";
  storm.id += ctx.file();
  storm.source_format = "csv";
  storm.source_file = ctx.file();
  storm.wind_averaging = ctx.options().csv_wind_averaging;
  while (reader.Next(line, number)) {
    if (text::IsBlank(line) || text::Trim(line).front() == '#') continue;
    text::SplitCommas(line, f);
    if (!header) {
      static const char* kNames[5][2] = {{"time_utc", "time"}, {"lat_deg", "lat"}, {"lon_deg", "lon"},
                                         {"wind_ms", "wind"}, {"pressure_hpa", "pressure"}};
      for (std::size_t i = 0; i < f.size(); ++i) {
        for (int c = 0; c < 5; ++c) {
          if (IEquals(f[i], kNames[c][0]) || IEquals(f[i], kNames[c][1])) col[c] = static_cast<int>(i);
        }
      }
      if (col[0] < 0 || col[1] < 0 || col[2] < 0) {
        throw ParseError(ctx.file(), number, "header", "a header with time_utc, lat_deg, lon_deg[, wind_ms, pressure_hpa]");
      }
      header = true;
      continue;
    }
    ++ctx.result().records_read;
    auto field = [&](int c) { return c >= 0 && static_cast<std::size_t>(c) < f.size() ? f[static_cast<std::size_t>(c)] : std::string_view{}; };
    auto t = ParseUtc(field(col[0]));
    if (!t) { ctx.Bad(number, "time_utc", "an ISO 8601 UTC time (2018-09-14T00:00:00Z) or YYYYMMDDHH"); continue; }
    auto lat = text::ParseDecimal(field(col[1]));
    if (!lat || *lat < -90.0 || *lat > 90.0) { ctx.Bad(number, "lat_deg", "latitude in degrees, -90 to 90"); continue; }
    auto lon = text::ParseDecimal(field(col[2]));
    if (!lon || *lon < -360.0 || *lon > 360.0) { ctx.Bad(number, "lon_deg", "longitude in degrees, -360 to 360"); continue; }
    Fix fix;
    fix.time_utc = *t;
    fix.lat_deg = *lat;
    fix.lon_deg = geo::NormalizeLonDeg(*lon);
    if (!field(col[3]).empty()) {
      auto w = text::ParseDecimal(field(col[3]));
      if (!w || *w < 0.0 || *w > 120.0) { ctx.Bad(number, "wind_ms", "wind in m/s, 0-120, or empty"); continue; }
      fix.wind_ms = static_cast<float>(*w);
    }
    if (!field(col[4]).empty()) {
      auto p = text::ParseDecimal(field(col[4]));
      if (!p || *p < 800.0 || *p > 1100.0) { ctx.Bad(number, "pressure_hpa", "pressure in hPa, 800-1100, or empty"); continue; }
      fix.pressure_hpa = static_cast<float>(*p);
    }
    fix.category = CategoryFromWind(fix.wind_ms, storm.wind_averaging);
    fix.source_line = number;
    MarkSynoptic(fix);
    storm.fixes.push_back(fix);
  }
  if (!header) throw ParseError(ctx.file(), 0, "header", "a CSV header line");
  if (!storm.fixes.empty()) {
    storm.season = ToCivil(storm.fixes.front().time_utc).year;
    ctx.result().storms.push_back(std::move(storm));
  }
}

extern const FormatSpec kCsvFormat;
const FormatSpec kCsvFormat{"csv", "LIVE", "live track CSV files (time_utc,lat_deg,lon_deg,wind_ms,pressure_hpa)", false, &LooksLikeCsv, &ParseCsvTrack, nullptr};

}  // namespace taifeng::data
