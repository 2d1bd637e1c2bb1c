// Polygons built from circles, and a validity check of GeoJSON files, through GDAL/OGR's GEOS
// operations (Debian's GDAL is built with GEOS).
// - SweptCone: the forecast cone as ONE polygon, the envelope of the circles of uncertainty along
//   the track: the union of the convex hulls of consecutive circles (each circle a geodesic circle
//   of `points_per_circle` vertices), computed in longitude/latitude. Valid as Simple Features
//   (OGR IsValid), exterior ring counterclockwise and holes clockwise (RFC 7946 §3.1.6), closed.
// - CheckGeoJson: every geometry of a GeoJSON file opened with GDAL's GeoJSON driver and checked
//   with OGR's IsValid (GEOS), and every polygon ring's winding against RFC 7946.
// Longitudes are taken as given: cones that straddle the antimeridian are not supported (none in
// Taifeng's basin, 95-165E). Thread safety: both are pure and reentrant.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "taifeng/geo/geodesy.h"

namespace taifeng::geo {

// Rings of one polygon: the exterior first, then holes (a track that loops back can leave one).
// Radii in km; a radius of 0 or NaN is the centre point alone (the storm's position "now").
// Empty when there are no centres. Throws Error(kInvalidArgument) when the sizes differ.
std::vector<std::vector<LatLon>> SweptCone(const std::vector<LatLon>& centres, const std::vector<double>& radii_km,
                                           int points_per_circle = 72);

// Polygons (each: exterior ring, then holes) made valid as one MultiPolygon (OGR MakeValid,
// GEOS): parts that overlap or touch along an edge (administrative layers have them) are merged,
// self-intersections split. Returned as polygons with RFC 7946 winding. Valid input is returned
// reoriented only. Throws Error(kInternal) when GDAL has no GEOS.
using Polygon = std::vector<std::vector<LatLon>>;
std::vector<Polygon> ValidPolygons(const std::vector<Polygon>& polygons);

// Problems found ("feature 3: polygon is not valid (Self-intersection at …)", "feature 0: exterior
// ring is clockwise"), empty when the file is valid. Throws Error(kNotFound) or ParseError when
// GDAL cannot read the file as GeoJSON.
std::vector<std::string> CheckGeoJson(const std::filesystem::path& path);

}  // namespace taifeng::geo
