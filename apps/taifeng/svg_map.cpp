#include "svg_map.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "taifeng/base/utf8.h"

namespace taifeng::cli {
namespace {

constexpr double kTitleBandPx = 56;  // room above the map for the title lines

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string Deg(double v) { return std::to_string(static_cast<long>(std::lround(v))); }

struct Px {
  double x, y;
};

double Cross(const Px& o, const Px& a, const Px& b) { return (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x); }

// Andrew's monotone chain.
std::vector<Px> ConvexHull(std::vector<Px> p) {
  std::sort(p.begin(), p.end(), [](const Px& a, const Px& b) { return a.x < b.x || (a.x == b.x && a.y < b.y); });
  if (p.size() < 3) return p;
  std::vector<Px> h(2 * p.size());
  std::size_t k = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    while (k >= 2 && Cross(h[k - 2], h[k - 1], p[i]) <= 0) --k;
    h[k++] = p[i];
  }
  for (std::size_t i = p.size() - 1, t = k + 1; i-- > 0;) {
    while (k >= t && Cross(h[k - 2], h[k - 1], p[i]) <= 0) --k;
    h[k++] = p[i];
  }
  h.resize(k - 1);
  return h;
}

std::string PathData(const std::vector<Px>& px, bool close) {
  std::string d;
  for (std::size_t i = 0; i < px.size(); ++i) d += (i ? "L" : "M") + Num(px[i].x) + " " + Num(px[i].y);
  if (close) d += "Z";
  return d;
}

}  // namespace


void MapBounds::Add(double lat, double lon) {
  if (std::isnan(lat) || std::isnan(lon)) return;
  min_lat = std::min(min_lat, lat), max_lat = std::max(max_lat, lat);
  min_lon = std::min(min_lon, lon), max_lon = std::max(max_lon, lon);
}

SvgMap::SvgMap(MapBounds b, double margin_deg, int width_px) : width_(width_px) {
  if (b.empty()) b = {15, 30, 105, 125};
  min_lat_ = std::max(-85.0, b.min_lat - margin_deg), max_lat_ = std::min(85.0, b.max_lat + margin_deg);
  min_lon_ = b.min_lon - margin_deg, max_lon_ = b.max_lon + margin_deg;
  cos_ = std::cos((min_lat_ + max_lat_) / 2 * M_PI / 180);
  // Aspect between 4:3 landscape and 1:1: grow the short side around its centre.
  double w = (max_lon_ - min_lon_) * cos_, h = max_lat_ - min_lat_;
  if (h < 0.75 * w) {
    const double grow = (0.75 * w - h) / 2;
    min_lat_ -= grow, max_lat_ += grow;
  } else if (h > w) {
    const double grow = (h - w) / cos_ / 2;
    min_lon_ -= grow, max_lon_ += grow;
  }
  w = (max_lon_ - min_lon_) * cos_, h = max_lat_ - min_lat_;
  scale_ = width_px / w;
  height_ = static_cast<int>(std::lround(h * scale_ + kTitleBandPx));
}

double SvgMap::X(double lon) const { return (lon - min_lon_) * cos_ * scale_; }
double SvgMap::Y(double lat) const { return kTitleBandPx + (max_lat_ - lat) * scale_; }

void SvgMap::Land(const geo::RegionSet& land) {
  body_ += "<g fill=\"#efe8d6\" stroke=\"#9a8f78\" stroke-width=\"0.6\">\n";
  for (const auto& ring : land.Outlines(min_lat_, min_lon_, max_lat_, max_lon_)) {
    std::vector<Px> px;
    for (const auto& p : ring) {
      const Px q{X(p.lon_deg), Y(p.lat_deg)};
      // Drop vertices within 0.8 px of the last kept one: the map loses nothing visible.
      if (!px.empty() && std::hypot(q.x - px.back().x, q.y - px.back().y) < 0.8) continue;
      px.push_back(q);
    }
    if (px.size() < 3) continue;
    body_ += "<path d=\"" + PathData(px, true) + "\"/>\n";
  }
  body_ += "</g>\n";
}

void SvgMap::Graticule(double step) {
  body_ += "<g stroke=\"#7f9fbf\" stroke-width=\"0.5\" stroke-dasharray=\"2 3\" font-size=\"11\" fill=\"#4a6a8a\">\n";
  for (double lat = std::ceil(min_lat_ / step) * step; lat <= max_lat_; lat += step) {
    body_ += "<line x1=\"0\" x2=\"" + std::to_string(width_) + "\" y1=\"" + Num(Y(lat)) + "\" y2=\"" + Num(Y(lat)) +
             "\"/><text stroke=\"none\" x=\"3\" y=\"" + Num(Y(lat) - 3) + "\">" + Deg(std::fabs(lat)) +
             (lat >= 0 ? "°N" : "°S") + "</text>\n";
  }
  for (double lon = std::ceil(min_lon_ / step) * step; lon <= max_lon_; lon += step) {
    body_ += "<line y1=\"" + Num(kTitleBandPx) + "\" y2=\"" + std::to_string(height_) + "\" x1=\"" + Num(X(lon)) +
             "\" x2=\"" + Num(X(lon)) + "\"/><text stroke=\"none\" x=\"" + Num(X(lon) + 3) + "\" y=\"" +
             std::to_string(height_ - 4) + "\">" + Deg(lon) + "°E</text>\n";
  }
  body_ += "</g>\n";
}

