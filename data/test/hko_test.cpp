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

}  // namespace
}  // namespace taifeng::data
