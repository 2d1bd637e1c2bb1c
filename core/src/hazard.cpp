#include "taifeng/core/hazard.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <numeric>

#include "taifeng/data/units.h"
#include "taifeng/base/error.h"

namespace taifeng::core {
namespace {

struct PreparedRegion {
  std::vector<geo::LatLon> points;
  std::vector<double> xyz;  // unit vectors, 3 per point
  double cap[3] = {};
  double cap_km = 0;  // every point within this arc of cap
  Exposure exposure = Exposure::kOffLand;
};

// What one member does to every region: per step, the region's maximum 10-minute wind and its
// areal-mean rain (mm in the step).
struct MemberFields {
  std::vector<float> wind10;  // [region][step]
  std::vector<float> rain;    // [region][step]
  std::vector<std::uint8_t> observed;  // [region]: some rain came from an observed grid
  std::size_t steps = 0;
};

Stat Summarise(const std::vector<double>& values, const std::vector<double>& weights, double q) {
  Stat s;
  std::vector<std::pair<double, double>> vw;
  double total = 0;
  for (std::size_t m = 0; m < values.size(); ++m) {
    s.mean += weights[m] * values[m];
    total += weights[m];
    vw.emplace_back(values[m], weights[m]);
  }
  s.mean = total > 0 ? s.mean / total : NAN;
  s.p90 = WeightedQuantile(std::move(vw), q);
  return s;
}

// The wettest run of `n` consecutive steps (all of them when the series is shorter).
double WettestWindow(const float* series, std::size_t steps, std::size_t n) {
  if (steps == 0) return 0.0;
  n = std::clamp<std::size_t>(n, 1, steps);
  double sum = 0, best = 0;
  for (std::size_t k = 0; k < steps; ++k) {
    sum += series[k];
    if (k >= n) sum -= series[k - n];
    if (k + 1 >= n) best = std::max(best, sum);
  }
  return best;
}

// Observed rain of an analog at a point: per layer of the grid, the share of the layer's total
// that falls in each hour, from R-CLIPER along the analog's real track (uniform when R-CLIPER has
// no rain there).
struct ObservedSource {
  const data::RainGrid* grid = nullptr;
  std::int64_t matched_utc = 0;
  std::vector<TrackPoint> hourly;  // the analog's real track, hourly
};

MemberFields RunMember(const Member& member, const std::vector<PreparedRegion>& regions, const HazardOptions& o,
                       std::int64_t now_utc, std::size_t steps, const ObservedSource* observed) {
  MemberFields f;
  f.steps = steps;
  const std::size_t R = regions.size();
  f.wind10.assign(R * steps, 0.0f);
  f.rain.assign(R * steps, 0.0f);
  f.observed.assign(R, 0);
  const std::int64_t step_s = static_cast<std::int64_t>(o.step_h) * 3600;
  const std::vector<TrackPoint> track = Interpolate(member.track, step_s);
  for (std::size_t k = 0; k < track.size(); ++k) {
    const TrackPoint& p = track[k];
    const std::int64_t rel = p.time_utc - now_utc;
    if (rel < 0 || rel % step_s != 0) continue;
    const std::size_t step = static_cast<std::size_t>(rel / step_s);
    if (step >= steps) break;
    WindCentre c;
    c.lat_deg = p.lat_deg, c.lon_deg = p.lon_deg, c.vmax_ms = p.wind_ms, c.pressure_hpa = p.pressure_hpa;
    const TrackPoint& a = track[k > 0 ? k - 1 : k];
    const TrackPoint& b = track[k + 1 < track.size() ? k + 1 : k];
    if (b.time_utc > a.time_utc) {
      const double dt = static_cast<double>(b.time_utc - a.time_utc);
      const double mid_lat = 0.5 * (a.lat_deg + b.lat_deg) * std::numbers::pi / 180.0;
      c.motion_north_ms = (b.lat_deg - a.lat_deg) * 111195.0 / dt;
      c.motion_east_ms = geo::LonDifferenceDeg(a.lon_deg, b.lon_deg) * 111195.0 * std::cos(mid_lat) / dt;
      c.dp_dt_hpa_h = std::isfinite(b.pressure_hpa - a.pressure_hpa) ? (b.pressure_hpa - a.pressure_hpa) / (dt / 3600.0) : 0.0;
    }
    const PreparedCentre pc = Prepare(c, o.wind);
    double centre[3];
    UnitVector(p.lat_deg, p.lon_deg, centre);
    const double v1 = data::ConvertAveraging(p.wind_ms, data::WindAveraging::kTenMinute, data::WindAveraging::kOneMinute);
    const std::int64_t analog_t = observed ? observed->matched_utc + rel : 0;
    for (std::size_t r = 0; r < R; ++r) {
      const PreparedRegion& reg = regions[r];
      const double gap = ArcKm(centre, reg.cap) - reg.cap_km;
      const std::size_t n = reg.points.size();
      float& wind = f.wind10[r * steps + step];
      float& rain = f.rain[r * steps + step];
      if (gap <= o.wind_cutoff_km && pc.valid) {
        double best = 0;
        for (std::size_t i = 0; i < n; ++i) best = std::max(best, WindAt(pc, &reg.xyz[3 * i]));
        wind = static_cast<float>(best);
      }
      const bool rain_near = gap <= o.rain_cutoff_km;
      if (!rain_near && !observed) continue;
      double sum = 0;
      for (std::size_t i = 0; i < n; ++i) {
        bool used_observed = false;
        if (observed) {
          const auto cell = observed->grid->Cell(reg.points[i].lat_deg, reg.points[i].lon_deg);
          for (std::size_t L = 0; cell && L < observed->grid->layers(); ++L) {
            const std::int64_t s0 = observed->grid->start_utc[L], s1 = observed->grid->end_utc[L];
            if (analog_t < s0 || analog_t >= s1) continue;
            used_observed = true;
            const double total = observed->grid->At(L, *cell);
            if (!std::isfinite(total) || total <= 0) break;
            // Spread the layer's total over its steps by R-CLIPER along the analog's real track.
            double here = 0, all = 0;
            for (const TrackPoint& q : observed->hourly) {
              if (q.time_utc < s0 || q.time_utc >= s1) continue;
              double u[3];
              UnitVector(q.lat_deg, q.lon_deg, u);
              const double rr = RCliperRateMmH(ArcKm(u, &reg.xyz[3 * i]),
                                               data::ConvertAveraging(q.wind_ms, data::WindAveraging::kTenMinute,
                                                                      data::WindAveraging::kOneMinute));
              all += rr;
              if (q.time_utc >= analog_t && q.time_utc < analog_t + step_s) here += rr;
            }
            const double hours_in_layer = static_cast<double>(s1 - s0) / static_cast<double>(step_s);
            sum += all > 0 ? total * here / all : total / std::max(hours_in_layer, 1.0);
            break;
          }
        }
        if (!used_observed && rain_near) sum += RCliperRateMmH(ArcKm(centre, &reg.xyz[3 * i]), v1) * o.step_h;
        if (used_observed) f.observed[r] = 1;
      }
      rain = static_cast<float>(sum / static_cast<double>(n));
    }
  }
  return f;
}

}  // namespace

const FloodThresholds& FloodConfig::For(const std::string& code) const {
  const auto it = regions.find(code);
  return it == regions.end() ? defaults : it->second;
}

Hazard ComputeHazard(const Forecast& forecast, const geo::RegionSet& set, const HazardOptions& o,
                     const HazardInputs& inputs) {
  if (forecast.members.empty()) throw Error(ErrorCode::kInvalidArgument, "hazard: the forecast has no member");
  if (o.step_h <= 0) throw Error(ErrorCode::kInvalidArgument, "hazard: step_h must be positive");
  Hazard h;
  h.now_utc = forecast.now.time_utc;
  h.members = forecast.members.size();
  int reach_s = 0;
  for (const Member& m : forecast.members)
    if (!m.track.empty()) reach_s = std::max<int>(reach_s, static_cast<int>(m.track.back().time_utc - h.now_utc));
  h.hours = reach_s / 3600;
  const std::size_t steps = static_cast<std::size_t>(h.hours / o.step_h) + 1;

  std::vector<PreparedRegion> regions(set.size());
  for (std::size_t r = 0; r < set.size(); ++r) {
    PreparedRegion& p = regions[r];
    p.points = set.SamplePoints(r, o.spacing_deg, o.boundary_points);
    p.xyz.resize(p.points.size() * 3);
    double c[3] = {0, 0, 0};
    for (std::size_t i = 0; i < p.points.size(); ++i) {
      UnitVector(p.points[i].lat_deg, p.points[i].lon_deg, &p.xyz[3 * i]);
      for (int d = 0; d < 3; ++d) c[d] += p.xyz[3 * i + d];
    }
    const double norm = std::sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]);
    for (int d = 0; d < 3; ++d) p.cap[d] = c[d] / norm;
    for (std::size_t i = 0; i < p.points.size(); ++i) p.cap_km = std::max(p.cap_km, ArcKm(p.cap, &p.xyz[3 * i]));
    p.exposure = set.region(r).coastal ? Exposure::kOffSea : Exposure::kOffLand;
  }

  // Observed rain sources, by member.
  const std::size_t M = forecast.members.size();
  std::vector<ObservedSource> sources(M);
  std::vector<const ObservedSource*> source_of(M, nullptr);
  if (inputs.match && inputs.index) {
    for (std::size_t m = 0; m < M; ++m) {
      const auto it = inputs.observed.find(forecast.members[m].id);
      if (it == inputs.observed.end() || !it->second) continue;
      for (const Analog& a : inputs.match->analogs) {
        if (a.id != forecast.members[m].id) continue;
        sources[m].grid = it->second;
        sources[m].matched_utc = a.matched_utc;
        const auto& pts = inputs.index->points();
        std::vector<TrackPoint> real(pts.begin() + static_cast<std::ptrdiff_t>(inputs.index->begin(a.storm)),
                                     pts.begin() + static_cast<std::ptrdiff_t>(inputs.index->end(a.storm)));
        sources[m].hourly = Interpolate(real, 3600);
        source_of[m] = &sources[m];
        break;
      }
    }
  }

  std::vector<MemberFields> fields(M);
