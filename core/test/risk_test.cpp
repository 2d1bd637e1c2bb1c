// Return periods from exceedance tables (risk.h), on hand-made event sets whose answers are
// worked out in the test.
#include "taifeng/core/risk.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "taifeng/base/error.h"
#include "taifeng/data/import.h"

namespace taifeng::core {
namespace {

std::vector<double> Edges(double from, double to, double step) {
  std::vector<double> e;
  for (double x = from; x <= to + 1e-9; x += step) e.push_back(x);
  return e;
}

// 100 years, one event a year: year k has the value 0.5 k (0, 0.5, …, 49.5).
ExceedanceTable HundredYears(int blocks) {
  ExceedanceTable t(Edges(0, 50, 1), blocks);
  for (int k = 0; k < 100; ++k) t.AddEvent(0.5 * k, k);
  return t;
}

TEST(RiskTest, CountsPerEdgeAndBlock) {
  const ExceedanceTable t = HundredYears(4);
  EXPECT_EQ(t.Count(0), 100u);
  EXPECT_EQ(t.Count(10), 80u);  // values >= 10: k >= 20
  EXPECT_EQ(t.Count(45), 10u);
  EXPECT_EQ(t.Count(50), 0u);
  EXPECT_EQ(t.Count(0, 0) + t.Count(0, 1) + t.Count(0, 2) + t.Count(0, 3), 100u);
  EXPECT_EQ(t.Count(0, 1), 25u);
  ExceedanceTable u(Edges(0, 50, 1), 4);
  u.AddEvent(std::nan(""), 0);
  u.AddEvent(-1, 0);
  EXPECT_EQ(u.Count(0), 0u);
  EXPECT_THROW(ExceedanceTable({2, 1}), Error);
  EXPECT_THROW(ExceedanceTable({1}, 0), Error);
}

TEST(RiskTest, TablesSummedInAnyOrderAreTheSame) {
  ExceedanceTable whole(Edges(0, 50, 1), 4), even(Edges(0, 50, 1), 4), odd(Edges(0, 50, 1), 4);
  for (int k = 0; k < 100; ++k) {
    whole.AddEvent(0.37 * k, k);
    (k % 2 ? odd : even).AddEvent(0.37 * k, k);
  }
  odd.Add(even);
  EXPECT_EQ(odd.counts(), whole.counts());
  EXPECT_THROW(odd.Add(ExceedanceTable(Edges(0, 10, 1), 4)), Error);
}

TEST(RiskTest, ReturnLevelsAreWhereTheAnnualExceedanceProbabilityIsOneOverT) {
  const ExceedanceTable t = HundredYears(1);
  // T = 10: λ = -ln(0.9) = 0.10536/yr; reached by edge 44 (12 events) but not 45 (10):
  // interpolated in log rate: 44 + (ln 0.12 - ln 0.10536) / (ln 0.12 - ln 0.10).
  const ReturnLevel ten = LevelWithInterval(t, 100, 10, 0);
  const double expected = 44 + (std::log(0.12) - std::log(-std::log(0.9))) / (std::log(0.12) - std::log(0.10));
  EXPECT_EQ(ten.bound, ReturnLevel::Bound::kExact);
  EXPECT_NEAR(ten.level, expected, 1e-9);
  EXPECT_NEAR(ten.level, 44.714, 1e-3);
  // T = 2: λ = ln 2 = 0.693; edge 15 reached by 70, 16 by 68... edge 15: 70 events (0.70), 16: 68.
  const ReturnLevel two = LevelWithInterval(t, 100, 2, 0);
  EXPECT_GT(two.level, 15);
  EXPECT_LT(two.level, 16);
  // T = 1000 asks for a rate of 0.001/yr: beyond the catalog's top value (49.5) the table has
  // nothing; the last edge reached (49) is 1 event in 100 years.
  const ReturnLevel thousand = LevelWithInterval(t, 100, 1000, 0);
  EXPECT_EQ(thousand.bound, ReturnLevel::Bound::kExact);
  EXPECT_GT(thousand.level, 49);
  EXPECT_LE(thousand.level, 50);
  // Everything reached more often than 1/T: at least the last edge.
  ExceedanceTable high(Edges(0, 5, 1), 1);
  for (int k = 0; k < 100; ++k) high.AddEvent(10, k);
  EXPECT_EQ(LevelWithInterval(high, 100, 50, 0).bound, ReturnLevel::Bound::kAtLeastLastEdge);
  // The first edge reached less often than 1/T: below it.
  ExceedanceTable rare(Edges(20, 30, 1), 1);
  rare.AddEvent(25, 0);
  EXPECT_EQ(LevelWithInterval(rare, 100, 10, 0).bound, ReturnLevel::Bound::kBelowFirstEdge);
  EXPECT_THROW(LevelWithInterval(t, 0, 10, 0), Error);
  EXPECT_THROW(LevelWithInterval(t, 100, 1, 0), Error);
}

TEST(RiskTest, PeriodOfALevelIsTheInverse) {
  const ExceedanceTable t = HundredYears(1);
  std::vector<std::uint64_t> c(t.edges().size());
  for (std::size_t i = 0; i < c.size(); ++i) c[i] = t.Count(i);
  // Level 45: 10 events in 100 years, λ = 0.1, T = 1 / (1 - e^-0.1) = 10.508 years.
  EXPECT_NEAR(*PeriodOfLevel(t.edges(), c, 100, 45), 1 / (1 - std::exp(-0.1)), 1e-9);
  const ReturnLevel ten = LevelFromCounts(t.edges(), c, 100, 10);
  EXPECT_NEAR(*PeriodOfLevel(t.edges(), c, 100, ten.level), 10, 1e-9);
  EXPECT_FALSE(PeriodOfLevel(t.edges(), c, 100, 50).has_value());
}

TEST(RiskTest, TheBootstrapIntervalHoldsTheLevelAndIsReproducible) {
  // 1,000 years in 50 blocks; yearly events from a fixed stream (uniform 0-50).
  ExceedanceTable t(Edges(0, 50, 0.5), 50);
  std::uint64_t x = 12345;
  for (int year = 0; year < 1000; ++year) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    t.AddEvent(50.0 * static_cast<double>(x >> 11) / 9007199254740992.0, year);
  }
  const ReturnLevel r = LevelWithInterval(t, 1000, 20, 500, 7);
  EXPECT_LT(r.low, r.level);
  EXPECT_GT(r.high, r.level);
  EXPECT_NEAR(r.level, 50 * (1 - (-std::log(0.95))), 1.0);  // uniform: P(v >= x) = 1 - x/50
  const ReturnLevel again = LevelWithInterval(t, 1000, 20, 500, 7);
  EXPECT_EQ(again.low, r.low);
  EXPECT_EQ(again.high, r.high);
}

}  // namespace
}  // namespace taifeng::core

