// A small SVG map writer for replay reports: an equirectangular view (x scaled by the cosine of
// the view's middle latitude, so shapes are right at that latitude) with land, a graticule, tracks,
// circles, filled areas and labels. Styles are SVG attribute strings chosen by the caller. The map
// is clipped below a white title band (Text and Legend are drawn over it, never under land).
#pragma once

#include <string>
#include <vector>

#include "taifeng/geo/geodesy.h"
#include "taifeng/geo/regions.h"

namespace taifeng::cli {

struct MapBounds {
  double min_lat = 90, max_lat = -90, min_lon = 180, max_lon = -180;
  void Add(double lat, double lon);
  bool empty() const { return min_lat > max_lat; }
};

class SvgMap {
 public:
  // The view: `bounds` grown by `margin_deg`, widened or heightened to a pleasant shape;
  // `width_px` wide.
  SvgMap(MapBounds bounds, double margin_deg, int width_px);

  // Land polygons (sea is the background) with their outlines, and a graticule every `step_deg`.
  void Land(const geo::RegionSet& land);
  void Graticule(double step_deg);
  void Line(const std::vector<geo::LatLon>& points, const std::string& style);
  void Dot(double lat, double lon, double radius_px, const std::string& style);
  // A filled polygon through the given points (closed).
  void Area(const std::vector<geo::LatLon>& points, const std::string& style);
  // The swept cone of circles (centre and radius in km): the union of the convex hulls of
  // consecutive circles, drawn in one group so overlaps do not darken.
  void Cone(const std::vector<geo::LatLon>& centres, const std::vector<double>& radii_km, const std::string& style);
  void Label(double lat, double lon, const std::string& text, const std::string& style);
  // Text at pixel coordinates (titles, legends).
  void Text(double x, double y, const std::string& text, const std::string& style);
  // A legend box in the top-right corner: each entry a swatch line style and a text.
  void Legend(const std::vector<std::pair<std::string, std::string>>& entries);

  int width() const { return width_; }
  int height() const { return height_; }
  std::string Svg() const;  // the document

 private:
  double X(double lon) const;
  double Y(double lat) const;
  double min_lat_, max_lat_, min_lon_, max_lon_, scale_, cos_;
  int width_, height_;
  std::string body_;     // the map, clipped to the area below the title band
  std::string overlay_;  // titles and legend, drawn over it
};

}  // namespace taifeng::cli
