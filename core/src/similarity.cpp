#include "taifeng/core/similarity.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "taifeng/base/time_utc.h"
#include "taifeng/geo/geodesy.h"

namespace taifeng::core {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double Dist(const TrackPoint& a, const TrackPoint& b) { return geo::DistanceKm(a.lat_deg, a.lon_deg, b.lat_deg, b.lon_deg); }

bool Aligned(Segment a, Segment b) { return !a.empty() && a.size() == b.size(); }

// Local planar coordinates (km) around an origin, for intersection tests only.
struct Xy {
  double x, y;
};
Xy Local(const TrackPoint& origin, double lat, double lon) {
  constexpr double kKmPerDegLat = 111.2;
  return {geo::LonDifferenceDeg(origin.lon_deg, lon) * kKmPerDegLat * std::cos(origin.lat_deg * M_PI / 180.0),
          (lat - origin.lat_deg) * kKmPerDegLat};
}

// Parameter t in (0, 1) along p->q where it crosses r->s, if the open segments cross.
bool Crossing(Xy p, Xy q, Xy r, Xy s, double& t) {
  const double dx1 = q.x - p.x, dy1 = q.y - p.y, dx2 = s.x - r.x, dy2 = s.y - r.y;
  const double denom = dx1 * dy2 - dy1 * dx2;
  if (std::fabs(denom) < 1e-12) return false;
  t = ((r.x - p.x) * dy2 - (r.y - p.y) * dx2) / denom;
  const double u = ((r.x - p.x) * dy1 - (r.y - p.y) * dx1) / denom;
  return t > 0.0 && t < 1.0 && u > 0.0 && u < 1.0;
}

geo::LatLon Lerp(const TrackPoint& a, const TrackPoint& b, double t) {
  return {a.lat_deg + t * (b.lat_deg - a.lat_deg),
          geo::NormalizeLonDeg(a.lon_deg + t * geo::LonDifferenceDeg(a.lon_deg, b.lon_deg))};
}

geo::LatLon Ll(const TrackPoint& p) { return {p.lat_deg, p.lon_deg}; }

double TriangleArea(geo::LatLon a, geo::LatLon b, geo::LatLon c) {
  const geo::LatLon v[] = {a, b, c};
  return std::fabs(geo::PolygonAreaKm2(v, 3));
}

// Area between live a->b and candidate d->c (quadrilateral a b c d), splitting bow-ties.
double QuadArea(const TrackPoint& a, const TrackPoint& b, const TrackPoint& c, const TrackPoint& d) {
  const Xy pa{0, 0}, pb = Local(a, b.lat_deg, b.lon_deg), pc = Local(a, c.lat_deg, c.lon_deg),
           pd = Local(a, d.lat_deg, d.lon_deg);
  double t = 0.0;
  if (Crossing(pa, pb, pd, pc, t)) {  // the tracks cross between the two rungs
    const geo::LatLon x = Lerp(a, b, t);
    return TriangleArea(Ll(a), x, Ll(d)) + TriangleArea(x, Ll(b), Ll(c));
  }
  if (Crossing(pa, pd, pb, pc, t)) {  // the rungs cross
    const geo::LatLon y = Lerp(a, d, t);
    return TriangleArea(Ll(a), Ll(b), y) + TriangleArea(y, Ll(c), Ll(d));
  }
  const geo::LatLon v[] = {Ll(a), Ll(b), Ll(c), Ll(d)};
  return std::fabs(geo::PolygonAreaKm2(v, 4));
}

double MeanAbsDifference(Segment a, Segment b, double TrackPoint::*field) {
  if (!Aligned(a, b)) return kNaN;
  double sum = 0.0;
  int n = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double x = a[i].*field, y = b[i].*field;
    if (std::isnan(x) || std::isnan(y)) continue;
    sum += std::fabs(x - y);
    ++n;
  }
  return n > 0 ? sum / n : kNaN;
}

}  // namespace

double MeanSeparationKm(Segment live, Segment cand) noexcept {
  if (!Aligned(live, cand)) return kNaN;
  double sum = 0.0;
  for (std::size_t i = 0; i < live.size(); ++i) sum += Dist(live[i], cand[i]);
  return sum / static_cast<double>(live.size());
}

double ShapeDistanceKm(Segment live, Segment cand, std::size_t i) noexcept {
  const TrackPoint& anchor = cand.back();
  const TrackPoint& target = live.back();
  const geo::GeodesicLine from_end = geo::Inverse(anchor.lat_deg, anchor.lon_deg, cand[i].lat_deg, cand[i].lon_deg);
  const geo::LatLon moved = geo::Direct(target.lat_deg, target.lon_deg, from_end.azimuth1_deg, from_end.distance_km);
  return geo::DistanceKm(live[i].lat_deg, live[i].lon_deg, moved.lat_deg, moved.lon_deg);
}

double ShapeSeparationKm(Segment live, Segment cand) noexcept {
  if (!Aligned(live, cand)) return kNaN;
  double sum = 0.0;
  for (std::size_t i = 0; i + 1 < cand.size(); ++i) sum += ShapeDistanceKm(live, cand, i);
  return sum / static_cast<double>(live.size());  // the last pair contributes 0
}

