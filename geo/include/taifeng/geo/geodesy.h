// Geodesy on the WGS-84 ellipsoid, from PROJ's geodesic API (Karney 2013, "Algorithms for
// geodesics", J. Geodesy 87:43–55). No hand-written haversine anywhere in Taifeng.
//
// Angles in degrees, distances in km. Latitudes must lie in [-90, 90]; longitudes may be any
// finite value (they are reduced internally), so tracks across the antimeridian need no care
// from the caller.
// Thread safety: all functions are pure and safe to call from any thread.
#pragma once

namespace taifeng::geo {

// Longitude reduced to [-180, 180). NaN stays NaN.
double NormalizeLonDeg(double lon_deg) noexcept;

// The signed difference to_deg - from_deg reduced to [-180, 180): the shortest way round, so
// 179.5 → -179.5 gives +1.0, not -359.0.
double LonDifferenceDeg(double from_deg, double to_deg) noexcept;

struct GeodesicLine {
  double distance_km = 0.0;  // geodesic distance, >= 0
  double azimuth1_deg = 0.0;  // forward azimuth at the first point, clockwise from north, (-180, 180]
  double azimuth2_deg = 0.0;  // forward azimuth at the second point
};

// The inverse geodesic problem between two points. Returns NaN fields if any input is NaN or
// a latitude is outside [-90, 90].
GeodesicLine Inverse(double lat1_deg, double lon1_deg, double lat2_deg, double lon2_deg) noexcept;

// Geodesic distance in km (Inverse(...).distance_km).
double DistanceKm(double lat1_deg, double lon1_deg, double lat2_deg, double lon2_deg) noexcept;

struct LatLon {
  double lat_deg = 0.0;
  double lon_deg = 0.0;  // in [-180, 180)
};

// The direct problem: the point reached from (lat, lon) after distance_km along azimuth_deg.
LatLon Direct(double lat_deg, double lon_deg, double azimuth_deg, double distance_km) noexcept;

// Signed geodesic area of the polygon through the given vertices (closed implicitly), km²:
// positive when the vertices go counter-clockwise (PROJ geod_polygonarea). Edges are geodesics.
// Returns NaN if any vertex is invalid; 0 for fewer than 3 vertices.
double PolygonAreaKm2(const LatLon* vertices, int count) noexcept;

}  // namespace taifeng::geo
