#include "taifeng/core/rain.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "taifeng/core/wind.h"
#include "taifeng/base/time_utc.h"
#include "taifeng/data/units.h"
#include "taifeng/base/error.h"

namespace taifeng::core {
namespace {

constexpr double kMmPerInch = 25.4;

double Wind1Min(double wind10_ms) {
  return data::ConvertAveraging(wind10_ms, data::WindAveraging::kTenMinute, data::WindAveraging::kOneMinute);
}

// Unit vectors of points, for fast distances (wind.h's spherical distance).
struct Units {
  std::vector<double> xyz;
  explicit Units(const std::vector<geo::LatLon>& points) : xyz(points.size() * 3) {
    for (std::size_t i = 0; i < points.size(); ++i) UnitVector(points[i].lat_deg, points[i].lon_deg, &xyz[3 * i]);
  }
};

void Accumulate(const std::vector<TrackPoint>& hourly, std::int64_t from, std::int64_t to, const Units& u,
                std::vector<double>& mm, double cutoff_km) {
  for (std::size_t k = 0; k < hourly.size(); ++k) {
    const TrackPoint& p = hourly[k];
    if (p.time_utc < from || p.time_utc >= to) continue;
    const double v1 = Wind1Min(p.wind_ms);
    if (!std::isfinite(v1)) continue;
    double c[3];
    UnitVector(p.lat_deg, p.lon_deg, c);
    for (std::size_t i = 0; i < mm.size(); ++i) {
      const double r = ArcKm(c, &u.xyz[3 * i]);
      if (r <= cutoff_km) mm[i] += RCliperRateMmH(r, v1);  // one hour at this rate
    }
  }
}

}  // namespace

double RCliperRateMmH(double r_km, double vmax_1min_ms) noexcept {
  if (!std::isfinite(vmax_1min_ms) || !std::isfinite(r_km)) return 0.0;
  const double u = 1.0 + (data::MsToKnots(vmax_1min_ms) - 35.0) / 33.0;
  const double t0 = -1.10 + 3.96 * u, tm = -1.60 + 4.80 * u;  // inch/day
  const double rm = 64.5 - 13.0 * u, re = 150.0 - 16.0 * u;    // km
  double rate = 0.0;
  if (rm > 0 && r_km < rm) rate = t0 + (tm - t0) * r_km / rm;
  else if (re > 0) rate = tm * std::exp(-(r_km - std::max(rm, 0.0)) / re);
  return std::max(rate, 0.0) * kMmPerInch / 24.0;
}

std::vector<TrackPoint> Interpolate(const std::vector<TrackPoint>& track, std::int64_t step_s, double max_gap_h) {
  std::vector<TrackPoint> out;
  if (track.empty() || step_s <= 0) return out;
  const std::int64_t max_gap = static_cast<std::int64_t>(max_gap_h * 3600.0);
  out.push_back(track.front());
  for (std::size_t k = 1; k < track.size(); ++k) {
    const TrackPoint& a = track[k - 1];
    const TrackPoint& b = track[k];
    if (b.time_utc <= a.time_utc) continue;
    const bool bridge = b.time_utc - a.time_utc <= max_gap;
    for (std::int64_t t = out.back().time_utc + step_s; t <= b.time_utc; t += step_s) {
      if (t < a.time_utc) continue;
      if (!bridge && t < b.time_utc) continue;
      const double w = static_cast<double>(t - a.time_utc) / static_cast<double>(b.time_utc - a.time_utc);
      TrackPoint p;
      p.time_utc = t;
      p.lat_deg = a.lat_deg + w * (b.lat_deg - a.lat_deg);
      p.lon_deg = geo::NormalizeLonDeg(a.lon_deg + w * geo::LonDifferenceDeg(a.lon_deg, b.lon_deg));
      p.wind_ms = a.wind_ms + w * (b.wind_ms - a.wind_ms);
      p.pressure_hpa = a.pressure_hpa + w * (b.pressure_hpa - a.pressure_hpa);
      out.push_back(p);
    }
  }
  return out;
}

data::RainGrid ModelledGridTemplate() {
  data::RainGrid g;
  g.kind = "modelled";
  g.source = "R-CLIPER (Tuleya et al. 2007), modelled from the best track";
  g.lat0_deg = 15.0;
  g.lon0_deg = 105.0;
  g.dlat_deg = g.dlon_deg = 0.5;
  g.nlat = 31;  // 15-30°N
  g.nlon = 41;  // 105-125°E
  return g;
}

void AccumulateRCliper(const std::vector<TrackPoint>& track, std::int64_t from_utc, std::int64_t to_utc,
                       const std::vector<geo::LatLon>& points, std::vector<double>& mm, double cutoff_km) {
  mm.resize(points.size(), 0.0);
  // Hourly rates at the middle of each hour.
  std::vector<TrackPoint> hourly = Interpolate(track, 3600);
  for (std::size_t k = 0; k + 1 < hourly.size(); ++k) {
    TrackPoint& p = hourly[k];
    const TrackPoint& q = hourly[k + 1];
    if (q.time_utc - p.time_utc != 3600) continue;
    p.lat_deg = 0.5 * (p.lat_deg + q.lat_deg);
    p.lon_deg = geo::NormalizeLonDeg(p.lon_deg + 0.5 * geo::LonDifferenceDeg(p.lon_deg, q.lon_deg));
    p.wind_ms = 0.5 * (p.wind_ms + q.wind_ms);
  }
  if (!hourly.empty()) hourly.pop_back();
  Accumulate(hourly, from_utc, to_utc, Units(points), mm, cutoff_km);
}

data::RainGrid ModelledArchiveRain(const MatchIndex& index) {
  data::RainGrid g = ModelledGridTemplate();
  const std::size_t cells = g.cells();
  std::vector<geo::LatLon> points(cells);
  for (int i = 0; i < g.nlat; ++i)
    for (int j = 0; j < g.nlon; ++j) points[static_cast<std::size_t>(i) * g.nlon + j] = {g.Lat(i), g.Lon(j)};
  const double lat_lo = g.Lat(0) - 6, lat_hi = g.Lat(g.nlat - 1) + 6, lon_lo = g.Lon(0) - 6, lon_hi = g.Lon(g.nlon - 1) + 6;
  const data::Archive& a = index.archive();
  const std::size_t n = index.storm_count();
  std::vector<std::vector<float>> layer(n);
  std::vector<std::int64_t> start(n), end(n);
#pragma omp parallel for schedule(dynamic, 4)
  for (std::size_t s = 0; s < n; ++s) {
    std::vector<TrackPoint> track(index.points().begin() + static_cast<std::ptrdiff_t>(index.begin(s)),
                                  index.points().begin() + static_cast<std::ptrdiff_t>(index.end(s)));
    if (track.empty()) continue;
    bool near = false;
    for (const TrackPoint& p : track)
      near = near || (p.lat_deg > lat_lo && p.lat_deg < lat_hi && p.lon_deg > lon_lo && p.lon_deg < lon_hi);
    if (!near) continue;
    // Only the cells within reach of the track's box.
    std::vector<geo::LatLon> near_points;
    std::vector<std::size_t> near_cells;
    double tlat_lo = 90, tlat_hi = -90, tlon_lo = 180, tlon_hi = -180;
    for (const TrackPoint& p : track) {
      tlat_lo = std::min(tlat_lo, p.lat_deg), tlat_hi = std::max(tlat_hi, p.lat_deg);
      tlon_lo = std::min(tlon_lo, p.lon_deg), tlon_hi = std::max(tlon_hi, p.lon_deg);
    }
    for (std::size_t c = 0; c < cells; ++c) {
      const auto& q = points[c];
      if (q.lat_deg > tlat_lo - 6 && q.lat_deg < tlat_hi + 6 && q.lon_deg > tlon_lo - 7 && q.lon_deg < tlon_hi + 7) {
        near_points.push_back(q);
        near_cells.push_back(c);
      }
    }
    std::vector<double> mm;
    AccumulateRCliper(track, track.front().time_utc, track.back().time_utc + 1, near_points, mm);
    if (mm.empty() || *std::max_element(mm.begin(), mm.end()) < 1.0) continue;
    layer[s].assign(cells, 0.0f);
    for (std::size_t k = 0; k < near_cells.size(); ++k) layer[s][near_cells[k]] = static_cast<float>(mm[k]);
    start[s] = a.time_utc[static_cast<std::size_t>(a.first_fix[s])];
    end[s] = a.time_utc[static_cast<std::size_t>(a.first_fix[s] + a.fix_count[s] - 1)] + 1;
  }
  for (std::size_t s = 0; s < n; ++s) {
    if (layer[s].empty()) continue;
    g.start_utc.push_back(start[s]);
    g.end_utc.push_back(std::max(end[s], start[s] + 1));
    g.storm.push_back(a.id[s]);
    g.mm.insert(g.mm.end(), layer[s].begin(), layer[s].end());
  }
  return g;
}

LiveRain LiveRainFromGrid(const data::RainGrid& grid, std::int64_t now_utc, std::size_t max_points) {
  LiveRain live;
  std::vector<std::size_t> layers;
  for (std::size_t k = 0; k < grid.layers(); ++k)
    if (grid.end_utc[k] <= now_utc) layers.push_back(k);
  if (layers.empty())
    throw Error(ErrorCode::kInvalidArgument, "rain " + grid.source + ": no layer ends by " + taifeng::FormatIsoUtc(now_utc));
  live.start_utc = grid.start_utc[layers.front()];
  live.end_utc = grid.end_utc[layers.back()];
  std::vector<std::size_t> cells;
  for (std::size_t c = 0; c < grid.cells(); ++c) {
    bool ok = true;
    for (std::size_t k : layers) ok = ok && std::isfinite(grid.At(k, c));
    if (ok) cells.push_back(c);
  }
  const std::size_t stride = std::max<std::size_t>(1, (cells.size() + max_points - 1) / std::max<std::size_t>(max_points, 1));
  for (std::size_t i = 0; i < cells.size(); i += stride) {
    const std::size_t c = cells[i];
    double sum = 0;
    for (std::size_t k : layers) sum += grid.At(k, c);
    live.points.push_back({grid.Lat(static_cast<int>(c / grid.nlon)), grid.Lon(static_cast<int>(c % grid.nlon))});
    live.mm.push_back(sum);
  }
  return live;
}

LiveRain LiveRainFromCsv(const std::string& path, std::int64_t start_utc, std::int64_t end_utc) {
  std::ifstream in(path);
  if (!in) throw Error(ErrorCode::kNotFound, path + ": no such file");
  const std::string file = std::filesystem::path(path).filename().string();
  LiveRain live;
  live.start_utc = start_utc;
  live.end_utc = end_utc;
  std::string line;
  std::int64_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    if (n == 1 && line.rfind("lat", 0) == 0) continue;
    std::stringstream ss(line);
    std::string a, b, c;
    if (!std::getline(ss, a, ',') || !std::getline(ss, b, ',') || !std::getline(ss, c, ','))
      throw ParseError(file, n, "row", "lat,lon,mm");
    char* e1 = nullptr;
    char* e2 = nullptr;
    char* e3 = nullptr;
    const double lat = std::strtod(a.c_str(), &e1), lon = std::strtod(b.c_str(), &e2), mm = std::strtod(c.c_str(), &e3);
    if (*e1 || a.empty() || !(lat >= -90 && lat <= 90)) throw ParseError(file, n, "lat", "a latitude in [-90, 90]");
    if (*e2 || b.empty() || !(lon >= -180 && lon <= 360)) throw ParseError(file, n, "lon", "a longitude in degrees");
    if (*e3 || c.empty() || !(mm >= 0 && mm < 5000)) throw ParseError(file, n, "mm", "a rain total in [0, 5000) mm");
    live.points.push_back({lat, geo::NormalizeLonDeg(lon)});
    live.mm.push_back(mm);
  }
  if (live.points.empty()) throw ParseError(file, n, "rows", "at least one site");
  return live;
}

