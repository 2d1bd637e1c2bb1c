#include "taifeng/geo/regions.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <optional>
#include <vector>

#include "taifeng/base/error.h"

namespace taifeng::geo {
namespace {

std::filesystem::path Provinces() {
  return std::filesystem::path(TAIFENG_SAMPLES_DIR) / "regions" / "china_provinces_wgs84" / "china.shp";
}

class ProvincesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    set_ = new std::shared_ptr<const RegionSet>(RegionSet::Load(Provinces(), RegionSet::Fields("", "FCNAME", "FENAME", 10.0)));
  }
  static void TearDownTestSuite() { delete set_; }
  static std::string At(double lat, double lon) {
    auto i = (*set_)->Locate(lat, lon);
    return i ? (*set_)->region(*i).name_en : "";
  }
  static std::shared_ptr<const RegionSet>* set_;
};
std::shared_ptr<const RegionSet>* ProvincesTest::set_ = nullptr;

TEST_F(ProvincesTest, CitiesFallInTheirProvinces) {
  EXPECT_EQ(At(23.13, 113.26), "Guangdong Sheng");  // Guangzhou
  EXPECT_EQ(At(22.54, 114.06), "Guangdong Sheng");  // Shenzhen
  EXPECT_EQ(At(22.32, 114.17), "Hongkong Tebiexingzhengqu");  // Kowloon
  EXPECT_EQ(At(20.04, 110.34), "Hainan Sheng");     // Haikou
  EXPECT_EQ(At(25.03, 121.56), "Taiwan Sheng");     // Taipei
  EXPECT_EQ(At(22.82, 108.37), "Guangxizhuangzu Zizhiqu");  // Nanning
  EXPECT_EQ(At(18.0, 115.0), "");   // South China Sea
  EXPECT_EQ(At(14.6, 121.0), "");   // Manila: outside this set
  EXPECT_EQ(At(NAN, 113.0), "");
}

TEST_F(ProvincesTest, TinyIslandsAreLeftOutAndChineseNamesAreUtf8) {
  const RegionSet& s = **set_;
  EXPECT_LT(s.size(), 1367u);  // reefs and islets under 10 km² are dropped
  EXPECT_GT(s.size(), 30u);
  const auto gd = s.Locate(23.13, 113.26);
  ASSERT_TRUE(gd.has_value());
  EXPECT_EQ(s.region(*gd).name, "广东省");
  EXPECT_GT(s.region(*gd).area_km2, 150000.0);  // Guangdong's main polygon: ~178,000 km²
  EXPECT_LT(s.region(*gd).area_km2, 200000.0);
}

// The latitude-band edge index finds exactly what testing every edge finds, on a grid of points
// over South China and its coast (ring vertices' latitudes included, where rounding bites).
TEST_F(ProvincesTest, BandedLocateAgreesWithTestingEveryEdge) {
  const RegionSet& s = **set_;
  struct Poly {
    std::size_t region;
    double lo, hi;  // latitudes of the outer ring
    std::vector<std::vector<LatLon>> rings;
  };
  std::vector<Poly> polygons;
  for (std::size_t r = 0; r < s.size(); ++r)
    for (auto& rings : s.Polygons(r)) {
      const auto [lo, hi] = std::minmax_element(rings[0].begin(), rings[0].end(), [](const LatLon& a, const LatLon& b) { return a.lat_deg < b.lat_deg; });
      polygons.push_back({r, lo->lat_deg, hi->lat_deg, std::move(rings)});
    }
  const auto in = [](const std::vector<LatLon>& ring, double lat, double lon) {
    bool inside = false;
    for (std::size_t i = 0, j = ring.size() - 1; i < ring.size(); j = i++)
      if ((ring[i].lat_deg > lat) != (ring[j].lat_deg > lat) &&
          lon < (ring[j].lon_deg - ring[i].lon_deg) * (lat - ring[i].lat_deg) / (ring[j].lat_deg - ring[i].lat_deg) + ring[i].lon_deg)
        inside = !inside;
    return inside;
  };
  const auto brute = [&](double lat, double lon) -> std::optional<std::size_t> {
    for (const Poly& p : polygons) {
      if (lat < p.lo || lat > p.hi || !in(p.rings[0], lat, lon)) continue;
      bool hole = false;
      for (std::size_t h = 1; h < p.rings.size() && !hole; ++h) hole = in(p.rings[h], lat, lon);
      if (!hole) return p.region;
    }
    return std::nullopt;
  };
  std::vector<double> lats;
  for (double lat = 18.0; lat <= 26.0; lat += 0.061) lats.push_back(lat);
  const auto gd = s.Polygons(*s.Locate(23.13, 113.26));
  for (std::size_t k = 0; k < gd[0][0].size(); k += 97) lats.push_back(gd[0][0][k].lat_deg);
  int land = 0, checked = 0;
  for (double lat : lats)
    for (double lon = 108.0; lon <= 118.0; lon += 0.067) {
      const auto fast = s.Locate(lat, lon);
      ASSERT_EQ(fast, brute(lat, lon)) << lat << " " << lon;
      land += fast.has_value(), ++checked;
    }
  EXPECT_GT(land, checked / 4);  // the grid is mostly land and partly sea, so both answers are checked
  EXPECT_LT(land, checked);
}

