// A region's outline for a message that carries polygons (CAP <polygon>, web maps): its outer
// rings simplified together (Douglas-Peucker, tolerance doubled until the total fits) to at most
// `max_vertices` vertices in all, each ring closed with at least 4 points; rings too small to keep
// 4 points in the budget are left out. Largest rings first, each counterclockwise (an exterior ring
// as RFC 7946 wants it). Empty when nothing fits.
// Thread safety: pure function of an immutable RegionSet.
#pragma once

#include <cstddef>
#include <vector>

#include "taifeng/geo/regions.h"

namespace taifeng::geo {

// REQUIRES: i < regions.size(). Coordinates in degrees, WGS-84.
std::vector<std::vector<LatLon>> OutlineRings(const RegionSet& regions, std::size_t i, std::size_t max_vertices);

// True when the closed ring runs counterclockwise in longitude/latitude (shoelace signed area > 0).
bool IsCounterclockwise(const std::vector<LatLon>& ring);
// A polygon's rings (exterior first, then holes) turned in place to RFC 7946's winding (§3.1.6):
// the exterior counterclockwise, holes clockwise.
void OrientRfc7946(std::vector<std::vector<LatLon>>& polygon);

}  // namespace taifeng::geo
