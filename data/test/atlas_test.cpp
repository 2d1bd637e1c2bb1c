// The risk atlas file (atlas.h): written and read back whole, refused when inconsistent or not an
// atlas, and a failed write (EIO at the fsync, injected through Env) leaves no file behind.
#include "taifeng/data/atlas.h"

#include <gdal.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <filesystem>

#include "taifeng/base/error.h"

namespace taifeng::data {
namespace {

namespace fs = std::filesystem;

Atlas Small() {
  Atlas a;
  a.years = 1000, a.seed = 42, a.model = "test", a.created_utc = "2026-12-01T00:00:00Z";
  a.code = {"810000", "cell:0:0"}, a.name = {"香港", ""}, a.name_en = {"Hong Kong", ""};
  a.lat_deg = {22.3, 20.05}, a.lon_deg = {114.2, 110.05}, a.kind = {0, 1};
  a.grid = AtlasGrid{20.05, 110.05, 0.1, 1, 1, 1};
  a.periods_years = {10, 100};
  AtlasQuantity q;
  q.name = "wind_ms", q.units = "m s-1", q.long_name = "wind";
  q.edges = {10, 20, 30};
  q.counts = {500, 100, 7, 300, 20, 0};
  q.level = {25.5, 31.0, 21.0, 27.0}, q.low = {24, 30, 20, 26}, q.high = {27, 32, 22, 28};
  q.bound = {0, 2, 0, 0};
  a.quantities = {q};
  return a;
}

struct FailSync : EnvWrapper {
  FailSync() : EnvWrapper(Env::Default()) {}
  int Sync(int, const fs::path&) override { return EIO; }
};

TEST(AtlasTest, WrittenAndReadBackWhole) {
  const fs::path dir = fs::temp_directory_path() / ("taifeng-atlas-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const Atlas a = Small();
  WriteAtlas(dir / "a.h5", a);
  const Atlas b = ReadAtlas(dir / "a.h5");
  EXPECT_EQ(b.years, 1000);
  EXPECT_EQ(b.seed, 42u);
  EXPECT_EQ(b.name, a.name);
  EXPECT_EQ(b.kind, a.kind);
  ASSERT_TRUE(b.grid);
  EXPECT_DOUBLE_EQ(b.grid->step_deg, 0.1);
  EXPECT_EQ(b.grid->first_site, 1);
  ASSERT_NE(b.Find("wind_ms"), nullptr);
  EXPECT_EQ(b.Find("wind_ms")->counts, a.quantities[0].counts);
  EXPECT_EQ(b.Find("wind_ms")->level, a.quantities[0].level);
  EXPECT_EQ(b.Find("wind_ms")->bound, a.quantities[0].bound);
  EXPECT_EQ(b.Find("wind_ms")->units, "m s-1");
  EXPECT_EQ(*b.Site("Hong Kong"), 0u);
  EXPECT_FALSE(b.Site("Macao"));
  // A failed fsync: the error, and neither the atlas nor a temporary file.
  FailSync fail;
  EXPECT_THROW(WriteAtlas(dir / "b.h5", a, fail), Error);
  EXPECT_FALSE(fs::exists(dir / "b.h5"));
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir)) files += e.path().filename() == "a.h5" ? 0 : 1;
  EXPECT_EQ(files, 0u);
  // Inconsistent sizes are refused before anything is written; a file that is no atlas is named.
  Atlas bad = a;
  bad.quantities[0].counts.pop_back();
  EXPECT_THROW(WriteAtlas(dir / "c.h5", bad), Error);
  EXPECT_FALSE(fs::exists(dir / "c.h5"));
  EXPECT_THROW(ReadAtlas(dir / "missing.h5"), Error);
  fs::remove_all(dir);
}

// The grid's map as GeoTIFF, read back with GDAL: size, georeferencing, values, nodata.
TEST(AtlasTest, GridMapsAsGeoTiff) {
  const fs::path dir = fs::temp_directory_path() / ("taifeng-atlas-tif-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  Atlas a = Small();
  // A 2 x 3 grid after the region: rows from the south; the level is 100 * row + col, and cell
  // (0, 2) is below the first edge.
  a.grid = AtlasGrid{20.05, 110.05, 0.1, 2, 3, 1};
  a.code = {"810000"}, a.name = {"香港"}, a.name_en = {"Hong Kong"}, a.lat_deg = {22.3}, a.lon_deg = {114.2}, a.kind = {0};
  AtlasQuantity& q = a.quantities[0];
  q.counts.assign(7 * 3, 1), q.level = {1, 1}, q.low = {1, 1}, q.high = {1, 1}, q.bound = {0, 0};
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 3; ++c) {
      a.code.push_back("cell:" + std::to_string(r) + ":" + std::to_string(c)), a.name.emplace_back(), a.name_en.emplace_back();
      a.lat_deg.push_back(20.05 + 0.1 * r), a.lon_deg.push_back(110.05 + 0.1 * c), a.kind.push_back(1);
      for (int p = 0; p < 2; ++p) {
        q.level.push_back(100 * r + c + p * 1000), q.low.push_back(0), q.high.push_back(0);
        q.bound.push_back(r == 0 && c == 2 ? 1 : 0);
      }
    }
  WriteLevelGeoTiff(a, "wind_ms", 100, dir / "w.tif");
  GDALAllRegister();
  GDALDatasetH ds = GDALOpen((dir / "w.tif").c_str(), GA_ReadOnly);
  ASSERT_NE(ds, nullptr);
  EXPECT_EQ(GDALGetRasterXSize(ds), 3);
  EXPECT_EQ(GDALGetRasterYSize(ds), 2);
  double t[6];
  GDALGetGeoTransform(ds, t);
  EXPECT_NEAR(t[0], 110.0, 1e-9);  // the west edge
  EXPECT_NEAR(t[3], 20.2, 1e-9);   // the north edge
  EXPECT_NEAR(t[1], 0.1, 1e-12);
  EXPECT_NEAR(t[5], -0.1, 1e-12);
  EXPECT_NE(std::string(GDALGetProjectionRef(ds)).find("4326"), std::string::npos);
  float v[6];
  ASSERT_EQ(GDALRasterIO(GDALGetRasterBand(ds, 1), GF_Read, 0, 0, 3, 2, v, 3, 2, GDT_Float32, 0, 0), CE_None);
  EXPECT_FLOAT_EQ(v[0], 1100);  // north row first: row 1 of the grid, period 100 y
  EXPECT_FLOAT_EQ(v[2], 1102);
  EXPECT_FLOAT_EQ(v[3], 1000);
  EXPECT_TRUE(std::isnan(v[5])) << "below the first edge: nodata";
  EXPECT_STREQ(GDALGetMetadataItem(GDALGetRasterBand(ds, 1), "return_period_years", nullptr), "100");
  GDALClose(ds);
  EXPECT_THROW(WriteLevelGeoTiff(a, "wind_ms", 7, dir / "x.tif"), Error);
  EXPECT_THROW(WriteLevelGeoTiff(Small(), "rain_total_mm", 10, dir / "x.tif"), Error);
  EXPECT_FALSE(fs::exists(dir / "x.tif"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace taifeng::data
