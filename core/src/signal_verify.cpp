#include "taifeng/core/signal_verify.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>

#include "taifeng/base/error.h"

namespace taifeng::core {

std::optional<std::int64_t> NetworkOnset(const std::vector<data::HkoWind>& winds, const std::vector<std::string>& stations,
                                         double threshold_kmh, const NetworkOnsetOptions& o) {
  const std::set<std::string> network(stations.begin(), stations.end());
  const std::size_t need = static_cast<std::size_t>(std::ceil(o.share * static_cast<double>(stations.size()) - 1e-9));
  std::map<std::int64_t, std::size_t> meeting;  // every observation time -> stations at or above the threshold
  for (const data::HkoWind& w : winds) {
    std::size_t& n = meeting[w.time_utc];
    if (network.count(w.station) && w.mean_kmh && *w.mean_kmh >= threshold_kmh) ++n;
  }
  std::optional<std::int64_t> start;
  std::int64_t previous = 0;
  for (const auto& [t, n] : meeting) {
    const bool meets = n >= need && need > 0;
    if (!meets || (start && t - previous > o.step_s)) start.reset();
    if (meets && !start) start = t;
    previous = t;
    if (start && t - *start >= o.sustain_s) return start;
  }
  return std::nullopt;
}

std::vector<StationMaximum> StationMaxima(const std::vector<data::HkoWind>& winds, const std::vector<std::string>& stations,
                                          double* network_median_kmh) {
  std::vector<StationMaximum> out;
  for (const std::string& s : stations) {
    StationMaximum m;
    m.station = s;
    for (const data::HkoWind& w : winds)
      if (w.station == s && w.mean_kmh && (!m.mean_kmh || *w.mean_kmh > *m.mean_kmh)) m.mean_kmh = w.mean_kmh, m.time_utc = w.time_utc;
    out.push_back(m);
  }
  std::vector<double> v;
  for (const auto& m : out)
    if (m.mean_kmh) v.push_back(*m.mean_kmh);
  std::sort(v.begin(), v.end());
  if (network_median_kmh)
    *network_median_kmh = v.empty() ? NAN : v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
  return out;
}

void Contingency::Add(bool forecast, bool observed) {
  if (forecast && observed) ++hits;
  else if (!forecast && observed) ++misses;
  else if (forecast) ++false_alarms;
  else ++correct_negatives;
}
double Contingency::HitRate() const { return hits + misses ? static_cast<double>(hits) / (hits + misses) : NAN; }
double Contingency::FalseAlarmRate() const {
  return false_alarms + correct_negatives ? static_cast<double>(false_alarms) / (false_alarms + correct_negatives) : NAN;
}
double Contingency::FalseAlarmRatio() const { return hits + false_alarms ? static_cast<double>(false_alarms) / (hits + false_alarms) : NAN; }

Spread SpreadOf(std::vector<double> values) {
  Spread s;
  s.n = values.size();
  if (values.empty()) {
    s.p10 = s.median = s.p90 = NAN;
    return s;
  }
  std::sort(values.begin(), values.end());
  const auto rank = [&](double q) { return values[static_cast<std::size_t>(std::lround(q * static_cast<double>(values.size() - 1)))]; };
  s.p10 = rank(0.1), s.median = rank(0.5), s.p90 = rank(0.9);
  return s;
}

std::vector<std::pair<std::int64_t, double>> NetworkGenerally(const std::vector<data::HkoWind>& winds, const std::vector<std::string>& stations,
                                                              double share) {
  const std::set<std::string> network(stations.begin(), stations.end());
  const std::size_t rank = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(share * static_cast<double>(stations.size()) - 1e-9)));
  std::map<std::int64_t, std::map<std::string, double>> at;  // time -> station -> mean (a repeated time: the last)
  for (const data::HkoWind& w : winds)
    if (network.count(w.station) && w.mean_kmh) at[w.time_utc][w.station] = *w.mean_kmh;
  std::vector<std::pair<std::int64_t, double>> out;
  for (const auto& [t, by_station] : at) {
    if (by_station.size() < rank) continue;
    std::vector<double> v;
    for (const auto& [name, kmh] : by_station) v.push_back(kmh);
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(rank - 1), v.end(), std::greater<>());
    out.emplace_back(t, v[rank - 1]);
  }
  return out;
}

