#include "taifeng/geo/regions.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "taifeng/geo/error.h"

namespace taifeng::geo {
namespace {

std::filesystem::path Provinces() {
  return std::filesystem::path(TAIFENG_SAMPLES_DIR) / "regions" / "china_provinces_wgs84" / "china.shp";
}

class ProvincesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    set_ = new std::shared_ptr<const RegionSet>(RegionSet::Load(Provinces(), {"", "FCNAME", "FENAME", 10.0}));
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

TEST(RegionsTest, BadFilesAndFieldsAreRefused) {
  try {
    RegionSet::Load("/nonexistent.shp", {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  }
  const auto text = std::filesystem::temp_directory_path() / "taifeng-not-vector.geojson";
  std::ofstream(text) << "{ not json";
  EXPECT_THROW(RegionSet::Load(text, {}), ParseError);
  std::filesystem::remove(text);
  try {
    RegionSet::Load(Provinces(), {"", "NO_SUCH_FIELD", "", 0.0});
    FAIL();
  } catch (const ParseError& e) {
    EXPECT_EQ(e.field(), "NO_SUCH_FIELD");
  }
}

}  // namespace
}  // namespace taifeng::geo
