#include "taifeng/geo/land.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "taifeng/base/error.h"

namespace taifeng::geo {
namespace {

std::shared_ptr<const RegionSet> BasinLand() {
  static const auto land = [] {
    LandSources s;
    s.countries = std::filesystem::path(TAIFENG_SAMPLES_DIR) / "regions" / "natural_earth" / "countries_10m_basin.geojson";
    s.detail = std::filesystem::path(TAIFENG_SAMPLES_DIR) / "regions" / "china_provinces_wgs84" / "china.shp";
    return LoadLand(s);
  }();
  return land;
}

std::string At(double lat, double lon) {
  const auto i = BasinLand()->Locate(lat, lon);
  return i ? BasinLand()->region(*i).name_en : std::string();
}

TEST(LandTest, ProvincesNameChinaAndCountriesTheRest) {
  EXPECT_EQ(At(22.27, 113.57), "Guangdong, China");  // Zhuhai
  EXPECT_EQ(At(20.04, 110.34), "Hainan, China");     // Haikou
  EXPECT_EQ(At(22.82, 108.37), "Guangxi, China");    // Nanning
  EXPECT_EQ(At(22.38, 114.15), "Hong Kong, China");  // Sha Tin
  EXPECT_EQ(At(25.03, 121.56), "Taiwan");            // Taipei: the countries' layer
  EXPECT_EQ(At(14.60, 121.00), "Philippines");       // Manila
  EXPECT_EQ(At(21.03, 105.85), "Vietnam");           // Hanoi
  EXPECT_EQ(At(26.21, 127.68), "Japan");             // Naha
  const auto i = BasinLand()->Locate(23.13, 113.26);  // Guangzhou
  ASSERT_TRUE(i.has_value());
  EXPECT_EQ(BasinLand()->region(*i).name, "广东省");
  EXPECT_EQ(BasinLand()->region(*i).code, "156");
  EXPECT_EQ(BasinLand()->region(*i).level, "province");
}

// Beiwei Tan (21.1N 116.0E) is a submerged bank that the provinces' layer holds as a polygon:
// Typhoon Hato's landfall was once reported there. Nothing of the world layer is land there.
TEST(LandTest, ShoalsOfTheDetailedLayerAreNotLand) {
  EXPECT_EQ(At(21.10, 116.00), "");
  for (std::size_t i = 0; i < BasinLand()->size(); ++i) EXPECT_NE(BasinLand()->region(i).name_en, "Beiwei Tan, China");
  EXPECT_EQ(At(18.0, 115.0), "");  // the South China Sea
}

TEST(LandTest, MissingFilesAreRefused) {
  LandSources s;
  s.countries = "/nonexistent.geojson";
  EXPECT_THROW(LoadLand(s), Error);
  s.countries = std::filesystem::path(TAIFENG_SAMPLES_DIR) / "regions" / "natural_earth" / "countries_10m_basin.geojson";
  s.detail = "/nonexistent.shp";
  EXPECT_THROW(LoadLand(s), Error);
}

}  // namespace
}  // namespace taifeng::geo
