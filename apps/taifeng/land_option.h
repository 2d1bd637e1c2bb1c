// The --land and --land-detail options shared by the commands that find landfalls or draw maps:
// the land of the whole basin (geo/land.h), Natural Earth's countries with China's provinces.
#pragma once

#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "taifeng/geo/land.h"

namespace taifeng::cli {

struct LandArgs {
  std::string land = TAIFENG_DEFAULT_LAND;           // countries; "none": no land (no landfall, no coast)
  std::string detail = TAIFENG_DEFAULT_LAND_DETAIL;  // provinces inside China; "none": the countries alone
};

// Adds --land and --land-detail; `purpose` completes "land polygons for …".
void AddLandOptions(CLI::App* cmd, LandArgs& a, const std::string& purpose);

// The land set, or null for --land none. Throws what geo::LoadLand throws (naming the file).
std::shared_ptr<const geo::RegionSet> LoadLandOption(const LandArgs& a);

}  // namespace taifeng::cli
