// Landfall along a track: a crossing from sea to land of a RegionSet used as a land mask (Taifeng
// bundles the land of the whole basin, geo/land.h: Natural Earth's countries with China's
// provinces; checked against 16 documented landfalls in landfall_test.cpp).
// Each step between consecutive points is sampled every `step_km` along the straight line in
// latitude/longitude (the shorter way round), so a storm that crosses a peninsula between 6-hourly
// points is caught; the landfall time is interpolated linearly in time along the step (to the minute).
// A centre that passes within `graze_km` of land, across its direction of motion, makes landfall
// there: best tracks give positions to 0.1 deg (~11 km) six-hourly, and a straight line between two
// of them can run just offshore of a coast the real, curving track crossed (Rammasun 2014 at
// Wenchang, Hainan; Haiyan 2013 at Guiuan, Samar). The reported position is the centre's.
// Thread safety: pure function (RegionSet is immutable).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "taifeng/core/similarity.h"
#include "taifeng/geo/regions.h"

namespace taifeng::core {

struct LandfallOptions {
  double step_km = 10.0;  // sampling along each step, km (> 0)
  double graze_km = 10.0;  // land this close, left or right of the centre, counts (0: the centre only)
  double merge_h = 3.0;    // FindLandfalls: re-entering the same land region within this many hours counts once
};

struct Landfall {
  std::int64_t time_utc = 0;
  double lat_deg = 0.0, lon_deg = 0.0;
  std::size_t region = 0;  // index in the RegionSet
};

// The first sea-to-land crossing after the track's first point, or nullopt (never over the land
// of the set after being over the sea). A track that starts over land must first leave it.
std::optional<Landfall> FindLandfall(const std::vector<TrackPoint>& track, const geo::RegionSet& land,
                                     const LandfallOptions& options = {});

// Every sea-to-land crossing along the track, in time order (a storm crossing Luzon, then Hainan,
// then the Leizhou peninsula has three). Crossings of one land region within `merge_h` hours of
// leaving it (a coast's inlets and bays, grazing a cape) count once.
std::vector<Landfall> FindLandfalls(const std::vector<TrackPoint>& track, const geo::RegionSet& land,
                                    const LandfallOptions& options = {});

}  // namespace taifeng::core
