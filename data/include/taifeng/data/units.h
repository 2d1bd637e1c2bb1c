// Unit and averaging-period conversions for tropical-cyclone winds, and the common category.
//
// Averaging periods: WMO guidance (Harper, Kepert & Ginger 2010, "Guidelines for converting
// between various wind averaging periods in tropical cyclone conditions", WMO/TD-No. 1555)
// recommends V10min = 0.93 x V1min for the "at-sea" exposure that best-track winds represent.
// The guideline gives no single at-sea factor for 2-minute "sustained" winds; Taifeng
// interpolates the 1-min->10-min factor linearly in log(averaging period), which gives
// V10min = 0.951 x V2min (and V2min = 0.978 x V1min). This is Taifeng's choice, documented in the
// README; conversions are exact inverses of each other.
// Thread safety: pure functions.
#pragma once

#include "taifeng/data/track.h"

namespace taifeng::data {

inline constexpr double kMsPerKnot = 1852.0 / 3600.0;  // exact: 1 kt = 1 n mi per hour
inline constexpr double kKmPerNauticalMile = 1.852;    // exact

inline constexpr double KnotsToMs(double kt) noexcept { return kt * kMsPerKnot; }
inline constexpr double MsToKnots(double ms) noexcept { return ms / kMsPerKnot; }

// Factor f such that V10min = f x V(period) at sea. kUnknown is treated as 10-minute (factor 1).
double TenMinuteFactor(WindAveraging period) noexcept;

// Converts a wind averaged over `from` to its equivalent averaged over `to`. NaN stays NaN.
double ConvertAveraging(double wind_ms, WindAveraging from, WindAveraging to) noexcept;

// The common category (GB/T 19201-2006 thresholds on the 2-minute equivalent wind). Returns
// kUnknown for NaN wind.
Category CategoryFromWind(double wind_ms, WindAveraging averaging) noexcept;

}  // namespace taifeng::data
