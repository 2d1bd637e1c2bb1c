// Landfall along a track: the first crossing from sea to land of a RegionSet used as a land mask
// (Taifeng bundles China's provinces, WGS-84: the coast from Guangxi to Liaoning with Hainan,
// Hong Kong, Macau and Taiwan; landfalls elsewhere are not seen).
// Each step between consecutive points is sampled every `step_km` along the straight line in
// latitude/longitude (the shorter way round), so a storm that crosses a peninsula between 6-hourly
// points is caught; the landfall time is interpolated linearly in time along the step (to the minute).
// Thread safety: pure function (RegionSet is immutable).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "taifeng/core/similarity.h"
#include "taifeng/geo/regions.h"

namespace taifeng::core {

struct Landfall {
  std::int64_t time_utc = 0;
  double lat_deg = 0.0, lon_deg = 0.0;
  std::size_t region = 0;  // index in the RegionSet
};

// The first sea-to-land crossing after the track's first point, or nullopt (never over the land
// of the set after being over the sea). A track that starts over land must first leave it.
std::optional<Landfall> FindLandfall(const std::vector<TrackPoint>& track, const geo::RegionSet& land,
                                     double step_km = 10.0);

}  // namespace taifeng::core
