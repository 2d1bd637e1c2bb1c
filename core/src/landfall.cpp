#include "taifeng/core/landfall.h"

#include <algorithm>
#include <cmath>

#include "taifeng/geo/geodesy.h"

namespace taifeng::core {
namespace {

struct Sample {
  std::int64_t time_utc;
  double lat_deg, lon_deg;
  std::optional<std::size_t> region;
};

// Walks the track every `step_km`, calling visit(sample) at each point; stops when visit returns false.
// A sample is over land when its centre is, or when a point `graze_km` to its left or right
// (across the step's direction) is.
template <typename Visit>
void Walk(const std::vector<TrackPoint>& track, const geo::RegionSet& land, const LandfallOptions& o, Visit visit) {
  for (std::size_t k = 1; k < track.size(); ++k) {
    const TrackPoint& a = track[k - 1];
    const TrackPoint& b = track[k];
    const double dlon = geo::LonDifferenceDeg(a.lon_deg, b.lon_deg);
    const geo::GeodesicLine line = geo::Inverse(a.lat_deg, a.lon_deg, b.lat_deg, b.lon_deg);
    const double length = line.distance_km;
    const double step_km = o.step_km;
    const int steps = std::max(1, static_cast<int>(std::ceil(length / std::max(step_km, 0.1))));
    for (int s = 1; s <= steps; ++s) {
      const double w = static_cast<double>(s) / steps;
      Sample p;
      p.lat_deg = a.lat_deg + w * (b.lat_deg - a.lat_deg);
      p.lon_deg = geo::NormalizeLonDeg(a.lon_deg + w * dlon);
      // Interpolated in time along the step, to the nearest minute.
      p.time_utc = a.time_utc + 60 * static_cast<std::int64_t>(std::llround(w * static_cast<double>(b.time_utc - a.time_utc) / 60.0));
      p.region = land.Locate(p.lat_deg, p.lon_deg);
      for (const double side : {-90.0, 90.0}) {
        if (p.region || o.graze_km <= 0 || length <= 0) break;
        const geo::LatLon q = geo::Direct(p.lat_deg, p.lon_deg, line.azimuth1_deg + side, o.graze_km);
        p.region = land.Locate(q.lat_deg, q.lon_deg);
      }
      if (!visit(p)) return;
    }
  }
}

}  // namespace

std::optional<Landfall> FindLandfall(const std::vector<TrackPoint>& track, const geo::RegionSet& land, const LandfallOptions& o) {
  if (track.empty()) return std::nullopt;
  bool over_sea = !land.Locate(track[0].lat_deg, track[0].lon_deg).has_value();
  std::optional<Landfall> found;
  Walk(track, land, o, [&](const Sample& p) {
    if (p.region && over_sea) {
      found = Landfall{p.time_utc, p.lat_deg, p.lon_deg, *p.region};
      return false;
    }
    over_sea = !p.region.has_value();
    return true;
  });
  return found;
}

std::vector<Landfall> FindLandfalls(const std::vector<TrackPoint>& track, const geo::RegionSet& land, const LandfallOptions& o) {
  std::vector<Landfall> out;
  if (track.empty()) return out;
  std::optional<std::size_t> last = land.Locate(track[0].lat_deg, track[0].lon_deg);
  bool over_sea = !last.has_value();
  std::int64_t left_utc = track[0].time_utc;  // when the storm last left land
  Walk(track, land, o, [&](const Sample& p) {
    if (p.region && over_sea) {
      const bool same_coast = !out.empty() && land.region(*p.region).name_en == land.region(out.back().region).name_en &&
                              static_cast<double>(p.time_utc - left_utc) <= o.merge_h * 3600.0;
      if (!same_coast) out.push_back({p.time_utc, p.lat_deg, p.lon_deg, *p.region});
    }
    if (!p.region && !over_sea) left_utc = p.time_utc;
    over_sea = !p.region.has_value();
    return true;
  });
  return out;
}

}  // namespace taifeng::core
