// The onset detector and the contingency counts on small series built here, and the detector on
// HKO's real Chaba 2022 files against a hand check.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

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

}  // namespace
}  // namespace taifeng::core
