// The synthetic catalog's events at the atlas's sites (risk.h).
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <limits>
#include <mutex>
#include <utility>

#include "taifeng/base/error.h"
#include "taifeng/core/matcher.h"
#include "taifeng/core/rain.h"
#include "taifeng/core/risk.h"
#include "taifeng/data/units.h"

namespace taifeng::core {

namespace {

constexpr double kKmPerDeg = 111.195;

std::vector<double> Steps(double from, double to, double step) {
  std::vector<double> e;
  for (int i = 0; from + i * step <= to + 1e-9; ++i) e.push_back(from + i * step);
  return e;
}

// Per-thread scratch for one storm: per point its maximum wind, its rain total, its rolling 24 h
// window (a ring of hourly amounts) and the wettest 24 h; only the points the storm reached are
// touched and reset.
struct Scratch {
  std::vector<double> wind, total, window, best24;
  std::vector<double> ring;              // 24 per point
  std::vector<std::int64_t> last_hour;   // the last hour the ring was brought up to; kUntouched
  static constexpr std::int64_t kUntouched = std::numeric_limits<std::int64_t>::min();  // (hours before 1970 are negative)
  std::vector<std::uint32_t> touched;
  explicit Scratch(std::size_t n) : wind(n), total(n), window(n), best24(n), ring(24 * n), last_hour(n, kUntouched) {}
  static std::size_t Slot(std::int64_t hour) { return static_cast<std::size_t>(((hour % 24) + 24) % 24); }