double ProbabilityAt(const std::vector<std::pair<double, double>>& margins, double k) {
  double p = 0;
  for (const auto& [margin, weight] : margins)
    if (margin * k >= 1.0 - 1e-9) p += weight;
  return std::min(p, 1.0);
}

std::optional<std::int64_t> FirstReached(const ReplayedStorm& storm, double k, const std::vector<double>& bars) {
  for (const MarginStep& s : storm.steps)
    for (std::size_t r = 0; r < s.margins.size() && r < bars.size(); ++r)
      if (ProbabilityAt(s.margins[r], k) >= bars[r] - 1e-12) return s.time_utc;
  return std::nullopt;
}

ChoiceScore ScoreChoice(const std::vector<const ReplayedStorm*>& storms, double k, double bar, const std::vector<double>& higher_bars) {
  ChoiceScore s;
  s.k = k, s.bar = bar;
  std::vector<double> bars = {bar};
  bars.insert(bars.end(), higher_bars.begin(), higher_bars.end());
  for (const ReplayedStorm* storm : storms) {
    const auto first = FirstReached(*storm, k, bars);
    s.table.Add(first.has_value(), storm->observed_first.has_value());
    if (first && storm->observed_first) s.lag_h.push_back(static_cast<double>(*first - *storm->observed_first) / 3600.0);
  }
  return s;
}

bool BetterChoice(const ChoiceScore& a, const ChoiceScore& b, double max_far) {
  const auto far = [](const ChoiceScore& s) { const double f = s.table.FalseAlarmRate(); return std::isfinite(f) ? f : 0.0; };
  const auto hit = [](const ChoiceScore& s) { const double h = s.table.HitRate(); return std::isfinite(h) ? h : 0.0; };
  const bool a_ok = far(a) <= max_far + 1e-12, b_ok = far(b) <= max_far + 1e-12;
  if (a_ok != b_ok) return a_ok;
  if (!a_ok) return far(a) < far(b) - 1e-12;
  const double pa = hit(a) - far(a), pb = hit(b) - far(b);
  if (std::fabs(pa - pb) > 1e-12) return pa > pb;
  const auto lag = [](const ChoiceScore& s) { const Spread sp = SpreadOf(s.lag_h); return sp.n ? std::fabs(sp.median) : 1e9; };
  if (std::fabs(lag(a) - lag(b)) > 1e-9) return lag(a) < lag(b);
  if (std::fabs(a.k - b.k) > 1e-12) return a.k < b.k;
  return a.bar > b.bar;
}

