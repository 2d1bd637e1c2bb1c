// Parametric tropical-cyclone surface wind: the Holland profile, radius of maximum wind,
// motion asymmetry, averaging-period and gust conversions, and the Beaufort scale.
//
// Profile: Holland (1980), "An analytic model of the wind and pressure profiles in hurricanes",
// Mon. Wea. Rev. 108, 1212-1218, gradient wind
//   V(r) = sqrt(Vm² (Rm/r)^B exp(1 - (Rm/r)^B) + (r f / 2)²) - r f / 2,
// which is Holland's V_g with the cyclostrophic identity B Δp / (ρ e) = Vm². B from the storm:
//   Holland (1980): B = ρ e Vm² / Δp;
//   Holland (2008), "A revised hurricane pressure-wind model", Mon. Wea. Rev. 136, 3432-3445, eq. 7:
//   b_s = -4.4e-5 Δp² + 0.01 Δp + 0.03 ∂pc/∂t - 0.014 |φ| + 0.15 vt^x + 1, x = 0.6 (1 - Δp / 215)
//   (Δp hPa, ∂pc/∂t hPa/h, vt m/s);
// clamped to [b_min, b_max]; b_default when the central pressure is unknown.
// Radius of maximum wind: the source's where given, else Willoughby, Darling & Rahn (2006),
// "Parametric representation of the primary hurricane vortex. Part II", Mon. Wea. Rev. 134,
// 1102-1120, eq. 7a: Rm = 46.4 exp(-0.0155 Vm + 0.0169 |φ|) km (Vm m/s, φ degrees).
// Asymmetry: the storm's translation vector, rotated 20° cyclonically and scaled by 0.55, is added
// to the symmetric vortex in proportion V(r)/Vm (Lin & Chavas 2012, J. Geophys. Res. 117, D09120),
// and the symmetric Vm is the track's maximum wind less 0.55 vt so that the total peaks at it.
// Inflow angle is not modelled (it turns the wind, hardly changes its speed).
// Distances in the field are on the sphere (mean radius 6371.0088 km): within 0.5 % of the
// ellipsoid, far below the profile's own uncertainty, and fast enough to sample 20 members × 121
// hours × thousands of points.
// Thread safety: pure functions.
#pragma once

#include <cmath>

#include "taifeng/data/track.h"

namespace taifeng::core {

struct WindFieldOptions {
  bool holland2008 = false;           // B from Holland (2008) b_s instead of Holland (1980)
  double environmental_pressure_hpa = 1010.0;  // Δp = p_env - p_c (WNP mean; Holland 2008 uses 1010-1015)
  double air_density = 1.15;          // kg m⁻³ (Holland 1980)
  double b_min = 1.0, b_max = 2.5, b_default = 1.5;
  double asymmetry = 0.55;            // share of the translation speed (Lin & Chavas 2012)
  double asymmetry_rotation_deg = 20;  // cyclonic rotation of the translation vector
};

// Holland (1980) B from the maximum wind (m/s, the symmetric part) and the pressure deficit (hPa):
// ρ e Vm² / Δp, not clamped. NaN when Δp <= 0.
double HollandB1980(double vmax_ms, double deficit_hpa, double air_density = 1.15) noexcept;
// Holland (2008) b_s, eq. 7, not clamped.
double HollandB2008(double deficit_hpa, double dp_dt_hpa_h, double lat_deg, double translation_ms) noexcept;
// Willoughby et al. (2006) eq. 7a, km.
double RmwClimatologyKm(double vmax_ms, double lat_deg) noexcept;
// The Holland gradient wind (m/s) at r_km from the centre (formula above); 0 at r = 0.
double HollandWindMs(double r_km, double vmax_ms, double rmw_km, double b, double lat_deg) noexcept;

// One moment of a storm, for the wind field. Wind is the 10-minute maximum sustained wind.
struct WindCentre {
  double lat_deg = 0, lon_deg = 0;
  double vmax_ms = NAN, pressure_hpa = NAN;
  double rmw_km = NAN;                          // NaN: climatology
  double motion_east_ms = 0, motion_north_ms = 0;  // translation
  double dp_dt_hpa_h = 0;                       // for Holland (2008)
};

// The centre's parameters, worked out once: symmetric Vm, Rm, B, Coriolis, unit vector.
struct PreparedCentre {
  double vm_ms = 0, rmw_km = 0, b = 0, lat_deg = 0;
  double ux = 0, uy = 0, uz = 0;            // unit vector of the centre
  double ex[3] = {}, nx[3] = {};            // local east and north unit vectors
  double asym_east_ms = 0, asym_north_ms = 0;  // rotated, scaled translation
  bool valid = false;                       // false when the wind is unknown or below 1 m/s
};
PreparedCentre Prepare(const WindCentre& centre, const WindFieldOptions& options) noexcept;

// The 10-minute mean surface wind (m/s) at a point given by its unit vector (UnitVector), with the
// distance from the centre (km) returned through r_km if not null. 0 for an invalid centre.
double WindAt(const PreparedCentre& c, const double unit[3], double* r_km = nullptr) noexcept;
void UnitVector(double lat_deg, double lon_deg, double out[3]) noexcept;
// Great-circle distance (km, on the sphere above) between two unit vectors; accurate at short range
// (the angle from the cross product's norm and the dot product). Inline: it is the hazard's inner loop.
inline double ArcKm(const double a[3], const double b[3]) noexcept {
  const double d = a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  const double dot = d < -1.0 ? -1.0 : (d > 1.0 ? 1.0 : d);
  const double cx = a[1] * b[2] - a[2] * b[1], cy = a[2] * b[0] - a[0] * b[2], cz = a[0] * b[1] - a[1] * b[0];
  return std::atan2(std::sqrt(cx * cx + cy * cy + cz * cz), dot) * 6371.0088;
}
// Convenience: the wind at (lat, lon) from an unprepared centre.
double SurfaceWindMs(const WindCentre& centre, double lat_deg, double lon_deg, const WindFieldOptions& options = {});

// Exposure of a site to the wind (Harper, Kepert & Ginger 2010, WMO/TD-No. 1555, section 1.3):
// at sea (open water), off sea (a coastal site, wind from the sea), off land (open flat land,
// wind from land), in land (rough terrain: towns, forest).
enum class Exposure { kAtSea, kOffSea, kOffLand, kInLand };
// The factor from a mean wind of `averaging` (1-, 2- or 10-minute; unknown = 10-minute) to the
// peak 3-second gust, WMO/TD-No. 1555 Table 1.1:
//            10 min  2 min  1 min
//   at sea    1.23   1.15   1.11
//   off sea   1.38   1.28   1.23
//   off land  1.52   1.42   1.36
//   in land   1.66   1.55   1.49
double GustFactor(Exposure exposure, data::WindAveraging averaging) noexcept;

// Beaufort force (0-17) of a wind, by the upper limits of GB/T 28591-2012 (China's scale, which
// extends WMO's 0-12 to 17): force 6 from 10.8 m/s, 8 from 17.2, 10 from 24.5, 12 from 32.7,
// 14 from 41.5, 17 from 56.1. NaN gives -1.
int BeaufortForce(double wind_ms) noexcept;
// The lowest speed (m/s) of a force (0-17).
double BeaufortLowerMs(int force) noexcept;

}  // namespace taifeng::core
