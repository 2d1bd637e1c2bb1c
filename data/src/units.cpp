#include "taifeng/data/units.h"

#include <cmath>

namespace taifeng::data {
namespace {

// Harper, Kepert & Ginger (2010), WMO/TD-No. 1555: at-sea V10min = 0.93 V1min.
constexpr double kTenFromOneMinute = 0.93;

}  // namespace

std::string_view CategoryName(Category category) noexcept {
  switch (category) {
    case Category::kDisturbance: return "disturbance";
    case Category::kTropicalDepression: return "tropical depression";
    case Category::kTropicalStorm: return "tropical storm";
    case Category::kSevereTropicalStorm: return "severe tropical storm";
    case Category::kTyphoon: return "typhoon";
    case Category::kSevereTyphoon: return "severe typhoon";
    case Category::kSuperTyphoon: return "super typhoon";
    case Category::kSubtropical: return "subtropical";
    case Category::kExtratropical: return "extratropical";
    case Category::kUnknown: break;
  }
  return "unknown";
}

double TenMinuteFactor(WindAveraging period) noexcept {
  switch (period) {
    case WindAveraging::kOneMinute: return kTenFromOneMinute;
    case WindAveraging::kTwoMinute:
      // Linear in log(period) between 1 min (0.93) and 10 min (1.0): 0.951072.
      return kTenFromOneMinute + (1.0 - kTenFromOneMinute) * std::log(2.0) / std::log(10.0);
    case WindAveraging::kTenMinute:
    case WindAveraging::kUnknown: break;
  }
  return 1.0;
}

double ConvertAveraging(double wind_ms, WindAveraging from, WindAveraging to) noexcept {
  return wind_ms * TenMinuteFactor(from) / TenMinuteFactor(to);
}

Category CategoryFromWind(double wind_ms, WindAveraging averaging) noexcept {
  if (std::isnan(wind_ms)) return Category::kUnknown;
  // GB/T 19201-2006 thresholds are on winds given to 0.1 m/s; round the converted value so a
  // CMA 17.2 m/s stays a tropical storm.
  const double w = std::round(ConvertAveraging(wind_ms, averaging, WindAveraging::kTwoMinute) * 10.0) / 10.0;
  if (w >= 51.0) return Category::kSuperTyphoon;
  if (w >= 41.5) return Category::kSevereTyphoon;
  if (w >= 32.7) return Category::kTyphoon;
  if (w >= 24.5) return Category::kSevereTropicalStorm;
  if (w >= 17.2) return Category::kTropicalStorm;
  if (w >= 10.8) return Category::kTropicalDepression;
  return Category::kDisturbance;
}

}  // namespace taifeng::data
