#include "taifeng/core/hazard.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
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
  std::vector<double> site_xyz;     // the region's reference sites: unit vectors, 3 per site
  std::vector<double> site_factor;  // their Site::mean_factor
  std::size_t site_first = 0;       // index of its first site in MemberFields::site_wind10
  bool active = true;               // computed (HazardOptions::only_regions)
};

// What one member does to every region: per step, the region's maximum 10-minute wind and its
// areal-mean rain (mm in the step), the centre's distance and bearing to the region's middle, and
// the 10-minute wind at each reference site.
struct MemberFields {
  std::vector<float> wind10;  // [region][step]
  std::vector<float> rain;    // [region][step]
  std::vector<float> centre_km, bearing_deg;  // [region][step]: from the centre to the region's middle
  std::vector<float> site_wind10;             // [site][step], sites of all regions in order
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

// Bearing (degrees from north) from a prepared centre to a point, in the centre's tangent plane.
double BearingDeg(const PreparedCentre& c, const double unit[3]) {
  const double e = c.ex[0] * unit[0] + c.ex[1] * unit[1] + c.ex[2] * unit[2];
  const double n = c.nx[0] * unit[0] + c.nx[1] * unit[1] + c.nx[2] * unit[2];
  const double b = std::atan2(e, n) * 180.0 / std::numbers::pi;
  return b < 0 ? b + 360.0 : b;
}

MemberFields RunMember(const Member& member, const std::vector<PreparedRegion>& regions, const HazardOptions& o,
                       std::int64_t now_utc, std::size_t steps, const ObservedSource* observed) {
  MemberFields f;
  f.steps = steps;
  const std::size_t n_regions = regions.size();
  f.wind10.assign(n_regions * steps, 0.0f);
  f.rain.assign(n_regions * steps, 0.0f);
  f.centre_km.assign(n_regions * steps, 1e9f);
  f.bearing_deg.assign(n_regions * steps, 0.0f);
  const std::size_t n_sites = regions.empty() ? 0 : regions.back().site_first + regions.back().site_factor.size();
  f.site_wind10.assign(n_sites * steps, 0.0f);
  f.observed.assign(n_regions, 0);
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
    for (std::size_t r = 0; r < n_regions; ++r) {
      const PreparedRegion& reg = regions[r];
      if (!reg.active) continue;
      const double gap = ArcKm(centre, reg.cap) - reg.cap_km;
      const std::size_t n = reg.points.size();
      float& wind = f.wind10[r * steps + step];
      float& rain = f.rain[r * steps + step];
      f.centre_km[r * steps + step] = static_cast<float>(ArcKm(centre, reg.cap));
      f.bearing_deg[r * steps + step] = static_cast<float>(BearingDeg(pc, reg.cap));
      if (gap <= o.wind_cutoff_km && pc.valid) {
        double best = 0;
        for (std::size_t i = 0; i < n; ++i) best = std::max(best, WindAt(pc, &reg.xyz[3 * i]));
        wind = static_cast<float>(best);
        for (std::size_t i = 0; i < reg.site_factor.size(); ++i)
          f.site_wind10[(reg.site_first + i) * steps + step] = static_cast<float>(reg.site_factor[i] * WindAt(pc, &reg.site_xyz[3 * i]));
      }
      const bool rain_near = gap <= o.rain_cutoff_km;
      if (!rain_near && !observed) continue;
      double sum = 0;
      for (std::size_t i = 0; i < n; ++i) {
        bool used_observed = false;
        if (observed) {
          const auto cell = observed->grid->Cell(reg.points[i].lat_deg, reg.points[i].lon_deg);
          for (std::size_t layer = 0; cell && layer < observed->grid->layers(); ++layer) {
            const std::int64_t s0 = observed->grid->start_utc[layer], s1 = observed->grid->end_utc[layer];
            if (analog_t < s0 || analog_t >= s1) continue;
            used_observed = true;
            const double total = observed->grid->At(layer, *cell);
            if (!std::isfinite(total) || total <= 0) break;
            // Spread the layer's total over its steps by n_regions-CLIPER along the analog's real track.
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

namespace {

// One ComputeHazard call: the members' fields over the prepared regions, and the per-region
// summaries drawn from them.
class HazardRun {
 public:
  HazardRun(const Forecast& forecast, const geo::RegionSet& set, const HazardOptions& o, const HazardInputs& inputs)
      : forecast_(forecast), set_(set), o_(o), inputs_(inputs), m_(forecast.members.size()),
        flood_(inputs.flood ? *inputs.flood : defaults_) {}

  Hazard Run() {
    Hazard h;
    h.now_utc = now_ = forecast_.now.time_utc;
    h.members = m_;
    int reach_s = 0;
    for (const Member& m : forecast_.members)
      if (!m.track.empty()) reach_s = std::max<int>(reach_s, static_cast<int>(m.track.back().time_utc - now_));
    h.hours = reach_s / 3600;
    steps_ = static_cast<std::size_t>(h.hours / o_.step_h) + 1;
    PrepareRegions();
    const std::vector<const ObservedSource*> source_of = ObservedSources();
    fields_.resize(m_);
#pragma omp parallel for schedule(dynamic, 1)
    for (std::size_t m = 0; m < m_; ++m) fields_[m] = RunMember(forecast_.members[m], regions_, o_, now_, steps_, source_of[m]);
    weights_.resize(m_);
    for (std::size_t m = 0; m < m_; ++m) weights_[m] = forecast_.members[m].weight;
    for (std::size_t r = 0; r < set_.size(); ++r)
      if (regions_[r].active) h.regions.push_back(Region(r));
    return h;
  }

 private:
  void PrepareRegions() {
    regions_.resize(set_.size());
    for (std::size_t r = 0; r < set_.size(); ++r) {
      PreparedRegion& p = regions_[r];
      p.active = o_.only_regions.empty() ||
                 std::find(o_.only_regions.begin(), o_.only_regions.end(), set_.region(r).code) != o_.only_regions.end();
      p.site_first = r == 0 ? 0 : regions_[r - 1].site_first + regions_[r - 1].site_factor.size();
      if (!p.active) continue;
      p.points = set_.SamplePoints(r, o_.spacing_deg, o_.boundary_points);
      p.xyz.resize(p.points.size() * 3);
      double c[3] = {0, 0, 0};
      for (std::size_t i = 0; i < p.points.size(); ++i) {
        UnitVector(p.points[i].lat_deg, p.points[i].lon_deg, &p.xyz[3 * i]);
        for (int d = 0; d < 3; ++d) c[d] += p.xyz[3 * i + d];
      }
      const double norm = std::sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]);
      for (int d = 0; d < 3; ++d) p.cap[d] = c[d] / norm;
      for (std::size_t i = 0; i < p.points.size(); ++i) p.cap_km = std::max(p.cap_km, ArcKm(p.cap, &p.xyz[3 * i]));
      p.exposure = set_.region(r).coastal ? Exposure::kOffSea : Exposure::kOffLand;
      const auto sites = o_.sites.find(set_.region(r).code);
      if (sites == o_.sites.end()) continue;
      for (const Site& site : sites->second) {
        double u[3];
        UnitVector(site.lat_deg, site.lon_deg, u);
        p.site_xyz.insert(p.site_xyz.end(), u, u + 3);
        p.site_factor.push_back(site.mean_factor);
      }
    }
  }

  // Observed rain sources, by member (the analog's observed grid along its real track).
  std::vector<const ObservedSource*> ObservedSources() {
    sources_.resize(m_);
    std::vector<const ObservedSource*> source_of(m_, nullptr);
    if (!inputs_.match || !inputs_.index) return source_of;
    for (std::size_t m = 0; m < m_; ++m) {
      const auto it = inputs_.observed.find(forecast_.members[m].id);
      if (it == inputs_.observed.end() || !it->second) continue;
      for (const Analog& a : inputs_.match->analogs) {
        if (a.id != forecast_.members[m].id) continue;
        sources_[m].grid = it->second;
        sources_[m].matched_utc = a.matched_utc;
        const auto& pts = inputs_.index->points();
        std::vector<TrackPoint> real(pts.begin() + static_cast<std::ptrdiff_t>(inputs_.index->begin(a.storm)),
                                     pts.begin() + static_cast<std::ptrdiff_t>(inputs_.index->end(a.storm)));
        sources_[m].hourly = Interpolate(real, 3600);
        source_of[m] = &sources_[m];
        break;
      }
    }
    return source_of;
  }

  // The median onset (when half the members by weight reach it) and the probability within each
  // window of the members' onset steps for threshold f.
  void OnsetAndProbability(const std::vector<std::vector<int>>& onset_step, std::size_t f, std::optional<std::int64_t>& onset,
                           std::vector<double>& probability) const {
    std::vector<std::pair<double, double>> vw;
    double reached = 0;
    for (std::size_t m = 0; m < m_; ++m) {
      const int s = onset_step[m][f];
      vw.emplace_back(s < 0 ? 1e18 : s, weights_[m]);
      if (s >= 0) reached += weights_[m];
    }
    if (reached >= 0.5) onset = now_ + static_cast<std::int64_t>(WeightedQuantile(vw, 0.5) * o_.step_h * 3600);
    probability.clear();
    for (int w : o_.windows_h) {
      double p = 0;
      for (std::size_t m = 0; m < m_; ++m) {
        const int s = onset_step[m][f];
        if (s >= 0 && s * o_.step_h <= w) p += weights_[m];
      }
      probability.push_back(std::min(p, 1.0));
    }
  }

  RegionHazard Region(std::size_t r) const {
    const geo::Region& g = set_.region(r);
    RegionHazard out;
    out.region = r;
    out.code = g.code, out.name = g.name, out.name_en = g.name_en, out.coastal = g.coastal;
    out.distance_km = set_.DistanceKm(r, forecast_.now.lat_deg, forecast_.now.lon_deg);
    WindAndRain(r, out);
    const FloodThresholds& th = flood_.For(g.code);
    Antecedent(r, th, out);
    FloodRisk(r, th, out);
    for (const Criterion& c : o_.criteria) out.criteria.push_back(Exceedance(r, c));
    Sites(r, out);
    Approach(r, out);
    return out;
  }

  double Surface(std::size_t r) const { return set_.region(r).coastal ? 1.0 : o_.inland_mean_factor; }
  double GustFactorOf(std::size_t r) const { return GustFactor(regions_[r].exposure, data::WindAveraging::kTenMinute); }

  void WindAndRain(std::size_t r, RegionHazard& out) const {
    const double gust_factor = GustFactorOf(r), surface = Surface(r);
    std::vector<double> max_wind(m_), max_gust(m_), total(m_);
    std::vector<std::vector<int>> wind_onset(m_, std::vector<int>(o_.wind_forces.size(), -1)),
        gust_onset(m_, std::vector<int>(o_.gust_forces.size(), -1));
    std::vector<std::vector<double>> windows(o_.rain_windows_h.size(), std::vector<double>(m_));
    double observed_share = 0;
    for (std::size_t m = 0; m < m_; ++m) {
      const MemberFields& f = fields_[m];
      const float* rain = &f.rain[r * steps_];
      double best = 0;
      for (std::size_t s = 0; s < steps_; ++s) {
        const double wind = surface * f.wind10[r * steps_ + s];
        const double sustained = data::ConvertAveraging(wind, data::WindAveraging::kTenMinute, o_.sustained);
        const double gust = wind * gust_factor;
        best = std::max(best, wind);
        for (std::size_t k = 0; k < o_.wind_forces.size(); ++k)
          if (wind_onset[m][k] < 0 && BeaufortForce(sustained) >= o_.wind_forces[k]) wind_onset[m][k] = static_cast<int>(s);
        for (std::size_t k = 0; k < o_.gust_forces.size(); ++k)
          if (gust_onset[m][k] < 0 && BeaufortForce(gust) >= o_.gust_forces[k]) gust_onset[m][k] = static_cast<int>(s);
      }
      max_wind[m] = data::ConvertAveraging(best, data::WindAveraging::kTenMinute, o_.sustained);
      max_gust[m] = best * gust_factor;
      total[m] = std::accumulate(rain, rain + steps_, 0.0);
      for (std::size_t k = 0; k < o_.rain_windows_h.size(); ++k)
        windows[k][m] = WettestWindow(rain, steps_, static_cast<std::size_t>(std::max(1, o_.rain_windows_h[k] / o_.step_h)));
      if (f.observed[r]) observed_share += weights_[m];
    }
    out.wind_ms = Summarise(max_wind, weights_, 0.9);
    out.gust_ms = Summarise(max_gust, weights_, 0.9);
    out.wind_force = BeaufortForce(out.wind_ms.mean);
    out.gust_force = BeaufortForce(out.gust_ms.mean);
    out.wind_onset_utc.resize(o_.wind_forces.size());
    out.wind_probability.resize(o_.wind_forces.size());
    for (std::size_t k = 0; k < o_.wind_forces.size(); ++k) OnsetAndProbability(wind_onset, k, out.wind_onset_utc[k], out.wind_probability[k]);
    out.gust_onset_utc.resize(o_.gust_forces.size());
    out.gust_probability.resize(o_.gust_forces.size());
    for (std::size_t k = 0; k < o_.gust_forces.size(); ++k) OnsetAndProbability(gust_onset, k, out.gust_onset_utc[k], out.gust_probability[k]);
    for (std::size_t k = 0; k < o_.rain_windows_h.size(); ++k) out.rain_mm.push_back(Summarise(windows[k], weights_, o_.rain_percentile));
    out.rain_total_mm = Summarise(total, weights_, o_.rain_percentile);
    out.rain_observed_share = std::min(observed_share, 1.0);
  }

  // Antecedent rain: the live storm's observed rain over this region (sites or cells inside it).
  void Antecedent(std::size_t r, const FloodThresholds& th, RegionHazard& out) const {
    const LiveRain* a = inputs_.antecedent;
    if (!a || a->end_utc > now_ || a->start_utc < now_ - static_cast<std::int64_t>(th.antecedent_h) * 3600) return;
    double sum = 0;
    std::size_t n = 0;
    for (std::size_t i = 0; i < a->points.size(); ++i) {
      const auto at = set_.Locate(a->points[i].lat_deg, a->points[i].lon_deg);
      if (at && *at == r) sum += a->mm[i], ++n;
    }
    if (n > 0) out.antecedent_mm = sum / static_cast<double>(n);
  }

  // Flood risk: the highest level whose window total reaches its threshold, raised one level by
  // heavy antecedent rain.
  void FloodRisk(std::size_t r, const FloodThresholds& th, RegionHazard& out) const {
    const bool use_mean = th.statistic == "mean";
    double half_lowest = 0;
    std::string reason;
    for (std::size_t level_index = 0; level_index < th.levels.size(); ++level_index) {
      const auto& level = th.levels[level_index];
      std::vector<double> v(m_);
      for (std::size_t m = 0; m < m_; ++m)
        v[m] = WettestWindow(&fields_[m].rain[r * steps_], steps_, static_cast<std::size_t>(std::max(1, level.window_h / o_.step_h)));
      const Stat s = Summarise(v, weights_, o_.rain_percentile);
      const double value = use_mean ? s.mean : s.p90;
      out.flood_ratio.push_back(level.mm > 0 ? value / level.mm : 0.0);
      if (level_index == 0) half_lowest = value >= 0.5 * level.mm ? 1 : 0;
      if (value >= level.mm) {
        out.flood_level = static_cast<int>(level_index + 1);
        char buf[160];
        std::snprintf(buf, sizeof buf, "%s %.0f mm in %d h >= %.0f mm", use_mean ? "mean" : "p90", value, level.window_h, level.mm);
        reason = buf;
      }
    }
    if (std::isfinite(out.antecedent_mm) && out.antecedent_mm >= th.antecedent_raise_mm && (out.flood_level > 0 || half_lowest > 0) &&
        out.flood_level < static_cast<int>(th.levels.size())) {
      ++out.flood_level;
      char buf[160];
      std::snprintf(buf, sizeof buf, "%santecedent %.0f mm >= %.0f mm: raised one level", reason.empty() ? "" : "; ", out.antecedent_mm,
                    th.antecedent_raise_mm);
      reason += buf;
    }
    if (out.flood_level > 0) out.flood_name = th.levels[static_cast<std::size_t>(out.flood_level - 1)].name;
    out.flood_reason = reason;
  }

  // Whether a 10-minute wind (and its gust) meets a criterion's wind or gust condition.
  static bool WindMeets(const Criterion& c, double w10, double gust) {
    const double s = data::ConvertAveraging(w10, data::WindAveraging::kTenMinute, c.averaging);
    return (c.wind_force > 0 && BeaufortForce(s) >= c.wind_force) || (c.wind_kmh > 0 && s * 3.6 >= c.wind_kmh) ||
           (c.gust_force > 0 && BeaufortForce(gust) >= c.gust_force) || (c.gust_kmh > 0 && gust * 3.6 >= c.gust_kmh);
  }

  // Whether member m meets c's wind condition at step s over the region's reference sites: at least
  // sites_share of them. The strongest site's wind is returned through `w10`.
  bool SitesMeet(std::size_t r, std::size_t m, std::size_t s, const Criterion& c, double gust_factor, double& w10) const {
    const PreparedRegion& p = regions_[r];
    const std::size_t n = p.site_factor.size();
    std::size_t meeting = 0;
    w10 = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double w = fields_[m].site_wind10[(p.site_first + i) * steps_ + s];
      w10 = std::max(w10, w);
      if (WindMeets(c, w, w * gust_factor)) ++meeting;
    }
    return static_cast<double>(meeting) >= c.sites_share * static_cast<double>(n) - 1e-9;
  }

  // Member m's wind margins for c (c.wind_kmh > 0): at each step before `last`, the largest ratio
  // so far of the sustained wind reached (at the sites: the one at the share's rank, "generally")
  // to c.wind_kmh.
  std::vector<float> WindMargins(std::size_t r, std::size_t m, const Criterion& c, std::size_t last, bool at_sites) const {
    const PreparedRegion& p = regions_[r];
    const std::size_t n = p.site_factor.size();
    const std::size_t rank = at_sites ? std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(c.sites_share * static_cast<double>(n) - 1e-9))) : 0;
    std::vector<double> w(n);
    std::vector<float> out(last);
    double best = 0;
    for (std::size_t s = 0; s < last; ++s) {
      double w10 = Surface(r) * fields_[m].wind10[r * steps_ + s];
      if (at_sites) {
        for (std::size_t i = 0; i < n; ++i) w[i] = fields_[m].site_wind10[(p.site_first + i) * steps_ + s];
        std::nth_element(w.begin(), w.begin() + static_cast<std::ptrdiff_t>(rank - 1), w.end(), std::greater<>());
        w10 = w[rank - 1];
      }
      best = std::max(best, data::ConvertAveraging(w10, data::WindAveraging::kTenMinute, c.averaging) * 3.6 / c.wind_kmh);
      out[s] = static_cast<float>(best);
    }
    return out;
  }

  // Exceedance criteria (warning rules): wind, gust, windowed rain or the centre's distance, within
  // the lead; the wind's direction at the first step met.
  RegionHazard::CriterionResult Exceedance(std::size_t r, const Criterion& c) const {
    const double gust_factor = GustFactorOf(r), surface = Surface(r);
    const bool at_sites = c.sites_share > 0 && !regions_[r].site_factor.empty();
    RegionHazard::CriterionResult res;
    const std::size_t last = std::min(steps_, static_cast<std::size_t>(std::max(0, c.within_h / o_.step_h)) + 1);
    const std::size_t n_rain = static_cast<std::size_t>(std::max(1, c.rain_window_h / o_.step_h));
    std::vector<std::pair<double, double>> vw;
    double met = 0, dir_x = 0, dir_y = 0;
    for (std::size_t m = 0; m < m_; ++m) {
      const MemberFields& f = fields_[m];
      if (c.wind_kmh > 0) res.wind_margins.push_back({weights_[m], WindMargins(r, m, c, last, at_sites)});
      double rain_sum = 0;
      for (std::size_t s = 0; s < last; ++s) {
        double w10 = surface * f.wind10[r * steps_ + s];
        bool wind_hit = false;
        if (at_sites) wind_hit = SitesMeet(r, m, s, c, gust_factor, w10);
        else wind_hit = WindMeets(c, w10, w10 * gust_factor);
        rain_sum += f.rain[r * steps_ + s];
        if (s >= n_rain) rain_sum -= f.rain[r * steps_ + s - n_rain];
        const bool hit = wind_hit || (c.rain_mm > 0 && rain_sum >= c.rain_mm) || (c.centre_km > 0 && f.centre_km[r * steps_ + s] <= c.centre_km);
        if (!hit) continue;
        met += weights_[m];
        vw.emplace_back(static_cast<double>(s), weights_[m]);
        res.wind_ms += weights_[m] * data::ConvertAveraging(w10, data::WindAveraging::kTenMinute, c.averaging);
        res.gust_ms += weights_[m] * w10 * gust_factor;
        res.rain_mm += weights_[m] * rain_sum;
        const double from = (f.bearing_deg[r * steps_ + s] + 90.0 - o_.inflow_deg) * std::numbers::pi / 180.0;
        dir_x += weights_[m] * std::sin(from), dir_y += weights_[m] * std::cos(from);
        break;
      }
    }
    res.probability = std::min(met, 1.0);
    if (met > 0) {
      res.onset_utc = now_ + static_cast<std::int64_t>(WeightedQuantile(vw, 0.5) * o_.step_h * 3600);
      res.wind_ms /= met, res.gust_ms /= met, res.rain_mm /= met;
      if (std::hypot(dir_x, dir_y) > 1e-9 * met) {
        double d = std::atan2(dir_x, dir_y) * 180.0 / std::numbers::pi;
        res.direction_from_deg = d < 0 ? d + 360.0 : d;
      }
    }
    return res;
  }

  // The closest approach of the members' centres to the region's middle (weighted medians).
  void Approach(std::size_t r, RegionHazard& out) const {
    std::vector<std::pair<double, double>> km, step;
    for (std::size_t m = 0; m < m_; ++m) {
      const float* d = &fields_[m].centre_km[r * steps_];
      const std::size_t s = static_cast<std::size_t>(std::min_element(d, d + steps_) - d);
      if (d[s] >= 1e8f) continue;  // no position
      km.emplace_back(d[s], weights_[m]);
      step.emplace_back(static_cast<double>(s), weights_[m]);
    }
    if (km.empty()) return;
    out.approach_km = WeightedQuantile(km, 0.5);
    out.approach_utc = now_ + static_cast<std::int64_t>(WeightedQuantile(step, 0.5) * o_.step_h * 3600);
  }

  // The forecast's maximum 10-minute mean and gust at each reference site of the region.
  void Sites(std::size_t r, RegionHazard& out) const {
    const auto it = o_.sites.find(set_.region(r).code);
    if (it == o_.sites.end()) return;
    const PreparedRegion& p = regions_[r];
    const double gust_factor = GustFactorOf(r);
    for (std::size_t i = 0; i < it->second.size(); ++i) {
      std::vector<double> wind(m_), gust(m_);
      for (std::size_t m = 0; m < m_; ++m) {
        const float* w = &fields_[m].site_wind10[(p.site_first + i) * steps_];
        wind[m] = *std::max_element(w, w + steps_);
        gust[m] = wind[m] * gust_factor;
      }
      out.sites.push_back({it->second[i].name, it->second[i].name_zh, Summarise(wind, weights_, 0.9), Summarise(gust, weights_, 0.9)});
    }
  }

  const Forecast& forecast_;
  const geo::RegionSet& set_;
  const HazardOptions& o_;
  const HazardInputs& inputs_;
  const std::size_t m_;
  const FloodConfig defaults_;
  const FloodConfig& flood_;
  std::int64_t now_ = 0;
  std::size_t steps_ = 0;
  std::vector<PreparedRegion> regions_;
  std::vector<ObservedSource> sources_;
  std::vector<MemberFields> fields_;
  std::vector<double> weights_;
};

}  // namespace

Hazard ComputeHazard(const Forecast& forecast, const geo::RegionSet& set, const HazardOptions& o, const HazardInputs& inputs) {
  if (forecast.members.empty()) throw Error(ErrorCode::kInvalidArgument, "hazard: the forecast has no member");
  if (o.step_h <= 0) throw Error(ErrorCode::kInvalidArgument, "hazard: step_h must be positive");
  return HazardRun(forecast, set, o, inputs).Run();
}

}  // namespace taifeng::core