// The basin's land (Natural Earth, bundled for maps and landfall beyond China): capitals and
// landfall places fall in their countries, the open sea in none, and the islands that typhoons
// cross are land (Luzon, Taiwan, Hainan, Okinawa).
TEST(RegionsTest, NaturalEarthBasinLandHasTheCountriesTyphoonsCross) {
  const auto land = RegionSet::Load(std::filesystem::path(TAIFENG_SAMPLES_DIR) / "regions" / "natural_earth" / "countries_10m_basin.geojson",
                                    RegionSet::Fields("iso_n3", "", "name", 0.0));
  const auto at = [&](double lat, double lon) {
    const auto i = land->Locate(lat, lon);
    return i ? land->region(*i).name_en : std::string();
  };
  EXPECT_EQ(at(14.60, 121.00), "Philippines");  // Manila
  EXPECT_EQ(at(16.41, 120.60), "Philippines");  // Baguio, northern Luzon
  EXPECT_EQ(at(21.03, 105.85), "Vietnam");      // Hanoi
  EXPECT_EQ(at(25.03, 121.56), "Taiwan");       // Taipei
  EXPECT_EQ(at(20.04, 110.34), "China");        // Haikou, Hainan
  EXPECT_EQ(at(22.27, 113.57), "China");        // Zhuhai
  EXPECT_EQ(at(22.38, 114.15), "Hong Kong");    // Sha Tin
  EXPECT_EQ(at(26.21, 127.68), "Japan");        // Naha, Okinawa
  EXPECT_EQ(at(35.18, 129.08), "South Korea");  // Busan
  EXPECT_EQ(at(18.0, 115.0), "");               // the South China Sea
  EXPECT_EQ(at(20.0, 125.0), "");               // the Philippine Sea
  EXPECT_GE(land->size(), 20u);
}

TEST(RegionsTest, BadFilesAndFieldsAreRefused) {
  try {
    RegionSet::Load("/nonexistent.shp", {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  }
  // An OGR VRT (named like a GeoPackage) could read any file: only GeoJSON, Shapefile and
  // GeoPackage drivers open region files, and never a /vsi… path.
  const auto vrt = std::filesystem::temp_directory_path() / "taifeng-evil-regions.gpkg";
  std::ofstream(vrt) << "<OGRVRTDataSource><OGRVRTLayer name=\"x\"><SrcDataSource>/etc/passwd</SrcDataSource>"
                        "</OGRVRTLayer></OGRVRTDataSource>";
  for (const std::string& name : {vrt.string(), std::string("/vsicurl/http://127.0.0.1:9/r.shp")}) {
    try {
      RegionSet::Load(name, {});
      ADD_FAILURE() << name;
    } catch (const ParseError& e) {
      EXPECT_EQ(e.field(), "file") << name;
    }
  }
  std::filesystem::remove(vrt);
  const auto text = std::filesystem::temp_directory_path() / "taifeng-not-vector.geojson";
  std::ofstream(text) << "{ not json";
  EXPECT_THROW(RegionSet::Load(text, {}), ParseError);
  std::filesystem::remove(text);
  try {
    RegionSet::Load(Provinces(), RegionSet::Fields("", "NO_SUCH_FIELD", "", 0.0));
    FAIL();
  } catch (const ParseError& e) {
    EXPECT_EQ(e.field(), "NO_SUCH_FIELD");
  }
}

}  // namespace
}  // namespace taifeng::geo