namespace {

// The first signal time of every storm at every (k, bar) of the grids: [storm][ki * bars + bi].
using FirstTable = std::vector<std::vector<std::optional<std::int64_t>>>;

FirstTable Firsts(const std::vector<ReplayedStorm>& storms, const std::vector<double>& k_grid, const std::vector<double>& bar_grid,
                  const std::vector<double>& higher_bars) {
  FirstTable out(storms.size(), std::vector<std::optional<std::int64_t>>(k_grid.size() * bar_grid.size()));
  for (std::size_t i = 0; i < storms.size(); ++i)
    for (std::size_t ki = 0; ki < k_grid.size(); ++ki) {
      // Per step: the lowest rung's probability, and whether a higher rung fires.
      std::vector<std::pair<double, bool>> steps;
      for (const MarginStep& st : storms[i].steps) {
        bool higher = false;
        for (std::size_t r = 1; r < st.margins.size() && r - 1 < higher_bars.size(); ++r)
          higher = higher || ProbabilityAt(st.margins[r], k_grid[ki]) >= higher_bars[r - 1] - 1e-12;
        steps.emplace_back(st.margins.empty() ? 0.0 : ProbabilityAt(st.margins[0], k_grid[ki]), higher);
      }
      for (std::size_t bi = 0; bi < bar_grid.size(); ++bi)
        for (std::size_t s = 0; s < steps.size(); ++s)
          if (steps[s].second || steps[s].first >= bar_grid[bi] - 1e-12) {
            out[i][ki * bar_grid.size() + bi] = storms[i].steps[s].time_utc;
            break;
          }
    }
  return out;
}

ChoiceScore ScoreFrom(const std::vector<ReplayedStorm>& storms, const FirstTable& first, const std::vector<std::size_t>& which,
                      std::size_t cell, double k, double bar) {
  ChoiceScore s;
  s.k = k, s.bar = bar;
  for (std::size_t i : which) {
    const auto& f = first[i][cell];
    const auto& o = storms[i].observed_first;
    s.table.Add(f.has_value(), o.has_value());
    if (f && o) s.lag_h.push_back(static_cast<double>(*f - *o) / 3600.0);
  }
  return s;
}

ChoiceScore Choose(const std::vector<ReplayedStorm>& storms, const FirstTable& first, const std::vector<std::size_t>& which,
                   const std::vector<double>& k_grid, const std::vector<double>& bar_grid, double max_far) {
  ChoiceScore best;
  for (std::size_t ki = 0; ki < k_grid.size(); ++ki)
    for (std::size_t bi = 0; bi < bar_grid.size(); ++bi) {
      ChoiceScore s = ScoreFrom(storms, first, which, ki * bar_grid.size() + bi, k_grid[ki], bar_grid[bi]);
      if ((ki == 0 && bi == 0) || BetterChoice(s, best, max_far)) best = std::move(s);
    }
  return best;
}

}  // namespace

LeaveOneSeasonOut ChooseLeaveOneSeasonOut(const std::vector<ReplayedStorm>& storms, const std::vector<double>& k_grid,
                                          const std::vector<double>& bar_grid, const std::vector<double>& higher_bars, double max_far) {
  if (k_grid.empty() || bar_grid.empty()) throw Error(ErrorCode::kInvalidArgument, "choice: an empty grid of wind scales or bars");
  const FirstTable first = Firsts(storms, k_grid, bar_grid, higher_bars);
  LeaveOneSeasonOut out;
  std::vector<std::size_t> all(storms.size());
  std::set<int> seasons;
  for (std::size_t i = 0; i < storms.size(); ++i) all[i] = i, seasons.insert(storms[i].season);
  out.all = Choose(storms, first, all, k_grid, bar_grid, max_far);
  for (int held : seasons) {
    std::vector<std::size_t> train, test;
    for (std::size_t i : all) (storms[i].season == held ? test : train).push_back(i);
    const ChoiceScore chosen = Choose(storms, first, train, k_grid, bar_grid, max_far);
    out.per_season[held] = {chosen.k, chosen.bar};
    const auto ki = static_cast<std::size_t>(std::find(k_grid.begin(), k_grid.end(), chosen.k) - k_grid.begin());
    const auto bi = static_cast<std::size_t>(std::find(bar_grid.begin(), bar_grid.end(), chosen.bar) - bar_grid.begin());
    const ChoiceScore scored = ScoreFrom(storms, first, test, ki * bar_grid.size() + bi, chosen.k, chosen.bar);
    out.held_out.hits += scored.table.hits, out.held_out.misses += scored.table.misses;
    out.held_out.false_alarms += scored.table.false_alarms, out.held_out.correct_negatives += scored.table.correct_negatives;
    out.held_out_lag_h.insert(out.held_out_lag_h.end(), scored.lag_h.begin(), scored.lag_h.end());
  }
  return out;
}

}  // namespace taifeng::core
