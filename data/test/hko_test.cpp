// HKO's signal records: the bundled file read whole, and a bad line refused with file, line and field.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "taifeng/base/error.h"
#include "taifeng/data/hko.h"

namespace taifeng::data {
namespace {

namespace fs = std::filesystem;

TEST(HkoSignalsTest, ReadsTheBundledRecords) {
  const auto s = ReadHkoSignals(fs::path(TAIFENG_SAMPLES_DIR) / "hko/signals_8_or_higher_2000_2022.csv");
  ASSERT_EQ(s.size(), 75u);
  EXPECT_EQ(s[0].season, 2001);
  EXPECT_EQ(s[0].storm_name, "UTOR");
  EXPECT_EQ(s[0].signal, "8NE");
  EXPECT_EQ(s[0].number, 8);
  EXPECT_EQ(s[0].start_utc, 994332600);  // 2001-07-05T19:30+08:00 = 11:30 UTC
  int tens = 0;
  for (const auto& x : s) tens += x.number == 10;
  EXPECT_EQ(tens, 3);  // Vicente 2012, Hato 2017, Mangkhut 2018
}

TEST(HkoSignalsTest, RefusesABadLineWithItsNumber) {
  const fs::path p = fs::temp_directory_path() / ("taifeng_hko_" + std::to_string(::getpid()) + ".csv");
  const std::string header = "\xEF\xBB\xBFseason,storm_name,signal,start_hkt,end_hkt\r\n";
  const auto refused = [&](const std::string& body, std::int64_t line, const std::string& field) {
    std::ofstream(p) << header << body;
    try {
      ReadHkoSignals(p);
      ADD_FAILURE() << "accepted " << body;
    } catch (const ParseError& e) {
      EXPECT_EQ(e.line(), line) << e.what();
      EXPECT_EQ(e.field(), field) << e.what();
    }
  };
  refused("2018,MANGKHUT,8N,2018-09-16T01:10+08:00,2018-09-16T09:40+08:00\n", 2, "signal");
  refused("\n2018,MANGKHUT,10,2018-09-16 09:40,2018-09-16T16:10+08:00\n", 3, "start_hkt");
  refused("2018,MANGKHUT,10,2018-09-16T09:40+08:00,2018-09-16T08:00+08:00\n", 2, "end_hkt");
  refused("20x8,MANGKHUT,10,2018-09-16T09:40+08:00,2018-09-16T16:10+08:00\n", 2, "season");
  std::ofstream(p) << header << "2018,Mangkhut,10,2018-09-16T09:40+08:00,2018-09-16T16:10+08:00\n";
  const auto ok = ReadHkoSignals(p);
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_EQ(ok[0].storm_name, "MANGKHUT");
  EXPECT_EQ(ok[0].end_utc - ok[0].start_utc, 6 * 3600 + 30 * 60);
  fs::remove(p);
  EXPECT_THROW(ReadHkoSignals(p), Error);
}

// The published 10-minute wind files of Chaba 2022, as HKO wrote them (N/A, missing stations,
// the same time in two files).
TEST(HkoWindTest, ReadsChabasFilesAsPublished) {
  const auto w = ReadHkoWindDirectory(fs::path(TAIFENG_SAMPLES_DIR) / "hko/wind_10min/chaba_2022");
  ASSERT_GT(w.size(), 5000u);
  for (std::size_t i = 1; i < w.size(); ++i)
    ASSERT_TRUE(w[i - 1].time_utc < w[i].time_utc || (w[i - 1].time_utc == w[i].time_utc && w[i - 1].station < w[i].station))
        << "sorted, one row per time and station";
  // 2022-07-01 18:50 HKT = 10:50 UTC: Cheung Chau 60 km/h (gust 87), Shek Kong N/A.
  const auto at = [&](const std::string& station) -> const HkoWind* {
    for (const auto& x : w)
      if (x.time_utc == 1656672600 && x.station == station) return &x;
    return nullptr;
  };
  ASSERT_NE(at("Cheung Chau"), nullptr);
  EXPECT_EQ(at("Cheung Chau")->mean_kmh.value_or(-1), 60);
  EXPECT_EQ(at("Cheung Chau")->gust_kmh.value_or(-1), 87);
  EXPECT_EQ(at("Cheung Chau")->direction, "East");
  ASSERT_NE(at("Shek Kong"), nullptr);
  EXPECT_FALSE(at("Shek Kong")->mean_kmh.has_value());
}

TEST(HkoWindTest, RefusesABadRowWithFileLineAndField) {
  const fs::path p = fs::temp_directory_path() / ("taifeng_hkowind_" + std::to_string(::getpid()) + ".csv");
  std::ofstream(p) << "\xEF\xBB\xBF" << "Date time,Automatic Weather Station,10-Minute Mean Wind Direction(Compass points),10-Minute Mean "
                                          "Speed(km/hour),10-Minute Maximum Gust(km/hour)\r\n202207011850,Cheung Chau,East,60,87\r\n"
                                          "202207011850,Tsing Yi,East,fast,87\r\n";
  try {
    ReadHkoWindFile(p);
    ADD_FAILURE() << "accepted";
  } catch (const ParseError& e) {
    EXPECT_EQ(e.line(), 3);
    EXPECT_EQ(e.field(), "10-Minute Mean Speed(km/hour)");
    EXPECT_NE(std::string(e.what()).find(p.filename().string()), std::string::npos) << e.what();
  }
  fs::remove(p);
}

TEST(HkoRainTest, ReadsTheHeadquartersDailyRainfall) {
  const auto r = ReadHkoDailyRainfall(fs::path(TAIFENG_SAMPLES_DIR) / "hko/daily_rainfall_hko_hq_1884_2022.csv");
  ASSERT_GT(r.size(), 45000u);
  EXPECT_EQ(r.front().year, 1884);
  EXPECT_EQ(r.back().year, 2022);
  EXPECT_EQ(r.back().month, 12);
  for (const auto& d : r) ASSERT_TRUE(d.year < 1940 || d.year > 1946) << "no data during 1940-1946";
}

}  // namespace
}  // namespace taifeng::data
