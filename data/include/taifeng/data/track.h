// The track model: plain value types for a storm and its fixes, as read from any best-track
// source. Missing values are explicit: NaN for floats, kGradeMissing for grades, never zero.
//
// Units: time in seconds since 1970-01-01 UTC; latitude/longitude in degrees (longitude
// normalised to [-180, 180) at import); wind in m/s with its averaging period; pressure in hPa;
// radii in km.
// Thread safety: plain values.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace taifeng::data {

inline constexpr float kMissing = std::numeric_limits<float>::quiet_NaN();
inline constexpr std::int8_t kGradeMissing = -1;

// Averaging period of a "maximum sustained wind" (agency practice: JTWC/NHC 1-min, CMA 2-min,
// JMA/HKO 10-min).
enum class WindAveraging : std::int8_t { kUnknown = 0, kOneMinute = 1, kTwoMinute = 2, kTenMinute = 10 };

// The common intensity category used across agencies. Tropical categories follow China's
// national standard GB/T 19201-2006 (2-minute mean wind), applied to the wind converted to its
// 2-minute equivalent; the non-tropical kinds come from the agency's own status.
enum class Category : std::int8_t {
  kUnknown = -1,
  kDisturbance = 0,        // below TD, or a disturbance / low / wave
  kTropicalDepression = 1,  // 10.8–17.1 m/s
  kTropicalStorm = 2,       // 17.2–24.4 m/s
  kSevereTropicalStorm = 3, // 24.5–32.6 m/s
  kTyphoon = 4,             // 32.7–41.4 m/s
  kSevereTyphoon = 5,       // 41.5–50.9 m/s
  kSuperTyphoon = 6,        // >= 51.0 m/s
  kSubtropical = 7,         // subtropical depression or storm
  kExtratropical = 9,       // extratropical or post-tropical
};

std::string_view CategoryName(Category category) noexcept;

// Bits of Fix::flags.
enum FixFlag : std::uint8_t {
  kFixWindBelow10Ms = 1 << 0,  // CMA WND=9: "below 10 m/s"; wind_ms is NaN
  kFixLandfall = 1 << 1,       // the source marks this fix as a landfall (HURDAT2 'L', JMA)
  kFixOffSynoptic = 1 << 2,    // not at 00/06/12/18 UTC (extra fixes near landfall, peaks)
};

// Wind radii: thresholds 34, 50, 64 kt; quadrants NE, SE, SW, NW (ATCF and HURDAT2 order).
inline constexpr std::array<int, 3> kRadiiThresholdsKt{34, 50, 64};
using WindRadiiKm = std::array<std::array<float, 4>, 3>;
inline constexpr WindRadiiKm kNoRadii{{{kMissing, kMissing, kMissing, kMissing},
                                       {kMissing, kMissing, kMissing, kMissing},
                                       {kMissing, kMissing, kMissing, kMissing}}};

struct Fix {
  std::int64_t time_utc = 0;          // seconds since 1970-01-01T00:00:00Z
  double lat_deg = 0.0;               // [-90, 90]
  double lon_deg = 0.0;               // [-180, 180)
  float wind_ms = kMissing;           // maximum sustained wind, averaged as Storm::wind_averaging
  float pressure_hpa = kMissing;      // central pressure
  std::int8_t grade = kGradeMissing;  // the agency's own grade code (see GradeScale in archive)
  Category category = Category::kUnknown;
  std::uint8_t flags = 0;             // FixFlag bits
  float rmw_km = kMissing;            // radius of maximum wind where the source gives it
  float mean_wind_ms = kMissing;      // CMA OWD column (coastal / outer average wind)
  WindRadiiKm radii_km = kNoRadii;    // quadrant radii of 34/50/64 kt winds
  std::int64_t source_line = 0;       // 1-based line (or record index) in the source file
};

struct Storm {
  std::string id;               // archive id, unique per agency: "CMA:1971-0040-1", "JTWC:WP152017"
  std::string agency;           // "CMA", "JTWC", "JMA", "NHC", "HKO"
  std::string name;             // as the agency spells it; "" when unnamed
  std::int32_t season = 0;      // year the storm (or its first fix) belongs to
  std::string basin;            // "WP", "EP", "CP", "AL", "NI", "SH"…
  std::string intl_number;      // WMO/RSMC international number YYNN, "" when none
  std::string agency_number;    // the agency's own number(s): CMA "7127,7128", ATCF "WP152017"
  bool secondary_centre = false;  // CMA "(-)n" blocks: a secondary centre of another storm
  std::int8_t end_flag = -1;    // CMA/JMA header end flag (0 dissipated, 1 left area, 2 merged, 3 quasi-stationary)
  WindAveraging wind_averaging = WindAveraging::kUnknown;
  std::string source_format;    // "cma", "atcf", "jma", "hurdat2", "ibtracs"
  std::string source_file;      // file name (without directories) it was read from
  std::vector<Fix> fixes;       // in source order
};

}  // namespace taifeng::data
