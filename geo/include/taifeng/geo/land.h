// The land of the typhoon basin, for landfall, "over land" and maps: a world layer of countries
// (Natural Earth 1:10m, data/samples/regions/natural_earth/) with a detailed layer (China's
// provinces) in place of the countries it covers, so that landfalls in China are named by province
// and landfalls in the Philippines, Taiwan, Vietnam, Japan or Korea are seen at all.
//
// The detailed layer's polygons are kept only where they touch the countries' land it replaces (a
// vertex of the polygon inside it): reefs, shoals and banks of the detailed layer that the world
// layer does not hold as land (Beiwei Tan, 21.1N 116.0E, a submerged bank) are not land.
// The result is an ordinary RegionSet: codes are the countries' ISO 3166 numeric codes ("608"),
// the province's country for a province ("156", "344" Hong Kong, "446" Macao); level "country" or
// "province"; name_en the country's name ("Philippines") or the province's with its country
// ("Guangdong, China", "Hong Kong, China"); name the province's Chinese name (广东省).
// Taiwan is drawn from the countries' layer (its name there: "Taiwan").
// Thread safety: LoadLand is reentrant; the returned set is immutable.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "taifeng/geo/regions.h"

namespace taifeng::geo {

struct LandSources {
  // Countries (any vector file; GeoJSON read without GDAL) with an ISO numeric code field
  // (iso_n3|ISO_N3|code, optional) and a name field (name|NAME|name_en|FENAME).
  std::filesystem::path countries;
  // Optional finer regions used inside the countries named by `detail_replaces` (""  = none), with
  // fields FCNAME|name (optional) and FENAME|name_en.
  std::filesystem::path detail;
  std::vector<std::string> detail_replaces = {"156", "344", "446"};  // China, Hong Kong, Macao
  double min_area_km2 = 10.0;  // features (countries, provinces' pieces) smaller than this are left out
};

// Throws Error(kNotFound) or ParseError naming the file, as RegionSet::Load.
std::shared_ptr<const RegionSet> LoadLand(const LandSources& sources);

}  // namespace taifeng::geo
