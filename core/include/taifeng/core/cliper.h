// CLIPER: the climatology-and-persistence regression forecast, the no-skill reference of track
// forecasting (Neumann 1972; for the western North Pacific, Aberson & Sampson 2003, "On the
// predictability of tropical cyclone tracks in the northwest Pacific basin", Mon. Wea. Rev. 131).
//
// As in CLIPER, the displacement at each lead (north and east, km; and the change of 10-minute
// wind, m/s) is a polynomial regression on the initial state: latitude, longitude, the motion over
// the last 12 h and over the 12 h before (east and north components, km/h), the day of year and
// the maximum wind. All first- and second-order terms of the 8 standardised predictors (45 terms
// with the constant) are fitted by least squares with a small ridge (1e-6 of the diagonal) on
// every 6-hourly time of every archive storm with 24 h of track behind it and at least tropical
// depression strength (10-min wind >= 10.8 m/s) at the initial time.
// Stored with the archive as /models/cliper (data::WriteArchiveModel): one row per (lead, target)
// of 45 coefficients, and the standardisation in the attributes.
// Thread safety: a fitted model is immutable; Forecast is const.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "taifeng/core/forecast.h"
#include "taifeng/core/matcher.h"
#include "taifeng/data/archive.h"

namespace taifeng::core {

class CliperModel {
 public:
  static constexpr int kPredictors = 8;
  static constexpr int kTerms = 1 + kPredictors + kPredictors * (kPredictors + 1) / 2;
  static constexpr int kTargets = 3;  // north km, east km, wind change m/s
  static constexpr int kMaxLeadH = 120;
  static constexpr double kTropicalDepressionMs = 10.8;

  // Fits on the storms of `index` that pass `filter` (its season, agency and exclusion fields).
  // Throws Error(kInvalidArgument) when too few cases remain to fit.
  static CliperModel Fit(const MatchIndex& index, const MatchFilter& filter = {});
  // Leave-one-season-out: for each of `seasons`, the model fitted without it, from one pass over
  // the archive (every season's sums of squares are accumulated once; each model solves the whole
  // minus its season). The standardisation is the whole set's: the terms span every polynomial of
  // degree 2 in the predictors, so the fitted surface is Fit's up to the 1e-6 ridge. A season
  // without cases gets the whole set's model. Throws as Fit.
  static std::map<int, CliperModel> FitLeavingOut(const MatchIndex& index, const MatchFilter& filter, const std::set<int>& seasons);

  // The forecast from a live track's last 24 h (at least 5 6-hourly points ending at "now", from
  // LiveSegment or the index); nullopt without 24 h of track.
  std::optional<Forecast> Predict(const std::vector<TrackPoint>& observed) const;

  // The predictors of the state at the last point of `observed` (24 h of 6-hourly points).
  static std::optional<std::array<double, kPredictors>> Predictors(const std::vector<TrackPoint>& observed);

  data::ArchiveModel ToModel(const std::string& fingerprint) const;
  // Throws Error(kArchiveCorrupt) when the table is not a CLIPER model, or kInvalidArgument when it
  // was fitted on another archive (fingerprint differs; empty = not checked).
  static CliperModel FromModel(const data::ArchiveModel& model, const std::string& fingerprint);

  std::size_t cases(int lead_h) const { return cases_.at(static_cast<std::size_t>(lead_h / 6 - 1)); }

 private:
  std::array<double, kPredictors> mean_{}, scale_{};
  // coef_[((lead/6 - 1) * kTargets + target) * kTerms + term]
  std::vector<double> coef_;
  std::vector<std::size_t> cases_;  // per lead
  friend struct CliperFitter;
};

}  // namespace taifeng::core
