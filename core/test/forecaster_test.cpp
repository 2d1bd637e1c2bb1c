// The one forecast pipeline: each step as the single functions do it, the CLIPER consensus and its
// method note, an official forecast's points matched with the observed ones.
#include "taifeng/core/forecaster.h"

#include <gtest/gtest.h>

#include "cma_sample.h"
#include "taifeng/base/error.h"
#include "taifeng/base/time_utc.h"

namespace taifeng::core {
namespace {

class ForecasterTest : public testing::CmaArchiveTest {
 protected:
  static std::vector<TrackPoint> Observed(std::int64_t now) {
    data::Storm s = (*archive_)->StormAt(*(*archive_)->Find("CMA:2018-0026"));  // Mangkhut
    std::erase_if(s.fixes, [&](const data::Fix& f) { return f.time_utc > now; });
    return LiveSegment(s, 24);
  }
  static ForecastRequest Request(std::int64_t now) {
    ForecastRequest r;
    r.observed = Observed(now);
    r.filter.exclude_seasons.insert(2018);
    return r;
  }
};

TEST_F(ForecasterTest, EachStepAsTheFunctionsDoIt) {
  const std::int64_t now = *UtcSeconds(2018, 9, 14, 0);
  const ForecastRequest r = Request(now);
  const auto h = Forecaster(**index_, nullptr, nullptr).Run(r);
  ASSERT_TRUE(h);
  const std::vector<TrackPoint> live(r.observed.end() - 5, r.observed.end());
  const MatchResult m = Match(**index_, live, r.match, r.filter);
  ASSERT_EQ(h->match.analogs.size(), m.analogs.size());
  for (std::size_t i = 0; i < m.analogs.size(); ++i) EXPECT_EQ(h->match.analogs[i].id, m.analogs[i].id);
  Forecast expected = AnalogForecast(m, r.observed.back(), r.forecast);
  BlendPersistence(expected, PersistenceForecast(r.observed, r.forecast.max_lead_h), r.forecast);
  ASSERT_EQ(h->analog.points.size(), expected.points.size());
  for (std::size_t i = 0; i < expected.points.size(); ++i) {
    EXPECT_DOUBLE_EQ(h->analog.points[i].lat_deg, expected.points[i].lat_deg);
    EXPECT_DOUBLE_EQ(h->analog.points[i].lon_deg, expected.points[i].lon_deg);
  }
  EXPECT_FALSE(h->cliper);
  EXPECT_EQ(h->method, "analog ensemble alone (no CLIPER model given)");
}

TEST_F(ForecasterTest, CliperConsensusMovesThePositionsAndSaysSo) {
  const std::int64_t now = *UtcSeconds(2018, 9, 14, 0);
  ForecastRequest r = Request(now);
  MatchFilter fit;
  fit.exclude_seasons.insert(2018);
  const CliperModel cliper = CliperModel::Fit(**index_, fit);
  const auto alone = Forecaster(**index_, nullptr).Run(r);
  const auto blended = Forecaster(**index_, &cliper).Run(r);
  ASSERT_TRUE(alone && blended && blended->cliper);
  EXPECT_EQ(blended->method, "positions 50% CLIPER consensus");
  const ForecastPoint* a = alone->analog.At(48);
  const ForecastPoint* b = blended->analog.At(48);
  const ForecastPoint* c = blended->cliper->At(48);
  ASSERT_TRUE(a && b && c);
  EXPECT_NEAR(b->lat_deg, (a->lat_deg + c->lat_deg) / 2, 0.05);  // half way, on the sphere
  r.forecast.cliper_weight = 0;
  const auto off = Forecaster(**index_, &cliper).Run(r);
  EXPECT_EQ(off->method, "analog ensemble alone");
  EXPECT_DOUBLE_EQ(off->analog.At(48)->lat_deg, a->lat_deg);
  EXPECT_TRUE(off->cliper);  // still predicted, for verification's comparison
}

TEST_F(ForecasterTest, OfficialForecastPointsAreMatchedWithTheObservedOnes) {
  const std::int64_t now = *UtcSeconds(2018, 9, 14, 0);
  ForecastRequest r = Request(now);
  r.filter.exclude_seasons.clear();  // Mangkhut itself may be found: its own future as the "official" track
  const auto future = Observed(now + 24 * 3600);
  r.official.assign(future.end() - 4, future.end());
  const auto h = Forecaster(**index_, nullptr).Run(r);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->match.analogs[0].id, "CMA:2018-0026");
  EXPECT_EQ(h->match.analogs[0].matched_utc, now);
  EXPECT_EQ(h->match.analogs[0].matched.size(), 9u);  // 5 observed + 4 forecast
}

TEST_F(ForecasterTest, ShortTracksAndBadOptionsAreRefused) {
  ForecastRequest r = Request(*UtcSeconds(2018, 9, 14, 0));
  r.observed.resize(3);
  EXPECT_THROW(Forecaster(**index_, nullptr).Run(r), Error);
  r = Request(*UtcSeconds(2018, 9, 14, 0));
  r.match.w_wind = -1;
  EXPECT_THROW(Forecaster(**index_, nullptr).Run(r), Error);
}

}  // namespace
}  // namespace taifeng::core
