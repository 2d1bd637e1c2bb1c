// A set of regions (administrative areas, or land) read from a vector file (GeoJSON without GDAL;
// Shapefile, GeoPackage… with GDAL/OGR) in WGS-84 longitude/latitude.
//
// The polygons are copied out of GDAL at load, so a RegionSet is a plain immutable value: share it
// as shared_ptr<const RegionSet>; Locate is safe from any thread. Point-in-polygon is the even-odd
// rule on longitude/latitude (exact for the vertices as given; edges are taken as straight in
// lon/lat, which for boundary vertices a few km apart differs from geodesic edges by metres), with
// a bounding-box test first. Regions that straddle the antimeridian are not supported (none in
// Taifeng's area).
// GCJ-02 sources (Alibaba DataV, AutoNavi) are converted to WGS-84 vertex by vertex at load when
// the source or the caller says so (LoadOptions::datum; gcj02.h; the shift is 100-700 m, smooth
// over a region).
// Queries: Locate (point in region), DistanceKm (point to region), SamplePoints (points spread
// over a region, for sampling hazard fields) and the coastline exposure computed at load against a
// land set (Region::coast_km). The polygons and their bounding boxes are prepared once at load.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "taifeng/geo/geodesy.h"

namespace taifeng::geo {

struct Region {
  std::string code;     // from LoadOptions::code_field, or the feature's index
  std::string name;     // from LoadOptions::name_field (e.g. Chinese)
  std::string name_en;  // from LoadOptions::name_en_field
  std::string level;    // "province", "city", "district", "sar"…; "" when the source has none
  std::string parent;   // the parent region's code ("440000"); "" when the source has none
  double area_km2 = 0;  // geodesic area (outer rings minus holes)
  // Coastline exposure (LoadOptions::land): length of the boundary that faces the sea, km
  // (NaN when no land set was given). A region is coastal when coast_km >= LoadOptions::min_coast_km.
  double coast_km = std::numeric_limits<double>::quiet_NaN();
  bool coastal = false;
  double min_lat = 0, min_lon = 0, max_lat = 0, max_lon = 0;  // bounding box, degrees
};

// A layer of features as a file gives them, before they become regions: each feature's values of
// the layer's fields (as text) and its polygons (rings of WGS-84 or GCJ-02 lon/lat as given).
// A new region format is one reader that fills it.
struct RegionLayer {
  std::string file;                 // for errors
  std::vector<std::string> fields;  // every property name of the layer
  struct Feature {
    std::vector<std::string> values;  // by field; "" when the feature has none
    std::vector<std::vector<std::vector<LatLon>>> polygons;  // rings: outer first, then holes
  };
  std::vector<Feature> features;
};

// True for .geojson and .json files (read by ReadGeoJsonLayer, without GDAL).
bool IsGeoJsonFile(const std::filesystem::path& path);
// Reads a GeoJSON FeatureCollection (at most 256 MB). Throws Error(kNotFound), or ParseError naming
// the file, the feature and what was expected.
RegionLayer ReadGeoJsonLayer(const std::filesystem::path& path);
// Reads the first layer of any vector file GDAL/OGR can read. Throws ParseError naming the file.
RegionLayer ReadOgrLayer(const std::filesystem::path& path);

class RegionSet {
 public:
  enum class Datum {
    kAuto,   // GCJ-02 when the source says so: a feature's `datum` field is "GCJ-02", or the layer
             // has DataV GeoAtlas's fields (adcode and acroutes or childrenNum); WGS-84 otherwise
    kWgs84,  // as read
    kGcj02,  // converted from GCJ-02 to WGS-84 at load (gcj02.h)
  };
  // Field specs: "" = not read; "a|b" = the first of these fields the layer has; a trailing "?"
  // makes the field optional (not read when the layer has none of them), otherwise a missing
  // field is an error naming it.
  struct LoadOptions {
    std::string code_field, name_field, name_en_field;
    double min_area_km2 = 0.0;  // features smaller than this (reefs, islets) are left out
    Datum datum = Datum::kAuto;
    std::string level_field, parent_field;  // parent: a code, or DataV's {"adcode": N}
    // Coastline exposure: with a land set, each boundary edge whose outward side (probed
    // coast_probe_km beyond the edge's midpoint) lies in no region of this set and no land region
    // counts as coast. Both sets should be at least as detailed as 1:4,000,000.
    std::shared_ptr<const RegionSet> land;
    double coast_probe_km = 3.0;
    double min_coast_km = 5.0;
  };
  // The fields of Taifeng's region files (data/samples/regions/south_china_23.geojson: code, name,
  // name_en, level, parent, datum) and of DataV GeoAtlas files (adcode, name, level, parent).
  static LoadOptions Administrative();
  // Options reading these fields (specs as above), with the other options at their defaults.
  static LoadOptions Fields(std::string code_field, std::string name_field, std::string name_en_field,
                            double min_area_km2 = 0.0);

