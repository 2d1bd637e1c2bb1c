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
#include <utility>
#include <vector>

#include "taifeng/core/hazard.h"
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

// The network's wind "generally" at each observation time: the 10-minute mean at the share's
// rank among `stations` (HKO: the 4th strongest of the eight), km/h; a time where fewer stations
// reported than the rank needs is left out. In time order.
std::vector<std::pair<std::int64_t, double>> NetworkGenerally(const std::vector<data::HkoWind>& winds, const std::vector<std::string>& stations,
                                                              double share = 0.5);

// ---- choosing a signal's wind scale, lead and probability bar from replays ----
//
// A replayed storm keeps, per forecast time, the members' wind margins of each rung's criterion
// (core::MemberMargin). Scaling every forecast wind by k (the reference sites' mean_factor times k),
// shortening the lowest rung's lead to `lead_steps` hazard steps, and raising the signal when any
// rung reaches its probability bar gives the forecast's first signal time without recomputing the
// hazard. A signal of a ladder counts as reached when it or a higher rung fires.
struct MarginStep {
  std::int64_t time_utc = 0;
  std::vector<std::vector<MemberMargin>> margins;  // per rung (lowest first)
};
struct ReplayedStorm {
  int season = 0;
  std::string name;
  std::optional<std::int64_t> observed_first;  // the agency's first signal (of the rung verified); nullopt: none
  std::vector<MarginStep> steps;               // in time order
};
// The weight of the members whose margin within `lead_steps` steps (< 0: the whole lead computed)
// times k reaches 1.
double ProbabilityAt(const std::vector<MemberMargin>& margins, double k, int lead_steps = -1);

// A choice: wind scale, the lowest rung's lead (steps, < 0 as computed) and bar (higher rungs
// keep theirs).
struct Choice {
  double k = 1;
  int lead_steps = -1;
  double bar = 0;
};
// The first time any rung reaches its bar (bars: the lowest rung's from `c`, then `higher_bars`).
std::optional<std::int64_t> FirstReached(const ReplayedStorm& storm, const Choice& c, const std::vector<double>& higher_bars);

struct ChoiceScore {
  Choice choice;
  Contingency table;
  std::vector<double> lag_h;  // forecast first minus observed first, over the hits, hours
};
ChoiceScore ScoreChoice(const std::vector<const ReplayedStorm*>& storms, const Choice& c, const std::vector<double>& higher_bars);

// The choice rule, in order: a false-alarm rate at most `max_false_alarm_rate`; a median first
// time within `max_abs_lag_h` of the record's; the highest hit rate minus false-alarm rate
// (Peirce's skill score); the smaller |median lag|; the weaker wind scale, the shorter lead, the
// higher bar. Rates of an empty class count as 0.
struct ChoiceRule {
  double max_false_alarm_rate = 0.10;
  double max_abs_lag_h = 3;
};
bool BetterChoice(const ChoiceScore& a, const ChoiceScore& b, const ChoiceRule& rule);

struct ChoiceGrid {
  std::vector<double> k;
  std::vector<int> lead_steps;
  std::vector<double> bar;
};
struct LeaveOneSeasonOut {
  ChoiceScore all;                     // chosen on every season: the default to adopt
  std::map<int, Choice> per_season;    // held-out season -> the choice made without it
  Contingency held_out;                // every season scored with the choice made without it
  std::vector<double> held_out_lag_h;
};
// Chooses from the grid on all seasons and, for each season, on the others, scoring the held-out
// season with the latter. Throws Error(kInvalidArgument) on an empty grid.
LeaveOneSeasonOut ChooseLeaveOneSeasonOut(const std::vector<ReplayedStorm>& storms, const ChoiceGrid& grid,
                                          const std::vector<double>& higher_bars, const ChoiceRule& rule);

}  // namespace taifeng::core
