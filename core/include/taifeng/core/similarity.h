// Track similarity terms: each a pure function of two time-aligned track segments of equal
// length (the live segment `live` and a candidate `cand`, oldest point first, the last point is
// "now"). Distances in km on the WGS-84 ellipsoid (PROJ geodesic: Karney 2013); winds in m/s on a
// common 10-minute averaging period; pressures in hPa. Segments may cross the antimeridian and
// reach the equator or high latitudes: nothing here subtracts raw longitudes.
//
// Every term returns NaN when it cannot be computed (segments of different lengths, fewer points
// than the term needs, or no pair of known values); the score (matcher.h) decides what NaN costs.
// Thread safety: pure functions, safe from any thread.
#pragma once

#include <cstdint>
#include <span>

namespace taifeng::core {

struct TrackPoint {
  std::int64_t time_utc = 0;  // seconds since 1970-01-01 UTC
  double lat_deg = 0.0;       // [-90, 90]
  double lon_deg = 0.0;       // [-180, 180)
  double wind_ms = 0.0;       // 10-minute equivalent maximum sustained wind; NaN when unknown
  double pressure_hpa = 0.0;  // NaN when unknown
};

using Segment = std::span<const TrackPoint>;

// Position analog: mean geodesic distance between time-aligned points, km.
double MeanSeparationKm(Segment live, Segment cand) noexcept;

// Motion analog: the candidate is moved so that its last point sits on the live track's last
// point (each candidate point keeps its geodesic distance and azimuth from the candidate's last
// point), then MeanSeparationKm is taken. Storms that moved alike anywhere score near 0. km.
double ShapeSeparationKm(Segment live, Segment cand) noexcept;
// The i-th summand of ShapeSeparationKm (i < size - 1): the distance between live point i and
// candidate point i moved. ShapeSeparationKm = (sum over i in order) / size.
double ShapeDistanceKm(Segment live, Segment cand, std::size_t i) noexcept;

// Track similarity area index (after Ren et al. 2018, "A dynamical-statistical-analog ensemble
// forecast model ... TSAI"): the area enclosed between the two tracks and the segments joining
// their ends, divided by the live track's length, so it reads as a mean separation in km. The
// area is the sum of the geodesic areas of the quadrilaterals between consecutive aligned pairs;
// where the tracks cross inside a quadrilateral it is split at the crossing so the two lobes add
// instead of cancelling. Needs >= 2 points; a live track of zero length divides by 1 km.
double TsaiKm(Segment live, Segment cand) noexcept;

// Dynamic time warping: the mean geodesic distance along the cheapest monotone alignment of the
// two segments (Sakoe-Chiba band of `band` points), so storms that moved alike at different
// speeds match. km.
double DtwSeparationKm(Segment live, Segment cand, int band = 2) noexcept;

// Mean absolute difference over points where both are known: wind in m/s, pressure in hPa.
double WindDifferenceMs(Segment live, Segment cand) noexcept;
double PressureDifferenceHpa(Segment live, Segment cand) noexcept;

struct Motion {
  double speed_kmh = 0.0;    // translation speed
  double heading_deg = 0.0;  // direction of motion, clockwise from north, (-180, 180]
};

// Motion over the last `hours` of a segment (from the point `hours` before the last to the last;
// the first point if the segment is shorter). NaN fields if the segment has < 2 points or no time.
Motion EndMotion(Segment segment, double hours = 12.0) noexcept;

// |speed difference| in km/h and the smallest angle between headings in degrees [0, 180] of the
// end motions. A storm that is stationary (< 2 km/h) has no heading: heading difference NaN.
double SpeedDifferenceKmh(Segment live, Segment cand, double hours = 12.0) noexcept;
double HeadingDifferenceDeg(Segment live, Segment cand, double hours = 12.0) noexcept;
// The same from motions already computed with EndMotion.
double SpeedDifferenceKmh(const Motion& live, const Motion& cand) noexcept;
double HeadingDifferenceDeg(const Motion& live, const Motion& cand) noexcept;

// Smallest difference between the days of year of two times, days in [0, 183] (Dec 31 and Jan 1
// are 1 day apart).
double SeasonDifferenceDays(std::int64_t a_utc, std::int64_t b_utc) noexcept;
// The parts of SeasonDifferenceDays: the day of year of a time (days since 1 January 00 UTC,
// fractional), and the circular difference of two such days.
double DayOfYear(std::int64_t utc) noexcept;
double DayOfYearDifference(double a_doy, double b_doy) noexcept;

}  // namespace taifeng::core
