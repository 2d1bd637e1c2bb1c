// Region files in GeoJSON (RFC 7946: a FeatureCollection of Polygon and MultiPolygon features in
// longitude/latitude), read without GDAL, so that the gateways need no GDAL.
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "taifeng/base/error.h"
#include "taifeng/geo/regions.h"

namespace taifeng::geo {
namespace {

using nlohmann::json;

constexpr std::uintmax_t kMaxGeoJsonBytes = 256u << 20;

// A property as GDAL's OGR_F_GetFieldAsString gives it: strings as they are, integral numbers
// without a decimal point, other numbers with 15 significant digits, objects and arrays as JSON.
std::string PropertyText(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  if (v.is_boolean()) return v.get<bool>() ? "1" : "0";
  if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
  if (v.is_number()) {
    const double d = v.get<double>();
    char buf[40];
    if (std::floor(d) == d && std::fabs(d) < 1e15) std::snprintf(buf, sizeof buf, "%.0f", d);
    else std::snprintf(buf, sizeof buf, "%.15g", d);
    return buf;
  }
  return v.dump();
}

std::vector<std::vector<LatLon>> Rings(const json& polygon, const std::string& file, std::int64_t feature) {
  if (!polygon.is_array()) throw ParseError(file, feature, "coordinates", "an array of linear rings");
  std::vector<std::vector<LatLon>> rings;
  for (const json& ring : polygon) {
    if (!ring.is_array()) throw ParseError(file, feature, "coordinates", "an array of positions per ring");
    std::vector<LatLon> out;
    out.reserve(ring.size());
    for (const json& p : ring) {
      if (!p.is_array() || p.size() < 2 || !p[0].is_number() || !p[1].is_number())
        throw ParseError(file, feature, "coordinates", "positions [longitude, latitude] in degrees");
      out.push_back({p[1].get<double>(), p[0].get<double>()});
    }
    rings.push_back(std::move(out));
  }
  return rings;
}

RegionLayer::Feature ReadFeature(const json& f, RegionLayer& layer, std::int64_t n) {
  if (!f.is_object() || f.value("type", "") != "Feature") throw ParseError(layer.file, n, "type", "a GeoJSON Feature");
  RegionLayer::Feature out;
  if (const auto props = f.find("properties"); props != f.end() && props->is_object()) {
    for (const auto& [key, value] : props->items()) {
      auto it = std::find(layer.fields.begin(), layer.fields.end(), key);
      if (it == layer.fields.end()) it = layer.fields.insert(layer.fields.end(), key);
      const auto i = static_cast<std::size_t>(it - layer.fields.begin());
      if (out.values.size() <= i) out.values.resize(i + 1);
      out.values[i] = PropertyText(value);
    }
  }
  const auto g = f.find("geometry");
  if (g == f.end() || g->is_null()) return out;
  const std::string type = g->value("type", "");
  const auto coords = g->find("coordinates");
  if (coords == g->end()) throw ParseError(layer.file, n, "geometry", "coordinates");
  if (type == "Polygon") {
    out.polygons.push_back(Rings(*coords, layer.file, n));
  } else if (type == "MultiPolygon" && coords->is_array()) {
    for (const json& poly : *coords) out.polygons.push_back(Rings(poly, layer.file, n));
  } else {
    throw ParseError(layer.file, n, "geometry", "Polygon or MultiPolygon features");
  }
  return out;
}

}  // namespace

bool IsGeoJsonFile(const std::filesystem::path& path) {
  const std::string ext = path.extension().string();
  return ext == ".geojson" || ext == ".json";
}

RegionLayer ReadGeoJsonLayer(const std::filesystem::path& path) {
  RegionLayer layer;
  layer.file = path.filename().string();
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) throw Error(ErrorCode::kNotFound, path.string() + ": no such file");
  if (size > kMaxGeoJsonBytes) throw ParseError(layer.file, 0, "file", "a GeoJSON file of at most 256 MB");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kIo, path.string() + ": cannot read");
  json doc;
  try {
    doc = json::parse(in);
  } catch (const json::exception& e) {
    throw ParseError(layer.file, 0, "file", std::string("GeoJSON (") + e.what() + ")");
  }
  if (!doc.is_object() || doc.value("type", "") != "FeatureCollection" || !doc.contains("features") || !doc["features"].is_array())
    throw ParseError(layer.file, 0, "type", "a GeoJSON FeatureCollection");
  std::int64_t n = 0;
  for (const json& f : doc["features"]) layer.features.push_back(ReadFeature(f, layer, ++n));
  for (auto& f : layer.features) f.values.resize(layer.fields.size());
  return layer;
}

std::shared_ptr<const RegionSet> RegionSet::LoadGeoJson(const std::filesystem::path& path, const LoadOptions& options) {
  return FromLayer(ReadGeoJsonLayer(path), options);
}

}  // namespace taifeng::geo
