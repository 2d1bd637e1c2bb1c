#include "taifeng/geo/shapes.h"

#include <cpl_error.h>
#include <gdal.h>
#include <ogr_api.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "taifeng/base/error.h"
#include "taifeng/geo/gdal_open.h"
#include "taifeng/geo/outline.h"

namespace taifeng::geo {
namespace {

struct GeometryDestroyer {
  void operator()(OGRGeometryH g) const { OGR_G_DestroyGeometry(g); }
};
using Geometry = std::unique_ptr<std::remove_pointer_t<OGRGeometryH>, GeometryDestroyer>;
struct DatasetCloser {
  void operator()(void* ds) const { GDALClose(static_cast<GDALDatasetH>(ds)); }
};
struct FeatureDestroyer {
  void operator()(void* f) const { OGR_F_Destroy(static_cast<OGRFeatureH>(f)); }
};

std::vector<LatLon> RingPoints(OGRGeometryH ring) {
  std::vector<LatLon> out;
  for (int k = 0; k < OGR_G_GetPointCount(ring); ++k) out.push_back({OGR_G_GetY(ring, k), OGR_G_GetX(ring, k)});
  return out;
}

// The circle's vertices (or the centre alone) added to a multipoint.
void AddCircle(OGRGeometryH multipoint, LatLon c, double radius_km, int n) {
  if (!(radius_km > 0)) {
    Geometry p(OGR_G_CreateGeometry(wkbPoint));
    OGR_G_SetPoint_2D(p.get(), 0, c.lon_deg, c.lat_deg);
    OGR_G_AddGeometry(multipoint, p.get());
    return;
  }
  for (int k = 0; k < n; ++k) {
    const LatLon q = Direct(c.lat_deg, c.lon_deg, 360.0 * k / n, radius_km);
    Geometry p(OGR_G_CreateGeometry(wkbPoint));
    OGR_G_SetPoint_2D(p.get(), 0, c.lon_deg + LonDifferenceDeg(c.lon_deg, q.lon_deg), q.lat_deg);
    OGR_G_AddGeometry(multipoint, p.get());
  }
}

// The polygon part with the largest area (a union of overlapping hulls has one; rounding can add slivers).
OGRGeometryH LargestPolygon(OGRGeometryH g) {
  if (wkbFlatten(OGR_G_GetGeometryType(g)) == wkbPolygon) return g;
  OGRGeometryH best = nullptr;
  double best_area = -1;
  for (int i = 0; i < OGR_G_GetGeometryCount(g); ++i) {
    OGRGeometryH part = OGR_G_GetGeometryRef(g, i);
    if (wkbFlatten(OGR_G_GetGeometryType(part)) != wkbPolygon) continue;
    const double a = OGR_G_Area(part);
    if (a > best_area) best = part, best_area = a;
  }
  return best;
}

}  // namespace

std::vector<std::vector<LatLon>> SweptCone(const std::vector<LatLon>& centres, const std::vector<double>& radii_km,
                                           int points_per_circle) {
  if (centres.size() != radii_km.size()) throw Error(ErrorCode::kInvalidArgument, "SweptCone: one radius per centre");
  if (centres.empty()) return {};
  const int n = std::max(8, points_per_circle);
  Geometry hulls(OGR_G_CreateGeometry(wkbMultiPolygon));
  for (std::size_t i = 0; i < centres.size(); ++i) {
    Geometry points(OGR_G_CreateGeometry(wkbMultiPoint));
    AddCircle(points.get(), centres[i], radii_km[i], n);
    if (i + 1 < centres.size()) AddCircle(points.get(), centres[i + 1], radii_km[i + 1], n);
    Geometry hull(OGR_G_ConvexHull(points.get()));
    if (hull && wkbFlatten(OGR_G_GetGeometryType(hull.get())) == wkbPolygon) OGR_G_AddGeometry(hulls.get(), hull.get());
  }
  if (OGR_G_GetGeometryCount(hulls.get()) == 0) return {};
  Geometry merged(OGR_G_UnionCascaded(hulls.get()));
  if (!merged) throw Error(ErrorCode::kInternal, "SweptCone: GDAL has no GEOS (union of the cone's hulls failed)");
  OGRGeometryH polygon = LargestPolygon(merged.get());
  if (polygon == nullptr) return {};
  std::vector<std::vector<LatLon>> rings;
  for (int r = 0; r < OGR_G_GetGeometryCount(polygon); ++r) rings.push_back(RingPoints(OGR_G_GetGeometryRef(polygon, r)));
  OrientRfc7946(rings);
  return rings;
}

std::vector<Polygon> ValidPolygons(const std::vector<Polygon>& polygons) {
  Geometry multi(OGR_G_CreateGeometry(wkbMultiPolygon));
  for (const Polygon& p : polygons) {
    Geometry poly(OGR_G_CreateGeometry(wkbPolygon));
    for (const auto& ring : p) {
      Geometry r(OGR_G_CreateGeometry(wkbLinearRing));
      for (const LatLon& v : ring) OGR_G_AddPoint_2D(r.get(), v.lon_deg, v.lat_deg);
      OGR_G_AddGeometry(poly.get(), r.get());
    }
    OGR_G_AddGeometry(multi.get(), poly.get());
  }
  CPLPushErrorHandler(CPLQuietErrorHandler);
  Geometry valid(OGR_G_IsValid(multi.get()) ? OGR_G_Clone(multi.get()) : OGR_G_MakeValid(multi.get()));
  CPLPopErrorHandler();
  if (!valid) throw Error(ErrorCode::kInternal, "ValidPolygons: GDAL has no GEOS (MakeValid failed)");
  std::vector<Polygon> out;
  std::vector<OGRGeometryH> stack = {valid.get()};
  while (!stack.empty()) {
    OGRGeometryH g = stack.back();
    stack.pop_back();
    const auto type = wkbFlatten(OGR_G_GetGeometryType(g));
    if (type == wkbPolygon) {
      Polygon p;
      for (int r = 0; r < OGR_G_GetGeometryCount(g); ++r) p.push_back(RingPoints(OGR_G_GetGeometryRef(g, r)));
      OrientRfc7946(p);
      out.push_back(std::move(p));
    } else if (type == wkbMultiPolygon || type == wkbGeometryCollection) {
      for (int i = OGR_G_GetGeometryCount(g) - 1; i >= 0; --i) stack.push_back(OGR_G_GetGeometryRef(g, i));
    }  // lines and points left by MakeValid (collapsed slivers) have no area: dropped
  }
  return out;
}

std::vector<std::string> CheckGeoJson(const std::filesystem::path& path) {
  RequireLocalFile(path);
  std::unique_ptr<void, DatasetCloser> ds(OpenWithDrivers(path.string(), false, {"GeoJSON"}));
  if (!ds) throw ParseError(path.filename().string(), 0, "file", "GeoJSON that GDAL reads");
  std::vector<std::string> problems;
  OGRLayerH layer = GDALDatasetGetLayer(ds.get(), 0);
  if (layer == nullptr) return problems;
  CPLPushErrorHandler(CPLQuietErrorHandler);
  std::int64_t n = 0;
  while (std::unique_ptr<void, FeatureDestroyer> f{OGR_L_GetNextFeature(layer)}) {
    const std::string where = "feature " + std::to_string(n++);
    OGRGeometryH g = OGR_F_GetGeometryRef(static_cast<OGRFeatureH>(f.get()));
    if (g == nullptr) continue;
    if (!OGR_G_IsValid(g)) problems.push_back(where + ": " + OGR_G_GetGeometryName(g) + " is not valid (OGR IsValid, GEOS)");
    const auto type = wkbFlatten(OGR_G_GetGeometryType(g));
    std::vector<OGRGeometryH> polygons;
    if (type == wkbPolygon) polygons.push_back(g);
    for (int i = 0; type == wkbMultiPolygon && i < OGR_G_GetGeometryCount(g); ++i) polygons.push_back(OGR_G_GetGeometryRef(g, i));
    for (OGRGeometryH p : polygons) {
      for (int r = 0; r < OGR_G_GetGeometryCount(p); ++r) {
        const bool ccw = IsCounterclockwise(RingPoints(OGR_G_GetGeometryRef(p, r)));
        if (r == 0 && !ccw) problems.push_back(where + ": exterior ring is clockwise (RFC 7946: counterclockwise)");
        if (r > 0 && ccw) problems.push_back(where + ": hole " + std::to_string(r) + " is counterclockwise (RFC 7946: clockwise)");
      }
    }
  }
  CPLPopErrorHandler();
  return problems;
}

}  // namespace taifeng::geo