double RainTerm(const LiveRain& live, const std::vector<double>& analog_mm) noexcept {
  const std::size_t n = std::min(live.mm.size(), analog_mm.size());
  if (n < 3) return NAN;
  double ml = 0, ma = 0;
  for (std::size_t i = 0; i < n; ++i) ml += live.mm[i], ma += analog_mm[i];
  ml /= static_cast<double>(n), ma /= static_cast<double>(n);
  double sll = 0, saa = 0, sla = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double dl = live.mm[i] - ml, da = analog_mm[i] - ma;
    sll += dl * dl, saa += da * da, sla += dl * da;
  }
  if (sll <= 0 && saa <= 0) return NAN;
  const double r = sll > 0 && saa > 0 ? sla / std::sqrt(sll * saa) : 0.0;
  return (1.0 - r) / 2.0 + std::fabs(std::log((ma + 1.0) / (ml + 1.0)));
}

std::vector<double> AnalogStageRain(const MatchIndex& index, const Analog& analog, const LiveRain& live,
                                    const data::RainGrid* observed) {
  const std::int64_t length = live.end_utc - live.start_utc;
  const std::int64_t to = analog.matched_utc, from = to - length;
  std::vector<double> mm(live.points.size(), 0.0);
  std::vector<geo::LatLon> modelled_points;
  std::vector<std::size_t> modelled_index;
  for (std::size_t i = 0; i < live.points.size(); ++i) {
    const auto cell = observed ? observed->Cell(live.points[i].lat_deg, live.points[i].lon_deg) : std::nullopt;
    if (!cell) {
      modelled_points.push_back(live.points[i]);
      modelled_index.push_back(i);
      continue;
    }
    for (std::size_t k = 0; k < observed->layers(); ++k) {
      // The share of the layer's period inside [from, to).
      const double lo = static_cast<double>(std::max(observed->start_utc[k], from));
      const double hi = static_cast<double>(std::min(observed->end_utc[k], to));
      if (hi <= lo) continue;
      const double v = observed->At(k, *cell);
      if (std::isfinite(v))
        mm[i] += v * (hi - lo) / static_cast<double>(observed->end_utc[k] - observed->start_utc[k]);
    }
  }
  if (!modelled_points.empty()) {
    std::vector<TrackPoint> track(index.points().begin() + static_cast<std::ptrdiff_t>(index.begin(analog.storm)),
                                  index.points().begin() + static_cast<std::ptrdiff_t>(index.end(analog.storm)));
    std::vector<double> model;
    AccumulateRCliper(track, from, to, modelled_points, model);
    for (std::size_t k = 0; k < modelled_index.size(); ++k) mm[modelled_index[k]] = model[k];
  }
  return mm;
}

