#include "taifeng/core/landfall.h"

#include <gtest/gtest.h>

#include "taifeng/core/matcher.h"
#include "taifeng/data/import.h"
#include "taifeng/base/time_utc.h"

namespace taifeng::core {
namespace {

std::shared_ptr<const geo::RegionSet> Land() {
  static const auto land = geo::RegionSet::Load(
      std::string(TAIFENG_SAMPLES_DIR) + "/regions/china_provinces_wgs84/china.shp", geo::RegionSet::Fields("", "FCNAME", "FENAME", 10.0));
  return land;
}

std::vector<TrackPoint> Resampled(const char* file) {
  data::ImportResult r;
  data::ImportFile(data::Format::Named("atcf"), std::string(TAIFENG_SAMPLES_DIR) + "/atcf/" + file, {}, r);
  return ResampleSixHourly(r.storms.at(0).fixes, r.storms.at(0).wind_averaging).points;
}

// Mangkhut (JTWC) made landfall at Taishan, Guangdong, around 09 UTC on 16 September 2018; it
// crossed Luzon (outside the land set) before.
TEST(LandfallTest, MangkhutLandsInGuangdong) {
  const auto l = FindLandfall(Resampled("bwp262018.dat"), *Land());
  ASSERT_TRUE(l.has_value());
  EXPECT_EQ(Land()->region(l->region).name_en, "Guangdong Sheng");
  EXPECT_NEAR(static_cast<double>(l->time_utc - *taifeng::UtcSeconds(2018, 9, 16, 9)) / 3600.0, 0.0, 6.0);
  EXPECT_NEAR(l->lat_deg, 21.7, 0.6);
  EXPECT_NEAR(l->lon_deg, 112.5, 0.8);
}

// Hato made landfall near Zhuhai, Guangdong, around 05 UTC on 23 August 2017.
TEST(LandfallTest, HatoLandsNearZhuhai) {
  const auto l = FindLandfall(Resampled("bwp152017.dat"), *Land());
  ASSERT_TRUE(l.has_value());
  EXPECT_EQ(Land()->region(l->region).name_en, "Guangdong Sheng");
  EXPECT_NEAR(static_cast<double>(l->time_utc - *taifeng::UtcSeconds(2017, 8, 23, 5)) / 3600.0, 0.0, 6.0);
}

TEST(LandfallTest, SeaOnlyAndLandStartTracks) {
  std::vector<TrackPoint> sea = {{0, 15.0, 130.0, NAN, NAN}, {21600, 15.5, 129.0, NAN, NAN}};
  EXPECT_FALSE(FindLandfall(sea, *Land()).has_value());
  // Starts over Guangdong and stays inland: no landfall.
  std::vector<TrackPoint> inland = {{0, 23.1, 113.3, NAN, NAN}, {21600, 24.0, 112.0, NAN, NAN}};
  EXPECT_FALSE(FindLandfall(inland, *Land()).has_value());
  EXPECT_FALSE(FindLandfall({}, *Land()).has_value());
}

}  // namespace
}  // namespace taifeng::core
