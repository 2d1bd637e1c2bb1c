// The one forecast pipeline. `taifeng forecast`, `hazard`, `warn propose`/`replay`, `replay` and
// verification all call it, so what is verified is what operators run:
//   1. the live segment: the last window_h of the observed track (joined to an official forecast's
//      6-hourly points when one is given: candidates are then matched over both spans);
//   2. the analogs: Match, or MatchWithRain when the live storm's rain so far is given;
//   3. the analog ensemble (AnalogForecast, with its landfall over a land set), blended with
//      persistence at short leads (BlendPersistence);
//   4. CLIPER: predicted when a model is given (verification compares with it) and blended into
//      the positions at ForecastOptions::cliper_weight (BlendPositions).
// Thread safety: a Forecaster holds references to immutable inputs and may be shared; Run is
// const and parallel inside (Match uses OpenMP).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "taifeng/core/cliper.h"
#include "taifeng/core/forecast.h"
#include "taifeng/core/matcher.h"
#include "taifeng/core/rain.h"

namespace taifeng::core {

// The live storm's rain so far, for matching by rain (rain.h). All three or none.
struct RainEvidence {
  const LiveRain* live = nullptr;
  const std::vector<const data::RainGrid*>* by_storm = nullptr;  // analogs' observed rain, by archive storm index
  RainMatchOptions options;
};

struct ForecastRequest {
  // The live storm's 6-hourly track up to now (ResampleSixHourly / LiveSegment), oldest first: at
  // least window_h + 6 h, and 24 h for CLIPER, 12 h for persistence.
  std::vector<TrackPoint> observed;
  // Optional: an official forecast's points after now, 6-hourly (JoinForecast's tail).
  std::vector<TrackPoint> official;
  MatchOptions match;
  ForecastOptions forecast;
  MatchFilter filter;
  RainEvidence rain;
};

// Every forecast from one "now".
struct Hindcast {
  MatchResult match;
  std::vector<double> rain_terms;   // per analog, when matched by rain
  Forecast analog;                  // the forecast operators see: analog ensemble + persistence + CLIPER share
  Forecast persistence;
  std::optional<Forecast> cliper;   // when a model was given and the track has 24 h
  std::string method;               // "analog ensemble alone (…)" or "positions 50% CLIPER consensus"
};

class Forecaster {
 public:
  // `index` must outlive the Forecaster; `cliper` and `land` may be null. `no_cliper_reason` says
  // why there is no model ("no CLIPER model in the archive: taifeng cliper fit"), for `method`.
  Forecaster(const MatchIndex& index, const CliperModel* cliper, const geo::RegionSet* land = nullptr,
             std::string no_cliper_reason = "no CLIPER model given");
  // nullopt when no analog is found. Throws Error(kInvalidArgument) when the observed track is
  // shorter than the window (or 12 h), or the options are invalid (Validate).
  std::optional<Hindcast> Run(const ForecastRequest& request) const;

 private:
  const MatchIndex& index_;
  const CliperModel* cliper_;
  const geo::RegionSet* land_;
  std::string no_cliper_reason_;
};

// Forecaster{index, cliper, land}.Run with no official forecast and no rain.
std::optional<Hindcast> ForecastFrom(const MatchIndex& index, const std::vector<TrackPoint>& observed,
                                     const CliperModel* cliper, const MatchOptions& match,
                                     const ForecastOptions& forecast, const MatchFilter& filter,
                                     const geo::RegionSet* land = nullptr);

// The archive's stored CLIPER model (/models/cliper, `taifeng cliper fit`) when it was fitted on
// this archive's contents; otherwise nullopt and `reason` says why.
std::optional<CliperModel> StoredCliper(const std::filesystem::path& archive_path, const data::Archive& archive,
                                        std::string* reason = nullptr);

}  // namespace taifeng::core
