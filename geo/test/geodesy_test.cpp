#include "taifeng/geo/geodesy.h"

#include <gtest/gtest.h>

#include <cmath>

namespace taifeng::geo {
namespace {

// Reference: GeographicLib's documented example (GeodSolve -i, WGS-84):
// 40.6 -73.8 51.6 -0.5 -> azi1 51.198882845, azi2 107.821776735, s12 5551759.400319 m.
TEST(GeodesyTest, InverseMatchesGeographicLibReference) {
  GeodesicLine line = Inverse(40.6, -73.8, 51.6, -0.5);
  EXPECT_NEAR(line.distance_km, 5551.759400319, 1e-6);  // 1 mm
  EXPECT_NEAR(line.azimuth1_deg, 51.198882845, 1e-8);
  EXPECT_NEAR(line.azimuth2_deg, 107.821776735, 1e-8);
}

TEST(GeodesyTest, EquatorDegreeIsSemiMajorArc) {
  // Along the equator the geodesic is the equator: a * pi / 180 per degree.
  const double expected_km = 6378.137 * M_PI / 180.0;
  EXPECT_NEAR(DistanceKm(0.0, 10.0, 0.0, 11.0), expected_km, 1e-6);
}

TEST(GeodesyTest, AntimeridianCrossingIsShort) {
  const double expected_km = 6378.137 * M_PI / 180.0;
  EXPECT_NEAR(DistanceKm(0.0, 179.5, 0.0, -179.5), expected_km, 1e-6);
  EXPECT_NEAR(DistanceKm(0.0, 179.5, 0.0, 180.5), expected_km, 1e-6);
  GeodesicLine east = Inverse(20.0, 179.5, 20.0, -179.5);
  EXPECT_GT(east.azimuth1_deg, 0.0);  // heading east, not 359 degrees west
  EXPECT_LT(east.distance_km, 110.0);
}

TEST(GeodesyTest, PoleAndNaNEdges) {
  // Pole to pole along a meridian: twice the WGS-84 quarter meridian 10001.965729 km.
  EXPECT_NEAR(DistanceKm(90.0, 0.0, -90.0, 0.0), 20003.931458, 1e-5);
  EXPECT_TRUE(std::isnan(DistanceKm(91.0, 0.0, 0.0, 0.0)));
  EXPECT_TRUE(std::isnan(DistanceKm(NAN, 0.0, 0.0, 0.0)));
}

TEST(GeodesyTest, DirectInvertsInverse) {
  GeodesicLine line = Inverse(22.3, 114.2, 18.5, 125.7);
  LatLon end = Direct(22.3, 114.2, line.azimuth1_deg, line.distance_km);
  EXPECT_NEAR(end.lat_deg, 18.5, 1e-9);
  EXPECT_NEAR(end.lon_deg, 125.7, 1e-9);
  LatLon across = Direct(0.0, 179.9, 90.0, 111.319);
  EXPECT_LT(across.lon_deg, -179.0);  // normalised to [-180, 180)
}

TEST(GeodesyTest, NormalizeAndDifference) {
  EXPECT_DOUBLE_EQ(NormalizeLonDeg(215.0), -145.0);
  EXPECT_DOUBLE_EQ(NormalizeLonDeg(180.0), -180.0);
  EXPECT_DOUBLE_EQ(NormalizeLonDeg(-180.0), -180.0);
  EXPECT_DOUBLE_EQ(NormalizeLonDeg(-540.5), 179.5);
  EXPECT_DOUBLE_EQ(NormalizeLonDeg(114.2), 114.2);
  EXPECT_NEAR(LonDifferenceDeg(179.5, -179.5), 1.0, 1e-12);
  EXPECT_NEAR(LonDifferenceDeg(-179.5, 179.5), -1.0, 1e-12);
  EXPECT_TRUE(std::isnan(NormalizeLonDeg(INFINITY)));
}

}  // namespace
}  // namespace taifeng::geo

namespace taifeng::geo {
namespace {

TEST(GeodesyTest, PolygonAreaOfAOneDegreeCellAtTheEquator) {
  // 1°x1° cell at the equator on WGS-84: 12,308.8 km² (GeographicLib Planimeter gives 12308778361 m²).
  const LatLon ccw[] = {{0, 0}, {0, 1}, {1, 1}, {1, 0}};
  EXPECT_NEAR(PolygonAreaKm2(ccw, 4), 12308.778361, 0.01);
  const LatLon cw[] = {{0, 0}, {1, 0}, {1, 1}, {0, 1}};
  EXPECT_NEAR(PolygonAreaKm2(cw, 4), -12308.778361, 0.01);
  const LatLon across[] = {{0, 179.5}, {0, -179.5}, {1, -179.5}, {1, 179.5}};  // same cell across ±180
  EXPECT_NEAR(PolygonAreaKm2(across, 4), 12308.778361, 0.01);
  EXPECT_EQ(PolygonAreaKm2(ccw, 2), 0.0);
}

}  // namespace
}  // namespace taifeng::geo