  void Rain(std::uint32_t p, std::int64_t hour, double mm) {
    double* r = &ring[24 * static_cast<std::size_t>(p)];
    if (last_hour[p] == kUntouched) {
      touched.push_back(p);
      last_hour[p] = hour;
    }
    for (std::int64_t h = last_hour[p] + 1; h <= hour && h - last_hour[p] <= 24; ++h) {  // hours that passed dry
      window[p] -= r[Slot(h)];
      r[Slot(h)] = 0;
    }
    if (hour - last_hour[p] > 24) window[p] = 0;
    last_hour[p] = hour;
    r[Slot(hour)] += mm;
    window[p] += mm;
    total[p] += mm;
    best24[p] = std::max(best24[p], window[p]);
  }
  void Reset() {
    for (const std::uint32_t p : touched) {
      wind[p] = total[p] = window[p] = best24[p] = 0;
      std::fill_n(&ring[24 * static_cast<std::size_t>(p)], 24, 0.0);
      last_hour[p] = kUntouched;
    }
    touched.clear();
  }
};

struct Geometry {
  std::vector<std::array<double, 3>> unit;  // of each point
  double lat_min = 90, lat_max = -90, lon_min = 180, lon_max = -180;
  std::vector<std::vector<std::uint32_t>> sites_of;  // per point: the sites holding it
  std::vector<double> gust_factor;                   // per point
};

Geometry MakeGeometry(const std::vector<RiskPoint>& points, const std::vector<RiskSite>& sites) {
  Geometry g;
  g.unit.resize(points.size());
  g.sites_of.resize(points.size());
  g.gust_factor.resize(points.size());
  for (std::size_t i = 0; i < points.size(); ++i) {
    UnitVector(points[i].lat_deg, points[i].lon_deg, g.unit[i].data());
    g.gust_factor[i] = points[i].gust_factor;
    g.lat_min = std::min(g.lat_min, points[i].lat_deg), g.lat_max = std::max(g.lat_max, points[i].lat_deg);
    g.lon_min = std::min(g.lon_min, points[i].lon_deg), g.lon_max = std::max(g.lon_max, points[i].lon_deg);
  }
  for (std::size_t s = 0; s < sites.size(); ++s)
    for (const std::uint32_t p : sites[s].points) {
      if (p >= points.size()) throw Error(ErrorCode::kInvalidArgument, "risk site " + std::to_string(s) + ": a point index out of range");
      g.sites_of[p].push_back(static_cast<std::uint32_t>(s));
    }
  return g;
}

// Whether a centre is within reach of the points' box (a cheap test before the points).
bool NearBox(const TrackPoint& t, const Geometry& g, double reach_km) {
  const double pad = reach_km / kKmPerDeg, lon_pad = pad / std::max(0.2, std::cos(t.lat_deg * M_PI / 180));
  return t.lat_deg >= g.lat_min - pad && t.lat_deg <= g.lat_max + pad && t.lon_deg >= g.lon_min - lon_pad && t.lon_deg <= g.lon_max + lon_pad;
}

// One hour of one storm at every point within reach.
void StepHour(const std::vector<TrackPoint>& track, std::size_t k, const Geometry& g, const CatalogOptions& o, Scratch& s) {
  const TrackPoint& t = track[k];
  if (!std::isfinite(t.wind_ms) || !NearBox(t, g, o.reach_km)) return;
  const TrackPoint& a = track[k == 0 ? 0 : k - 1];
  const TrackPoint& b = track[k + 1 < track.size() ? k + 1 : k];
  WindCentre c;
  c.lat_deg = t.lat_deg, c.lon_deg = t.lon_deg, c.vmax_ms = t.wind_ms, c.pressure_hpa = t.pressure_hpa;
  const double dt = static_cast<double>(b.time_utc - a.time_utc);
  if (dt > 0) {
    double dlon = b.lon_deg - a.lon_deg;
    if (dlon > 180) dlon -= 360;
    if (dlon < -180) dlon += 360;
    c.motion_east_ms = dlon * kKmPerDeg * 1000 * std::cos(t.lat_deg * M_PI / 180) / dt;
    c.motion_north_ms = (b.lat_deg - a.lat_deg) * kKmPerDeg * 1000 / dt;
  }
  const PreparedCentre pc = Prepare(c, o.wind);
  const double vmax_1min = data::ConvertAveraging(t.wind_ms, data::WindAveraging::kTenMinute, data::WindAveraging::kOneMinute);
  double centre[3];
  UnitVector(t.lat_deg, t.lon_deg, centre);
  const std::int64_t hour = t.time_utc / 3600;
  const double min_dot = std::cos(o.reach_km / 6371.0088);  // within reach <=> the unit vectors' dot product is at least this
  for (std::size_t p = 0; p < g.unit.size(); ++p) {
    const double* u = g.unit[p].data();
    if (centre[0] * u[0] + centre[1] * u[1] + centre[2] * u[2] < min_dot) continue;
    const double r = ArcKm(centre, u);
    if (r > o.reach_km) continue;
    const auto i = static_cast<std::uint32_t>(p);
    s.Rain(i, hour, RCliperRateMmH(r, vmax_1min));  // mm in this hour
    if (pc.valid) s.wind[p] = std::max(s.wind[p], WindAt(pc, g.unit[p].data()));
  }
}

// Whether the storm comes within reach of the points' box at all.
bool Reaches(const std::vector<TrackPoint>& track, const Geometry& g, double reach_km) {
  return std::any_of(track.begin(), track.end(), [&](const TrackPoint& t) { return NearBox(t, g, reach_km + 200); });  // 6-hourly: 200 km of slack
}

// One storm's events, added for catalog year `year`.
void AddStorm(const data::Storm& storm, std::int64_t year, const Geometry& g, const std::vector<RiskSite>& sites, const CatalogOptions& o,
              Scratch& s, CatalogTables& tables) {
  const Resampled six = ResampleSixHourly(storm.fixes, storm.wind_averaging);
  if (six.points.size() < 2 || !Reaches(six.points, g, o.reach_km)) return;
  const std::vector<TrackPoint> hourly = Interpolate(six.points, 3600);
  for (std::size_t k = 0; k < hourly.size(); ++k) StepHour(hourly, k, g, o, s);
  std::vector<std::uint32_t> hit;  // the sites with a touched point
  for (const std::uint32_t p : s.touched)
    for (const std::uint32_t site : g.sites_of[p]) hit.push_back(site);
  std::sort(hit.begin(), hit.end());
  hit.erase(std::unique(hit.begin(), hit.end()), hit.end());
  for (const std::uint32_t site : hit) {
    double wind = 0, gust = 0, total = 0, best = 0;
    for (const std::uint32_t p : sites[site].points) {
      wind = std::max(wind, s.wind[p]), gust = std::max(gust, s.wind[p] * g.gust_factor[p]);
      total += s.total[p], best += s.best24[p];
    }
    const double n = static_cast<double>(sites[site].points.size());
    tables.wind[site].AddEvent(wind, year);
    tables.gust[site].AddEvent(gust, year);
    tables.rain_total[site].AddEvent(total / n, year);
    tables.rain_24h[site].AddEvent(best / n, year);
  }
  s.Reset();
}

}  // namespace

LandMask::LandMask(const geo::RegionSet& land, double south, double west, double north, double east, double step_deg)
    : south_(south), west_(west), step_(step_deg) {
  if (!(step_deg > 0) || !(north > south) || !(east > west)) throw Error(ErrorCode::kInvalidArgument, "land mask: a box and a step > 0");
  nlat_ = static_cast<int>(std::ceil((north - south) / step_deg)), nlon_ = static_cast<int>(std::ceil((east - west) / step_deg));
  land_.assign(static_cast<std::size_t>(nlat_) * static_cast<std::size_t>(nlon_), 0);
#pragma omp parallel for schedule(dynamic, 8)
  for (int r = 0; r < nlat_; ++r)
    for (int c = 0; c < nlon_; ++c)
      land_[static_cast<std::size_t>(r) * nlon_ + c] = land.Locate(south + (r + 0.5) * step_deg, west + (c + 0.5) * step_deg) ? 1 : 0;
}

bool LandMask::OverLand(double lat_deg, double lon_deg) const noexcept {
  const double r = std::floor((lat_deg - south_) / step_), c = std::floor((lon_deg - west_) / step_);
  if (!(r >= 0 && r < nlat_ && c >= 0 && c < nlon_)) return false;
  return land_[static_cast<std::size_t>(r) * nlon_ + static_cast<std::size_t>(c)] != 0;
}

double LandMask::GustFactorAt(double lat_deg, double lon_deg) const noexcept {
  const bool land = OverLand(lat_deg, lon_deg);
  for (const double d : {0.1, 0.2})
    for (int k = 0; k < 8; ++k) {
      const double a = k * M_PI / 4;
      if (OverLand(lat_deg + d * std::cos(a), lon_deg + d * std::sin(a) / std::max(0.2, std::cos(lat_deg * M_PI / 180))) != land)
        return GustFactor(Exposure::kOffSea, data::WindAveraging::kTenMinute);  // the coast, on either side
    }
  if (!land) return GustFactor(Exposure::kAtSea, data::WindAveraging::kTenMinute);
  // Inland the marine-exposure mean is first reduced for the rougher surface (0.8, as the hazard's
  // default inland_mean_factor), then the off-land factor applies.
  return 0.8 * GustFactor(Exposure::kOffLand, data::WindAveraging::kTenMinute);
}

void ApplyLandDecay(data::Storm& synthetic, const data::Storm& parent, const LandMask& land, double alpha_per_h, double floor_ms) {
  const std::size_t n = std::min(synthetic.fixes.size(), parent.fixes.size());
  double synthetic_h = 0, parent_h = 0;  // hours since each made landfall (0 at sea)
  double parent_sea_ms = NAN;           // the parent's wind at its last fix at sea
  for (std::size_t k = 0; k < n; ++k) {
    data::Fix& f = synthetic.fixes[k];
    const data::Fix& p = parent.fixes[k];
    const double dt_h = k == 0 ? 0 : static_cast<double>(f.time_utc - synthetic.fixes[k - 1].time_utc) / 3600.0;
    const bool s_land = land.OverLand(f.lat_deg, f.lon_deg), p_land = land.OverLand(p.lat_deg, p.lon_deg);
    synthetic_h = s_land ? synthetic_h + dt_h : 0;
    parent_h = p_land ? parent_h + dt_h : 0;
    if (!p_land) parent_sea_ms = p.wind_ms;
    const double extra_h = synthetic_h - parent_h;  // > 0: decay further; < 0: undo the parent's decay
    if (extra_h == 0 || !(f.wind_ms > floor_ms)) continue;
    const double v = f.wind_ms;
    double changed = floor_ms + (v - floor_ms) * std::exp(-alpha_per_h * extra_h);
    if (extra_h < 0) {  // at most the parent's intensity before its landfall (perturbation kept)
      const double cap = std::isfinite(parent_sea_ms) && p.wind_ms > 0 ? parent_sea_ms * v / p.wind_ms : v;
      changed = std::min(changed, std::max(cap, v));
    }
    f.wind_ms = static_cast<float>(changed);
    if (f.pressure_hpa < 1010) f.pressure_hpa = static_cast<float>(1010 - (1010 - f.pressure_hpa) * (changed * changed) / (v * v));
  }
}

CatalogTables MakeCatalogTables(std::size_t sites, CatalogOptions& o) { return MakeCatalogTables(std::vector<int>(sites, 0), o); }

CatalogTables MakeCatalogTables(const std::vector<int>& blocks, CatalogOptions& o) {
  if (o.wind_edges.empty()) o.wind_edges = Steps(10, 90, 2);
  if (o.gust_edges.empty()) o.gust_edges = Steps(10, 120, 2);
  if (o.rain_edges.empty()) o.rain_edges = Steps(25, 2000, 25);
  CatalogTables t;
  for (auto* list : t.all()) list->reserve(blocks.size());
  for (const int b : blocks) {
    const int n = b > 0 ? b : o.blocks;
    t.wind.emplace_back(o.wind_edges, n);
    t.gust.emplace_back(o.gust_edges, n);
    t.rain_total.emplace_back(o.rain_edges, n);
    t.rain_24h.emplace_back(o.rain_edges, n);
  }
  return t;
}

void AddCatalogYears(const std::vector<std::vector<data::Storm>>& seasons, const std::vector<RiskPoint>& points,
                     const std::vector<RiskSite>& sites, const CatalogOptions& options, int offset, int stride, CatalogTables& tables,
                     const std::function<void(std::int64_t, std::int64_t)>& progress) {
  if (seasons.empty() || options.years <= 0 || stride < 1 || offset < 0 || offset >= stride)
    throw Error(ErrorCode::kInvalidArgument, "risk catalog: seasons, years > 0 and a share 0 <= offset < stride are needed");
  for (const auto* list : std::as_const(tables).all())
    if (list->size() != sites.size()) throw Error(ErrorCode::kInvalidArgument, "risk catalog: one table per site (MakeCatalogTables)");
  const Geometry g = MakeGeometry(points, sites);
  const std::int64_t years_here = (options.years - offset + stride - 1) / stride;
  std::atomic<std::int64_t> done{0}, storms{0};
  std::exception_ptr failure;
  std::mutex merge;
#pragma omp parallel
  {
    CatalogTables mine = tables;  // the same edges and blocks, counted from zero
    for (auto* list : mine.all())
      for (ExceedanceTable& t : *list) std::fill(t.counts().begin(), t.counts().end(), 0);
    Scratch scratch(points.size());
#pragma omp for schedule(dynamic, 4)
    for (std::int64_t i = 0; i < years_here; ++i) {
      const std::int64_t year = offset + i * stride;
      try {
        const auto& season = seasons[static_cast<std::size_t>(year % static_cast<std::int64_t>(seasons.size()))];
        for (std::size_t j = 0; j < season.size(); ++j) {
          SyntheticOptions p = options.perturb;
          p.seed = options.seed, p.first_index = static_cast<std::size_t>(year) * 4096 + j;  // storm j of year y: its own stream
          auto synthetic = SynthesizeStorms({season[j]}, 1, p);
          if (synthetic.empty()) continue;
          if (options.land) ApplyLandDecay(synthetic.front(), season[j], *options.land);
          AddStorm(synthetic.front(), year, g, sites, options, scratch, mine);
          ++storms;
        }
      } catch (...) {
#pragma omp critical(risk_failure)
        if (!failure) failure = std::current_exception();
      }
      const std::int64_t n = ++done;
      if (progress && omp_get_thread_num() == 0) progress(n, years_here);
    }
    std::lock_guard<std::mutex> lock(merge);
    for (std::size_t q = 0; q < 4; ++q)
      for (std::size_t s = 0; s < sites.size(); ++s) (*tables.all()[q])[s].Add((*mine.all()[q])[s]);
  }
  if (failure) std::rethrow_exception(failure);
  tables.storms += storms.load();
  tables.years_done += years_here;
}

CatalogTables HistoricalTables(const std::vector<std::vector<data::Storm>>& seasons, const std::vector<RiskPoint>& points,
                               const std::vector<RiskSite>& sites, CatalogOptions options) {
  options.blocks = static_cast<int>(seasons.size());
  CatalogTables t = MakeCatalogTables(sites.size(), options);
  const Geometry g = MakeGeometry(points, sites);
  Scratch scratch(points.size());
  for (std::size_t y = 0; y < seasons.size(); ++y)
    for (const data::Storm& storm : seasons[y]) {
      AddStorm(storm, static_cast<std::int64_t>(y), g, sites, options, scratch, t);
      ++t.storms;
    }
  t.years_done = static_cast<std::int64_t>(seasons.size());
  return t;
}

std::vector<int> YearlyCountsWithin(const std::vector<std::vector<data::Storm>>& seasons, const CatalogOptions& options, bool synthetic,
                                    double lat_deg, double lon_deg, double radius_km) {
  if (seasons.empty()) throw Error(ErrorCode::kInvalidArgument, "yearly counts: no seasons");
  const std::int64_t years = synthetic ? options.years : static_cast<std::int64_t>(seasons.size());
  std::vector<int> counts(static_cast<std::size_t>(std::max<std::int64_t>(years, 0)), 0);
  double centre[3];
  UnitVector(lat_deg, lon_deg, centre);
  const auto within = [&](const data::Storm& st) {
    return std::any_of(st.fixes.begin(), st.fixes.end(), [&](const data::Fix& f) {
      double u[3];
      UnitVector(f.lat_deg, f.lon_deg, u);
      return ArcKm(centre, u) <= radius_km;
    });
  };
  std::exception_ptr failure;
#pragma omp parallel for schedule(dynamic, 16)
  for (std::int64_t y = 0; y < years; ++y) {
    const auto& season = seasons[static_cast<std::size_t>(y % static_cast<std::int64_t>(seasons.size()))];
    int n = 0;
    try {
    for (std::size_t j = 0; j < season.size(); ++j) {
      if (!synthetic) {
        n += within(season[j]) ? 1 : 0;
        continue;
      }
      SyntheticOptions p = options.perturb;
      p.seed = options.seed, p.first_index = static_cast<std::size_t>(y) * 4096 + j;
      const auto s = SynthesizeStorms({season[j]}, 1, p);
      n += !s.empty() && within(s.front()) ? 1 : 0;
    }
    } catch (...) {
#pragma omp critical(risk_counts_failure)
      if (!failure) failure = std::current_exception();
    }
    counts[static_cast<std::size_t>(y)] = n;
  }
  if (failure) std::rethrow_exception(failure);
  return counts;
}

}  // namespace taifeng::core
