#include "taifeng/geo/regions.h"

#include <gdal.h>
#include <ogr_api.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "taifeng/geo/error.h"
#include "taifeng/geo/gcj02.h"
#include "taifeng/geo/geodesy.h"

namespace taifeng::geo {
namespace {

struct DatasetCloser {
  void operator()(void* ds) const { GDALClose(static_cast<GDALDatasetH>(ds)); }
};
struct FeatureDestroyer {
  void operator()(void* f) const { OGR_F_Destroy(static_cast<OGRFeatureH>(f)); }
};

bool InRing(const std::vector<double>& xs, const std::vector<double>& ys, double x, double y) {
  bool inside = false;
  const std::size_t n = xs.size();
  for (std::size_t i = 0, j = n - 1; i < n; j = i++) {
    if ((ys[i] > y) != (ys[j] > y) && x < (xs[j] - xs[i]) * (y - ys[i]) / (ys[j] - ys[i]) + xs[i]) inside = !inside;
  }
  return inside;
}

double RingAreaKm2(const std::vector<double>& lons, const std::vector<double>& lats) {
  std::vector<LatLon> v(lons.size());
  for (std::size_t i = 0; i < lons.size(); ++i) v[i] = {lats[i], lons[i]};
  return std::fabs(PolygonAreaKm2(v.data(), static_cast<int>(v.size())));
}

}  // namespace

std::shared_ptr<const RegionSet> RegionSet::Load(const std::filesystem::path& path, const LoadOptions& options) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw Error(ErrorCode::kNotFound, path.string() + ": no such file");
  const std::string file = path.filename().string();
  GDALAllRegister();
  const char* open_options[] = {"ENCODING=UTF-8", nullptr};  // shapefiles whose DBF does not say UTF-8
  std::unique_ptr<void, DatasetCloser> ds(
      GDALOpenEx(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr,
                 path.extension() == ".shp" ? open_options : nullptr, nullptr));
  if (!ds) throw ParseError(file, 0, "file", "a vector file GDAL can read (GeoJSON, Shapefile, GeoPackage)");
  OGRLayerH layer = GDALDatasetGetLayer(ds.get(), 0);
  if (layer == nullptr) throw ParseError(file, 0, "layer", "at least one layer");
  OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
  auto field_index = [&](const std::string& name) {
    if (name.empty()) return -1;
    const int i = OGR_FD_GetFieldIndex(defn, name.c_str());
    if (i < 0) throw ParseError(file, 0, name, "a field of that name");
    return i;
  };
  const int code_i = field_index(options.code_field), name_i = field_index(options.name_field),
            name_en_i = field_index(options.name_en_field);
  auto set = std::shared_ptr<RegionSet>(new RegionSet());
  OGR_L_ResetReading(layer);
  std::int64_t feature_no = 0;
  while (true) {
    std::unique_ptr<void, FeatureDestroyer> feature(OGR_L_GetNextFeature(layer));
    if (!feature) break;
    ++feature_no;
    OGRFeatureH f = static_cast<OGRFeatureH>(feature.get());
    OGRGeometryH g = OGR_F_GetGeometryRef(f);
    if (g == nullptr) continue;
    const OGRwkbGeometryType type = wkbFlatten(OGR_G_GetGeometryType(g));
    std::vector<OGRGeometryH> polygons;
    if (type == wkbPolygon) {
      polygons.push_back(g);
    } else if (type == wkbMultiPolygon) {
      for (int i = 0; i < OGR_G_GetGeometryCount(g); ++i) polygons.push_back(OGR_G_GetGeometryRef(g, i));
    } else {
      throw ParseError(file, feature_no, "geometry", "Polygon or MultiPolygon features");
    }
    Region region;
    region.code = code_i >= 0 ? OGR_F_GetFieldAsString(f, code_i) : std::to_string(feature_no - 1);
    if (name_i >= 0) region.name = OGR_F_GetFieldAsString(f, name_i);
    if (name_en_i >= 0) region.name_en = OGR_F_GetFieldAsString(f, name_en_i);
    std::vector<Polygon> parts;
    double area = 0.0;
    for (OGRGeometryH poly : polygons) {
      Polygon p;
      p.region = set->regions_.size();
      for (int r = 0; r < OGR_G_GetGeometryCount(poly); ++r) {
        OGRGeometryH ring = OGR_G_GetGeometryRef(poly, r);
        const int n = OGR_G_GetPointCount(ring);
        if (n < 3) continue;
        Ring out;
        out.lon.resize(static_cast<std::size_t>(n));
        out.lat.resize(static_cast<std::size_t>(n));
        for (int k = 0; k < n; ++k) {
          double lon = OGR_G_GetX(ring, k), lat = OGR_G_GetY(ring, k);
          if (options.gcj02) {
            const LatLon w = GcjToWgs(lat, lon);
            lat = w.lat_deg, lon = w.lon_deg;
          }
          out.lon[static_cast<std::size_t>(k)] = lon;
          out.lat[static_cast<std::size_t>(k)] = lat;
        }
        const double a = RingAreaKm2(out.lon, out.lat);
        if (!std::isfinite(a)) throw ParseError(file, feature_no, "geometry", "longitude/latitude coordinates (WGS-84)");
        area += r == 0 ? a : -a;
        if (r == 0) {
          p.min_lon = *std::min_element(out.lon.begin(), out.lon.end());
          p.max_lon = *std::max_element(out.lon.begin(), out.lon.end());
          p.min_lat = *std::min_element(out.lat.begin(), out.lat.end());
          p.max_lat = *std::max_element(out.lat.begin(), out.lat.end());
        }
        p.rings.push_back(std::move(out));
      }
      if (!p.rings.empty()) parts.push_back(std::move(p));
    }
    region.area_km2 = area;
    if (parts.empty() || area < options.min_area_km2) continue;
    set->regions_.push_back(std::move(region));
    for (auto& p : parts) set->polygons_.push_back(std::move(p));
  }
  if (set->regions_.empty()) throw ParseError(file, 0, "features", "at least one polygon region");
  return set;
}

std::optional<std::size_t> RegionSet::Locate(double lat_deg, double lon_deg) const {
  if (!std::isfinite(lat_deg) || !std::isfinite(lon_deg)) return std::nullopt;
  for (const Polygon& p : polygons_) {
    if (lon_deg < p.min_lon || lon_deg > p.max_lon || lat_deg < p.min_lat || lat_deg > p.max_lat) continue;
    if (!InRing(p.rings[0].lon, p.rings[0].lat, lon_deg, lat_deg)) continue;
    bool in_hole = false;
    for (std::size_t h = 1; h < p.rings.size() && !in_hole; ++h) in_hole = InRing(p.rings[h].lon, p.rings[h].lat, lon_deg, lat_deg);
    if (!in_hole) return p.region;
  }
  return std::nullopt;
}

std::vector<std::vector<LatLon>> RegionSet::Outlines(double min_lat, double min_lon, double max_lat,
                                                    double max_lon) const {
  std::vector<std::vector<LatLon>> out;
  for (const Polygon& p : polygons_) {
    if (p.max_lat < min_lat || p.min_lat > max_lat || p.max_lon < min_lon || p.min_lon > max_lon) continue;
    for (const Ring& r : p.rings) {
      std::vector<LatLon> ring(r.lon.size());
      for (std::size_t i = 0; i < r.lon.size(); ++i) ring[i] = {r.lat[i], r.lon[i]};
      out.push_back(std::move(ring));
    }
  }
  return out;
}

}  // namespace taifeng::geo
