// The hazard pipeline shared by `taifeng hazard`, `taifeng warn propose` and `taifeng warn replay`:
// the archive, its index, the analogs' observed rain, the regions and flood thresholds are loaded
// once; Run then matches the live storm (cut at --at), forecasts and computes the per-region
// hazard.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "land_option.h"
#include "live.h"
#include "taifeng/core/cliper.h"
#include "taifeng/core/forecast.h"
#include "taifeng/core/forecaster.h"
#include "taifeng/core/hazard.h"
#include "taifeng/core/matcher.h"
#include "taifeng/core/rain.h"
#include "taifeng/data/archive.h"
#include "taifeng/data/rain.h"
#include "taifeng/geo/regions.h"

namespace taifeng::cli {

struct HazardArgs : LiveInput {
  std::string archive, regions = TAIFENG_DEFAULT_REGIONS, flood = TAIFENG_DEFAULT_FLOOD;
  LandArgs land;
  std::vector<std::string> rain, set, agencies;
  int rain_hours = 24;
  int top = 20, window_h = 24, step_h = 1;
  bool json = false, geojson = false;
  std::string forecast;  // --forecast: an official forecast file (a-deck, CSV) or "best-track"; "" none
  std::vector<std::string> forecast_techs = {"OFCL", "JTWC"};
  std::string rules = TAIFENG_DEFAULT_RULES;  // taifeng hazard: whose reference sites are forecast too
  std::vector<std::string> only_regions;      // compute these regions only (verification); empty: all
  // When set, the CLIPER model of the consensus instead of the archive's stored one (verification:
  // refitted without the season replayed).
  std::shared_ptr<const core::CliperModel> cliper;
};

// Adds --archive (required), the live-track options, --rain, --rain-hours, --regions, --land,
// --flood-config, --top, --window, --step, --agency, --set, --forecast and --forecast-tech to `cmd`.
void AddHazardOptions(CLI::App* cmd, HazardArgs& a);

struct HazardRun {
  data::Storm storm;                          // cut at --at
  std::vector<core::TrackPoint> observed;     // the live segment up to now
  std::vector<std::string> excluded;          // archive ids left out (the live storm)
  core::MatchResult match;
  std::vector<double> rain_terms;
  core::Forecast forecast;
  std::string consensus, rain_note;
  core::HazardOptions options;
  core::Hazard hazard;
};

class HazardEngine {
 public:
  // Loads the archive, index, analogs' observed rain, land, regions and flood thresholds.
  explicit HazardEngine(const HazardArgs& a);
  // Matches, forecasts and computes the hazard for the live storm in `a` (a.at cuts it);
  // `criteria` and `sites` are added to the hazard options (warning rules: RuleSet::Criteria and
  // Sites). Throws Error(kNotFound) when no analog is found.
  HazardRun Run(const HazardArgs& a, const std::vector<core::Criterion>& criteria,
                const std::map<std::string, std::vector<core::Site>>& sites = {}) const;
  const std::shared_ptr<const geo::RegionSet>& regions() const { return regions_; }
  const data::Archive& archive() const { return *archive_; }
  const core::MatchIndex& index() const { return *index_; }

 private:
  std::shared_ptr<const data::Archive> archive_;
  std::shared_ptr<const core::MatchIndex> index_;
  std::vector<data::RainGrid> rain_grids_;
  std::map<std::string, const data::RainGrid*> rain_by_id_;
  std::vector<const data::RainGrid*> rain_by_storm_;
  std::shared_ptr<const geo::RegionSet> land_, regions_;
  core::FloodConfig flood_;
  std::optional<core::CliperModel> cliper_;  // the archive's stored model, if any
  std::string no_cliper_;                    // why there is none
};

}  // namespace taifeng::cli
