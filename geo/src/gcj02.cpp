#include "taifeng/geo/gcj02.h"

#include <cmath>

namespace taifeng::geo {
namespace {

constexpr double kA = 6378245.0;                 // Krasovsky 1940 semi-major axis, m
constexpr double kE2 = 0.00669342162296594323;  // its first eccentricity squared

// The offset in metres (north, east) for x = lon - 105, y = lat - 35.
void OffsetMetres(double x, double y, double& north, double& east) {
  const double shared = (20.0 * std::sin(6.0 * x * M_PI) + 20.0 * std::sin(2.0 * x * M_PI)) * 2.0 / 3.0;
  north = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * std::sqrt(std::fabs(x)) + shared +
          (20.0 * std::sin(y * M_PI) + 40.0 * std::sin(y / 3.0 * M_PI)) * 2.0 / 3.0 +
          (160.0 * std::sin(y / 12.0 * M_PI) + 320.0 * std::sin(y * M_PI / 30.0)) * 2.0 / 3.0;
  east = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * std::sqrt(std::fabs(x)) + shared +
         (20.0 * std::sin(x * M_PI) + 40.0 * std::sin(x / 3.0 * M_PI)) * 2.0 / 3.0 +
         (150.0 * std::sin(x / 12.0 * M_PI) + 300.0 * std::sin(x / 30.0 * M_PI)) * 2.0 / 3.0;
}

// The offset in degrees at a WGS-84 point.
LatLon OffsetDeg(double lat_deg, double lon_deg) {
  double north = 0, east = 0;
  OffsetMetres(lon_deg - 105.0, lat_deg - 35.0, north, east);
  const double lat = lat_deg * M_PI / 180.0;
  const double w = 1.0 - kE2 * std::sin(lat) * std::sin(lat);
  const double sqrt_w = std::sqrt(w);
  const double meridional = kA * (1.0 - kE2) / (w * sqrt_w);  // radius of curvature in the meridian
  const double normal = kA / sqrt_w;                          // in the prime vertical
  return {north * 180.0 / (meridional * M_PI), east * 180.0 / (normal * std::cos(lat) * M_PI)};
}

}  // namespace

bool GcjOffsetApplies(double lat_deg, double lon_deg) noexcept {
  return lon_deg >= 72.004 && lon_deg <= 137.8347 && lat_deg >= 0.8293 && lat_deg <= 55.8271;
}

LatLon WgsToGcj(double lat_deg, double lon_deg) noexcept {
  if (!GcjOffsetApplies(lat_deg, lon_deg)) return {lat_deg, lon_deg};
  const LatLon d = OffsetDeg(lat_deg, lon_deg);
  return {lat_deg + d.lat_deg, lon_deg + d.lon_deg};
}

LatLon GcjToWgs(double lat_deg, double lon_deg) noexcept {
  if (!GcjOffsetApplies(lat_deg, lon_deg)) return {lat_deg, lon_deg};
  // Solve WgsToGcj(w) = g: w <- g - offset(w), starting from g.
  LatLon w{lat_deg, lon_deg};
  for (int i = 0; i < 30; ++i) {
    const LatLon d = OffsetDeg(w.lat_deg, w.lon_deg);
    const LatLon next{lat_deg - d.lat_deg, lon_deg - d.lon_deg};
    const bool done = std::fabs(next.lat_deg - w.lat_deg) < 1e-10 && std::fabs(next.lon_deg - w.lon_deg) < 1e-10;
    w = next;
    if (done) break;
  }
  return w;
}

}  // namespace taifeng::geo
