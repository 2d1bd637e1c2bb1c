#include "taifeng/core/signal_verify.h"

#include <algorithm>
#include <cmath>
#include <set>

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

}  // namespace taifeng::core
