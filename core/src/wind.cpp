#include "taifeng/core/wind.h"

#include <algorithm>
#include <array>
#include <numbers>

#include "taifeng/data/units.h"

namespace taifeng::core {
namespace {

constexpr double kDeg = std::numbers::pi / 180.0;
constexpr double kOmega = 7.2921159e-5;      // Earth's rotation, rad/s
// GB/T 28591-2012: the lowest speed of forces 0..17 (m/s, to 0.1).
constexpr std::array<double, 18> kForceLower = {0.0,  0.3,  1.6,  3.4,  5.5,  8.0,  10.8, 13.9, 17.2,
                                                20.8, 24.5, 28.5, 32.7, 37.0, 41.5, 46.2, 51.0, 56.1};

}  // namespace

double HollandB1980(double vmax_ms, double deficit_hpa, double air_density) noexcept {
  if (!(deficit_hpa > 0)) return NAN;
  return air_density * std::numbers::e * vmax_ms * vmax_ms / (deficit_hpa * 100.0);
}

double HollandB2008(double deficit_hpa, double dp_dt_hpa_h, double lat_deg, double translation_ms) noexcept {
  const double x = 0.6 * (1.0 - deficit_hpa / 215.0);
  return -4.4e-5 * deficit_hpa * deficit_hpa + 0.01 * deficit_hpa + 0.03 * dp_dt_hpa_h - 0.014 * std::fabs(lat_deg) +
         0.15 * std::pow(std::max(translation_ms, 0.0), x) + 1.0;
}

double RmwClimatologyKm(double vmax_ms, double lat_deg) noexcept {
  return 46.4 * std::exp(-0.0155 * vmax_ms + 0.0169 * std::fabs(lat_deg));
}

double HollandWindMs(double r_km, double vmax_ms, double rmw_km, double b, double lat_deg) noexcept {
  if (!(r_km > 0) || !(vmax_ms > 0) || !(rmw_km > 0)) return 0.0;
  const double f = 2.0 * kOmega * std::sin(std::fabs(lat_deg) * kDeg);
  const double half_rf = 0.5 * r_km * 1000.0 * f;
  const double a = std::pow(rmw_km / r_km, b);
  return std::sqrt(vmax_ms * vmax_ms * a * std::exp(1.0 - a) + half_rf * half_rf) - half_rf;
}

void UnitVector(double lat_deg, double lon_deg, double out[3]) noexcept {
  const double la = lat_deg * kDeg, lo = lon_deg * kDeg;
  out[0] = std::cos(la) * std::cos(lo);
  out[1] = std::cos(la) * std::sin(lo);
  out[2] = std::sin(la);
}

PreparedCentre Prepare(const WindCentre& c, const WindFieldOptions& o) noexcept {
  PreparedCentre p;
  if (!(c.vmax_ms >= 1.0) || !std::isfinite(c.lat_deg) || !std::isfinite(c.lon_deg)) return p;
  const double vt = std::hypot(c.motion_east_ms, c.motion_north_ms);
  const double asym = std::isfinite(vt) ? std::min(o.asymmetry * vt, 0.5 * c.vmax_ms) : 0.0;
  p.vm_ms = c.vmax_ms - asym;
  p.lat_deg = c.lat_deg;
  p.rmw_km = c.rmw_km > 0 ? c.rmw_km : RmwClimatologyKm(c.vmax_ms, c.lat_deg);
  const double deficit = o.environmental_pressure_hpa - c.pressure_hpa;
  double b = NAN;
  if (deficit > 0)
    b = o.holland2008 ? HollandB2008(deficit, c.dp_dt_hpa_h, c.lat_deg, vt) : HollandB1980(p.vm_ms, deficit, o.air_density);
  p.b = std::isfinite(b) ? std::clamp(b, o.b_min, o.b_max) : o.b_default;
  double u[3];
  UnitVector(c.lat_deg, c.lon_deg, u);
  p.ux = u[0], p.uy = u[1], p.uz = u[2];
  const double lo = c.lon_deg * kDeg, la = c.lat_deg * kDeg;
  p.ex[0] = -std::sin(lo), p.ex[1] = std::cos(lo), p.ex[2] = 0;
  p.nx[0] = -std::sin(la) * std::cos(lo), p.nx[1] = -std::sin(la) * std::sin(lo), p.nx[2] = std::cos(la);
  if (vt > 0 && std::isfinite(vt)) {
    // Rotate cyclonically: counter-clockwise in the northern hemisphere.
    const double rot = (c.lat_deg >= 0 ? 1.0 : -1.0) * o.asymmetry_rotation_deg * kDeg;
    const double scale = asym / vt;
    p.asym_east_ms = scale * (c.motion_east_ms * std::cos(rot) - c.motion_north_ms * std::sin(rot));
    p.asym_north_ms = scale * (c.motion_east_ms * std::sin(rot) + c.motion_north_ms * std::cos(rot));
  }
  p.valid = true;
  return p;
}

double WindAt(const PreparedCentre& c, const double u[3], double* r_km) noexcept {
  const double centre[3] = {c.ux, c.uy, c.uz};
  const double r = ArcKm(centre, u);
  if (r_km) *r_km = r;
  if (!c.valid) return 0.0;
  const double v = HollandWindMs(r, c.vm_ms, c.rmw_km, c.b, c.lat_deg);
  if (r <= 0) return v;
  // Direction of the point from the centre in the local plane: east and north components.
  const double de = u[0] * c.ex[0] + u[1] * c.ex[1] + u[2] * c.ex[2];
  const double dn = u[0] * c.nx[0] + u[1] * c.nx[1] + u[2] * c.nx[2];
  const double norm = std::hypot(de, dn);
  if (!(norm > 0)) return v;
  const double sign = c.lat_deg >= 0 ? 1.0 : -1.0;  // cyclonic: counter-clockwise in the north
  const double te = -sign * dn / norm, tn = sign * de / norm;
  const double share = c.vm_ms > 0 ? v / c.vm_ms : 0.0;
  const double we = v * te + share * c.asym_east_ms, wn = v * tn + share * c.asym_north_ms;
  return std::hypot(we, wn);
}

double SurfaceWindMs(const WindCentre& centre, double lat_deg, double lon_deg, const WindFieldOptions& options) {
  const PreparedCentre p = Prepare(centre, options);
  double u[3];
  UnitVector(lat_deg, lon_deg, u);
  return WindAt(p, u);
}

double GustFactor(Exposure exposure, data::WindAveraging averaging) noexcept {
  // WMO/TD-No. 1555 Table 1.1: gust factors to the 3-s gust from 600 s, 120 s and 60 s means.
  static constexpr double kTable[4][3] = {{1.23, 1.15, 1.11}, {1.38, 1.28, 1.23}, {1.52, 1.42, 1.36}, {1.66, 1.55, 1.49}};
  const int row = static_cast<int>(exposure);
  switch (averaging) {
    case data::WindAveraging::kTwoMinute: return kTable[row][1];
    case data::WindAveraging::kOneMinute: return kTable[row][2];
    case data::WindAveraging::kTenMinute:
    case data::WindAveraging::kUnknown: break;
  }
  return kTable[row][0];
}

int BeaufortForce(double wind_ms) noexcept {
  if (std::isnan(wind_ms)) return -1;
  const double w = std::round(wind_ms * 10.0) / 10.0;  // the scale is given to 0.1 m/s
  int force = 0;
  for (int f = 1; f < static_cast<int>(kForceLower.size()); ++f)
    if (w >= kForceLower[static_cast<std::size_t>(f)]) force = f;
  return force;
}

double BeaufortLowerMs(int force) noexcept {
  return kForceLower[static_cast<std::size_t>(std::clamp(force, 0, 17))];
}

}  // namespace taifeng::core