namespace taifeng::core {
namespace {

// Two real seasons (CMA best track 2017, 2018: Hato and Mangkhut among them) and three sites
// around the Pearl River Delta: Hong Kong (3 points), Zhuhai (1 point), and a point far inland.
struct CatalogCase {
  std::vector<std::vector<data::Storm>> seasons;
  std::vector<RiskPoint> points = {{22.30, 114.17}, {22.25, 114.00}, {22.45, 114.10}, {22.27, 113.58}, {28.0, 100.0}};
  std::vector<RiskSite> sites = {{{0, 1, 2}}, {{3}}, {{4}}};
  CatalogCase() {
    for (const int season : {2017, 2018}) {
      data::ImportResult r;
      data::ImportFile(data::Format::Named("cma"), std::string(TAIFENG_SAMPLES_DIR) + "/cma/CH" + std::to_string(season) + "BST.txt", {}, r);
      seasons.push_back(r.storms);
    }
  }
};

TEST(RiskCatalogTest, TheSameAtlasHoweverTheYearsAreSplit) {
  const CatalogCase c;
  CatalogOptions o;
  o.years = 40, o.seed = 5, o.blocks = 10;
  CatalogTables whole = MakeCatalogTables(c.sites.size(), o);
  AddCatalogYears(c.seasons, c.points, c.sites, o, 0, 1, whole);
  CatalogTables split = MakeCatalogTables(c.sites.size(), o);
  AddCatalogYears(c.seasons, c.points, c.sites, o, 1, 3, split);  // as three MPI ranks would
  AddCatalogYears(c.seasons, c.points, c.sites, o, 0, 3, split);
  AddCatalogYears(c.seasons, c.points, c.sites, o, 2, 3, split);
  EXPECT_EQ(split.years_done, 40);
  EXPECT_EQ(split.storms, whole.storms);
  for (std::size_t s = 0; s < c.sites.size(); ++s) {
    EXPECT_EQ(split.wind[s].counts(), whole.wind[s].counts()) << s;
    EXPECT_EQ(split.rain_total[s].counts(), whole.rain_total[s].counts()) << s;
    EXPECT_EQ(split.rain_24h[s].counts(), whole.rain_24h[s].counts()) << s;
  }
  // Hong Kong gets gales in these seasons (Hato, Mangkhut: HKO's No. 10 twice), the far point none.
  EXPECT_GT(whole.wind[0].Count(4), 20u) << "events of 18 m/s (gale) or more in 40 years";
  EXPECT_GT(whole.rain_total[0].Count(0), 20u);
  EXPECT_EQ(whole.wind[2].Count(0), 0u);
  // Another seed, another catalog.
  CatalogOptions other = o;
  other.seed = 6;
  CatalogTables different = MakeCatalogTables(c.sites.size(), other);
  AddCatalogYears(c.seasons, c.points, c.sites, other, 0, 1, different);
  EXPECT_NE(different.wind[0].counts(), whole.wind[0].counts());
  EXPECT_THROW(AddCatalogYears(c.seasons, c.points, c.sites, o, 3, 3, split), Error);
  EXPECT_THROW(AddCatalogYears({}, c.points, c.sites, o, 0, 1, split), Error);
}

TEST(RiskCatalogTest, TheRecordThroughTheSameModel) {
  const CatalogCase c;
  const CatalogTables h = HistoricalTables(c.seasons, c.points, c.sites, CatalogOptions{});
  EXPECT_EQ(h.years_done, 2);
  EXPECT_EQ(h.wind[0].blocks(), 2);
  // Mangkhut's modelled wind at Hong Kong: HKO's No. 10 (hurricane force, 10-minute mean >= 33 m/s
  // at some reference stations) - the model's maximum over the three points reaches at least 26 m/s.
  EXPECT_GE(h.wind[0].Count(8, 1), 1u) << "an event of >= 26 m/s in 2018";
}

}  // namespace
}  // namespace taifeng::core