  // Throws Error(kNotFound) when the file is missing, Error(kParse) when it cannot be read as a
  // polygon layer (naming the file and the field or feature), never returns an empty set silently.
  // GeoJSON is read by ReadGeoJsonLayer, every other format through GDAL/OGR.
  static std::shared_ptr<const RegionSet> Load(const std::filesystem::path& path, const LoadOptions& options);
  // The same for GeoJSON only, without GDAL (the gateways link no GDAL).
  static std::shared_ptr<const RegionSet> LoadGeoJson(const std::filesystem::path& path, const LoadOptions& options);
  // Regions from a layer read by any reader.
  static std::shared_ptr<const RegionSet> FromLayer(const RegionLayer& layer, const LoadOptions& options);

  std::size_t size() const { return regions_.size(); }
  const Region& region(std::size_t i) const { return regions_[i]; }

  // Index of the region containing the point, or nullopt (over the sea, or outside the set).
  std::optional<std::size_t> Locate(double lat_deg, double lon_deg) const;

  // Index of the region with this code, or nullopt.
  std::optional<std::size_t> Find(const std::string& code) const;

  // Index of the region `text` names: its code, its name (珠海市, or without the suffix 市, 县, 区,
  // 特别行政区: 珠海) or its English name in any case (Zhuhai, zhuhai). Throws Error(kNotFound)
  // naming the closest region by edit distance ("did you mean 珠海市 Zhuhai (440400)?").
  std::size_t Resolve(const std::string& text) const;

  // Geodesic distance from the point to region i's boundary, km; 0 inside. The nearest boundary
  // point is found in the point's local tangent plane, then measured on the ellipsoid (exact for
  // the nearest vertex, within metres on an edge). Precondition: i < size().
  double DistanceKm(std::size_t i, double lat_deg, double lon_deg) const;

  // Points spread over region i for sampling a field: the centres of a grid of `spacing_deg` that
  // fall inside it, plus up to `boundary_points` of its boundary vertices spread evenly along the
  // outer rings (so small or thin regions, and coasts, are represented). Never empty.
  std::vector<LatLon> SamplePoints(std::size_t i, double spacing_deg = 0.1, std::size_t boundary_points = 24) const;

  // Region i's polygons, each as its rings (outer first, then holes; closed), for maps and GeoJSON.
  std::vector<std::vector<std::vector<LatLon>>> Polygons(std::size_t i) const;

  // The rings (outer boundaries and holes, as loaded) of the polygons whose bounding box meets the
  // box, for drawing maps. Each ring is closed (first vertex repeated last) as in the source.
  std::vector<std::vector<LatLon>> Outlines(double min_lat, double min_lon, double max_lat, double max_lon) const;

 private:
  struct Ring {
    std::vector<double> lon, lat;
    // A latitude band index of the edges (edge i joins vertex i-1 and i), so a point-in-ring test
    // visits only the edges of the point's band: band b covers [band_lat0 + b * band_deg, + band_deg).
    double band_lat0 = 0, band_deg = 0;               // band_deg 0: no index (a small ring)
    std::vector<std::uint32_t> band_start, band_edge;  // band b's edges: band_edge[band_start[b] .. band_start[b + 1])
    void Index();
    bool Contains(double lon_deg, double lat_deg) const;  // even-odd rule
  };
  struct Polygon {
    std::size_t region = 0;
    double min_lon = 0, max_lon = 0, min_lat = 0, max_lat = 0;
    std::vector<Ring> rings;  // first outer, then holes
  };
  void ComputeCoast(const RegionSet& land, double probe_km, double min_coast_km);

  std::vector<Region> regions_;
  std::vector<Polygon> polygons_;
};

}  // namespace taifeng::geo
