#include "taifeng/geo/gcj02.h"

#include <gtest/gtest.h>

#include <cmath>

#include "taifeng/geo/geodesy.h"
#include "taifeng/geo/regions.h"

namespace taifeng::geo {
namespace {

// Reference pairs (WGS-84 -> GCJ-02) from the test suite of googollee/eviltransform
// (python/test.py): Shanghai, Shenzhen, Beijing.
struct Pair {
  double wgs_lat, wgs_lon, gcj_lat, gcj_lon;
};
constexpr Pair kReference[] = {{31.1774276, 121.5272106, 31.17530398364597, 121.531541859215},
                               {22.543847, 113.912316, 22.540796131694766, 113.9171764808363},
                               {39.911954, 116.377817, 39.91334545536069, 116.38404722455657}};

TEST(Gcj02, MatchesTheReferencePointsBothWays) {
  for (const Pair& p : kReference) {
    const LatLon g = WgsToGcj(p.wgs_lat, p.wgs_lon);
    EXPECT_LT(DistanceKm(g.lat_deg, g.lon_deg, p.gcj_lat, p.gcj_lon) * 1000, 0.1) << p.wgs_lat;
    const LatLon w = GcjToWgs(p.gcj_lat, p.gcj_lon);
    EXPECT_LT(DistanceKm(w.lat_deg, w.lon_deg, p.wgs_lat, p.wgs_lon) * 1000, 0.1) << p.wgs_lat;
    // The offset itself is hundreds of metres.
    const double shift_m = DistanceKm(p.wgs_lat, p.wgs_lon, p.gcj_lat, p.gcj_lon) * 1000;
    EXPECT_GT(shift_m, 100);
    EXPECT_LT(shift_m, 800);
  }
}

TEST(Gcj02, RoundTripsOverSouthChinaAndLeavesTheRestAlone) {
  double worst_m = 0;
  for (double lat = 18.0; lat <= 27.0; lat += 0.37) {
    for (double lon = 104.0; lon <= 121.0; lon += 0.41) {
      const LatLon g = WgsToGcj(lat, lon);
      const LatLon w = GcjToWgs(g.lat_deg, g.lon_deg);
      worst_m = std::max(worst_m, DistanceKm(lat, lon, w.lat_deg, w.lon_deg) * 1000);
    }
  }
  EXPECT_LT(worst_m, 0.001);
  // Outside the box: no offset (the open Pacific, Japan's north, the southern hemisphere).
  for (const LatLon& p : {LatLon{15.0, 140.0}, LatLon{60.0, 100.0}, LatLon{-10.0, 120.0}}) {
    EXPECT_FALSE(GcjOffsetApplies(p.lat_deg, p.lon_deg));
    EXPECT_EQ(WgsToGcj(p.lat_deg, p.lon_deg).lat_deg, p.lat_deg);
    EXPECT_EQ(GcjToWgs(p.lat_deg, p.lon_deg).lon_deg, p.lon_deg);
  }
}

TEST(Gcj02, DataVRegionsAreConvertedAtLoad) {
  const std::string dir = std::string(TAIFENG_SAMPLES_DIR) + "/regions/datav/";
  RegionSet::LoadOptions o = RegionSet::Fields("adcode", "name", "");
  o.datum = RegionSet::Datum::kGcj02;
  const auto gd = RegionSet::Load(dir + "440000.json", o);
  const auto hk = RegionSet::Load(dir + "810000.json", o);
  const auto mo = RegionSet::Load(dir + "820000.json", o);
  EXPECT_EQ(gd->size(), 21u);
  EXPECT_EQ(hk->size(), 18u);
  EXPECT_EQ(mo->size(), 8u);
  // Every vertex is the GCJ-02 source vertex moved back to WGS-84.
  RegionSet::LoadOptions raw_options = o;
  raw_options.datum = RegionSet::Datum::kWgs84;
  const auto raw = RegionSet::Load(dir + "440000.json", raw_options);
  const auto converted = gd->Outlines(-90, -180, 90, 180), source = raw->Outlines(-90, -180, 90, 180);
  ASSERT_EQ(converted.size(), source.size());
  ASSERT_FALSE(converted.empty());
  const LatLon v = converted[0][0], s = source[0][0];
  const LatLon expected = GcjToWgs(s.lat_deg, s.lon_deg);
  EXPECT_NEAR(v.lat_deg, expected.lat_deg, 1e-12);
  EXPECT_NEAR(v.lon_deg, expected.lon_deg, 1e-12);
  EXPECT_GT(DistanceKm(v.lat_deg, v.lon_deg, s.lat_deg, s.lon_deg), 0.1);
  // Known places (WGS-84): Guangzhou's city centre (Haizhu Square), Hong Kong International
  // Airport on Chek Lap Kok (Islands district), Taipa village in Macau; a storm far out at sea.
  const auto code = [](const RegionSet& set, double lat, double lon) {
    const auto i = set.Locate(lat, lon);
    return i ? set.region(*i).code : std::string("none");
  };
  EXPECT_EQ(code(*gd, 23.1218, 113.2644), "440100");
  EXPECT_EQ(code(*gd, 22.5431, 114.0579), "440300");  // Shenzhen, Futian
  EXPECT_EQ(code(*hk, 22.3080, 113.9185), "810018");
  EXPECT_EQ(code(*mo, 22.1530, 113.5560), "820006");  // Taipa (Our Lady of Carmel)
  EXPECT_EQ(code(*gd, 19.5, 116.5), "none");
  EXPECT_EQ(code(*hk, 19.5, 116.5), "none");
}

}  // namespace
}  // namespace taifeng::geo
