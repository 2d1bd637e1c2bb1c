#include "taifeng/core/matcher.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <limits>
#include <map>
#include <random>

#include "../src/match_internal.h"  // the bound columns' inputs: checked directly below
#include "cma_sample.h"
#include "taifeng/geo/geodesy.h"
#include "taifeng/data/import.h"
#include "taifeng/base/time_utc.h"
#include "taifeng/base/error.h"

namespace taifeng::core {
namespace {

std::int64_t Utc(int y, int m, int d, int h) { return *taifeng::UtcSeconds(y, m, d, h); }

data::Fix MakeFix(std::int64_t t, double lat, double lon, float wind = 30.0f, float pres = 980.0f) {
  data::Fix f;
  f.time_utc = t;
  f.lat_deg = lat;
  f.lon_deg = lon;
  f.wind_ms = wind;
  f.pressure_hpa = pres;
  return f;
}

TEST(ResampleTest, ThreeHourlyGapsAndTheAntimeridian) {
  const std::int64_t t0 = Utc(2018, 9, 14, 0);
  std::vector<data::Fix> fixes = {MakeFix(t0, 20.0, 179.0), MakeFix(t0 + 3 * 3600, 20.5, 179.5),
                                  MakeFix(t0 + 6 * 3600, 21.0, -180.0 + 0.0 + 0.0),
                                  MakeFix(t0 + 18 * 3600, 22.0, -178.0),       // 12 h gap: interpolated
                                  MakeFix(t0 + 60 * 3600, 25.0, -170.0)};      // 42 h gap: new piece
  const Resampled r = ResampleSixHourly(fixes, data::WindAveraging::kTenMinute, 24.0);
  ASSERT_EQ(r.points.size(), 5u);  // 00, 06, 12, 18, then 12 UTC two days later
  EXPECT_EQ(r.points[1].time_utc, t0 + 6 * 3600);
  EXPECT_NEAR(r.points[1].lon_deg, -180.0, 1e-9);
  EXPECT_NEAR(r.points[2].lon_deg, -179.0, 1e-9);  // halfway from 180 to 178°W
  EXPECT_NEAR(r.points[2].lat_deg, 21.5, 1e-9);
  EXPECT_EQ(r.continuous[0], 0);
  EXPECT_EQ(r.continuous[3], 1);
  EXPECT_EQ(r.continuous[4], 0);
  EXPECT_EQ(r.points[4].time_utc, t0 + 60 * 3600);
  // 1-min winds become 10-min equivalents.
  const Resampled one = ResampleSixHourly({MakeFix(t0, 20, 120, 50.0f)}, data::WindAveraging::kOneMinute);
  ASSERT_EQ(one.points.size(), 1u);
  EXPECT_NEAR(one.points[0].wind_ms, 46.5, 1e-6);
}

TEST(LiveSegmentTest, BadLiveTracksGetClearErrors) {
  data::Storm s;
  s.id = "LIVE";
  const std::int64_t t0 = Utc(2018, 9, 14, 0);
  for (int i = 0; i < 5; ++i) s.fixes.push_back(MakeFix(t0 + i * 6 * 3600, 15.0 + i * 0.3, 130.0 - i));
  EXPECT_EQ(LiveSegment(s, 24).size(), 5u);
  try {
    LiveSegment(s, 36);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("needs 7"), std::string::npos) << e.what();
  }
  EXPECT_THROW(LiveSegment(s, 10), Error);
  data::Storm unsorted = s;
  std::swap(unsorted.fixes[1], unsorted.fixes[2]);
  try {
    LiveSegment(unsorted, 12);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unsorted or duplicate"), std::string::npos);
  }
  data::Storm gap = s;
  gap.fixes[4].time_utc += 48 * 3600;  // the last fix comes two days late
  EXPECT_THROW(LiveSegment(gap, 24), Error);
}

class MatcherTest : public testing::CmaArchiveTest {
 protected:
  static data::Storm Cut(const std::string& id, std::int64_t at) {
    data::Storm s = (*archive_)->StormAt(*(*archive_)->Find(id));
    std::erase_if(s.fixes, [&](const data::Fix& f) { return f.time_utc > at; });
    return s;
  }
};

TEST_F(MatcherTest, TheStormItselfIsItsOwnBestAnalog) {
  const std::int64_t at = Utc(2018, 9, 14, 0);
  const auto live = LiveSegment(Cut("CMA:2018-0026", at), 24);  // Mangkhut
  const MatchResult r = Match(**index_, live, {});
  ASSERT_EQ(r.analogs.size(), 10u);
  EXPECT_EQ(r.analogs[0].id, "CMA:2018-0026");
  EXPECT_EQ(r.analogs[0].matched_utc, at);
  EXPECT_NEAR(r.analogs[0].score, 0.0, 1e-9);
  EXPECT_NEAR(r.analogs[0].terms.position_km, 0.0, 1e-9);
  EXPECT_EQ(r.analogs[0].next.front().time_utc, at);
  EXPECT_EQ(r.analogs[0].next.back().time_utc, at + 84 * 3600);  // CMA track ends 2018-09-17T12Z
  for (std::size_t i = 1; i < r.analogs.size(); ++i) {
    EXPECT_LE(r.analogs[i - 1].score, r.analogs[i].score);
    EXPECT_NE(r.analogs[i].id, r.analogs[0].id);  // one segment per storm
  }
  EXPECT_LT(r.scored_exactly, r.segments / 4);  // the bound prunes most segments
}

TEST_F(MatcherTest, ReplayFiltersNeverSeeTheFuture) {
  const std::int64_t at = Utc(2018, 9, 14, 0);
  const auto live = LiveSegment(Cut("CMA:2018-0026", at), 24);
  MatchFilter filter;
  filter.before_utc = at;
  filter.exclude = {"CMA:2018-0026"};
  const MatchResult r = Match(**index_, live, {}, filter);
  ASSERT_FALSE(r.analogs.empty());
  for (const Analog& a : r.analogs) {
    EXPECT_NE(a.id, "CMA:2018-0026");
    EXPECT_LE(a.matched_utc, at);
    for (const TrackPoint& p : a.next) EXPECT_LE(p.time_utc, at);
  }
  MatchFilter seasons;
  seasons.first_season = 1980;
  seasons.last_season = 1999;
  seasons.months_mask = 1u << 8;  // September
  seasons.min_max_wind_ms = 40.0;
  for (const Analog& a : Match(**index_, live, {}, seasons).analogs) {
    EXPECT_GE(a.season, 1980);
    EXPECT_LE(a.season, 1999);
    EXPECT_EQ(taifeng::ToCivil(a.matched_utc).month, 9);
  }
}

// The pruned search returns exactly the brute-force top K, on random queries.
TEST_F(MatcherTest, PrunedTopKEqualsBruteForce) {
  std::mt19937 rng(20180916);
  const data::Archive& a = **archive_;
  MatchFilter recent;
  recent.first_season = 2012;
  int queries = 0;
  for (int attempt = 0; attempt < 200 && queries < 8; ++attempt) {
    const std::size_t s = std::uniform_int_distribution<std::size_t>(0, a.storm_count() - 1)(rng);
    if (a.fix_count[s] < 12) continue;
    const std::size_t f = a.first_fix[s] + std::uniform_int_distribution<std::size_t>(6, a.fix_count[s] - 1)(rng);
    data::Storm storm = a.StormAt(s);
    std::erase_if(storm.fixes, [&](const data::Fix& x) { return x.time_utc > a.time_utc[f]; });
    for (auto& x : storm.fixes) x.lat_deg += 0.7, x.lon_deg += 1.3;  // not the archive's own track
    std::vector<TrackPoint> live;
    try {
      live = LiveSegment(storm, 24);
    } catch (const Error&) {
      continue;
    }
    ++queries;
    MatchOptions pruned;
    pruned.top_k = 5;
    pruned.gather_min_storms = queries == 8 ? 1000000 : 0;  // the spatial index's rounds, or one batch
    if (queries % 2 == 0) pruned.w_tsai = pruned.w_dtw = 0.5;
    if (queries == 3) pruned.w_position = 0.0;  // no spatial bound: gathering by intensity and season only
    if (queries == 5) pruned.w_wind = 3.0, pruned.w_season = 2.0, pruned.w_position = 0.2;
    MatchFilter filter = recent;
    if (queries == 7) filter.first_season = filter.last_season = 2018, pruned.top_k = 60;  // fewer storms than K
    MatchOptions brute = pruned;
    brute.prune = false;
    const MatchResult x = Match(**index_, live, pruned, filter);
    const MatchResult y = Match(**index_, live, brute, filter);
    if (queries == 1) {
      EXPECT_LT(x.storms_gathered, static_cast<std::int64_t>(a.storm_count()) / 2);  // the index prunes
    }
    EXPECT_EQ(y.storms_gathered, static_cast<std::int64_t>(a.storm_count()));
    ASSERT_EQ(x.analogs.size(), y.analogs.size());
    EXPECT_EQ(y.scored_exactly, y.segments);
    for (std::size_t i = 0; i < x.analogs.size(); ++i) {
      EXPECT_EQ(x.analogs[i].id, y.analogs[i].id) << "query " << queries << " rank " << i;
      EXPECT_EQ(x.analogs[i].matched_utc, y.analogs[i].matched_utc);
      EXPECT_DOUBLE_EQ(x.analogs[i].score, y.analogs[i].score);
    }
  }
  EXPECT_EQ(queries, 8);
}

// Every bound column of the terms table is at most the term's exact value (a bound that overshoots
// would let the pruned search drop a true analog), and a term's progressive `refine` gives its
// exact value bit for bit: checked on every segment of every 25th storm against Mangkhut's live
// segment.
TEST_F(MatcherTest, EveryTermBoundIsAtMostTheExactValue) {
  const MatchIndex& index = **index_;
  const std::vector<TrackPoint> live_points = LiveSegment(Cut("CMA:2018-0026", Utc(2018, 9, 14, 0)), 24);
  const Segment live(live_points);
  const std::size_t n = live.size();
  const Motion live_motion = EndMotion(live);
  std::vector<std::array<float, 3>> unit;
  std::vector<double> to_end;
  for (const TrackPoint& p : live_points) {
    unit.push_back(match_detail::UnitVector(p.lat_deg, p.lon_deg));
    to_end.push_back(geo::DistanceKm(p.lat_deg, p.lon_deg, live.back().lat_deg, live.back().lon_deg));
  }
  const match_detail::BoundView view{index, live, live_motion, unit, to_end, DayOfYear(live.back().time_utc)};
  const MatchOptions o;
  const auto& pts = index.points();
  std::map<std::string_view, int> checked;
  for (std::size_t s = 0; s < index.storm_count(); s += 25) {
    const std::size_t first_end = index.begin(s) + n - 1;
    for (std::size_t e = first_end; e < index.end(s); ++e) {
      bool continuous = true;
      for (std::size_t j = e + 2 - n; j <= e; ++j) continuous = continuous && index.continuous()[j];
      if (!continuous) continue;
      const Segment cand(&pts[e + 1 - n], n);
      const Motion cand_motion = index.motion()[e];
      const match_detail::SegmentView seg{e, cand, cand_motion};
      const std::size_t block_end = first_end + (e - first_end) / MatchIndex::kCapBlock * MatchIndex::kCapBlock;
      for (const ScoreTerm& t : ScoreTerms()) {
        const double exact = t.compute(TermInputs{live, cand, live_motion, cand_motion, o});
        if (std::isnan(exact)) {
          EXPECT_FALSE(t.always_known) << t.name;
          continue;
        }
        const double slack = 1e-9 * (1.0 + exact);
        if (t.segment_bound) EXPECT_LE(t.segment_bound(view, seg), exact + slack) << t.name << " segment " << e;
        if (t.block_bound) EXPECT_LE(t.block_bound(view, s, block_end), exact + slack) << t.name << " block " << block_end;
        if (t.storm_bound) EXPECT_LE(t.storm_bound(view, s), exact + slack) << t.name << " storm " << s;
        if (t.refine) {
          EXPECT_EQ(t.refine(view, seg, std::numeric_limits<double>::infinity()), exact) << t.name;
          const double cut = t.refine(view, seg, exact / 2);
          EXPECT_TRUE(std::isinf(cut) || cut == exact) << t.name;
        }
        ++checked[t.name];
      }
    }
  }
  EXPECT_GT(checked["position"], 500);
  EXPECT_GT(checked["wind"], 500);
  EXPECT_GT(checked["season"], 500);
}

// The same with every weight and scale drawn at random (zeros included), and windows long enough
// (66 six-hourly intervals: 67 points) that no fixed-size buffer may cap them.
TEST_F(MatcherTest, PrunedEqualsBruteForceWithRandomWeights) {
  std::mt19937 rng(1822);
  const data::Archive& a = **archive_;
  int queries = 0;
  for (int attempt = 0; attempt < 400 && queries < 6; ++attempt) {
    std::size_t s = std::uniform_int_distribution<std::size_t>(0, a.storm_count() - 1)(rng);
    if (queries == 5)  // the longest-lived storm, for a window of more than 64 points
      s = static_cast<std::size_t>(std::max_element(a.fix_count.begin(), a.fix_count.end()) - a.fix_count.begin());
    const int window_h = queries == 5 ? 6 * 66 : 6 * std::uniform_int_distribution<int>(2, 8)(rng);
    data::Storm storm = a.StormAt(s);
    for (auto& x : storm.fixes) x.lat_deg += 0.4, x.lon_deg -= 0.9;
    std::vector<TrackPoint> live;
    try {
      live = LiveSegment(storm, window_h);
    } catch (const Error&) {
      continue;
    }
    ++queries;
    MatchOptions pruned;
    pruned.top_k = 4;
    pruned.window_h = window_h;
    std::uniform_real_distribution<double> weight(0.0, 2.0), scale(0.2, 3.0);
    for (const ScoreTerm& t : ScoreTerms()) {
      pruned.*t.weight = std::bernoulli_distribution(0.2)(rng) ? 0.0 : weight(rng);
      pruned.*t.scale *= scale(rng);
    }
    pruned.w_tsai = pruned.w_dtw = 0.0;  // the slow terms: tested above
    pruned.missing_term_cost = weight(rng);
    MatchOptions brute = pruned;
    brute.prune = false;
    MatchFilter filter;
    filter.first_season = 2005;
    const MatchResult x = Match(**index_, live, pruned, filter);
    const MatchResult y = Match(**index_, live, brute, filter);
    ASSERT_EQ(x.analogs.size(), y.analogs.size()) << "query " << queries;
    for (std::size_t i = 0; i < x.analogs.size(); ++i) {
      EXPECT_EQ(x.analogs[i].id, y.analogs[i].id) << "query " << queries << " window " << window_h << " rank " << i;
      EXPECT_DOUBLE_EQ(x.analogs[i].score, y.analogs[i].score);
    }
  }
  EXPECT_EQ(queries, 6);
}

TEST(MatchOptionsTest, InvalidOptionsAreRefusedByName) {
  auto message = [](auto change) {
    MatchOptions o;
    change(o);
    try {
      Validate(o);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(message([](MatchOptions&) {}), "accepted");
  EXPECT_NE(message([](MatchOptions& o) { o.w_wind = -1; }).find("w_wind=-1"), std::string::npos);
  EXPECT_NE(message([](MatchOptions& o) { o.scale_shape_km = 0; }).find("scale_shape_km=0"), std::string::npos);
  EXPECT_NE(message([](MatchOptions& o) { o.w_season = std::nan(""); }).find("w_season"), std::string::npos);
  EXPECT_NE(message([](MatchOptions& o) { o.missing_term_cost = -0.5; }).find("missing_term_cost"), std::string::npos);
  EXPECT_NE(message([](MatchOptions& o) { o.window_h = 10; }).find("window_h"), std::string::npos);
  EXPECT_NE(message([](MatchOptions& o) { o.top_k = 0; }).find("top_k"), std::string::npos);
  EXPECT_EQ(ScoreTerms().size(), 9u);
  EXPECT_EQ(ScoreTerms()[0].name, "position");
}

TEST_F(MatcherTest, ObservedTrackJoinedToAForecast) {
  // "Forecast" = Mangkhut's own next 24 h: the joined segment finds Mangkhut at "now".
  const std::int64_t now = Utc(2018, 9, 14, 0);
  const data::Storm full = (*archive_)->StormAt(*(*archive_)->Find("CMA:2018-0026"));
  data::ForecastTrack forecast;
  forecast.tech = "TEST";
  forecast.wind_averaging = full.wind_averaging;
  for (const auto& f : full.fixes) {
    if (f.time_utc > now && f.time_utc <= now + 24 * 3600) forecast.fixes.push_back(f);
  }
  const auto live = LiveSegment(Cut("CMA:2018-0026", now), 24);
  const auto joined = JoinForecast(live, forecast, 72);
  ASSERT_EQ(joined.size(), live.size() + 4);  // +6 … +24 h
  EXPECT_EQ(joined.back().time_utc, now + 24 * 3600);
  const MatchResult r = Match(**index_, joined, {}, {}, joined.size() - live.size());
  ASSERT_FALSE(r.analogs.empty());
  EXPECT_EQ(r.analogs[0].id, "CMA:2018-0026");
  EXPECT_NEAR(r.analogs[0].score, 0.0, 1e-6);  // the forecast's winds went through float
  EXPECT_EQ(r.analogs[0].matched_utc, now);
  EXPECT_EQ(r.analogs[0].next.front().time_utc, now);
  EXPECT_EQ(r.analogs[0].matched.size(), joined.size());
  data::ForecastTrack stale = forecast;
  for (auto& f : stale.fixes) f.time_utc -= 10 * 86400;
  EXPECT_THROW(JoinForecast(live, stale, 72), Error);
}

TEST_F(MatcherTest, SameResultWhateverTheThreadCount) {
  const auto live = LiveSegment(Cut("CMA:2017-0014", Utc(2017, 8, 22, 0)), 24);  // Hato
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const MatchResult one = Match(**index_, live, {});
  omp_set_num_threads(std::max(2, threads));
  const MatchResult two = Match(**index_, live, {});
  omp_set_num_threads(threads);
  ASSERT_EQ(one.analogs.size(), two.analogs.size());
  for (std::size_t i = 0; i < one.analogs.size(); ++i) {
    EXPECT_EQ(one.analogs[i].id, two.analogs[i].id);
    EXPECT_EQ(one.analogs[i].matched_utc, two.analogs[i].matched_utc);
    EXPECT_EQ(one.analogs[i].score, two.analogs[i].score);
  }
}

}  // namespace
}  // namespace taifeng::core
