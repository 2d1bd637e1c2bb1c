#include "taifeng/core/synthetic.h"

#include <gtest/gtest.h>

#include <cmath>

#include "taifeng/data/import.h"
#include "taifeng/geo/geodesy.h"

namespace taifeng::core {
namespace {

std::vector<data::Storm> Parents() {
  data::ImportResult r;
  data::ImportFile(data::Format::Named("cma"), std::string(TAIFENG_SAMPLES_DIR) + "/cma/CH2018BST.txt", {}, r);
  return r.storms;
}

TEST(SyntheticTest, PerturbedTracksStayCloseToTheirParentsAndAreMarked) {
  const auto parents = Parents();
  const auto syn = SynthesizeStorms(parents, 3 * parents.size(), {});
  ASSERT_EQ(syn.size(), 3 * parents.size());
  double total_start_shift = 0.0;
  for (std::size_t n = 0; n < syn.size(); ++n) {
    const data::Storm& s = syn[n];
    const data::Storm& p = parents[n % parents.size()];
    EXPECT_EQ(s.agency, "SYNTHETIC");
    EXPECT_EQ(s.source_format, "synthetic");
    EXPECT_EQ(s.source_file, p.id);
    ASSERT_EQ(s.fixes.size(), p.fixes.size());
    const double start = geo::DistanceKm(s.fixes[0].lat_deg, s.fixes[0].lon_deg, p.fixes[0].lat_deg, p.fixes[0].lon_deg);
    EXPECT_LE(start, 120.0);  // ±0.75° in each coordinate
    total_start_shift += start;
    for (std::size_t k = 0; k < s.fixes.size(); ++k) {
      EXPECT_EQ(s.fixes[k].time_utc, p.fixes[k].time_utc);
      EXPECT_GE(s.fixes[k].lon_deg, -180.0);
      EXPECT_LT(s.fixes[k].lon_deg, 180.0);
      if (!std::isnan(p.fixes[k].wind_ms)) {
        EXPECT_NEAR(s.fixes[k].wind_ms / p.fixes[k].wind_ms, 1.0, 0.3 + 1e-6);
      }
    }
    // Perturbed, not copied: the end point has moved but stays within a plausible spread.
    const double end = geo::DistanceKm(s.fixes.back().lat_deg, s.fixes.back().lon_deg, p.fixes.back().lat_deg,
                                       p.fixes.back().lon_deg);
    EXPECT_LT(end, 3000.0);
  }
  EXPECT_GT(total_start_shift / static_cast<double>(syn.size()), 10.0);
}

TEST(SyntheticTest, DeterministicForASeed) {
  const auto parents = Parents();
  const auto a = SynthesizeStorms(parents, 50, {.seed = 7});
  const auto b = SynthesizeStorms(parents, 50, {.seed = 7});
  const auto c = SynthesizeStorms(parents, 50, {.seed = 8});
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].fixes.back().lat_deg, b[i].fixes.back().lat_deg);
  }
  EXPECT_NE(a[0].fixes.back().lat_deg, c[0].fixes.back().lat_deg);
  EXPECT_TRUE(SynthesizeStorms({}, 10).empty());
}

}  // namespace
}  // namespace taifeng::core
