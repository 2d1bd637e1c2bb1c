#include <gtest/gtest.h>

#include <cmath>

#include "taifeng/base/time_utc.h"
#include "taifeng/data/units.h"

namespace taifeng::data {
namespace {

TEST(TimeTest, CivilConversions) {
  EXPECT_EQ(*UtcSeconds(1970, 1, 1), 0);
  EXPECT_EQ(*UtcSeconds(2018, 9, 16, 9), 1537088400);  // Mangkhut's landfall hour
  EXPECT_EQ(*UtcSeconds(1949, 1, 1), -662688000);
  EXPECT_TRUE(UtcSeconds(2020, 2, 29).has_value());
  EXPECT_FALSE(UtcSeconds(2019, 2, 29).has_value());
  EXPECT_FALSE(UtcSeconds(1969, 10, 0).has_value());
  EXPECT_FALSE(UtcSeconds(2018, 13, 1).has_value());
  EXPECT_FALSE(UtcSeconds(2018, 1, 1, 24).has_value());
  const CivilTime c = ToCivil(-662688000 + 86400 * 59 + 3600 * 18);
  EXPECT_EQ(c.year, 1949);
  EXPECT_EQ(c.month, 3);
  EXPECT_EQ(c.day, 1);
  EXPECT_EQ(c.hour, 18);
}

TEST(TimeTest, IsoFormatAndParse) {
  EXPECT_EQ(FormatIsoUtc(1537088400), "2018-09-16T09:00:00Z");
  EXPECT_EQ(FormatIsoUtc(-662688000), "1949-01-01T00:00:00Z");
  EXPECT_EQ(*ParseUtc("2018-09-16T09:00:00Z"), 1537088400);
  EXPECT_EQ(*ParseUtc("2018-09-16T09:00Z"), 1537088400);
  EXPECT_EQ(*ParseUtc("2018-09-16 09:00:00"), 1537088400);
  EXPECT_EQ(*ParseUtc("2018091609"), 1537088400);
  EXPECT_FALSE(ParseUtc("2018-09-16T09:00:00+08:00").has_value());  // only UTC is accepted
  EXPECT_FALSE(ParseUtc("20180916").has_value());
  EXPECT_FALSE(ParseUtc("2018-09-31T00:00Z").has_value());
  EXPECT_FALSE(ParseUtc("").has_value());
}

// Knots are exact (1 kt = 1852 m / 3600 s): tolerance 1e-12 m/s.
TEST(UnitsTest, KnotsAreExact) {
  EXPECT_NEAR(KnotsToMs(100.0), 51.44444444444444, 1e-12);
  EXPECT_NEAR(MsToKnots(KnotsToMs(155.0)), 155.0, 1e-12);
}

// Averaging periods (Harper et al. 2010, WMO/TD-1555, at sea): tolerance 1e-9 m/s.
TEST(UnitsTest, AveragingPeriodConversions) {
  EXPECT_NEAR(ConvertAveraging(50.0, WindAveraging::kOneMinute, WindAveraging::kTenMinute), 46.5, 1e-9);
  EXPECT_NEAR(ConvertAveraging(46.5, WindAveraging::kTenMinute, WindAveraging::kOneMinute), 50.0, 1e-9);
  EXPECT_NEAR(TenMinuteFactor(WindAveraging::kTwoMinute), 0.951072, 1e-6);
  EXPECT_NEAR(ConvertAveraging(50.0, WindAveraging::kOneMinute, WindAveraging::kTwoMinute), 48.8922, 1e-4);
  const double w = 37.3;
  EXPECT_NEAR(ConvertAveraging(ConvertAveraging(w, WindAveraging::kTwoMinute, WindAveraging::kTenMinute),
                               WindAveraging::kTenMinute, WindAveraging::kTwoMinute), w, 1e-12);
  EXPECT_TRUE(std::isnan(ConvertAveraging(NAN, WindAveraging::kOneMinute, WindAveraging::kTenMinute)));
}

TEST(UnitsTest, CommonCategoryThresholds) {
  const auto two = WindAveraging::kTwoMinute;
  EXPECT_EQ(CategoryFromWind(10.7, two), Category::kDisturbance);
  EXPECT_EQ(CategoryFromWind(10.8, two), Category::kTropicalDepression);
  EXPECT_EQ(CategoryFromWind(17.2, two), Category::kTropicalStorm);
  EXPECT_EQ(CategoryFromWind(24.5, two), Category::kSevereTropicalStorm);
  EXPECT_EQ(CategoryFromWind(32.7, two), Category::kTyphoon);
  EXPECT_EQ(CategoryFromWind(41.5, two), Category::kSevereTyphoon);
  EXPECT_EQ(CategoryFromWind(51.0, two), Category::kSuperTyphoon);
  EXPECT_EQ(CategoryFromWind(NAN, two), Category::kUnknown);
  // 64 kt 1-min (a JTWC typhoon, 32.9 m/s) is 32.2 m/s 2-min: a severe tropical storm in China.
  EXPECT_EQ(CategoryFromWind(KnotsToMs(64), WindAveraging::kOneMinute), Category::kSevereTropicalStorm);
}

}  // namespace
}  // namespace taifeng::data
