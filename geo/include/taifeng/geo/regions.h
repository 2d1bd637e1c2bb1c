// A set of regions (administrative areas, or land) read from a vector file with GDAL/OGR
// (GeoJSON, Shapefile, GeoPackage…) in WGS-84 longitude/latitude.
//
// The polygons are copied out of GDAL at load, so a RegionSet is a plain immutable value: share it
// as shared_ptr<const RegionSet>; Locate is safe from any thread. Point-in-polygon is the even-odd
// rule on longitude/latitude (exact for the vertices as given; edges are taken as straight in
// lon/lat, which for boundary vertices a few km apart differs from geodesic edges by metres), with
// a bounding-box test first. Regions that straddle the antimeridian are not supported (none in
// Taifeng's area).
// GCJ-02 sources (Alibaba DataV, AutoNavi) are converted to WGS-84 vertex by vertex at load when
// LoadOptions::gcj02 says so (gcj02.h; the shift is 100-700 m, smooth over a region).
#pragma once

#include <cstddef>
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
  double area_km2 = 0;  // geodesic area (outer rings minus holes)
};

class RegionSet {
 public:
  struct LoadOptions {
    std::string code_field, name_field, name_en_field;  // "" = not read
    double min_area_km2 = 0.0;  // features smaller than this (reefs, islets) are left out
    bool gcj02 = false;         // the source is in GCJ-02 (DataV, AutoNavi): converted to WGS-84 at load (gcj02.h)
  };

  // Throws Error(kNotFound) when the file is missing, Error(kParse) when GDAL cannot read it as a
  // polygon layer (naming the file and the field or feature), never returns an empty set silently.
  static std::shared_ptr<const RegionSet> Load(const std::filesystem::path& path, const LoadOptions& options);

  std::size_t size() const { return regions_.size(); }
  const Region& region(std::size_t i) const { return regions_[i]; }

  // Index of the region containing the point, or nullopt (over the sea, or outside the set).
  std::optional<std::size_t> Locate(double lat_deg, double lon_deg) const;

  // The rings (outer boundaries and holes, as loaded) of the polygons whose bounding box meets the
  // box, for drawing maps. Each ring is closed (first vertex repeated last) as in the source.
  std::vector<std::vector<LatLon>> Outlines(double min_lat, double min_lon, double max_lat, double max_lon) const;

 private:
  struct Ring {
    std::vector<double> lon, lat;
  };
  struct Polygon {
    std::size_t region = 0;
    double min_lon = 0, max_lon = 0, min_lat = 0, max_lat = 0;
    std::vector<Ring> rings;  // first outer, then holes
  };
  std::vector<Region> regions_;
  std::vector<Polygon> polygons_;
};

}  // namespace taifeng::geo
