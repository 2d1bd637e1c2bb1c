// The onset detector and the contingency counts on small series built here, and the detector on
// HKO's real Chaba 2022 files against a hand check.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "taifeng/base/error.h"
#include "taifeng/core/signal_verify.h"

namespace taifeng::core {
namespace {

const std::vector<std::string> kEight = {"Chek Lap Kok", "Cheung Chau", "Kai Tak", "Lau Fau Shan", "Sai Kung", "Sha Tin", "Ta Kwu Ling", "Tsing Yi"};

// At each 10-minute step, the first `meeting[k]` stations at 70 km/h and the rest at 30.
std::vector<data::HkoWind> Series(const std::vector<int>& meeting, std::int64_t t0 = 1000000200) {
  std::vector<data::HkoWind> out;
  for (std::size_t k = 0; k < meeting.size(); ++k)
    for (std::size_t s = 0; s < kEight.size(); ++s) {
      if (meeting[k] < 0) continue;  // no file at this time
      data::HkoWind w;
      w.time_utc = t0 + static_cast<std::int64_t>(k) * 600;
      w.station = kEight[s];
      w.mean_kmh = static_cast<int>(s) < meeting[k] ? 70.0 : 30.0;
      out.push_back(w);
    }
  return out;
}

TEST(NetworkOnsetTest, HalfTheStationsSustainedForHalfAnHour) {
  const std::int64_t t0 = 1000000200;
  // 3, then 4 for four observations (30 min sustained from the second): onset at the second.
  EXPECT_EQ(NetworkOnset(Series({3, 4, 4, 5, 4}), kEight, 63), t0 + 600);
  // Broken after 20 minutes: not sustained; then sustained later.
  EXPECT_EQ(NetworkOnset(Series({4, 4, 4, 3, 4, 4, 4, 4}), kEight, 63), t0 + 4 * 600);
  // A gap in the record (no file at the third time) breaks a run.
  EXPECT_EQ(NetworkOnset(Series({4, 4, -1, 4, 4, 4}), kEight, 63), std::nullopt);
  // Three of eight is not "generally", however long.
  EXPECT_EQ(NetworkOnset(Series({3, 3, 3, 3, 3, 3}), kEight, 63), std::nullopt);
  // A station reporting N/A does not meet it; a station outside the network does not count.
  auto w = Series({4, 4, 4, 4});
  for (auto& x : w)
    if (x.station == "Kai Tak") x.mean_kmh.reset();
  for (auto& x : w)
    if (x.station == "Sai Kung") x.mean_kmh = 70.0, x.station = "Waglan Island";
  EXPECT_EQ(NetworkOnset(w, kEight, 63), std::nullopt);
  EXPECT_EQ(NetworkOnset(Series({4, 4, 4, 4}), kEight, 80), std::nullopt) << "70 km/h is below 80";
}

TEST(NetworkOnsetTest, ChabaTwentyTwentyTwoAgainstAHandCheck) {
  const auto w = data::ReadHkoWindDirectory(std::filesystem::path(TAIFENG_SAMPLES_DIR) / "hko/wind_10min/chaba_2022");
  // Strong wind (41 km/h) at half the network, sustained: from 2022-07-03 00:10 HKT (16:10 UTC on
  // the 2nd). Gales (63 km/h) were never general: only Cheung Chau reached them (HKO's No. 8 SE was
  // in force 2022-07-01 19:10 to 07-02 16:20 HKT all the same).
  EXPECT_EQ(NetworkOnset(w, kEight, 41), 1656778200);
  EXPECT_EQ(NetworkOnset(w, kEight, 63), std::nullopt);
  double median = 0;
  const auto m = StationMaxima(w, kEight, &median);
  ASSERT_EQ(m.size(), 8u);
  EXPECT_EQ(m[1].station, "Cheung Chau");
  EXPECT_EQ(m[1].mean_kmh.value_or(-1), 87);
  EXPECT_EQ(m[2].mean_kmh.value_or(-1), 41);  // Kai Tak
  EXPECT_DOUBLE_EQ(median, 49);               // (47 + 51) / 2 of 33 34 41 47 51 56 59 87
}

TEST(ContingencyTest, CountsAndRates) {
  Contingency c;
  for (const auto& [f, o] : std::vector<std::pair<bool, bool>>{{true, true}, {true, true}, {false, true}, {true, false}, {false, false}, {false, false}})
    c.Add(f, o);
  EXPECT_EQ(c.hits, 2);
  EXPECT_EQ(c.misses, 1);
  EXPECT_EQ(c.false_alarms, 1);
  EXPECT_EQ(c.correct_negatives, 2);
  EXPECT_DOUBLE_EQ(c.HitRate(), 2.0 / 3);
  EXPECT_DOUBLE_EQ(c.FalseAlarmRate(), 1.0 / 3);
  EXPECT_DOUBLE_EQ(c.FalseAlarmRatio(), 1.0 / 3);
  EXPECT_TRUE(std::isnan(Contingency{}.HitRate()));
  const Spread s = SpreadOf({5, -3, 1, 0, 2, 8, -1, 4, 3, 6, 7});
  EXPECT_EQ(s.n, 11u);
  EXPECT_DOUBLE_EQ(s.median, 3);
  EXPECT_DOUBLE_EQ(s.p10, -1);
  EXPECT_DOUBLE_EQ(s.p90, 7);
  EXPECT_TRUE(std::isnan(SpreadOf({}).median));
}

TEST(NetworkGenerallyTest, TheFourthStrongestOfTheEight) {
  auto w = Series({3, 4, 8});
  w.erase(w.begin() + 16, w.begin() + 21);  // the third time: only 3 stations reported
  const auto g = NetworkGenerally(Series({3, 4}), kEight);
  ASSERT_EQ(g.size(), 2u);
  EXPECT_DOUBLE_EQ(g[0].second, 30);
  EXPECT_DOUBLE_EQ(g[1].second, 70);
  EXPECT_EQ(NetworkGenerally(w, kEight).size(), 2u);
}

// A member whose margin is `margin` from the first step on (one step).
MemberMargin M(double margin, double weight) { return {weight, {static_cast<float>(margin)}}; }

// Storms built here: A (2001) observed first at 10 h, B (2002) never, C (2003) at 20 h.
std::vector<ReplayedStorm> ThreeStorms() {
  const std::int64_t h = 3600;
  ReplayedStorm a{2001, "A", 10 * h, {{0, {{M(0.5, 0.5), M(0.9, 0.5)}}}, {6 * h, {{M(0.8, 0.5), M(1.1, 0.5)}}}, {12 * h, {{M(1.2, 1.0)}}}}};
  ReplayedStorm b{2002, "B", std::nullopt, {{0, {{M(0.95, 1.0)}}}}};
  ReplayedStorm c{2003, "C", 20 * h, {{18 * h, {{M(0.85, 1.0)}}}}};
  return {a, b, c};
}

TEST(ChoiceTest, MarginsScaleTheProbabilityAndTheFirstTime) {
  const auto s = ThreeStorms();
  EXPECT_DOUBLE_EQ(ProbabilityAt(s[0].steps[1].margins[0], 1.0), 0.5);
  EXPECT_DOUBLE_EQ(ProbabilityAt(s[0].steps[0].margins[0], 1.25), 0.5);
  EXPECT_DOUBLE_EQ(ProbabilityAt(s[0].steps[0].margins[0], 2.5), 1.0);
  EXPECT_EQ(FirstReached(s[0], {1.0, -1, 0.3}, {}), 6 * 3600);
  EXPECT_EQ(FirstReached(s[0], {1.0, -1, 0.6}, {}), 12 * 3600);
  EXPECT_EQ(FirstReached(s[0], {1.25, -1, 0.3}, {}), 0);
  EXPECT_EQ(FirstReached(s[2], {1.0, -1, 0.3}, {}), std::nullopt);
  EXPECT_EQ(FirstReached(s[2], {1.2, -1, 0.3}, {}), 18 * 3600);
  // A higher rung reaching its bar raises the signal even when the lowest does not.
  ReplayedStorm d{2004, "D", std::nullopt, {{0, {{M(0.5, 1.0)}, {M(1.1, 0.4)}}}}};
  EXPECT_EQ(FirstReached(d, {1.0, -1, 0.3}, {0.5}), std::nullopt);
  EXPECT_EQ(FirstReached(d, {1.0, -1, 0.3}, {0.4}), 0);
  // A shorter lead: the member reaching 63 km/h only 9 steps ahead is not counted within 6.
  const std::vector<MemberMargin> late = {{1.0, {0.5f, 0.6f, 0.6f, 0.7f, 0.7f, 0.8f, 0.8f, 0.9f, 0.9f, 1.1f, 1.2f}}};
  EXPECT_DOUBLE_EQ(ProbabilityAt(late, 1.0), 1.0);
  EXPECT_DOUBLE_EQ(ProbabilityAt(late, 1.0, 6), 0.0);
  EXPECT_DOUBLE_EQ(ProbabilityAt(late, 1.25, 6), 1.0);  // 0.8 x 1.25
  EXPECT_DOUBLE_EQ(ProbabilityAt(late, 1.0, 9), 1.0);
}

TEST(ChoiceTest, LeaveOneSeasonOutScoresEachSeasonWithTheOthersChoice) {
  const auto s = ThreeStorms();
  const ChoiceRule rule{0.10, 100};  // no lag limit here
  // All seasons: k 1 (A hit, B negative, C miss: skill 0.5); k 1.25 hits all but its false alarm is
  // 100 % of the negatives, over the 10 % limit.
  const LeaveOneSeasonOut r = ChooseLeaveOneSeasonOut(s, {{1.0, 1.25}, {-1}, {0.3}}, {}, rule);
  EXPECT_DOUBLE_EQ(r.all.choice.k, 1.0);
  EXPECT_EQ(r.all.table.hits, 1);
  EXPECT_EQ(r.all.table.misses, 1);
  // Without 2001: k 1.25 falsely alarms on B, k 1 is chosen, and A is a hit.
  // Without 2002: no negative left, k 1.25 hits both: chosen, and B is then a false alarm.
  // Without 2003: k 1 (k 1.25 falsely alarms on B), C is a miss.
  EXPECT_DOUBLE_EQ(r.per_season.at(2001).k, 1.0);
  EXPECT_DOUBLE_EQ(r.per_season.at(2002).k, 1.25);
  EXPECT_DOUBLE_EQ(r.per_season.at(2003).k, 1.0);
  EXPECT_EQ(r.held_out.hits, 1);
  EXPECT_EQ(r.held_out.misses, 1);
  EXPECT_EQ(r.held_out.false_alarms, 1);
  EXPECT_EQ(r.held_out.correct_negatives, 0);
  ASSERT_EQ(r.held_out_lag_h.size(), 1u);
  EXPECT_DOUBLE_EQ(r.held_out_lag_h[0], -4.0);  // A first at 6 h, observed at 10 h
  // A bar grid: at k 1, bar 0.6 makes A's first 12 h (lag +2) and bar 0.3 6 h (-4): equal skill,
  // the nearer first time wins.
  EXPECT_DOUBLE_EQ(ChooseLeaveOneSeasonOut(s, {{1.0}, {-1}, {0.3, 0.6}}, {}, rule).all.choice.bar, 0.6);
  // The lag limit comes before skill: A observed at 8 h and F at 40 h; k 1.25 hits both but its
  // median first time is 8 h early (A at 0 h, F at 0 h), k 1 hits A 2 h early and misses F.
  std::vector<ReplayedStorm> af = {s[0], {2006, "F", 40 * 3600, {{0, {{M(0.9, 1.0)}}}}}};
  af[0].observed_first = 8 * 3600;
  EXPECT_DOUBLE_EQ(ChooseLeaveOneSeasonOut(af, {{1.0, 1.25}, {-1}, {0.3}}, {}, rule).all.choice.k, 1.25);
  EXPECT_DOUBLE_EQ(ChooseLeaveOneSeasonOut(af, {{1.0, 1.25}, {-1}, {0.3}}, {}, {0.10, 3}).all.choice.k, 1.0);
  EXPECT_THROW(ChooseLeaveOneSeasonOut(s, {{}, {-1}, {0.3}}, {}, rule), Error);
}

}  // namespace
}  // namespace taifeng::core