MatchResult MatchWithRain(const MatchIndex& index, const std::vector<TrackPoint>& live, const MatchOptions& options,
                          const MatchFilter& filter, const LiveRain& live_rain,
                          const std::vector<const data::RainGrid*>& observed, const RainMatchOptions& rain_options,
                          std::vector<double>* rain_terms) {
  MatchOptions wide = options;
  wide.top_k = options.top_k * std::max(rain_options.rain_candidates, 1);
  MatchResult result = Match(index, live, wide, filter);
  std::vector<std::pair<double, std::size_t>> order;
  std::vector<double> terms(result.analogs.size());
  for (std::size_t i = 0; i < result.analogs.size(); ++i) {
    Analog& a = result.analogs[i];
    const data::RainGrid* grid = a.storm < observed.size() ? observed[a.storm] : nullptr;
    terms[i] = RainTerm(live_rain, AnalogStageRain(index, a, live_rain, grid));
    const double cost = std::isfinite(terms[i]) ? terms[i] / rain_options.scale_rain : options.missing_term_cost;
    a.score += rain_options.w_rain * cost;
    order.emplace_back(a.score, i);
  }
  std::stable_sort(order.begin(), order.end());
  MatchResult out = result;
  out.analogs.clear();
  if (rain_terms) rain_terms->clear();
  for (std::size_t k = 0; k < order.size() && out.analogs.size() < static_cast<std::size_t>(options.top_k); ++k) {
    out.analogs.push_back(std::move(result.analogs[order[k].second]));
    if (rain_terms) rain_terms->push_back(terms[order[k].second]);
  }
  return out;
}

}  // namespace taifeng::core
