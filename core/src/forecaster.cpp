#include "taifeng/core/forecaster.h"

#include <algorithm>
#include <cstdio>

#include "taifeng/base/error.h"

namespace taifeng::core {

Forecaster::Forecaster(const MatchIndex& index, const CliperModel* cliper, const geo::RegionSet* land,
                       std::string no_cliper_reason)
    : index_(index), cliper_(cliper), land_(land), no_cliper_reason_(std::move(no_cliper_reason)) {}

std::optional<Hindcast> Forecaster::Run(const ForecastRequest& r) const {
  Validate(r.match);
  const std::size_t n = static_cast<std::size_t>(r.match.window_h / 6 + 1);
  if (r.observed.size() < std::max<std::size_t>(n, 3))
    throw Error(ErrorCode::kInvalidArgument, "forecast: the observed track (" + std::to_string(r.observed.size()) +
                                                 " 6-hourly points) is shorter than the " + std::to_string(r.match.window_h) +
                                                 " h window");
  if (r.rain.live && !r.official.empty())
    throw Error(ErrorCode::kInvalidArgument, "forecast: matching by rain with an official forecast is not supported");
  std::vector<TrackPoint> live(r.observed.end() - static_cast<std::ptrdiff_t>(n), r.observed.end());
  live.insert(live.end(), r.official.begin(), r.official.end());
  Hindcast h;
  if (r.rain.live && r.rain.by_storm)
    h.match = MatchWithRain(index_, live, r.match, r.filter, *r.rain.live, *r.rain.by_storm, r.rain.options, &h.rain_terms);
  else
    h.match = Match(index_, live, r.match, r.filter, r.official.size());
  if (h.match.analogs.empty()) return std::nullopt;
  h.persistence = PersistenceForecast(r.observed, r.forecast.max_lead_h);
  h.analog = AnalogForecast(h.match, r.observed.back(), r.forecast, land_);
  BlendPersistence(h.analog, h.persistence, r.forecast);
  if (cliper_) h.cliper = cliper_->Predict(r.observed);
  if (r.forecast.cliper_weight <= 0) {
    h.method = "analog ensemble alone";
  } else if (!cliper_) {
    h.method = "analog ensemble alone (" + no_cliper_reason_ + ")";
  } else if (!h.cliper) {
    h.method = "analog ensemble alone (CLIPER needs 24 h of track)";
  } else {
    BlendPositions(h.analog, *h.cliper, r.forecast.cliper_weight);
    char buf[64];
    std::snprintf(buf, sizeof buf, "positions %.0f%% CLIPER consensus", 100 * r.forecast.cliper_weight);
    h.method = buf;
  }
  return h;
}

std::optional<Hindcast> ForecastFrom(const MatchIndex& index, const std::vector<TrackPoint>& observed,
                                     const CliperModel* cliper, const MatchOptions& match,
                                     const ForecastOptions& forecast, const MatchFilter& filter,
                                     const geo::RegionSet* land) {
  ForecastRequest r;
  r.observed = observed;
  r.match = match;
  r.forecast = forecast;
  r.filter = filter;
  return Forecaster(index, cliper, land).Run(r);
}

std::optional<CliperModel> StoredCliper(const std::filesystem::path& archive_path, const data::Archive& archive,
                                        std::string* reason) {
  const auto stored = data::ReadArchiveModel(archive_path, "cliper");
  if (!stored) {
    if (reason) *reason = "no CLIPER model in the archive: taifeng cliper fit";
    return std::nullopt;
  }
  return CliperModel::FromModel(*stored, data::ArchiveFingerprint(archive));
}

}  // namespace taifeng::core
