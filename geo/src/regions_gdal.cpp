// Region files read through GDAL/OGR (Shapefile, GeoPackage and every other vector format GDAL
// has); GeoJSON goes to the GDAL-free reader (regions_geojson.cpp) so that the CLI and the
// gateways read it the same way. Opened through gdal_open.h: GeoJSON, Shapefile and GeoPackage
// drivers only, no network.
#include <gdal.h>
#include <ogr_api.h>

#include <memory>

#include "taifeng/base/error.h"
#include "taifeng/geo/gdal_open.h"
#include "taifeng/geo/regions.h"

namespace taifeng::geo {
namespace {

struct DatasetCloser {
  void operator()(void* ds) const { GDALClose(static_cast<GDALDatasetH>(ds)); }
};
struct FeatureDestroyer {
  void operator()(void* f) const { OGR_F_Destroy(static_cast<OGRFeatureH>(f)); }
};

std::vector<std::vector<LatLon>> Rings(OGRGeometryH poly) {
  std::vector<std::vector<LatLon>> rings;
  for (int r = 0; r < OGR_G_GetGeometryCount(poly); ++r) {
    OGRGeometryH ring = OGR_G_GetGeometryRef(poly, r);
    std::vector<LatLon> out;
    for (int k = 0; k < OGR_G_GetPointCount(ring); ++k) out.push_back({OGR_G_GetY(ring, k), OGR_G_GetX(ring, k)});
    rings.push_back(std::move(out));
  }
  return rings;
}

}  // namespace

RegionLayer ReadOgrLayer(const std::filesystem::path& path) {
  RegionLayer layer;
  layer.file = path.filename().string();
  RequireLocalFile(path);
  const char* open_options[] = {"ENCODING=UTF-8", nullptr};  // shapefiles whose DBF does not say UTF-8
  std::unique_ptr<void, DatasetCloser> ds(
      OpenWithDrivers(path.string(), false, {"GeoJSON", "ESRI Shapefile", "GPKG"}, path.extension() == ".shp" ? open_options : nullptr));
  if (!ds) throw ParseError(layer.file, 0, "file", "a vector file in GeoJSON, Shapefile or GeoPackage");
  OGRLayerH l = GDALDatasetGetLayer(ds.get(), 0);
  if (l == nullptr) throw ParseError(layer.file, 0, "layer", "at least one layer");
  OGRFeatureDefnH defn = OGR_L_GetLayerDefn(l);
  for (int i = 0; i < OGR_FD_GetFieldCount(defn); ++i) layer.fields.emplace_back(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i)));
  OGR_L_ResetReading(l);
  std::int64_t feature_no = 0;
  while (std::unique_ptr<void, FeatureDestroyer> feature{OGR_L_GetNextFeature(l)}) {
    ++feature_no;
    OGRFeatureH f = static_cast<OGRFeatureH>(feature.get());
    RegionLayer::Feature out;
    for (int i = 0; i < OGR_FD_GetFieldCount(defn); ++i) out.values.emplace_back(OGR_F_GetFieldAsString(f, i));
    if (OGRGeometryH g = OGR_F_GetGeometryRef(f)) {
      const OGRwkbGeometryType type = wkbFlatten(OGR_G_GetGeometryType(g));
      if (type == wkbPolygon) {
        out.polygons.push_back(Rings(g));
      } else if (type == wkbMultiPolygon) {
        for (int i = 0; i < OGR_G_GetGeometryCount(g); ++i) out.polygons.push_back(Rings(OGR_G_GetGeometryRef(g, i)));
      } else {
        throw ParseError(layer.file, feature_no, "geometry", "Polygon or MultiPolygon features");
      }
    }
    layer.features.push_back(std::move(out));
  }
  return layer;
}

std::shared_ptr<const RegionSet> RegionSet::Load(const std::filesystem::path& path, const LoadOptions& options) {
  RequireLocalFile(path);  // kNotFound when missing; no /vsi… path or URL
  if (IsGeoJsonFile(path)) return LoadGeoJson(path, options);
  return FromLayer(ReadOgrLayer(path), options);
}

}  // namespace taifeng::geo
