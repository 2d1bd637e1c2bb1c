#include "taifeng/geo/outline.h"

#include <algorithm>
#include <cmath>

namespace taifeng::geo {
namespace {

// Douglas-Peucker on an open polyline in degrees (lon scaled by cos(lat)); keeps first and last.
void Simplify(const std::vector<LatLon>& in, std::size_t a, std::size_t b, double tol, std::vector<char>& keep) {
  if (b <= a + 1) return;
  const double k = std::cos(in[a].lat_deg * M_PI / 180.0);
  const double ax = in[a].lon_deg * k, ay = in[a].lat_deg, bx = in[b].lon_deg * k, by = in[b].lat_deg;
  const double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
  double worst = -1;
  std::size_t at = a;
  for (std::size_t i = a + 1; i < b; ++i) {
    const double px = in[i].lon_deg * k - ax, py = in[i].lat_deg - ay;
    double d;
    if (len2 == 0) d = std::hypot(px, py);
    else {
      const double t = std::clamp((px * dx + py * dy) / len2, 0.0, 1.0);
      d = std::hypot(px - t * dx, py - t * dy);
    }
    if (d > worst) worst = d, at = i;
  }
  if (worst <= tol) return;
  keep[at] = 1;
  Simplify(in, a, at, tol, keep);
  Simplify(in, at, b, tol, keep);
}

std::vector<LatLon> SimplifyRing(const std::vector<LatLon>& ring, double tol) {
  // Split the closed ring at its first vertex and at the vertex farthest from it.
  const std::size_t n = ring.size() - 1;  // distinct vertices
  std::size_t far = 0;
  double best = -1;
  for (std::size_t i = 1; i < n; ++i) {
    const double d = std::hypot(ring[i].lat_deg - ring[0].lat_deg, ring[i].lon_deg - ring[0].lon_deg);
    if (d > best) best = d, far = i;
  }
  std::vector<char> keep(ring.size(), 0);
  keep[0] = keep[n] = keep[far] = 1;
  Simplify(ring, 0, far, tol, keep);
  Simplify(ring, far, n, tol, keep);
  std::vector<LatLon> out;
  for (std::size_t i = 0; i < ring.size(); ++i)
    if (keep[i]) out.push_back(ring[i]);
  return out;
}

// Twice the signed area in lon/lat (shoelace): > 0 counterclockwise.
double TwiceSignedArea(const std::vector<LatLon>& r) {
  double s = 0;
  for (std::size_t i = 0; i + 1 < r.size(); ++i) s += r[i].lon_deg * r[i + 1].lat_deg - r[i + 1].lon_deg * r[i].lat_deg;
  return s;
}

double RingAreaDeg2(const std::vector<LatLon>& r) {
  return std::abs(TwiceSignedArea(r)) / 2 * std::cos(r.empty() ? 0 : r[0].lat_deg * M_PI / 180.0);
}

}  // namespace

bool IsCounterclockwise(const std::vector<LatLon>& ring) { return TwiceSignedArea(ring) > 0; }

void OrientRfc7946(std::vector<std::vector<LatLon>>& polygon) {
  for (std::size_t r = 0; r < polygon.size(); ++r) {
    if ((r == 0) != IsCounterclockwise(polygon[r])) std::reverse(polygon[r].begin(), polygon[r].end());
  }
}

std::vector<std::vector<LatLon>> OutlineRings(const RegionSet& regions, std::size_t i, std::size_t max_vertices) {
  std::vector<std::vector<LatLon>> rings;
  for (auto& poly : regions.Polygons(i))
    if (!poly.empty() && poly[0].size() >= 4) rings.push_back(std::move(poly[0]));
  std::sort(rings.begin(), rings.end(), [](const auto& a, const auto& b) { return RingAreaDeg2(a) > RingAreaDeg2(b); });
  // Rings of at least 5% of the largest one's area must fit; smaller ones (islets) fill what
  // budget is left.
  const double significant = rings.empty() ? 0 : 0.05 * RingAreaDeg2(rings[0]);
  double tol = 1e-4;  // degrees
  for (int iter = 0; iter < 40; ++iter, tol *= 2) {
    std::vector<std::vector<LatLon>> out;
    std::size_t total = 0;
    bool fits = true;
    for (const auto& r : rings) {
      std::vector<LatLon> s = SimplifyRing(r, tol);
      if (s.size() < 4) continue;
      if (total + s.size() > max_vertices) {
        if (RingAreaDeg2(r) >= significant) fits = false;
        continue;
      }
      total += s.size();
      if (!IsCounterclockwise(s)) std::reverse(s.begin(), s.end());
      out.push_back(std::move(s));
    }
    if (fits && !out.empty()) return out;
  }
  return {};
}

}  // namespace taifeng::geo
