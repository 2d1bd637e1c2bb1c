#include "land_option.h"

namespace taifeng::cli {

void AddLandOptions(CLI::App* cmd, LandArgs& a, const std::string& purpose) {
  cmd->add_option("--land", a.land,
                  "land polygons for " + purpose + ": countries (vector file, WGS-84, fields iso_n3 and name; 'none' to skip)")
      ->capture_default_str();
  cmd->add_option("--land-detail", a.detail,
                  "finer land regions used inside China, Hong Kong and Macao, naming landfalls by province ('none': countries alone)")
      ->capture_default_str();
}

std::shared_ptr<const geo::RegionSet> LoadLandOption(const LandArgs& a) {
  if (a.land.empty() || a.land == "none") return nullptr;
  geo::LandSources s;
  s.countries = a.land;
  if (!a.detail.empty() && a.detail != "none") s.detail = a.detail;
  return geo::LoadLand(s);
}

}  // namespace taifeng::cli
