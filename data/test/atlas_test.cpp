// The risk atlas file (atlas.h): written and read back whole, refused when inconsistent or not an
// atlas, and a failed write (EIO at the fsync, injected through Env) leaves no file behind.
#include "taifeng/data/atlas.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
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

}  // namespace
}  // namespace taifeng::data
