#include "taifeng/geo/geodesy.h"

#include <geodesic.h>

#include <cmath>
#include <limits>

namespace taifeng::geo {
namespace {

constexpr double kWgs84SemiMajorM = 6378137.0;
constexpr double kWgs84Flattening = 1.0 / 298.257223563;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// geod_init is cheap but not free; the structure is read-only after init, so one instance is
// shared by all threads (PROJ documents geod_geodesic as immutable once initialised).
const geod_geodesic& Wgs84() noexcept {
  static const geod_geodesic g = [] {
    geod_geodesic init{};
    geod_init(&init, kWgs84SemiMajorM, kWgs84Flattening);
    return init;
  }();
  return g;
}

bool ValidLat(double lat_deg) noexcept { return std::isfinite(lat_deg) && std::fabs(lat_deg) <= 90.0; }

}  // namespace

double NormalizeLonDeg(double lon_deg) noexcept {
  if (!std::isfinite(lon_deg)) return kNaN;
  double r = std::fmod(lon_deg + 180.0, 360.0);
  if (r < 0.0) r += 360.0;
  r -= 180.0;
  return r >= 180.0 ? r - 360.0 : r;
}

double LonDifferenceDeg(double from_deg, double to_deg) noexcept {
  return NormalizeLonDeg(to_deg - from_deg);
}

GeodesicLine Inverse(double lat1_deg, double lon1_deg, double lat2_deg, double lon2_deg) noexcept {
  if (!ValidLat(lat1_deg) || !ValidLat(lat2_deg) || !std::isfinite(lon1_deg) ||
      !std::isfinite(lon2_deg)) {
    return {kNaN, kNaN, kNaN};
  }
  double s12_m = 0.0, azi1 = 0.0, azi2 = 0.0;
  geod_inverse(&Wgs84(), lat1_deg, lon1_deg, lat2_deg, lon2_deg, &s12_m, &azi1, &azi2);
  return {s12_m / 1000.0, azi1, azi2};
}

double DistanceKm(double lat1_deg, double lon1_deg, double lat2_deg, double lon2_deg) noexcept {
  return Inverse(lat1_deg, lon1_deg, lat2_deg, lon2_deg).distance_km;
}

LatLon Direct(double lat_deg, double lon_deg, double azimuth_deg, double distance_km) noexcept {
  if (!ValidLat(lat_deg) || !std::isfinite(lon_deg) || !std::isfinite(azimuth_deg) ||
      !std::isfinite(distance_km)) {
    return {kNaN, kNaN};
  }
  double lat2 = 0.0, lon2 = 0.0;
  geod_direct(&Wgs84(), lat_deg, lon_deg, azimuth_deg, distance_km * 1000.0, &lat2, &lon2, nullptr);
  return {lat2, NormalizeLonDeg(lon2)};
}

double PolygonAreaKm2(const LatLon* vertices, int count) noexcept {
  if (count < 3) return 0.0;
  geod_polygon polygon{};
  geod_polygon_init(&polygon, 0);
  for (int i = 0; i < count; ++i) {
    if (!ValidLat(vertices[i].lat_deg) || !std::isfinite(vertices[i].lon_deg)) return kNaN;
    geod_polygon_addpoint(&Wgs84(), &polygon, vertices[i].lat_deg, vertices[i].lon_deg);
  }
  double area_m2 = 0.0;
  geod_polygon_compute(&Wgs84(), &polygon, 0, 1, &area_m2, nullptr);
  return area_m2 / 1e6;
}

}  // namespace taifeng::geo
