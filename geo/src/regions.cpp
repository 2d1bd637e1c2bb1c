#include "taifeng/geo/regions.h"

#include <algorithm>
#include <limits>
#include <cmath>
#include <memory>
#include <numbers>
#include <string>

#include "taifeng/base/error.h"
#include "taifeng/geo/gcj02.h"
#include "taifeng/geo/geodesy.h"

namespace taifeng::geo {
namespace {

// Whether the edge from vertex j to vertex i crosses the ray from (x, y) towards +x.
inline bool Crosses(const std::vector<double>& xs, const std::vector<double>& ys, std::size_t i, std::size_t j, double x, double y) {
  return (ys[i] > y) != (ys[j] > y) && x < (xs[j] - xs[i]) * (y - ys[i]) / (ys[j] - ys[i]) + xs[i];
}

// A field spec (LoadOptions): alternatives separated by '|', optional when it ends with '?'.
// Returns the index of the first field the layer has, -1 when none is read.
int FieldIndex(const std::vector<std::string>& fields, std::string spec, const std::string& file) {
  if (spec.empty()) return -1;
  const bool optional = spec.back() == '?';
  if (optional) spec.pop_back();
  std::size_t start = 0;
  while (start <= spec.size()) {
    const std::size_t bar = std::min(spec.find('|', start), spec.size());
    const std::string name = spec.substr(start, bar - start);
    const auto it = name.empty() ? fields.end() : std::find(fields.begin(), fields.end(), name);
    if (it != fields.end()) return static_cast<int>(it - fields.begin());
    start = bar + 1;
  }
  if (optional) return -1;
  throw ParseError(file, 0, spec, "a field of that name");
}

// DataV writes the parent as JSON, {"adcode":440000}: the digits are the code.
std::string ParentCode(const std::string& value) {
  if (value.find('{') == std::string::npos) return value;
  std::string digits;
  for (char c : value)
    if (c >= '0' && c <= '9') digits += c;
  return digits;
}

// Local tangent plane at (lat0, lon0): km east and north (equirectangular, for finding nearest
// points; distances reported are measured on the ellipsoid).
constexpr double kKmPerDeg = 111.195;
struct Xy {
  double x, y;
};
Xy Local(double lat0, double lon0, double lat, double lon) {
  return {LonDifferenceDeg(lon0, lon) * kKmPerDeg * std::cos(lat0 * std::numbers::pi / 180.0), (lat - lat0) * kKmPerDeg};
}

double RingAreaKm2(const std::vector<double>& lons, const std::vector<double>& lats) {
  std::vector<LatLon> v(lons.size());
  for (std::size_t i = 0; i < lons.size(); ++i) v[i] = {lats[i], lons[i]};
  return std::fabs(PolygonAreaKm2(v.data(), static_cast<int>(v.size())));
}

}  // namespace

std::shared_ptr<const RegionSet> RegionSet::FromLayer(const RegionLayer& layer, const LoadOptions& options) {
  const std::string& file = layer.file;
  const auto& fields = layer.fields;
  const int code_i = FieldIndex(fields, options.code_field, file), name_i = FieldIndex(fields, options.name_field, file),
            name_en_i = FieldIndex(fields, options.name_en_field, file), level_i = FieldIndex(fields, options.level_field, file),
            parent_i = FieldIndex(fields, options.parent_field, file);
  const int datum_i = FieldIndex(fields, "datum?", file);
  const bool datav = FieldIndex(fields, "adcode?", file) >= 0 &&
                     (FieldIndex(fields, "acroutes?", file) >= 0 || FieldIndex(fields, "childrenNum?", file) >= 0);
  auto set = std::shared_ptr<RegionSet>(new RegionSet());
  std::int64_t feature_no = 0;
  for (const RegionLayer::Feature& f : layer.features) {
    ++feature_no;
    if (f.polygons.empty()) continue;
    auto field = [&](int i) { return i >= 0 && static_cast<std::size_t>(i) < f.values.size() ? f.values[static_cast<std::size_t>(i)] : std::string(); };
    Region region;
    region.code = code_i >= 0 ? field(code_i) : std::to_string(feature_no - 1);
    region.name = field(name_i), region.name_en = field(name_en_i), region.level = field(level_i);
    region.parent = ParentCode(field(parent_i));
    bool gcj02 = options.datum == Datum::kGcj02;
    if (options.datum == Datum::kAuto) gcj02 = datav || field(datum_i) == "GCJ-02";
    std::vector<Polygon> parts;
    double area = 0.0;
    for (const auto& poly : f.polygons) {
      Polygon p;
      p.region = set->regions_.size();
      for (std::size_t r = 0; r < poly.size(); ++r) {
        if (poly[r].size() < 3) continue;
        Ring out;
        out.lon.reserve(poly[r].size());
        out.lat.reserve(poly[r].size());
        for (LatLon v : poly[r]) {
          if (gcj02) v = GcjToWgs(v.lat_deg, v.lon_deg);
          out.lon.push_back(v.lon_deg);
          out.lat.push_back(v.lat_deg);
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
        out.Index();
        p.rings.push_back(std::move(out));
      }
      if (!p.rings.empty()) parts.push_back(std::move(p));
    }
    region.area_km2 = area;
    if (parts.empty() || area < options.min_area_km2) continue;
    region.min_lat = region.min_lon = 1e9;
    region.max_lat = region.max_lon = -1e9;
    for (const auto& p : parts) {
      region.min_lat = std::min(region.min_lat, p.min_lat), region.max_lat = std::max(region.max_lat, p.max_lat);
      region.min_lon = std::min(region.min_lon, p.min_lon), region.max_lon = std::max(region.max_lon, p.max_lon);
    }
    set->regions_.push_back(std::move(region));
    for (auto& p : parts) set->polygons_.push_back(std::move(p));
  }
  if (set->regions_.empty()) throw ParseError(file, 0, "features", "at least one polygon region");
  if (options.land) set->ComputeCoast(*options.land, options.coast_probe_km, options.min_coast_km);
  return set;
}

RegionSet::LoadOptions RegionSet::Administrative() {
  LoadOptions o;
  o.code_field = "code|adcode";
  o.name_field = "name?";
  o.name_en_field = "name_en?";
  o.level_field = "level?";
  o.parent_field = "parent?";
  return o;
}

RegionSet::LoadOptions RegionSet::Fields(std::string code_field, std::string name_field, std::string name_en_field,
                                         double min_area_km2) {
  LoadOptions o;
  o.code_field = std::move(code_field);
  o.name_field = std::move(name_field);
  o.name_en_field = std::move(name_en_field);
  o.min_area_km2 = min_area_km2;
  return o;
}

std::optional<std::size_t> RegionSet::Find(const std::string& code) const {
  for (std::size_t i = 0; i < regions_.size(); ++i)
    if (regions_[i].code == code) return i;
  return std::nullopt;
}

namespace {

// Unicode code points of UTF-8 text (invalid bytes kept as themselves), lower-cased for ASCII.
std::vector<char32_t> CodePoints(const std::string& s) {
  std::vector<char32_t> out;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    char32_t cp = n == 1 ? c : c & (0x7F >> n);
    for (int k = 1; k < n && i + static_cast<std::size_t>(k) < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out.push_back(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
    i += static_cast<std::size_t>(n);
  }
  return out;
}

std::size_t EditDistance(const std::vector<char32_t>& a, const std::vector<char32_t>& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// The names a region answers to: code, name, name without its administrative suffix, English name.
std::vector<std::vector<char32_t>> NamesOf(const Region& r) {
  std::vector<std::vector<char32_t>> names = {CodePoints(r.code), CodePoints(r.name), CodePoints(r.name_en)};
  for (const std::string suffix : {"特别行政区", "市", "县", "区"})
    if (r.name.size() > suffix.size() && r.name.compare(r.name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      names.push_back(CodePoints(r.name.substr(0, r.name.size() - suffix.size())));
      break;
    }
  return names;
}

}  // namespace

std::size_t RegionSet::Resolve(const std::string& text) const {
  if (const auto i = Find(text)) return *i;
  const std::vector<char32_t> wanted = CodePoints(text);
  std::size_t best = regions_.size(), best_distance = std::numeric_limits<std::size_t>::max();
  for (std::size_t i = 0; i < regions_.size(); ++i)
    for (const auto& name : NamesOf(regions_[i])) {
      if (name.empty()) continue;
      if (name == wanted) return i;
      if (const std::size_t d = EditDistance(name, wanted); d < best_distance) best_distance = d, best = i;
    }
  std::string hint;
  if (best < regions_.size())
    hint = ": did you mean " + regions_[best].name + " " + regions_[best].name_en + " (" + regions_[best].code + ")?";
  throw Error(ErrorCode::kNotFound, "no region \"" + text + "\" (by code, name or English name)" + hint);
}

void RegionSet::ComputeCoast(const RegionSet& land, double probe_km, double min_coast_km) {
  for (auto& r : regions_) r.coast_km = 0.0;
  for (const Polygon& p : polygons_) {
    const Ring& ring = p.rings[0];
    for (std::size_t k = 0; k + 1 < ring.lon.size(); ++k) {
      const double lat0 = ring.lat[k], lon0 = ring.lon[k], lat1 = ring.lat[k + 1], lon1 = ring.lon[k + 1];
      const double length = geo::DistanceKm(lat0, lon0, lat1, lon1);
      if (!(length > 0.0)) continue;
      const double mid_lat = 0.5 * (lat0 + lat1), mid_lon = lon0 + 0.5 * LonDifferenceDeg(lon0, lon1);
      const double azimuth = Inverse(lat0, lon0, lat1, lon1).azimuth1_deg;
      bool sea = false;
      for (double side : {90.0, -90.0}) {
        const LatLon probe = Direct(mid_lat, mid_lon, azimuth + side, probe_km);
        const auto here = Locate(probe.lat_deg, probe.lon_deg);
        if (here && *here == p.region) continue;  // the inner side
        sea = !here && !land.Locate(probe.lat_deg, probe.lon_deg);
        break;
      }
      if (sea) regions_[p.region].coast_km += length;
    }
  }
  for (auto& r : regions_) r.coastal = r.coast_km >= min_coast_km;
}

double RegionSet::DistanceKm(std::size_t i, double lat_deg, double lon_deg) const {
  if (!std::isfinite(lat_deg) || !std::isfinite(lon_deg)) return std::numeric_limits<double>::quiet_NaN();
  if (const auto at = Locate(lat_deg, lon_deg); at && *at == i) return 0.0;
  double best = std::numeric_limits<double>::infinity();
  double best_lat = lat_deg, best_lon = lon_deg;
  for (const Polygon& p : polygons_) {
    if (p.region != i) continue;
    for (const Ring& ring : p.rings) {
      Xy a = Local(lat_deg, lon_deg, ring.lat[0], ring.lon[0]);
      for (std::size_t k = 1; k < ring.lon.size(); ++k) {
        const Xy b = Local(lat_deg, lon_deg, ring.lat[k], ring.lon[k]);
        const double dx = b.x - a.x, dy = b.y - a.y, len2 = dx * dx + dy * dy;
        const double t = len2 > 0 ? std::clamp(-(a.x * dx + a.y * dy) / len2, 0.0, 1.0) : 0.0;
        const double x = a.x + t * dx, y = a.y + t * dy, d2 = x * x + y * y;
        if (d2 < best) {
          best = d2;
          best_lat = ring.lat[k - 1] + t * (ring.lat[k] - ring.lat[k - 1]);
          best_lon = ring.lon[k - 1] + t * LonDifferenceDeg(ring.lon[k - 1], ring.lon[k]);
        }
        a = b;
      }
    }
  }
  return geo::DistanceKm(lat_deg, lon_deg, best_lat, best_lon);
}

std::vector<LatLon> RegionSet::SamplePoints(std::size_t i, double spacing_deg, std::size_t boundary_points) const {
  const Region& r = regions_[i];
  std::vector<LatLon> out;
  if (spacing_deg > 0) {
    for (double lat = std::floor(r.min_lat / spacing_deg) * spacing_deg + spacing_deg / 2; lat < r.max_lat;
         lat += spacing_deg)
      for (double lon = std::floor(r.min_lon / spacing_deg) * spacing_deg + spacing_deg / 2; lon < r.max_lon;
           lon += spacing_deg)
        if (const auto at = Locate(lat, lon); at && *at == i) out.push_back({lat, lon});
  }
  std::vector<LatLon> boundary;
  for (const Polygon& p : polygons_)
    if (p.region == i)
      for (std::size_t k = 0; k + 1 < p.rings[0].lon.size(); ++k) boundary.push_back({p.rings[0].lat[k], p.rings[0].lon[k]});
  const std::size_t n = std::min(boundary_points, boundary.size());
  for (std::size_t k = 0; k < n; ++k) out.push_back(boundary[k * boundary.size() / n]);
  if (out.empty() && !boundary.empty()) out.push_back(boundary[0]);
  return out;
}

void RegionSet::Ring::Index() {
  const std::size_t n = lat.size();
  band_deg = 0, band_start.clear(), band_edge.clear();
  if (n < 64) return;  // a small ring: every edge is tested
  const auto [lo, hi] = std::minmax_element(lat.begin(), lat.end());
  const std::size_t bands = std::min<std::size_t>(4096, n / 8);
  band_lat0 = *lo;
  band_deg = std::max((*hi - *lo) / static_cast<double>(bands), 1e-9);
  const auto band = [&](double y) {
    return static_cast<std::size_t>(std::clamp(std::floor((y - band_lat0) / band_deg), 0.0, static_cast<double>(bands - 1)));
  };
  std::vector<std::vector<std::uint32_t>> per(bands);
  for (std::size_t i = 0, j = n - 1; i < n; j = i++) {
    const std::size_t bi = band(lat[i]), bj = band(lat[j]);
    const std::size_t b0 = std::min(bi, bj), b1 = std::max(bi, bj);
    for (std::size_t b = b0; b <= b1; ++b) per[b].push_back(static_cast<std::uint32_t>(i));
  }
  band_start.assign(bands + 1, 0);
  for (std::size_t b = 0; b < bands; ++b) band_start[b + 1] = band_start[b] + static_cast<std::uint32_t>(per[b].size());
  band_edge.reserve(band_start.back());
  for (const auto& edges : per) band_edge.insert(band_edge.end(), edges.begin(), edges.end());
}

bool RegionSet::Ring::Contains(double x, double y) const {
  const std::size_t n = lon.size();
  bool inside = false;
  if (band_deg <= 0) {
    for (std::size_t i = 0, j = n - 1; i < n; j = i++)
      if (Crosses(lon, lat, i, j, x, y)) inside = !inside;
    return inside;
  }
  const double f = std::floor((y - band_lat0) / band_deg);
  if (!(f >= 0)) return false;  // south of the ring (or NaN): no edge crosses
  // North of the last band's edge (rounding at the top): its edges decide, none crosses above.
  const std::size_t b = std::min(static_cast<std::size_t>(std::min(f, 1e9)), band_start.size() - 2);
  for (std::uint32_t k = band_start[b]; k < band_start[b + 1]; ++k) {
    const std::size_t i = band_edge[k];
    if (Crosses(lon, lat, i, i == 0 ? n - 1 : i - 1, x, y)) inside = !inside;
  }
  return inside;
}

std::optional<std::size_t> RegionSet::Locate(double lat_deg, double lon_deg) const {
  if (!std::isfinite(lat_deg) || !std::isfinite(lon_deg)) return std::nullopt;
  for (const Polygon& p : polygons_) {
    if (lon_deg < p.min_lon || lon_deg > p.max_lon || lat_deg < p.min_lat || lat_deg > p.max_lat) continue;
    if (!p.rings[0].Contains(lon_deg, lat_deg)) continue;
    bool in_hole = false;
    for (std::size_t h = 1; h < p.rings.size() && !in_hole; ++h) in_hole = p.rings[h].Contains(lon_deg, lat_deg);
    if (!in_hole) return p.region;
  }
  return std::nullopt;
}

std::vector<std::vector<std::vector<LatLon>>> RegionSet::Polygons(std::size_t i) const {
  std::vector<std::vector<std::vector<LatLon>>> out;
  for (const Polygon& p : polygons_) {
    if (p.region != i) continue;
    auto& poly = out.emplace_back();
    for (const Ring& r : p.rings) {
      auto& ring = poly.emplace_back(r.lon.size());
      for (std::size_t k = 0; k < r.lon.size(); ++k) ring[k] = {r.lat[k], r.lon[k]};
    }
  }
  return out;
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
