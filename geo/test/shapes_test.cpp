#include "taifeng/geo/shapes.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "taifeng/base/error.h"
#include "taifeng/geo/outline.h"

namespace taifeng::geo {
namespace {

std::filesystem::path Write(const std::string& name, const std::string& text) {
  const auto p = std::filesystem::temp_directory_path() / name;
  std::ofstream(p) << text;
  return p;
}

std::string Coordinates(const std::vector<LatLon>& ring) {
  std::string s = "[";
  for (std::size_t k = 0; k < ring.size(); ++k) {
    if (k > 0) s += ',';
    s.append("[").append(std::to_string(ring[k].lon_deg)).append(",").append(std::to_string(ring[k].lat_deg)).append("]");
  }
  return s + "]";
}

std::string PolygonFile(const std::vector<std::vector<LatLon>>& rings) {
  std::string c = "[";
  for (std::size_t r = 0; r < rings.size(); ++r) {
    if (r > 0) c += ',';
    c.append(Coordinates(rings[r]));
  }
  return R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":)" + c +
         "]}}]}";
}

// Mangkhut-like: from a point "now" through circles growing from 60 to 300 km.
TEST(ShapesTest, SweptConeIsOneValidCounterclockwisePolygonAroundTheCircles) {
  const std::vector<LatLon> centres = {{15.0, 125.0}, {16.0, 122.5}, {17.5, 119.5}, {19.0, 116.5}, {21.0, 113.5}};
  const std::vector<double> radii = {0, 60, 120, 200, 300};
  const auto rings = SweptCone(centres, radii);
  ASSERT_EQ(rings.size(), 1u);  // no holes
  const auto& outer = rings[0];
  ASSERT_GT(outer.size(), 20u);
  EXPECT_DOUBLE_EQ(outer.front().lat_deg, outer.back().lat_deg);
  EXPECT_DOUBLE_EQ(outer.front().lon_deg, outer.back().lon_deg);
  EXPECT_TRUE(CheckGeoJson(Write("taifeng-cone.geojson", PolygonFile(rings))).empty());
  // The envelope reaches each circle's edge: 300 km north of the last centre, within the
  // 72-gon's chord error (300 km * (1 - cos 2.5 deg) < 0.3 km).
  double north = -90;
  for (const LatLon& p : outer) north = std::max(north, p.lat_deg);
  EXPECT_NEAR(north, Direct(21.0, 113.5, 0, 300).lat_deg, 0.01);
  // Its area: more than the largest circle, less than the sum of circles and hulls' bounding box.
  EXPECT_GT(std::fabs(PolygonAreaKm2(outer.data(), static_cast<int>(outer.size()))), M_PI * 300 * 300);
  EXPECT_TRUE(SweptCone({}, {}).empty());
  EXPECT_THROW(SweptCone(centres, {1.0}), Error);
}

TEST(ShapesTest, CheckGeoJsonFindsClockwiseRingsAndSelfIntersections) {
  const std::vector<LatLon> clockwise = {{20, 110}, {21, 110}, {21, 111}, {20, 111}, {20, 110}};
  const auto cw = CheckGeoJson(Write("taifeng-cw.geojson", PolygonFile({clockwise})));
  ASSERT_EQ(cw.size(), 1u);
  EXPECT_NE(cw[0].find("exterior ring is clockwise"), std::string::npos) << cw[0];
  const std::vector<LatLon> bowtie = {{20, 110}, {21, 111}, {21, 110}, {20, 111}, {20, 110}};
  const auto bt = CheckGeoJson(Write("taifeng-bowtie.geojson", PolygonFile({bowtie})));
  ASSERT_FALSE(bt.empty());
  EXPECT_NE(bt[0].find("is not valid"), std::string::npos) << bt[0];
  EXPECT_THROW(CheckGeoJson("/nonexistent.geojson"), Error);
}

// Two parts of one region that share an edge (administrative layers have them) are not a valid
// MultiPolygon; ValidPolygons merges them into one counterclockwise polygon.
TEST(ShapesTest, ValidPolygonsMergesPartsThatShareAnEdge) {
  const Polygon west = {{{20, 110}, {20, 111}, {21, 111}, {21, 110}, {20, 110}}};
  const Polygon east = {{{20, 111}, {21, 111}, {21, 112}, {20, 112}, {20, 111}}};  // clockwise
  const auto out = ValidPolygons({west, east});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(IsCounterclockwise(out[0][0]));
  EXPECT_TRUE(CheckGeoJson(Write("taifeng-merged.geojson", PolygonFile(out[0]))).empty());
  const auto kept = ValidPolygons({west});  // valid: kept as it is
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0][0].size(), 5u);
}

}  // namespace
}  // namespace taifeng::geo
