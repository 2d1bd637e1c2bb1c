#include "taifeng/core/landfall.h"

#include <gtest/gtest.h>

#include <strings.h>

#include <cmath>
#include <cstdio>

#include "taifeng/core/matcher.h"
#include "taifeng/data/import.h"
#include "taifeng/base/time_utc.h"
#include "taifeng/geo/geodesy.h"
#include "taifeng/geo/land.h"

namespace taifeng::core {
namespace {

std::shared_ptr<const geo::RegionSet> Land() {
  static const auto land = [] {
    geo::LandSources s;
    s.countries = std::string(TAIFENG_SAMPLES_DIR) + "/regions/natural_earth/countries_10m_basin.geojson";
    s.detail = std::string(TAIFENG_SAMPLES_DIR) + "/regions/china_provinces_wgs84/china.shp";
    return geo::LoadLand(s);
  }();
  return land;
}

std::vector<TrackPoint> Resampled(const char* file) {
  data::ImportResult r;
  data::ImportFile(data::Format::Named("atcf"), std::string(TAIFENG_SAMPLES_DIR) + "/atcf/" + file, {}, r);
  return ResampleSixHourly(r.storms.at(0).fixes, r.storms.at(0).wind_averaging).points;
}

// Mangkhut (JTWC) made landfall at Taishan, Guangdong, around 09 UTC on 16 September 2018; it
// passed between Guam and Rota (N. Mariana Is.) on 10 September and crossed Luzon before.
TEST(LandfallTest, MangkhutGrazesRotaCrossesLuzonThenLandsInGuangdong) {
  const auto first = FindLandfall(Resampled("bwp262018.dat"), *Land());
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(Land()->region(first->region).name_en, "N. Mariana Is.");
  const auto all = FindLandfalls(Resampled("bwp262018.dat"), *Land());
  std::vector<std::string> places;
  for (const Landfall& x : all) places.push_back(Land()->region(x.region).name_en);
  EXPECT_EQ(places, (std::vector<std::string>{"N. Mariana Is.", "Philippines", "Guangdong, China"}));
  ASSERT_FALSE(all.empty());
  const Landfall* l = &all.back();
  EXPECT_EQ(Land()->region(l->region).name_en, "Guangdong, China");
  EXPECT_NEAR(static_cast<double>(l->time_utc - *taifeng::UtcSeconds(2018, 9, 16, 9)) / 3600.0, 0.0, 6.0);
  EXPECT_NEAR(l->lat_deg, 21.7, 0.6);
  EXPECT_NEAR(l->lon_deg, 112.5, 0.8);
}

// Hato made landfall near Zhuhai, Guangdong, around 05 UTC on 23 August 2017.
TEST(LandfallTest, HatoLandsNearZhuhai) {
  const auto l = FindLandfall(Resampled("bwp152017.dat"), *Land());
  ASSERT_TRUE(l.has_value());
  EXPECT_EQ(Land()->region(l->region).name_en, "Guangdong, China");
  EXPECT_NEAR(static_cast<double>(l->time_utc - *taifeng::UtcSeconds(2017, 8, 23, 5)) / 3600.0, 0.0, 6.0);
}

// Documented landfalls (agency, local time converted to UTC, place and source), found on CMA's best
// track (data/samples/cma) and the basin's land to within 3 h and 50 km of the named place. The
// place's position is the named town's (coastal point where the town spans a coast), to ~5 km.
struct Documented {
  const char* storm;  // CMA name as in CHyyyyBST.txt (any case)
  int season, month, day, hour, minute;  // UTC
  double lat_deg, lon_deg;
  const char* place;
  const char* source;
};

constexpr Documented kDocumented[] = {
    {"HATO", 2017, 8, 23, 4, 50, 21.95, 113.35, "Jinwan, Zhuhai, Guangdong", "CMA 12:50 CST; Xinhua/Global Times 'noon'; HKO report"},
    {"RAMMASUN", 2014, 7, 18, 7, 30, 20.00, 110.90, "Wengtian, Wenchang, Hainan", "NDRCC via International Charter: 07:30 UTC"},
    {"RAMMASUN", 2014, 7, 18, 11, 30, 20.30, 110.20, "Xuwen, Guangdong", "CMA 19:30 CST"},
    {"HAIMA", 2016, 10, 21, 4, 40, 22.80, 115.20, "Houmen, Haifeng, Shanwei, Guangdong", "Xinhua: 12:40 CST"},
    {"NIDA", 2016, 8, 1, 19, 35, 22.55, 114.50, "Dapeng peninsula, Shenzhen, Guangdong", "CMA 03:35 CST 2 Aug; AIR: ~19:30 UTC"},
    {"MERANTI", 2016, 9, 14, 19, 5, 24.60, 118.30, "Xiang'an, Xiamen, Fujian", "Xinhua: 03:05 CST 15 Sep"},
    {"LEKIMA", 2019, 8, 9, 17, 45, 28.35, 121.45, "Chengnan, Wenling, Zhejiang", "CMA 01:45 CST 10 Aug"},
    {"HAIYAN", 2013, 11, 7, 20, 40, 11.03, 125.72, "Guiuan, Eastern Samar, Philippines", "PAGASA 04:40 PHT 8 Nov; ECHO: 20:40 UTC"},
    {"MANGKHUT", 2018, 9, 14, 17, 40, 18.00, 122.10, "Baggao, Cagayan, Philippines", "PAGASA 01:40 PHT 15 Sep"},
    {"MANGKHUT", 2018, 9, 16, 9, 0, 21.95, 112.55, "Haiyan, Taishan, Guangdong", "CMA 17:00 CST (AP, Xinhua)"},
    {"SOUDELOR", 2015, 8, 7, 20, 40, 24.05, 121.62, "Xiulin, Hualien, Taiwan", "Taiwan CWB 04:40 local 8 Aug (Xinhua)"},
    {"SOUDELOR", 2015, 8, 8, 14, 10, 25.20, 119.10, "Xiuyu, Putian, Fujian", "CMA 22:10 CST (weather.com)"},
    {"USAGI", 2013, 9, 22, 11, 40, 22.75, 115.40, "Shanwei, Guangdong", "CMA 19:40 CST"},
    {"VICENTE", 2012, 7, 23, 20, 15, 21.90, 112.80, "Taishan, Guangdong", "CMA 04:15 CST 24 Jul; HKO 'before dawn'"},
    {"MUJIGAE", 2015, 10, 4, 6, 10, 21.20, 110.50, "Potou, Zhanjiang, Guangdong", "CMA 14:10 CST; HKO 'that afternoon'"},
    {"RAMMASUN", 2014, 7, 18, 23, 10, 21.60, 108.40, "Guangpo, Fangchenggang, Guangxi", "CMA 07:10 CST 19 Jul; HKO 'the next morning'"},
};

std::vector<TrackPoint> CmaTrack(const std::string& name, int season) {
  data::ImportResult r;
  data::ImportFile(data::Format::Named("cma"), std::string(TAIFENG_SAMPLES_DIR) + "/cma/CH" + std::to_string(season) + "BST.txt", {}, r);
  for (const data::Storm& s : r.storms) {
    if (strcasecmp(s.name.c_str(), name.c_str()) != 0 || s.secondary_centre) continue;
    std::vector<TrackPoint> t;
    for (const data::Fix& f : s.fixes) t.push_back({f.time_utc, f.lat_deg, f.lon_deg, NAN, NAN});
    return t;
  }
  return {};
}

TEST(LandfallTest, DocumentedLandfallsWithin3HoursAnd50Km) {
  ASSERT_GE(std::size(kDocumented), 12u);
  for (const Documented& d : kDocumented) {
    SCOPED_TRACE(std::string(d.storm) + " " + std::to_string(d.season) + ", " + d.place + " (" + d.source + ")");
    const auto track = CmaTrack(d.storm, d.season);
    ASSERT_FALSE(track.empty());
    const std::int64_t when = *taifeng::UtcSeconds(d.season, d.month, d.day, d.hour, d.minute);
    const Landfall* best = nullptr;
    double best_km = 1e9;
    const auto found = FindLandfalls(track, *Land());
    std::string all;
    for (const Landfall& l : found) {
      all += " " + taifeng::FormatIsoUtc(l.time_utc) + " " + std::to_string(l.lat_deg) + "N " + std::to_string(l.lon_deg) + "E " +
             Land()->region(l.region).name_en + ";";
    }
    for (const Landfall& l : found) {
      const double km = geo::DistanceKm(l.lat_deg, l.lon_deg, d.lat_deg, d.lon_deg);
      if (std::abs(static_cast<double>(l.time_utc - when)) <= 3 * 3600.0 && km < best_km) best = &l, best_km = km;
    }
    if (best == nullptr) {
      ADD_FAILURE() << "no landfall within 3 h; found:" << all;
      continue;
    }
    std::printf("  %-9s %d %-40s dt %+5.1f h  %5.1f km\n", d.storm, d.season, d.place,
                static_cast<double>(best->time_utc - when) / 3600.0, best_km);
    EXPECT_LE(best_km, 50.0) << "found at " << best->lat_deg << "N " << best->lon_deg << "E, " << taifeng::FormatIsoUtc(best->time_utc);
  }
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
