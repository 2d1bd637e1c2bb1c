// Map images of the risk atlas: one SVG per quantity and return period (QUANTITY_Ty.svg), the
// regions filled by their return level, the grid's cells (runs of one class merged), the named
// points with their value, land, a graticule, a key of the classes and a title that says the
// values are modelled. Errors: Error(kIo) naming the file when a map cannot be written (each is
// written atomically). Thread safety: reentrant.
#pragma once

#include <string>

#include "taifeng/data/atlas.h"
#include "taifeng/geo/regions.h"

namespace taifeng::cli {

// `regions` (the atlas's --regions) and `land` may be null: no region fills, no land.
void WriteRiskMaps(const data::Atlas& atlas, const geo::RegionSet* regions, const geo::RegionSet* land, const std::string& dir);

}  // namespace taifeng::cli
