#include "taifeng/core/similarity.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "taifeng/geo/geodesy.h"

namespace taifeng::core {
namespace {

constexpr std::int64_t k6h = 6 * 3600;

// A straight track: n points 6 h apart starting at (lat, lon), moving (dlat, dlon) degrees each step.
std::vector<TrackPoint> Line(int n, double lat, double lon, double dlat, double dlon, std::int64_t t0 = 1536278400) {
  std::vector<TrackPoint> v;
  for (int i = 0; i < n; ++i) {
    v.push_back({t0 + i * k6h, lat + i * dlat, geo::NormalizeLonDeg(lon + i * dlon), 30.0 + i, 990.0 - i});
  }
  return v;
}

TEST(SimilarityTest, IdenticalTracksScoreZero) {
  const auto a = Line(5, 18.0, 130.0, 0.5, -1.0);
  EXPECT_NEAR(MeanSeparationKm(a, a), 0.0, 1e-9);
  EXPECT_NEAR(ShapeSeparationKm(a, a), 0.0, 1e-6);
  EXPECT_NEAR(TsaiKm(a, a), 0.0, 1e-6);
  EXPECT_NEAR(DtwSeparationKm(a, a), 0.0, 1e-9);
  EXPECT_NEAR(WindDifferenceMs(a, a), 0.0, 1e-12);
  EXPECT_NEAR(SpeedDifferenceKmh(a, a), 0.0, 1e-9);
  EXPECT_NEAR(HeadingDifferenceDeg(a, a), 0.0, 1e-9);
}

// Tolerances: separations in km to 1% of the 1° offset unless stated.
TEST(SimilarityTest, ParallelTrackOneDegreeNorth) {
  const auto live = Line(5, 15.0, 130.0, 0.0, -1.0);
  const auto cand = Line(5, 16.0, 130.0, 0.0, -1.0);
  const double meridian_degree_km = geo::DistanceKm(15.0, 130.0, 16.0, 130.0);  // ~110.6 km
  EXPECT_NEAR(MeanSeparationKm(live, cand), meridian_degree_km, 1e-6);
  EXPECT_LT(ShapeSeparationKm(live, cand), 2.0);  // same motion: a motion analog
  EXPECT_NEAR(TsaiKm(live, cand), meridian_degree_km, 0.01 * meridian_degree_km);
  EXPECT_NEAR(DtwSeparationKm(live, cand), meridian_degree_km, 1e-6);
}

TEST(SimilarityTest, AntimeridianScoresLikeAnywhereElse) {
  // 179.0°E -> 178.0°W crossing, against the same track 1° north; and the same pair at 150°E.
  const auto live = Line(5, 20.0, 179.0, 0.2, 0.75);
  const auto cand = Line(5, 21.0, 179.0, 0.2, 0.75);
  const auto live_w = Line(5, 20.0, 150.0, 0.2, 0.75);
  const auto cand_w = Line(5, 21.0, 150.0, 0.2, 0.75);
  EXPECT_NEAR(MeanSeparationKm(live, cand), MeanSeparationKm(live_w, cand_w), 1e-6);
  EXPECT_NEAR(ShapeSeparationKm(live, cand), ShapeSeparationKm(live_w, cand_w), 1e-6);
  EXPECT_NEAR(TsaiKm(live, cand), TsaiKm(live_w, cand_w), 0.01);
  EXPECT_NEAR(DtwSeparationKm(live, cand), DtwSeparationKm(live_w, cand_w), 1e-6);
  EXPECT_NEAR(HeadingDifferenceDeg(live, cand), 0.0, 0.5);
  EXPECT_NEAR(SpeedDifferenceKmh(live, cand), SpeedDifferenceKmh(live_w, cand_w), 1e-6);
}

TEST(SimilarityTest, EquatorAndFarNorthAreFinite) {
  const auto eq = Line(5, -1.0, 100.0, 0.5, 0.0);  // crosses the equator
  const auto eq2 = Line(5, -1.0, 101.0, 0.5, 0.0);
  EXPECT_NEAR(MeanSeparationKm(eq, eq2), 111.3, 0.5);
  const auto north = Line(5, 80.0, 10.0, 1.0, 20.0);  // up to 84°N, 20° longitude steps
  const auto north2 = Line(5, 80.5, 10.0, 1.0, 20.0);
  for (double v : {MeanSeparationKm(north, north2), ShapeSeparationKm(north, north2), TsaiKm(north, north2),
                   DtwSeparationKm(north, north2)}) {
    EXPECT_TRUE(std::isfinite(v));
    EXPECT_GT(v, 0.0);
    EXPECT_LT(v, 200.0);
  }
}

TEST(SimilarityTest, ShapeFindsTheSameMotionElsewhere) {
  const auto live = Line(5, 15.0, 130.0, 0.5, -1.0);
  const auto elsewhere = Line(5, 25.0, 150.0, 0.5, -1.0);  // ~2,300 km away, same motion
  const auto recurving = Line(5, 15.0, 130.0, 1.0, 0.5);   // same place, moving north-east
  EXPECT_GT(MeanSeparationKm(live, elsewhere), 2000.0);
  EXPECT_LT(ShapeSeparationKm(live, elsewhere), 15.0);
  EXPECT_GT(ShapeSeparationKm(live, recurving), 150.0);
}

TEST(SimilarityTest, TsaiAddsTheLobesOfCrossingTracks) {
  // An X: live goes NE, the candidate SE over the same longitudes; they cross halfway.
  const auto live = Line(2, 20.0, 120.0, 2.0, 2.0);
  const auto cand = Line(2, 22.0, 120.0, -2.0, 2.0);
  const double tsai = TsaiKm(live, cand);
  // Two triangles of ~ (222 km × 209 km / 2) / 2 each; a signed polygon would give ~0.
  const double length = geo::DistanceKm(20, 120, 22, 122);
  const double expected_area = 2 * 0.5 * geo::DistanceKm(20, 120, 22, 120) * geo::DistanceKm(21, 120, 21, 121);
  EXPECT_NEAR(tsai, expected_area / length, 0.05 * expected_area / length);
  const geo::LatLon bowtie[] = {{20, 120}, {22, 122}, {20, 122}, {22, 120}};
  EXPECT_LT(std::fabs(geo::PolygonAreaKm2(bowtie, 4)), 0.1 * expected_area);
}

TEST(SimilarityTest, DtwForgivesADifferentSpeed) {
  // Same path, the candidate moves at half the speed (and pauses at the end).
  std::vector<TrackPoint> live = Line(5, 15.0, 130.0, 0.0, -1.0);
  std::vector<TrackPoint> slow = Line(5, 15.0, 130.0, 0.0, -0.5);
  EXPECT_LT(DtwSeparationKm(live, slow, 2), 0.75 * MeanSeparationKm(live, slow));
  EXPECT_GT(DtwSeparationKm(live, slow, 0), DtwSeparationKm(live, slow, 2));
}

TEST(SimilarityTest, IntensityMotionAndSeasonTerms) {
  auto a = Line(3, 15.0, 0.0, 0.0, 1.0);  // east along 15°N, 1° per 6 h
  auto b = a;
  b[0].wind_ms = NAN;
  b[1].wind_ms += 4.0;
  b[2].wind_ms += 2.0;
  EXPECT_NEAR(WindDifferenceMs(a, b), 3.0, 1e-12);  // NaN pair skipped
  for (auto& p : b) p.pressure_hpa = NAN;
  EXPECT_TRUE(std::isnan(PressureDifferenceHpa(a, b)));
  const Motion m = EndMotion(a, 12.0);
  EXPECT_NEAR(m.speed_kmh, geo::DistanceKm(15, 0, 15, 2) / 12.0, 1e-9);
  EXPECT_NEAR(m.heading_deg, 90.0, 0.3);
  const auto north = Line(3, 15.0, 0.0, 1.0, 0.0);
  EXPECT_NEAR(HeadingDifferenceDeg(a, north), 90.0, 0.5);
  const auto still = Line(3, 15.0, 0.0, 0.0, 0.0);
  EXPECT_TRUE(std::isnan(HeadingDifferenceDeg(a, still)));
  // Calendar day of year on a circle of 365.2425 days: within a quarter day.
  EXPECT_NEAR(SeasonDifferenceDays(1546214400 /*2018-12-31*/, 1546300800 /*2019-01-01*/), 1.0, 0.25);
  EXPECT_NEAR(SeasonDifferenceDays(1530403200 /*2018-07-01*/, -583459200 /*1951-07-07*/), 6.0, 0.3);
  EXPECT_NEAR(SeasonDifferenceDays(1514764800 /*2018-01-01*/, 1530403200 /*2018-07-01*/), 181.0, 0.25);
}

TEST(SimilarityTest, MismatchedSegmentsAreNaN) {
  const auto a = Line(5, 15.0, 130.0, 0.0, -1.0);
  const auto b = Line(4, 15.0, 130.0, 0.0, -1.0);
  EXPECT_TRUE(std::isnan(MeanSeparationKm(a, b)));
  EXPECT_TRUE(std::isnan(TsaiKm(a, b)));
  EXPECT_TRUE(std::isnan(DtwSeparationKm(a, b)));
  EXPECT_TRUE(std::isnan(TsaiKm(Segment(a).first(1), Segment(a).first(1))));
  EXPECT_TRUE(std::isnan(EndMotion(Segment(a).first(1)).speed_kmh));
}

}  // namespace
}  // namespace taifeng::core