double TsaiKm(Segment live, Segment cand) noexcept {
  if (!Aligned(live, cand) || live.size() < 2) return kNaN;
  double area = 0.0, length = 0.0;
  for (std::size_t i = 0; i + 1 < live.size(); ++i) {
    area += QuadArea(live[i], live[i + 1], cand[i + 1], cand[i]);
    length += Dist(live[i], live[i + 1]);
  }
  return area / std::max(length, 1.0);
}

double DtwSeparationKm(Segment live, Segment cand, int band) noexcept {
  if (!Aligned(live, cand)) return kNaN;
  const int n = static_cast<int>(live.size());
  band = std::max(band, 0);
  constexpr double kInf = std::numeric_limits<double>::infinity();
  // cost[i][j] = (sum, steps) of the cheapest path to (i, j), compared by mean.
  std::vector<double> sum(static_cast<std::size_t>(n * n), kInf);
  std::vector<int> steps(static_cast<std::size_t>(n * n), 0);
  auto at = [n](int i, int j) { return static_cast<std::size_t>(i * n + j); };
  for (int i = 0; i < n; ++i) {
    for (int j = std::max(0, i - band); j <= std::min(n - 1, i + band); ++j) {
      const double d = Dist(live[static_cast<std::size_t>(i)], cand[static_cast<std::size_t>(j)]);
      if (i == 0 && j == 0) {
        sum[at(0, 0)] = d;
        steps[at(0, 0)] = 1;
        continue;
      }
      double best_sum = kInf;
      int best_steps = 0;
      auto consider = [&](int pi, int pj) {
        if (pi < 0 || pj < 0 || std::isinf(sum[at(pi, pj)])) return;
        const double s = sum[at(pi, pj)] + d;
        const int k = steps[at(pi, pj)] + 1;
        if (best_steps == 0 || s / k < best_sum / best_steps) {
          best_sum = s;
          best_steps = k;
        }
      };
      consider(i - 1, j - 1);
      consider(i - 1, j);
      consider(i, j - 1);
      sum[at(i, j)] = best_sum;
      steps[at(i, j)] = best_steps;
    }
  }
  const std::size_t end = at(n - 1, n - 1);
  return steps[end] > 0 ? sum[end] / steps[end] : kNaN;
}

double WindDifferenceMs(Segment live, Segment cand) noexcept { return MeanAbsDifference(live, cand, &TrackPoint::wind_ms); }

double PressureDifferenceHpa(Segment live, Segment cand) noexcept {
  return MeanAbsDifference(live, cand, &TrackPoint::pressure_hpa);
}

Motion EndMotion(Segment segment, double hours) noexcept {
  if (segment.size() < 2) return {kNaN, kNaN};
  const TrackPoint& last = segment.back();
  std::size_t k = segment.size() - 1;
  while (k > 0 && static_cast<double>(last.time_utc - segment[k].time_utc) < hours * 3600.0) --k;
  const TrackPoint& from = segment[k];
  const double dt_h = static_cast<double>(last.time_utc - from.time_utc) / 3600.0;
  if (dt_h <= 0.0) return {kNaN, kNaN};
  const geo::GeodesicLine line = geo::Inverse(from.lat_deg, from.lon_deg, last.lat_deg, last.lon_deg);
  return {line.distance_km / dt_h, line.azimuth1_deg};
}

double SpeedDifferenceKmh(const Motion& live, const Motion& cand) noexcept {
  return std::fabs(live.speed_kmh - cand.speed_kmh);
}

double HeadingDifferenceDeg(const Motion& a, const Motion& b) noexcept {
  constexpr double kStationaryKmh = 2.0;
  if (!(a.speed_kmh >= kStationaryKmh) || !(b.speed_kmh >= kStationaryKmh)) return kNaN;
  return std::fabs(geo::LonDifferenceDeg(a.heading_deg, b.heading_deg));
}

double SpeedDifferenceKmh(Segment live, Segment cand, double hours) noexcept {
  return SpeedDifferenceKmh(EndMotion(live, hours), EndMotion(cand, hours));
}

double HeadingDifferenceDeg(Segment live, Segment cand, double hours) noexcept {
  return HeadingDifferenceDeg(EndMotion(live, hours), EndMotion(cand, hours));
}

double DayOfYear(std::int64_t utc) noexcept {
  const taifeng::CivilTime c = taifeng::ToCivil(utc);
  return static_cast<double>(utc - *taifeng::UtcSeconds(c.year, 1, 1)) / 86400.0;
}

double DayOfYearDifference(double a_doy, double b_doy) noexcept {
  // Compared on a circle of the mean Gregorian year: exact to within 0.25 day whatever the leap years.
  constexpr double kYearDays = 365.2425;
  const double d = std::fabs(a_doy - b_doy);
  return std::min(d, std::fabs(kYearDays - d));
}

double SeasonDifferenceDays(std::int64_t a_utc, std::int64_t b_utc) noexcept {
  return DayOfYearDifference(DayOfYear(a_utc), DayOfYear(b_utc));
}

}  // namespace taifeng::core
