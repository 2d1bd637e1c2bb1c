#include "taifeng/core/landfall.h"

#include <algorithm>
#include <cmath>

#include "taifeng/geo/geodesy.h"

namespace taifeng::core {

std::optional<Landfall> FindLandfall(const std::vector<TrackPoint>& track, const geo::RegionSet& land, double step_km) {
  if (track.empty()) return std::nullopt;
  bool over_sea = !land.Locate(track[0].lat_deg, track[0].lon_deg).has_value();
  for (std::size_t k = 1; k < track.size(); ++k) {
    const TrackPoint& a = track[k - 1];
    const TrackPoint& b = track[k];
    const double dlon = geo::LonDifferenceDeg(a.lon_deg, b.lon_deg);
    const double length = geo::DistanceKm(a.lat_deg, a.lon_deg, b.lat_deg, b.lon_deg);
    const int steps = std::max(1, static_cast<int>(std::ceil(length / std::max(step_km, 0.1))));
    for (int s = 1; s <= steps; ++s) {
      const double w = static_cast<double>(s) / steps;
      const double lat = a.lat_deg + w * (b.lat_deg - a.lat_deg);
      const double lon = geo::NormalizeLonDeg(a.lon_deg + w * dlon);
      const auto region = land.Locate(lat, lon);
      if (region && over_sea) {
        Landfall l;
        // Interpolated in time along the step, to the nearest minute.
        l.time_utc = a.time_utc + 60 * static_cast<std::int64_t>(std::llround(w * static_cast<double>(b.time_utc - a.time_utc) / 60.0));
        l.lat_deg = lat;
        l.lon_deg = lon;
        l.region = *region;
        return l;
      }
      over_sea = !region.has_value();
    }
  }
  return std::nullopt;
}

}  // namespace taifeng::core