namespace taifeng::core {
namespace {

// A square island (20-22N, 110-112E) as the land; a parent storm at sea all along and its
// synthetic twin crossing the island: only the twin's hours over land decay it.
TEST(RiskCatalogTest, DecayOverLandOnlyForTheExtraHoursOverLand) {
  const std::filesystem::path file = std::filesystem::temp_directory_path() / ("taifeng-island-" + std::to_string(::getpid()) + ".geojson");
  std::ofstream(file) << R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"1","name":"island"},)"
                         R"("geometry":{"type":"Polygon","coordinates":[[[110,20],[112,20],[112,22],[110,22],[110,20]]]}}]})";
  const auto land = geo::RegionSet::LoadGeoJson(file, geo::RegionSet::Fields("code", "name", "name"));
  std::filesystem::remove(file);
  const LandMask mask(*land, 15, 105, 25, 120, 0.1);
  EXPECT_TRUE(mask.OverLand(21, 111));
  EXPECT_FALSE(mask.OverLand(21, 113));
  EXPECT_FALSE(mask.OverLand(50, 111)) << "outside the mask: sea";
  // Gusts by exposure (WMO/TD-1555 from the 10-minute mean): at sea, on the coast, inland.
  EXPECT_DOUBLE_EQ(mask.GustFactorAt(21, 113), 1.23);
  EXPECT_DOUBLE_EQ(mask.GustFactorAt(21, 111.95), 1.38) << "0.05° from the island's east coast";
  EXPECT_DOUBLE_EQ(mask.GustFactorAt(21, 112.08), 1.38) << "at sea 0.08° off the coast";
  EXPECT_DOUBLE_EQ(mask.GustFactorAt(21, 111), 0.8 * 1.52) << "the island's middle, 100 km from the sea";
  data::Storm parent, twin;
  for (int k = 0; k < 5; ++k) {
    data::Fix f;
    f.time_utc = k * 6 * 3600, f.lat_deg = 21, f.lon_deg = 115, f.wind_ms = 40, f.pressure_hpa = 950;
    parent.fixes.push_back(f);
    f.lon_deg = k == 0 ? 113.5 : 111;  // over the island from the second fix on
    twin.fixes.push_back(f);
  }
  ApplyLandDecay(twin, parent, mask);
  EXPECT_FLOAT_EQ(twin.fixes[0].wind_ms, 40);
  EXPECT_NEAR(twin.fixes[1].wind_ms, 12.1 + 27.9 * std::exp(-0.095 * 6), 1e-4);
  EXPECT_NEAR(twin.fixes[4].wind_ms, 12.1 + 27.9 * std::exp(-0.095 * 24), 1e-4);
  EXPECT_GT(twin.fixes[4].pressure_hpa, 990) << "the deficit follows the wind squared";
  // The parent over the island as long as the twin: no extra decay.
  data::Storm both = twin;
  for (auto& f : both.fixes) f.wind_ms = 40, f.pressure_hpa = 950;
  data::Storm twin2 = both;
  ApplyLandDecay(twin2, both, mask);
  EXPECT_FLOAT_EQ(twin2.fixes[4].wind_ms, 40);
  // The parent over the island (its wind decayed to 20 m/s) and the twin at sea: the parent's decay
  // is undone, up to its last wind at sea (40).
  data::Storm over = both, at_sea = parent;
  for (std::size_t k = 1; k < 5; ++k) over.fixes[k].wind_ms = 20, at_sea.fixes[k].wind_ms = 20;
  ApplyLandDecay(at_sea, over, mask);
  EXPECT_NEAR(at_sea.fixes[1].wind_ms, 12.1 + 7.9 * std::exp(0.095 * 6), 1e-4);
  EXPECT_FLOAT_EQ(at_sea.fixes[4].wind_ms, 40) << "capped at the parent's wind before landfall";
}

}  // namespace
}  // namespace taifeng::core
