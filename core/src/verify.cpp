#include "taifeng/core/verify.h"

#include <algorithm>
#include <cmath>

#include "taifeng/data/units.h"
#include "taifeng/base/error.h"
#include "taifeng/geo/geodesy.h"

namespace taifeng::core {
namespace {

constexpr std::int64_t kStep = 6 * 3600;

// Whether the storm is a tropical cyclone of at least tropical depression strength at time t:
// the fixes at or around t (the one at t, or the ones before and after it) have a tropical
// category (TD to super typhoon); a fix of unknown category counts by its wind (>= 10.8 m/s,
// 10-min equivalent). Extratropical, subtropical and sub-depression stages do not count.
class TropicalClock {
 public:
  explicit TropicalClock(const data::Storm& storm) : storm_(storm) {}
  bool operator()(std::int64_t t) const {
    const auto& f = storm_.fixes;
    const auto it =
        std::lower_bound(f.begin(), f.end(), t, [](const data::Fix& x, std::int64_t v) { return x.time_utc < v; });
    if (it != f.end() && it->time_utc == t) return Tropical(*it);
    if (it == f.end() || it == f.begin()) return false;
    return Tropical(*(it - 1)) && Tropical(*it);
  }

 private:
  bool Tropical(const data::Fix& x) const {
    const auto c = static_cast<int>(x.category);
    if (c >= 1 && c <= 6) return true;
    if (x.category != data::Category::kUnknown) return false;
    return data::ConvertAveraging(x.wind_ms, storm_.wind_averaging, data::WindAveraging::kTenMinute) >=
           CliperModel::kTropicalDepressionMs;
  }
  const data::Storm& storm_;
};

struct Accumulator {
  double track[3] = {0, 0, 0}, along[3] = {0, 0, 0}, cross[3] = {0, 0, 0}, wind[3] = {0, 0, 0};
  std::size_t cases = 0, wind_cases = 0, inside_cone = 0;
};

void Add(Accumulator& a, const VerifyCase& c) {
  for (int m = 0; m < 3; ++m) {
    a.track[m] += c.error_km[m];
    a.along[m] += c.along_km[m];
    a.cross[m] += c.cross_km[m];
    if (c.wind_known) a.wind[m] += std::abs(c.wind[m] - c.obs_wind);
  }
  ++a.cases;
  if (c.wind_known) ++a.wind_cases;
  if (c.error_km[0] <= c.cone_km) ++a.inside_cone;
}

// Forecasts every 6-hourly time of one storm's resampled track (points with continuity flags)
// and adds the homogeneous cases (one per lead in options.leads_h) to `report`.
void VerifyTrack(const MatchIndex& index, const data::Storm& storm, const std::vector<TrackPoint>& pts,
                 const std::vector<std::uint8_t>& cont, const MatchFilter& filter, const CliperModel& cliper,
                 const VerifyOptions& o, VerifyReport& report) {
  const std::size_t n = static_cast<std::size_t>(o.match.window_h / 6 + 1);
  const std::size_t history = std::max<std::size_t>(n, 5);  // CLIPER needs 24 h
  const TropicalClock tropical(storm);
  const std::string& id = storm.id;
  std::size_t run = 0;
  for (std::size_t e = 0; e < pts.size(); ++e) {
    run = cont[e] ? run + 1 : 1;
    if (run < history || !tropical(pts[e].time_utc)) continue;
    const std::vector<TrackPoint> observed(pts.begin() + static_cast<std::ptrdiff_t>(e + 1 - history),
                                           pts.begin() + static_cast<std::ptrdiff_t>(e + 1));
    const auto h = ForecastFrom(index, observed, &cliper, o.match, o.forecast, filter);
    if (!h || !h->cliper) continue;
    const Forecast& analog = h->analog;
    const Forecast& persistence = h->persistence;
    const Forecast* cl = &*h->cliper;
    ++report.forecasts;
    for (std::size_t li = 0; li < o.leads_h.size(); ++li) {
      const int lead = o.leads_h[li];
      const std::size_t v = e + static_cast<std::size_t>(lead / 6);
      if (v >= pts.size()) break;
      bool same_piece = true;
      for (std::size_t j = e + 1; j <= v; ++j) same_piece = same_piece && cont[j];
      if (!same_piece || pts[v].time_utc - pts[e].time_utc != lead * 3600LL) break;
      if (!tropical(pts[v].time_utc)) continue;
      const ForecastPoint* f[3] = {analog.At(lead), cl->At(lead), persistence.At(lead)};
      if (!f[0] || !f[1] || !f[2]) continue;
      const TrackPoint& obs = pts[v];
      const TrackPoint& prev = pts[v - 1];
      const double motion = geo::Inverse(prev.lat_deg, prev.lon_deg, obs.lat_deg, obs.lon_deg).azimuth2_deg;
      VerifyCase c;
      c.storm = id;
      c.season = storm.season;
      c.init_utc = pts[e].time_utc;
      c.lead_h = lead;
      c.obs_lat = obs.lat_deg, c.obs_lon = obs.lon_deg, c.obs_wind = obs.wind_ms;
      c.cone_km = f[0]->cone_km;
      c.wind_known = !std::isnan(obs.wind_ms) && !std::isnan(f[0]->wind_ms) && !std::isnan(f[1]->wind_ms) && !std::isnan(f[2]->wind_ms);
      for (int m = 0; m < 3; ++m) {
        const geo::GeodesicLine err = geo::Inverse(obs.lat_deg, obs.lon_deg, f[m]->lat_deg, f[m]->lon_deg);
        const double angle = (err.azimuth1_deg - motion) * M_PI / 180.0;
        c.lat[m] = f[m]->lat_deg, c.lon[m] = f[m]->lon_deg, c.wind[m] = f[m]->wind_ms, c.error_km[m] = err.distance_km;
        c.along_km[m] = err.distance_km * std::cos(angle), c.cross_km[m] = err.distance_km * std::sin(angle);
      }
      report.cases.push_back(c);
    }
  }
}

// The scores per lead, summed over the report's cases in their order.
void Summarise(const VerifyOptions& o, VerifyReport& report) {
  std::vector<Accumulator> acc(o.leads_h.size());
  for (const VerifyCase& c : report.cases) {
    const auto at = std::find(o.leads_h.begin(), o.leads_h.end(), c.lead_h);
    if (at != o.leads_h.end()) Add(acc[static_cast<std::size_t>(at - o.leads_h.begin())], c);
  }
  report.leads.clear();
  for (std::size_t li = 0; li < o.leads_h.size(); ++li) {
    const Accumulator& a = acc[li];
    LeadScores s;
    s.lead_h = o.leads_h[li];
    s.cases = a.cases;
    const double n = a.cases ? static_cast<double>(a.cases) : std::nan("");
    const double nw = a.wind_cases ? static_cast<double>(a.wind_cases) : std::nan("");
    MethodScores* m[3] = {&s.analog, &s.cliper, &s.persistence};
    for (int k = 0; k < 3; ++k) {
      m[k]->track_km = a.track[k] / n;
      m[k]->along_km = a.along[k] / n;
      m[k]->cross_km = a.cross[k] / n;
      m[k]->wind_mae_ms = a.wind[k] / nw;
      m[k]->wind_cases = a.wind_cases;
    }
    s.cone_coverage = static_cast<double>(a.inside_cone) / n;
    report.leads.push_back(s);
  }
}

}  // namespace

VerifyReport VerifyLeaveOneSeasonOut(const MatchIndex& index, int first_season, int last_season,
                                     const VerifyOptions& o) {
  if (first_season > last_season) throw Error(ErrorCode::kInvalidArgument, "seasons: first after last");
  const data::Archive& a = index.archive();
  std::vector<std::size_t> storms;
  for (std::size_t s = 0; s < index.storm_count(); ++s) {
    if (a.season[s] < first_season || a.season[s] > last_season) continue;
    if (!o.filter.agencies.empty() && !o.filter.agencies.count(a.agency[s])) continue;
    if (!o.filter.exclude.empty() && o.filter.exclude.count(a.id[s])) continue;
    storms.push_back(s);
  }
  if (o.parts < 1 || o.part < 0 || o.part >= o.parts) throw Error(ErrorCode::kInvalidArgument, "verify: a share 0 <= part < parts is needed");
  VerifyReport report;
  std::size_t done = 0, mine = 0;
  for (std::size_t s : storms) mine += (a.season[s] - first_season) % o.parts == o.part ? 1 : 0;
  for (int season = first_season; season <= last_season; ++season) {
    if ((season - first_season) % o.parts != o.part) continue;
    MatchFilter filter = o.filter;
    filter.exclude_seasons.insert(season);
    bool any = false;
    for (std::size_t s : storms) any = any || a.season[s] == season;
    if (!any) continue;
    const CliperModel cliper = CliperModel::Fit(index, filter);
    for (std::size_t s : storms) {
      if (a.season[s] != season) continue;
      const std::vector<TrackPoint> pts(index.points().begin() + static_cast<std::ptrdiff_t>(index.begin(s)),
                                        index.points().begin() + static_cast<std::ptrdiff_t>(index.end(s)));
      const std::vector<std::uint8_t> cont(index.continuous().begin() + static_cast<std::ptrdiff_t>(index.begin(s)),
                                           index.continuous().begin() + static_cast<std::ptrdiff_t>(index.end(s)));
      VerifyTrack(index, a.StormAt(s), pts, cont, filter, cliper, o, report);
      ++report.storms;
      if (o.progress) o.progress(++done, mine);
    }
  }
  Summarise(o, report);
  return report;
}

VerifyReport CombineReports(std::vector<VerifyReport> shares, const VerifyOptions& o) {
  VerifyReport all;
  std::vector<std::pair<int, std::size_t>> seasons;  // (season, share) of each season's cases
  for (std::size_t k = 0; k < shares.size(); ++k) {
    all.storms += shares[k].storms, all.forecasts += shares[k].forecasts;
    for (const VerifyCase& c : shares[k].cases)
      if (seasons.empty() || seasons.back() != std::make_pair(c.season, k)) seasons.emplace_back(c.season, k);
  }
  std::sort(seasons.begin(), seasons.end());
  for (std::size_t i = 1; i < seasons.size(); ++i)
    if (seasons[i].first == seasons[i - 1].first)
      throw Error(ErrorCode::kInvalidArgument, "verify: season " + std::to_string(seasons[i].first) + " is in two shares");
  for (const auto& [season, k] : seasons)
    for (const VerifyCase& c : shares[k].cases)
      if (c.season == season) all.cases.push_back(c);
  Summarise(o, all);
  return all;
}

VerifyReport VerifyStorms(const MatchIndex& index, const std::vector<data::Storm>& storms, const CliperModel& cliper,
                          const VerifyOptions& o) {
  VerifyReport report;
  std::size_t done = 0;
  for (const data::Storm& s : storms) {
    const Resampled r = ResampleSixHourly(s.fixes, s.wind_averaging);
    MatchFilter filter = o.filter;
    filter.exclude.insert(s.id);
    VerifyTrack(index, s, r.points, r.continuous, filter, cliper, o, report);
    ++report.storms;
    if (o.progress) o.progress(++done, storms.size());
  }
  Summarise(o, report);
  return report;
}

}  // namespace taifeng::core