void SvgMap::Line(const std::vector<geo::LatLon>& points, const std::string& style) {
  if (points.size() < 2) return;
  std::vector<Px> px;
  for (const auto& p : points) px.push_back({X(p.lon_deg), Y(p.lat_deg)});
  body_ += "<path fill=\"none\" " + style + " d=\"" + PathData(px, false) + "\"/>\n";
}

void SvgMap::Dot(double lat, double lon, double r, const std::string& style) {
  body_ += "<circle cx=\"" + Num(X(lon)) + "\" cy=\"" + Num(Y(lat)) + "\" r=\"" + Num(r) + "\" " + style + "/>\n";
}

void SvgMap::Area(const std::vector<geo::LatLon>& points, const std::string& style) {
  std::vector<Px> px;
  for (const auto& p : points) px.push_back({X(p.lon_deg), Y(p.lat_deg)});
  if (px.size() >= 3) body_ += "<path " + style + " d=\"" + PathData(px, true) + "\"/>\n";
}

void SvgMap::Cone(const std::vector<geo::LatLon>& centres, const std::vector<double>& radii_km,
                  const std::string& style) {
  auto circle = [&](std::size_t i) {
    std::vector<Px> px;
    for (int k = 0; k < 36; ++k) {
      const geo::LatLon p = geo::Direct(centres[i].lat_deg, centres[i].lon_deg, k * 10.0, std::max(radii_km[i], 1.0));
      px.push_back({X(p.lon_deg), Y(p.lat_deg)});
    }
    return px;
  };
  body_ += "<g " + style + ">\n";
  std::vector<Px> prev;
  for (std::size_t i = 0; i < centres.size() && i < radii_km.size(); ++i) {
    if (std::isnan(radii_km[i])) continue;
    std::vector<Px> c = circle(i);
    std::vector<Px> both = c;
    both.insert(both.end(), prev.begin(), prev.end());
    body_ += "<path d=\"" + PathData(ConvexHull(both), true) + "\"/>\n";
    prev = std::move(c);
  }
  body_ += "</g>\n";
}

void SvgMap::Label(double lat, double lon, const std::string& text, const std::string& style) {
  body_ += "<text x=\"" + Num(X(lon) + 5) + "\" y=\"" + Num(Y(lat) - 5) + "\" " + style + ">" + XmlEscape(text) + "</text>\n";
}

void SvgMap::Text(double x, double y, const std::string& text, const std::string& style) {
  overlay_ += "<text x=\"" + Num(x) + "\" y=\"" + Num(y) + "\" " + style + ">" + XmlEscape(text) + "</text>\n";
}

void SvgMap::Legend(const std::vector<std::pair<std::string, std::string>>& entries) {
  const double w = 250, row = 18, h = row * static_cast<double>(entries.size()) + 10;
  const double x0 = width_ - w - 8, y0 = kTitleBandPx + 8;
  overlay_ += "<g font-size=\"12\"><rect x=\"" + Num(x0) + "\" y=\"" + Num(y0) + "\" width=\"" + Num(w) + "\" height=\"" +
           Num(h) + "\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#888\"/>\n";
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const double y = y0 + 14 + row * static_cast<double>(i);
    overlay_ += "<line x1=\"" + Num(x0 + 8) + "\" x2=\"" + Num(x0 + 38) + "\" y1=\"" + Num(y - 4) + "\" y2=\"" +
             Num(y - 4) + "\" " + entries[i].first + "/><text x=\"" + Num(x0 + 46) + "\" y=\"" + Num(y) + "\">" +
             XmlEscape(entries[i].second) + "</text>\n";
  }
  overlay_ += "</g>\n";
}

std::string SvgMap::Svg() const {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
         std::to_string(width_) + "\" height=\"" + std::to_string(height_) + "\" viewBox=\"0 0 " +
         std::to_string(width_) + " " + std::to_string(height_) +
         "\" font-family=\"sans-serif\">\n<defs><clipPath id=\"map\"><rect y=\"" + Num(kTitleBandPx) + "\" width=\"" +
         std::to_string(width_) + "\" height=\"" + Num(height_ - kTitleBandPx) + "\"/></clipPath></defs>\n" +
         "<rect width=\"100%\" height=\"100%\" fill=\"#dbe9f4\"/>\n<rect width=\"100%\" height=\"" + Num(kTitleBandPx) +
         "\" fill=\"white\"/>\n<g clip-path=\"url(#map)\">\n" + body_ + "</g>\n" + overlay_ + "</svg>\n";
}

}  // namespace taifeng::cli
