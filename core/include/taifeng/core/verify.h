// Verification of the analog forecast against CLIPER and persistence, as forecast centres verify:
// homogeneously (a case counts at a lead only when the storm is at least a tropical depression,
// 10-min wind >= 10.8 m/s, at the initial and the verifying time, and every method has a forecast
// there), on every 6-hourly time of every storm that has the window's track behind it.
// Errors: great-circle distance (PROJ geodesic) from the verifying best-track position;
// along-/cross-track components relative to the best track's motion over the 6 h before the
// verifying time (cross-track positive to the right of the motion); wind: absolute error of the
// 10-minute wind. Skill = 100 * (1 - error / reference error). Cone coverage: the share of
// verifying positions inside the analog forecast's cone.
// Thread safety: pure functions (each Match is parallel inside).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "taifeng/core/cliper.h"
#include "taifeng/core/forecast.h"
#include "taifeng/core/forecaster.h"
#include "taifeng/core/matcher.h"

namespace taifeng::core {

struct VerifyOptions {
  MatchOptions match;        // window_h, top_k, weights
  ForecastOptions forecast;  // blend, cone
  MatchFilter filter;        // which archive storms are candidates (agencies, seasons…) and verified
  std::vector<int> leads_h = {24, 48, 72, 96, 120};
  std::function<void(std::size_t done, std::size_t total)> progress;  // per storm
  // This worker's share of the seasons (MPI ranks): season first + i is verified when
  // i mod parts == part. CombineReports joins the shares into the whole report.
  int part = 0, parts = 1;
};

struct MethodScores {
  double track_km = 0, along_km = 0, cross_km = 0, wind_mae_ms = 0;  // means over the cases
  std::size_t wind_cases = 0;
};

struct LeadScores {
  int lead_h = 0;
  std::size_t cases = 0;
  MethodScores analog, cliper, persistence;
  double cone_coverage = 0;  // share of verifying positions inside the analog cone
  double skill_vs_cliper_pct() const { return 100.0 * (1.0 - analog.track_km / cliper.track_km); }
  double skill_vs_persistence_pct() const { return 100.0 * (1.0 - analog.track_km / persistence.track_km); }
};

// One verified forecast at one lead (the CSV rows).
struct VerifyCase {
  std::string storm;
  int season = 0;
  std::int64_t init_utc = 0;
  int lead_h = 0;
  double obs_lat = 0, obs_lon = 0, obs_wind = 0;
  double lat[3] = {0, 0, 0}, lon[3] = {0, 0, 0}, wind[3] = {0, 0, 0},
         error_km[3] = {0, 0, 0};  // analog, cliper, persistence
  double along_km[3] = {0, 0, 0}, cross_km[3] = {0, 0, 0};  // the error along and across the motion
  bool wind_known = false;  // every method and the observation have a wind
  double cone_km = 0;
};

struct VerifyReport {
  std::vector<LeadScores> leads;
  std::vector<VerifyCase> cases;
  std::size_t storms = 0, forecasts = 0;  // storms verified, initial times forecast
};

// Leave-one-season-out hindcasts of the storms of seasons first..last that pass options.filter:
// each season is forecast from the archive without that season (matching and a CLIPER refitted
// without it).
VerifyReport VerifyLeaveOneSeasonOut(const MatchIndex& index, int first_season, int last_season,
                                     const VerifyOptions& options);

// The whole report from the shares of VerifyLeaveOneSeasonOut (options.part 0..parts-1, in any
// order): the cases in season order, the scores summed over them in that order, so the result is
// bit for bit the one a single worker makes. Throws Error(kInvalidArgument) for shares that overlap.
VerifyReport CombineReports(std::vector<VerifyReport> shares, const VerifyOptions& options);

// Hindcasts of storms that are not in the archive (for example a season newer than it), with the
// archive's CLIPER model.
VerifyReport VerifyStorms(const MatchIndex& index, const std::vector<data::Storm>& storms, const CliperModel& cliper,
                          const VerifyOptions& options);

}  // namespace taifeng::core
