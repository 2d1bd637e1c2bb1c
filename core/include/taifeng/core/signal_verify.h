// Checking warning signals against what happened (issue "Checked against what happened"): the
// observed onset of winds "generally" over a reference network, each station's maximum, and the
// contingency counts and lead-time statistics of a yes/no forecast.
//
// Onset "generally": at an observation time, the network meets a threshold when at least `share`
// of its `stations` (HKO: half of the eight reference anemometers) report a 10-minute mean at or
// above it; a station not reporting (N/A, or absent from that time) does not meet it. The onset is
// the first time from which every observation time within `sustain_s` (30 minutes) meets it; the
// times must be consecutive observations (`step_s` apart, 10 minutes): a gap in the record breaks a
// run. Units: km/h, seconds since 1970 UTC.
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "taifeng/data/hko.h"

namespace taifeng::core {

struct NetworkOnsetOptions {
  double share = 0.5;
  std::int64_t sustain_s = 30 * 60;
  std::int64_t step_s = 10 * 60;
};

// The first time the network meets `threshold_kmh` generally, sustained; nullopt when never.
std::optional<std::int64_t> NetworkOnset(const std::vector<data::HkoWind>& winds, const std::vector<std::string>& stations,
                                         double threshold_kmh, const NetworkOnsetOptions& options = {});

struct StationMaximum {
  std::string station;
  std::optional<double> mean_kmh;  // the largest 10-minute mean; nullopt when it never reported
  std::int64_t time_utc = 0;
};
// Each station's largest 10-minute mean, in `stations` order, and the network's median of them
// (over the stations that reported; NaN when none did).
std::vector<StationMaximum> StationMaxima(const std::vector<data::HkoWind>& winds, const std::vector<std::string>& stations,
                                          double* network_median_kmh);

// A 2x2 contingency table of a yes/no forecast against the record.
struct Contingency {
  int hits = 0, misses = 0, false_alarms = 0, correct_negatives = 0;
  void Add(bool forecast, bool observed);
  double HitRate() const;          // hits / (hits + misses); NaN when no event
  double FalseAlarmRate() const;   // false alarms / (false alarms + correct negatives): of the non-events
  double FalseAlarmRatio() const;  // false alarms / (hits + false alarms)
};

// Median and 10th / 90th percentiles (nearest rank on the sorted values); NaN when empty.
struct Spread {
  std::size_t n = 0;
  double p10 = 0, median = 0, p90 = 0;
};
Spread SpreadOf(std::vector<double> values);

}  // namespace taifeng::core