#pragma omp parallel for schedule(dynamic, 1)
  for (std::size_t m = 0; m < M; ++m)
    fields[m] = RunMember(forecast.members[m], regions, o, h.now_utc, steps, source_of[m]);

  std::vector<double> weights(M);
  for (std::size_t m = 0; m < M; ++m) weights[m] = forecast.members[m].weight;
  const double q = o.rain_percentile;
  const FloodConfig defaults;
  const FloodConfig& flood = inputs.flood ? *inputs.flood : defaults;
  const double step_h = o.step_h;
  auto onset_and_probability = [&](const std::vector<std::vector<int>>& onset_step, std::size_t f,
                                   std::optional<std::int64_t>& onset, std::vector<double>& probability) {
    std::vector<std::pair<double, double>> vw;
    double reached = 0;
    for (std::size_t m = 0; m < M; ++m) {
      const int s = onset_step[m][f];
      vw.emplace_back(s < 0 ? 1e18 : s, weights[m]);
      if (s >= 0) reached += weights[m];
    }
    if (reached >= 0.5) onset = h.now_utc + static_cast<std::int64_t>(WeightedQuantile(vw, 0.5) * step_h * 3600);
    probability.clear();
    for (int w : o.windows_h) {
      double p = 0;
      for (std::size_t m = 0; m < M; ++m) {
        const int s = onset_step[m][f];
        if (s >= 0 && s * step_h <= w) p += weights[m];
      }
      probability.push_back(std::min(p, 1.0));
    }
  };

  for (std::size_t r = 0; r < set.size(); ++r) {
    const geo::Region& g = set.region(r);
    RegionHazard out;
    out.region = r;
    out.code = g.code, out.name = g.name, out.name_en = g.name_en, out.coastal = g.coastal;
    out.distance_km = set.DistanceKm(r, forecast.now.lat_deg, forecast.now.lon_deg);
    const double gust_factor = GustFactor(regions[r].exposure, data::WindAveraging::kTenMinute);
    const double surface = g.coastal ? 1.0 : o.inland_mean_factor;
    std::vector<double> max_wind(M), max_gust(M), total(M), observed_w(M);
    std::vector<std::vector<int>> wind_onset(M, std::vector<int>(o.wind_forces.size(), -1)),
        gust_onset(M, std::vector<int>(o.gust_forces.size(), -1));
    std::vector<std::vector<double>> windows(o.rain_windows_h.size(), std::vector<double>(M));
    double observed_share = 0;
    for (std::size_t m = 0; m < M; ++m) {
      const MemberFields& f = fields[m];
      std::vector<double> wind(steps);
      for (std::size_t s = 0; s < steps; ++s) wind[s] = surface * f.wind10[r * steps + s];
      const float* rain = &f.rain[r * steps];
      double best = 0;
      for (std::size_t s = 0; s < steps; ++s) {
        const double sustained = data::ConvertAveraging(wind[s], data::WindAveraging::kTenMinute, o.sustained);
        const double gust = wind[s] * gust_factor;
        best = std::max(best, wind[s]);
        for (std::size_t k = 0; k < o.wind_forces.size(); ++k)
          if (wind_onset[m][k] < 0 && BeaufortForce(sustained) >= o.wind_forces[k]) wind_onset[m][k] = static_cast<int>(s);
        for (std::size_t k = 0; k < o.gust_forces.size(); ++k)
          if (gust_onset[m][k] < 0 && BeaufortForce(gust) >= o.gust_forces[k]) gust_onset[m][k] = static_cast<int>(s);
      }
      max_wind[m] = data::ConvertAveraging(best, data::WindAveraging::kTenMinute, o.sustained);
      max_gust[m] = best * gust_factor;
      total[m] = std::accumulate(rain, rain + steps, 0.0);
      for (std::size_t k = 0; k < o.rain_windows_h.size(); ++k)
        windows[k][m] = WettestWindow(rain, steps, static_cast<std::size_t>(std::max(1, o.rain_windows_h[k] / o.step_h)));
      if (f.observed[r]) observed_share += weights[m];
    }
    out.wind_ms = Summarise(max_wind, weights, 0.9);
    out.gust_ms = Summarise(max_gust, weights, 0.9);
    out.wind_force = BeaufortForce(out.wind_ms.mean);
    out.gust_force = BeaufortForce(out.gust_ms.mean);
    out.wind_onset_utc.resize(o.wind_forces.size());
    out.wind_probability.resize(o.wind_forces.size());
    for (std::size_t k = 0; k < o.wind_forces.size(); ++k)
      onset_and_probability(wind_onset, k, out.wind_onset_utc[k], out.wind_probability[k]);
    out.gust_onset_utc.resize(o.gust_forces.size());
    out.gust_probability.resize(o.gust_forces.size());
    for (std::size_t k = 0; k < o.gust_forces.size(); ++k)
      onset_and_probability(gust_onset, k, out.gust_onset_utc[k], out.gust_probability[k]);
    for (std::size_t k = 0; k < o.rain_windows_h.size(); ++k) out.rain_mm.push_back(Summarise(windows[k], weights, q));
    out.rain_total_mm = Summarise(total, weights, q);
    out.rain_observed_share = std::min(observed_share, 1.0);

    // Antecedent rain: the live storm's observed rain over this region (sites or cells inside it).
    const FloodThresholds& th = flood.For(g.code);
    if (inputs.antecedent && inputs.antecedent->end_utc <= h.now_utc &&
        inputs.antecedent->start_utc >= h.now_utc - static_cast<std::int64_t>(th.antecedent_h) * 3600) {
      double sum = 0;
      std::size_t n = 0;
      for (std::size_t i = 0; i < inputs.antecedent->points.size(); ++i) {
        const auto at = set.Locate(inputs.antecedent->points[i].lat_deg, inputs.antecedent->points[i].lon_deg);
        if (at && *at == r) sum += inputs.antecedent->mm[i], ++n;
      }
      if (n > 0) out.antecedent_mm = sum / static_cast<double>(n);
    }
    // Flood risk: the highest level whose window total reaches its threshold.
    const bool use_mean = th.statistic == "mean";
    double half_lowest = 0;
    std::string reason;
    for (std::size_t L = 0; L < th.levels.size(); ++L) {
      const auto& level = th.levels[L];
      std::vector<double> v(M);
      for (std::size_t m = 0; m < M; ++m)
        v[m] = WettestWindow(&fields[m].rain[r * steps], steps, static_cast<std::size_t>(std::max(1, level.window_h / o.step_h)));
      const Stat s = Summarise(v, weights, q);
      const double value = use_mean ? s.mean : s.p90;
      if (L == 0) half_lowest = value >= 0.5 * level.mm ? 1 : 0;
      if (value >= level.mm) {
        out.flood_level = static_cast<int>(L + 1);
        char buf[160];
        std::snprintf(buf, sizeof buf, "%s %.0f mm in %d h >= %.0f mm", use_mean ? "mean" : "p90", value, level.window_h,
                      level.mm);
        reason = buf;
      }
    }
    if (std::isfinite(out.antecedent_mm) && out.antecedent_mm >= th.antecedent_raise_mm &&
        (out.flood_level > 0 || half_lowest > 0) && out.flood_level < static_cast<int>(th.levels.size())) {
      ++out.flood_level;
      char buf[160];
      std::snprintf(buf, sizeof buf, "%santecedent %.0f mm >= %.0f mm: raised one level", reason.empty() ? "" : "; ",
                    out.antecedent_mm, th.antecedent_raise_mm);
      reason += buf;
    }
    if (out.flood_level > 0) out.flood_name = th.levels[static_cast<std::size_t>(out.flood_level - 1)].name;
    out.flood_reason = reason;

    // Exceedance criteria (warning rules): either wind, gust or windowed rain, within the lead.
    for (const Criterion& c : o.criteria) {
      RegionHazard::CriterionResult res;
      const std::size_t last = std::min(steps, static_cast<std::size_t>(std::max(0, c.within_h / o.step_h)) + 1);
      const std::size_t n_rain = static_cast<std::size_t>(std::max(1, c.rain_window_h / o.step_h));
      std::vector<std::pair<double, double>> vw;
      double met = 0;
      for (std::size_t m = 0; m < M; ++m) {
        const float* wind10 = &fields[m].wind10[r * steps];
        const float* rain = &fields[m].rain[r * steps];
        double rain_sum = 0;
        for (std::size_t s = 0; s < last; ++s) {
          const double w10 = surface * wind10[s];
          const double sustained = data::ConvertAveraging(w10, data::WindAveraging::kTenMinute, o.sustained);
          const double gust = w10 * gust_factor;
          rain_sum += rain[s];
          if (s >= n_rain) rain_sum -= rain[s - n_rain];
          const bool hit = (c.wind_force > 0 && BeaufortForce(sustained) >= c.wind_force) ||
                           (c.gust_force > 0 && BeaufortForce(gust) >= c.gust_force) ||
                           (c.rain_mm > 0 && rain_sum >= c.rain_mm);
          if (!hit) continue;
          met += weights[m];
          vw.emplace_back(static_cast<double>(s), weights[m]);
          res.wind_ms += weights[m] * sustained;
          res.gust_ms += weights[m] * gust;
          res.rain_mm += weights[m] * rain_sum;
          break;
        }
      }
      res.probability = std::min(met, 1.0);
      if (met > 0) {
        res.onset_utc = h.now_utc + static_cast<std::int64_t>(WeightedQuantile(vw, 0.5) * step_h * 3600);
        res.wind_ms /= met, res.gust_ms /= met, res.rain_mm /= met;
      }
      out.criteria.push_back(res);
    }
    h.regions.push_back(std::move(out));
  }
  return h;
}

}  // namespace taifeng::core
