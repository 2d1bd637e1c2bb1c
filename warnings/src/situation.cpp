#include "taifeng/warnings/situation.h"

#include "taifeng/geo/shapes.h"


namespace taifeng::warnings {
namespace {

SituationPoint FromTrack(const core::TrackPoint& t) {
  SituationPoint p;
  p.time_utc = t.time_utc, p.lat_deg = t.lat_deg, p.lon_deg = t.lon_deg, p.wind_ms = t.wind_ms, p.pressure_hpa = t.pressure_hpa;
  return p;
}

}  // namespace

Situation MakeSituation(const std::string& storm, const std::string& storm_name, const std::vector<core::TrackPoint>& observed,
                        const core::Forecast& forecast, int observed_h, std::size_t max_analogs) {
  Situation s;
  s.storm = storm, s.storm_name = storm_name, s.method = forecast.method;
  const std::int64_t now = forecast.now.time_utc;
  std::int64_t last_kept = 0;
  for (const core::TrackPoint& t : observed) {
    if (t.time_utc > now || t.time_utc < now - static_cast<std::int64_t>(observed_h) * 3600) continue;
    if (!s.observed.empty() && t.time_utc - last_kept < 3 * 3600 && t.time_utc != now) continue;
    s.observed.push_back(FromTrack(t));
    last_kept = t.time_utc;
  }
  if (s.observed.empty() || s.observed.back().time_utc != now) s.observed.push_back(FromTrack(forecast.now));
  for (const core::ForecastPoint& f : forecast.points) {
    SituationPoint p;
    p.time_utc = f.time_utc, p.lat_deg = f.lat_deg, p.lon_deg = f.lon_deg, p.wind_ms = f.wind_ms, p.pressure_hpa = f.pressure_hpa;
    p.lead_h = f.lead_h, p.cone_km = f.cone_km;
    s.forecast.push_back(p);
  }
  std::vector<geo::LatLon> centres = {{forecast.now.lat_deg, forecast.now.lon_deg}};
  std::vector<double> radii = {0};
  for (const core::ForecastPoint& f : forecast.points) {
    if (f.lead_h > 72 || !(f.cone_km > 0)) continue;
    centres.push_back({f.lat_deg, f.lon_deg});
    radii.push_back(f.cone_km);
  }
  if (centres.size() > 1) {
    const auto rings = geo::SweptCone(centres, radii, 36);
    if (!rings.empty())
      for (const geo::LatLon& p : rings[0]) s.cone.emplace_back(p.lat_deg, p.lon_deg);  // the envelope, holes filled
  }
  std::vector<const core::Member*> members;
  for (const core::Member& m : forecast.members) members.push_back(&m);
  std::stable_sort(members.begin(), members.end(), [](const auto* a, const auto* b) { return a->weight > b->weight; });
  for (std::size_t i = 0; i < members.size() && i < max_analogs; ++i) {
    SituationAnalog a{members[i]->id, members[i]->name, members[i]->weight, {}};
    for (const core::TrackPoint& t : members[i]->track) a.track.push_back(FromTrack(t));
    s.analogs.push_back(std::move(a));
  }
  return s;
}

}  // namespace taifeng::warnings
