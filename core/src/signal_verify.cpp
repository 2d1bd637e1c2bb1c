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

double ProbabilityAt(const std::vector<MemberMargin>& margins, double k, int lead_steps) {
  double p = 0;
  for (const MemberMargin& m : margins) {
    if (m.upto.empty()) continue;
    const std::size_t s = lead_steps < 0 ? m.upto.size() - 1 : std::min(m.upto.size() - 1, static_cast<std::size_t>(lead_steps));
    if (m.upto[s] * k >= 1.0 - 1e-6) p += m.weight;
  }
  return std::min(p, 1.0);
}

std::optional<std::int64_t> FirstReached(const ReplayedStorm& storm, const Choice& c, const std::vector<double>& higher_bars) {
  for (const MarginStep& s : storm.steps)
    for (std::size_t r = 0; r < s.margins.size() && r <= higher_bars.size(); ++r)
      if (ProbabilityAt(s.margins[r], c.k, r == 0 ? c.lead_steps : -1) >= (r == 0 ? c.bar : higher_bars[r - 1]) - 1e-12) return s.time_utc;
  return std::nullopt;
}

namespace {

// Counts one storm's forecast first time against the record's into s.
void Tally(ChoiceScore& s, const std::optional<std::int64_t>& first, const std::optional<std::int64_t>& observed) {
  s.table.Add(first.has_value(), observed.has_value());
  if (first && observed) s.lag_h.push_back(static_cast<double>(*first - *observed) / 3600.0);
}

}  // namespace

ChoiceScore ScoreChoice(const std::vector<const ReplayedStorm*>& storms, const Choice& c, const std::vector<double>& higher_bars) {
  ChoiceScore s;
  s.choice = c;
  for (const ReplayedStorm* storm : storms) Tally(s, FirstReached(*storm, c, higher_bars), storm->observed_first);
  return s;
}

bool BetterChoice(const ChoiceScore& a, const ChoiceScore& b, const ChoiceRule& rule) {
  const auto far = [](const ChoiceScore& s) { const double f = s.table.FalseAlarmRate(); return std::isfinite(f) ? f : 0.0; };
  const auto hit = [](const ChoiceScore& s) { const double h = s.table.HitRate(); return std::isfinite(h) ? h : 0.0; };
  const auto lag = [](const ChoiceScore& s) { const Spread sp = SpreadOf(s.lag_h); return sp.n ? std::fabs(sp.median) : 1e9; };
  const bool a_far = far(a) <= rule.max_false_alarm_rate + 1e-12, b_far = far(b) <= rule.max_false_alarm_rate + 1e-12;
  if (a_far != b_far) return a_far;
  if (!a_far && std::fabs(far(a) - far(b)) > 1e-12) return far(a) < far(b);
  const bool a_lag = lag(a) <= rule.max_abs_lag_h + 1e-9, b_lag = lag(b) <= rule.max_abs_lag_h + 1e-9;
  if (a_lag != b_lag) return a_lag;
  const double pa = hit(a) - far(a), pb = hit(b) - far(b);
  if (std::fabs(pa - pb) > 1e-12) return pa > pb;
  if (std::fabs(lag(a) - lag(b)) > 1e-9) return lag(a) < lag(b);
  if (std::fabs(a.choice.k - b.choice.k) > 1e-12) return a.choice.k < b.choice.k;
  if (a.choice.lead_steps != b.choice.lead_steps) return a.choice.lead_steps < b.choice.lead_steps;
  return a.choice.bar > b.choice.bar;
}

namespace {

std::vector<Choice> Cells(const ChoiceGrid& g) {
  std::vector<Choice> out;
  for (double k : g.k)
    for (int lead : g.lead_steps)
      for (double bar : g.bar) out.push_back({k, lead, bar});
  return out;
}

// The first signal time of every storm at every cell of the grid: [storm][cell].
using FirstTable = std::vector<std::vector<std::optional<std::int64_t>>>;

ChoiceScore ScoreFrom(const std::vector<ReplayedStorm>& storms, const FirstTable& first, const std::vector<std::size_t>& which,
                      std::size_t cell, const Choice& c) {
  ChoiceScore s;
  s.choice = c;
  for (std::size_t i : which) Tally(s, first[i][cell], storms[i].observed_first);
  return s;
}

std::size_t Choose(const std::vector<ReplayedStorm>& storms, const FirstTable& first, const std::vector<std::size_t>& which,
                   const std::vector<Choice>& cells, const ChoiceRule& rule, ChoiceScore* score) {
  std::size_t best_cell = 0;
  ChoiceScore best;
  for (std::size_t cell = 0; cell < cells.size(); ++cell) {
    ChoiceScore s = ScoreFrom(storms, first, which, cell, cells[cell]);
    if (cell == 0 || BetterChoice(s, best, rule)) best = std::move(s), best_cell = cell;
  }
  if (score) *score = std::move(best);
  return best_cell;
}

}  // namespace

LeaveOneSeasonOut ChooseLeaveOneSeasonOut(const std::vector<ReplayedStorm>& storms, const ChoiceGrid& grid,
                                          const std::vector<double>& higher_bars, const ChoiceRule& rule) {
  const std::vector<Choice> cells = Cells(grid);
  if (cells.empty()) throw Error(ErrorCode::kInvalidArgument, "choice: an empty grid of wind scales, leads or bars");
  FirstTable first(storms.size(), std::vector<std::optional<std::int64_t>>(cells.size()));
  for (std::size_t i = 0; i < storms.size(); ++i)
    for (std::size_t c = 0; c < cells.size(); ++c) first[i][c] = FirstReached(storms[i], cells[c], higher_bars);
  LeaveOneSeasonOut out;
  std::vector<std::size_t> all(storms.size());
  std::set<int> seasons;
  for (std::size_t i = 0; i < storms.size(); ++i) all[i] = i, seasons.insert(storms[i].season);
  Choose(storms, first, all, cells, rule, &out.all);
  for (int held : seasons) {
    std::vector<std::size_t> train, test;
    for (std::size_t i : all) (storms[i].season == held ? test : train).push_back(i);
    const std::size_t cell = Choose(storms, first, train, cells, rule, nullptr);
    out.per_season[held] = cells[cell];
    const ChoiceScore scored = ScoreFrom(storms, first, test, cell, cells[cell]);
    out.held_out.hits += scored.table.hits, out.held_out.misses += scored.table.misses;
    out.held_out.false_alarms += scored.table.false_alarms, out.held_out.correct_negatives += scored.table.correct_negatives;
    out.held_out_lag_h.insert(out.held_out_lag_h.end(), scored.lag_h.begin(), scored.lag_h.end());
  }
  return out;
}

}  // namespace taifeng::core
