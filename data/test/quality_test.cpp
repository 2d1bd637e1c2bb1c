#include <gtest/gtest.h>

#include "taifeng/data/quality.h"
#include "taifeng/base/time_utc.h"
#include "test_util.h"

namespace taifeng::data {
namespace {

Fix At(int day, int hour, double lat, double lon, std::int64_t line) {
  Fix f;
  f.time_utc = *UtcSeconds(2018, 9, day, hour);
  f.lat_deg = lat;
  f.lon_deg = lon;
  f.source_line = line;
  return f;
}

Storm Make(const std::string& id, std::vector<Fix> fixes, const std::string& file = "a.txt") {
  Storm s;
  s.id = id;
  s.agency = "CMA";
  s.source_file = file;
  s.fixes = std::move(fixes);
  return s;
}

TEST(QualityTest, FindsEachKindOfProblem) {
  ImportResult r;
  Fix strong = At(1, 12, 15.1, 130.0, 3);
  strong.wind_ms = 120.0f;
  strong.pressure_hpa = 1045.0f;
  r.storms.push_back(Make("CMA:1", {At(1, 0, 15.0, 130.0, 1), At(1, 6, 15.0, 130.0, 2), strong,
                                    At(1, 12, 15.2, 130.0, 4),              // duplicate time
                                    At(1, 6, 15.3, 130.0, 5),               // out of order
                                    At(3, 0, 15.4, 130.0, 6),               // 42 h gap
                                    At(3, 6, 25.4, 130.0, 7)}));            // 1,100 km in 6 h
  r.storms.push_back(Make("CMA:1", {At(2, 0, 10.0, 120.0, 1)}, "b.txt"));   // same id again
  r.storms.push_back(Make("CMA:2", {At(1, 0, 15.1, 130.1, 1)}, "c.txt"));   // same start as CMA:1
  r.sources.resize(3);
  r.skipped.push_back({"a.txt", 9, "LAT", "latitude"});
  const QualityReport q = AnalyzeQuality(r);
  EXPECT_EQ(q.files, 3);
  EXPECT_EQ(q.storms, 3);
  EXPECT_EQ(q.fixes, 9);
  EXPECT_EQ(q.skipped, 1);
  EXPECT_EQ(q.skipped_by_reason.at("LAT: latitude"), 1);
  EXPECT_EQ(q.findings_by_kind.at("duplicate_storm"), 1);
  EXPECT_EQ(q.findings_by_kind.at("probable_duplicate"), 1);
  EXPECT_EQ(q.findings_by_kind.at("duplicate_time"), 1);
  EXPECT_EQ(q.findings_by_kind.at("out_of_order"), 1);
  EXPECT_EQ(q.findings_by_kind.at("time_gap"), 1);
  EXPECT_EQ(q.findings_by_kind.at("impossible_jump"), 1);
  EXPECT_EQ(q.findings_by_kind.at("out_of_range"), 2);  // wind and pressure
  for (const auto& f : q.findings) {
    if (f.kind == "impossible_jump") {
      EXPECT_EQ(f.line, 7);
      EXPECT_NE(f.detail.find("km/h"), std::string::npos);
    }
  }
}

TEST(QualityTest, AntimeridianCrossingIsNotAJump) {
  ImportResult r;
  r.storms.push_back(Make("NHC:1", {At(1, 0, 20.0, 179.6, 1), At(1, 6, 20.1, -179.6, 2)}));
  const QualityReport q = AnalyzeQuality(r);
  EXPECT_EQ(q.findings_by_kind.count("impossible_jump"), 0u);
}

TEST(QualityTest, RealCmaArchiveReport) {
  const ImportResult r = testing::ImportAll(Format::Named("cma"), testing::Samples() / "cma");
  const QualityReport q = AnalyzeQuality(r);
  EXPECT_EQ(q.findings_by_kind.count("duplicate_storm"), 0u);
  // CMA 1958-0027 (Ida) carries 110 m/s 2-min winds, reported but kept.
  ASSERT_TRUE(q.findings_by_kind.count("out_of_range"));
  EXPECT_EQ(q.findings_by_kind.at("out_of_range"), 5);
  EXPECT_EQ(q.findings[0].storm_id.substr(0, 4), "CMA:");
}

}  // namespace
}  // namespace taifeng::data