namespace taifeng::geo {
namespace {

// The default region set (data/samples/regions/south_china_23.geojson): 21 Guangdong cities,
// Hong Kong and Macau, GCJ-02 in the file (its `datum` field says so), English names added.
class SouthChinaTest : public ::testing::Test {
 protected:
  static const RegionSet& Set() {
    static const auto set = [] {
      const std::string samples = TAIFENG_SAMPLES_DIR;
      RegionSet::LoadOptions o = RegionSet::Administrative();
      o.land = RegionSet::Load(samples + "/regions/china_provinces_wgs84/china.shp", RegionSet::Fields("", "", "FENAME", 0.0));
      return RegionSet::Load(samples + "/regions/south_china_23.geojson", o);
    }();
    return *set;
  }
  static const Region& ByName(const std::string& name_en) {
    for (std::size_t i = 0; i < Set().size(); ++i)
      if (Set().region(i).name_en == name_en) return Set().region(i);
    throw std::runtime_error("no region " + name_en);
  }
};

// An operator names a region by code, Chinese name (with or without 市 / 特别行政区) or English
// name in any case; a typo is answered with the closest region.
TEST_F(SouthChinaTest, RegionsAreFoundByCodeOrNameAndATypoGetsASuggestion) {
  const auto code = [](const std::string& text) { return Set().region(Set().Resolve(text)).code; };
  EXPECT_EQ(code("440400"), "440400");
  EXPECT_EQ(code("珠海市"), "440400");
  EXPECT_EQ(code("珠海"), "440400");
  EXPECT_EQ(code("zhuhai"), "440400");
  EXPECT_EQ(code("HONG KONG"), "810000");
  EXPECT_EQ(code("香港"), "810000");
  EXPECT_EQ(code("Macau"), "820000");
  for (const auto& [typo, expected] : std::vector<std::pair<std::string, std::string>>{
           {"Zhuhia", "珠海市 Zhuhai (440400)"}, {"shenzen", "深圳市 Shenzhen (440300)"}, {"440401", "(440400)"}, {"珠每", "珠海市"}}) {
    try {
      Set().Resolve(typo);
      ADD_FAILURE() << typo << " was taken";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kNotFound);
      EXPECT_NE(std::string(e.what()).find("did you mean"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << typo << ": " << e.what();
    }
  }
}

TEST_F(SouthChinaTest, HasTheTwentyThreeRegionsWithEnglishNamesLevelsAndParents) {
  ASSERT_EQ(Set().size(), 23u);
  EXPECT_EQ(ByName("Guangzhou").code, "440100");
  EXPECT_EQ(ByName("Guangzhou").name, "广州市");
  EXPECT_EQ(ByName("Guangzhou").level, "city");
  EXPECT_EQ(ByName("Guangzhou").parent, "440000");
  EXPECT_EQ(ByName("Hong Kong").code, "810000");
  EXPECT_EQ(ByName("Macau").level, "sar");
  for (std::size_t i = 0; i < Set().size(); ++i) EXPECT_FALSE(Set().region(i).name_en.empty()) << Set().region(i).code;
  // Areas against the published figures: Guangzhou 7,434 km² (within 10 %). DataV's outlines of
  // Hong Kong and Macau take in near-shore water and reclamation: 1,288 and 53 km² against land
  // areas of 1,106 and 33 km².
  EXPECT_NEAR(ByName("Guangzhou").area_km2, 7434.0, 743.0);
  EXPECT_NEAR(ByName("Hong Kong").area_km2, 1288.0, 13.0);
  EXPECT_NEAR(ByName("Macau").area_km2, 53.0, 1.0);
  // Converted from GCJ-02 (auto: the file's `datum` field): HKIA is in Hong Kong, Guangzhou's
  // centre in Guangzhou.
  ASSERT_TRUE(Set().Locate(22.3080, 113.9185));
  EXPECT_EQ(Set().region(*Set().Locate(22.3080, 113.9185)).code, "810000");
  EXPECT_EQ(Set().region(*Set().Locate(23.1218, 113.2644)).code, "440100");
  EXPECT_FALSE(Set().Locate(18.0, 116.0));  // the South China Sea
  EXPECT_EQ(Set().Find("442000"), Set().Locate(22.52, 113.39));  // Zhongshan
}

TEST_F(SouthChinaTest, CoastlineExposureSeparatesTheCoastFromInland) {
  for (const char* coast : {"Zhanjiang", "Yangjiang", "Jiangmen", "Zhuhai", "Shenzhen", "Hong Kong", "Macau", "Shantou",
                            "Shanwei", "Huizhou", "Chaozhou", "Jieyang", "Maoming", "Zhongshan", "Dongguan", "Guangzhou"})
    EXPECT_TRUE(ByName(coast).coastal) << coast << " coast " << ByName(coast).coast_km << " km";
  for (const char* inland : {"Shaoguan", "Meizhou", "Heyuan", "Qingyuan", "Yunfu", "Zhaoqing", "Foshan"})
    EXPECT_FALSE(ByName(inland).coastal) << inland << " coast " << ByName(inland).coast_km << " km";
  EXPECT_GT(ByName("Zhanjiang").coast_km, 500.0);  // the Leizhou peninsula
}

TEST_F(SouthChinaTest, DistanceToARegionAndSamplePoints) {
  const std::size_t hk = *Set().Find("810000"), sg = *Set().Find("440200");
  EXPECT_EQ(Set().DistanceKm(hk, 22.3080, 113.9185), 0.0);
  // From Waglan Island's latitude 100 km due south of Hong Kong's southern coast: about 100 km.
  const LatLon south = Direct(22.20, 114.20, 180.0, 100.0);
  EXPECT_NEAR(Set().DistanceKm(hk, south.lat_deg, south.lon_deg), 100.0, 8.0);
  // Shaoguan is inland: its southern border is 177 km from Hong Kong's airport.
  EXPECT_NEAR(Set().DistanceKm(sg, 22.3080, 113.9185), 177.0, 2.0);
  // The nearest boundary point is measured on the ellipsoid: never more than the distance to any vertex.
  for (std::size_t i = 0; i < Set().size(); ++i) {
    const auto points = Set().SamplePoints(i);
    ASSERT_FALSE(points.empty()) << Set().region(i).code;
    for (const LatLon& p : points) EXPECT_LT(Set().DistanceKm(i, p.lat_deg, p.lon_deg), 0.5) << Set().region(i).code;
  }
  EXPECT_GT(Set().SamplePoints(sg).size(), 100u);  // 18,400 km² at 0.1°
}

// The GDAL-free GeoJSON reader (the gateways') and GDAL's give the same regions.
TEST(RegionLayerTest, GeoJsonWithoutGdalEqualsOgr) {
  for (const char* name : {"south_china_23.geojson", "datav/810000.json", "datav/820000.json"}) {
    const std::string path = std::string(TAIFENG_SAMPLES_DIR) + "/regions/" + name;
    const auto ours = RegionSet::FromLayer(ReadGeoJsonLayer(path), RegionSet::Administrative());
    const auto gdal = RegionSet::FromLayer(ReadOgrLayer(path), RegionSet::Administrative());
    ASSERT_EQ(ours->size(), gdal->size()) << name;
    for (std::size_t i = 0; i < ours->size(); ++i) {
      EXPECT_EQ(ours->region(i).code, gdal->region(i).code) << name;
      EXPECT_EQ(ours->region(i).name, gdal->region(i).name) << name;
      EXPECT_EQ(ours->region(i).name_en, gdal->region(i).name_en) << name;
      EXPECT_EQ(ours->region(i).parent, gdal->region(i).parent) << name;
      EXPECT_DOUBLE_EQ(ours->region(i).area_km2, gdal->region(i).area_km2) << name;
    }
  }
}

TEST(RegionLayerTest, BadGeoJsonNamesTheFeature) {
  const auto dir = std::filesystem::temp_directory_path() / ("taifeng_geojson_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto file = dir / "bad.geojson";
  std::ofstream(file) << R"({"type":"FeatureCollection","features":[)"
                      << R"({"type":"Feature","properties":{"code":"1"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}},)"
                      << R"({"type":"Feature","properties":{"code":"2"},"geometry":{"type":"Point","coordinates":[0,0]}}]})";
  try {
    RegionSet::LoadGeoJson(file, RegionSet::Administrative());
    ADD_FAILURE() << "accepted";
  } catch (const ParseError& e) {
    EXPECT_EQ(e.line(), 2);
    EXPECT_EQ(e.field(), "geometry");
  }
  std::ofstream(file) << "{not json";
  EXPECT_THROW(RegionSet::LoadGeoJson(file, RegionSet::Administrative()), ParseError);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace taifeng::geo
