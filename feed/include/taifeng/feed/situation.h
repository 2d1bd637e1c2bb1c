// The storm behind a warning, as the forecast saw it when the warning was composed: its observed
// track up to "now", the forecast track with its cone, and the heaviest analogs. It travels in the
// proposal record, in each message composed from it (and in operator updates and cancels of those
// messages), and on the feed, so the gateways can show position, intensity and distance, and draw
// the track and cone, without the archive.
// The values and their JSON are the feed's (here); warnings/situation.h makes one from a forecast.
// Thread safety: values and pure functions.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>


namespace taifeng::feed {

struct SituationPoint {
  std::int64_t time_utc = 0;
  double lat_deg = 0, lon_deg = 0;                          // WGS-84, lon in [-180, 180)
  double wind_ms = std::numeric_limits<double>::quiet_NaN();       // 10-minute maximum wind; NaN unknown
  double pressure_hpa = std::numeric_limits<double>::quiet_NaN();  // central pressure; NaN unknown
  int lead_h = 0;                                           // forecast points: hours after now
  double cone_km = std::numeric_limits<double>::quiet_NaN();  // forecast points: cone radius; NaN none
};

struct SituationAnalog {
  std::string id, name;
  double weight = 0;                   // share of the ensemble, 0–1
  std::vector<SituationPoint> track;   // from the live position at lead 0, 6-hourly
};

struct Situation {
  std::string storm, storm_name;       // archive id and name
  std::string method;                  // the forecast's method ("analog", "persistence", …)
  std::vector<SituationPoint> observed;  // oldest first; the last is now
  std::vector<SituationPoint> forecast;  // +6 h, +12 h, …
  std::vector<SituationAnalog> analogs;  // heaviest first
  // The cone to +72 h as ONE ring (lat, lon degrees), the envelope of the forecast's circles
  // (geo::SweptCone), closed and counterclockwise; empty when the forecast has no cone.
  std::vector<std::pair<double, double>> cone;

  bool empty() const { return observed.empty(); }
  const SituationPoint& now() const { return observed.back(); }  // REQUIRES: !empty()
};

// Compact JSON (positions rounded to 0.01°, winds to 0.1 m/s, cone to 1 km; times UTC ISO 8601) and
// back. FromJson throws ParseError naming `where` and the field when the JSON is not a situation.
std::string SituationToJson(const Situation& s);
Situation SituationFromJson(const std::string& json, const std::string& where);

// "21.3N 114.2E" (one decimal, hemisphere letters).
std::string FormatPosition(double lat_deg, double lon_deg);

}  // namespace taifeng::feed
