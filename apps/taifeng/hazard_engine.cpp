#include <strings.h>
#include "hazard_engine.h"

#include <cmath>
#include <cstdlib>

#include "taifeng/core/cliper.h"
#include "taifeng/data/forecast.h"
#include "taifeng/data/units.h"
#include "taifeng/base/time_utc.h"
#include "taifeng/base/error.h"

namespace taifeng::cli {

void AddHazardOptions(CLI::App* cmd, HazardArgs& a) {
  cmd->add_option("--archive", a.archive, "historical archive (HDF5)")->required();
  AddLiveOptions(cmd, a);
  cmd->add_option("--rain", a.rain,
                  "the live storm's observed rain so far: grids (netCDF, GeoTIFF, HDF5) or rain-gauge totals (CSV lat,lon,mm)");
  cmd->add_option("--rain-hours", a.rain_hours, "hours before now that rain-gauge totals (CSV) cover")
      ->capture_default_str()->check(CLI::Range(1, 720));
  cmd->add_option("--regions", a.regions, "region file (GeoJSON, Shapefile, GeoPackage)")->capture_default_str();
  AddLandOptions(cmd, a.land, "coastline exposure and landfall");
  cmd->add_option("--flood-config", a.flood, "flood-risk thresholds (TOML; 'none' = built-in defaults)")->capture_default_str();
  cmd->add_option("--top", a.top, "ensemble members (analogs)")->capture_default_str()->check(CLI::Range(3, 200));
  cmd->add_option("--window", a.window_h, "hours of live track matched")->capture_default_str();
  cmd->add_option("--step", a.step_h, "time step of the hazard, hours")->capture_default_str();
  cmd->add_option("--agency", a.agencies, "only analogs from these agencies");
  cmd->add_option("--set", a.set, "option=value (matching, forecast, and inland_mean_factor, spacing_deg, "
                                  "rain_percentile, holland2008, environmental_pressure_hpa, w_rain, scale_rain)");
  cmd->add_option("--forecast", a.forecast,
                  "the official forecast as the spine: an ATCF a-deck (--forecast-tech) or a CSV track with future times; the analogs "
                  "are re-centred on it (their spread kept) and the cone is its known error. 'best-track' (hindcasts, --at): the "
                  "observed future track, the perfect-track experiment, marked so in every output; 'persistence': the last 12 h's "
                  "motion continued (a baseline)");
  cmd->add_option("--forecast-tech", a.forecast_techs, "a-deck techs, in priority order")->capture_default_str();
}

namespace {

// The official track from --forecast, starting at the live storm's now (winds as 10-minute means).
core::OfficialTrack OfficialFrom(const HazardArgs& a, const std::vector<core::TrackPoint>& observed) {
  const core::TrackPoint& now = observed.back();
  core::OfficialTrack official;
  official.points.push_back(now);
  std::vector<data::Fix> future;
  data::WindAveraging averaging = data::WindAveraging::kTenMinute;
  if (a.forecast == "persistence") {  // a baseline spine: the last 12 h's motion continued
    const core::Forecast p = core::PersistenceForecast(observed, 120);
    for (const core::ForecastPoint& f : p.points)
      if (f.time_utc > now.time_utc) official.points.push_back({f.time_utc, f.lat_deg, f.lon_deg, f.wind_ms, f.pressure_hpa});
    official.source = "persistence (the last 12 h's motion continued; a baseline)";
    if (official.points.size() < 2) throw Error(ErrorCode::kNotFound, "--forecast persistence: no point after now");
    return official;
  }
  if (a.forecast == "best-track") {
    if (a.at.empty()) throw Error(ErrorCode::kUsage, "--forecast best-track uses the observed future: a hindcast only (give --at)");
    LiveInput whole = a;
    whole.at.clear();
    const data::Storm storm = LoadLive(whole);
    for (const data::Fix& f : storm.fixes)
      if (f.time_utc > now.time_utc) future.push_back(f);
    averaging = storm.wind_averaging;
    official.source = "the observed track (perfect-track experiment, hindcast only)";
    official.perfect = true;
  } else {
    const data::ForecastTrack fc =
        data::ReadForecast(a.forecast, now.time_utc, a.forecast_techs, static_cast<data::WindAveraging>(a.wind_minutes));
    if (!fc.fixes.empty() && fc.fixes.front().time_utc <= now.time_utc)
      throw Error(ErrorCode::kInvalidArgument, a.forecast + ": the forecast starts at " + taifeng::FormatIsoUtc(fc.fixes.front().time_utc) +
                                                   ", not after the live track's last fix (" + taifeng::FormatIsoUtc(now.time_utc) + ")");
    future = fc.fixes;
    averaging = fc.wind_averaging;
    official.source = "the " + fc.tech + " forecast" + (fc.issued_utc ? " of " + taifeng::FormatIsoUtc(fc.issued_utc) : std::string()) +
                      " (" + std::filesystem::path(a.forecast).filename().string() + ")";
  }
  for (const data::Fix& f : future)
    official.points.push_back({f.time_utc, f.lat_deg, f.lon_deg, data::ConvertAveraging(f.wind_ms, averaging, data::WindAveraging::kTenMinute),
                               f.pressure_hpa});
  if (official.points.size() < 2) throw Error(ErrorCode::kNotFound, "--forecast " + a.forecast + ": no forecast point after now");
  return official;
}

}  // namespace

HazardEngine::HazardEngine(const HazardArgs& a) {
  if (a.step_h < 1 || a.step_h > 6) throw Error(ErrorCode::kUsage, "--step: expected 1-6 hours");
  archive_ = std::make_shared<const data::Archive>(data::LoadArchive(a.archive));
  index_ = core::MatchIndex::Build(archive_);
  // Storm id -> its observed grid.
  rain_grids_ = data::ReadRainGrids(a.archive, false);
  std::erase_if(rain_grids_, [](const data::RainGrid& g) { return g.kind != "observed" || g.storm.empty(); });
  for (const auto& g : rain_grids_) rain_by_id_[g.storm[0]] = &g;
  rain_by_storm_.assign(archive_->storm_count(), nullptr);
  for (std::size_t i = 0; i < archive_->storm_count(); ++i)
    if (const auto it = rain_by_id_.find(archive_->id[i]); it != rain_by_id_.end()) rain_by_storm_[i] = it->second;
  land_ = LoadLandOption(a.land);
  geo::RegionSet::LoadOptions ro_regions = geo::RegionSet::Administrative();
  ro_regions.land = land_;
  regions_ = geo::RegionSet::Load(a.regions, ro_regions);
  if (!a.flood.empty() && a.flood != "none") flood_ = core::FloodConfig::Load(a.flood);
  cliper_ = core::StoredCliper(a.archive, *archive_, &no_cliper_);
}

HazardRun HazardEngine::Run(const HazardArgs& a, const std::vector<core::Criterion>& criteria,
                            const std::map<std::string, std::vector<core::Site>>& sites) const {
  HazardRun run;
  run.storm = LoadLive(a);
  if (run.storm.intl_number.empty() && !run.storm.name.empty())  // a JTWC b-deck: the number from the archive's other agencies (CMA)
    for (std::size_t i = 0; i < archive_->storm_count(); ++i)
      if (archive_->season[i] == run.storm.season && !archive_->intl_number[i].empty() &&
          strcasecmp(archive_->name[i].c_str(), run.storm.name.c_str()) == 0) {
        run.storm.intl_number = archive_->intl_number[i];
        break;
      }
  core::MatchOptions mo;
  core::ForecastOptions fo;
  mo.window_h = a.window_h;
  mo.top_k = a.top;
  core::HazardOptions& ho = run.options;
  ho.step_h = a.step_h;
  ho.criteria = criteria;
  ho.sites = sites;
  ho.only_regions = a.only_regions;
  core::RainMatchOptions ro;
  for (const std::string& x : a.set) {
    // Hazard options first; the rest are matching and forecast options.
    const auto [key, v] = core::ParseOptionAssignment(x);
    if (key == "inland_mean_factor") ho.inland_mean_factor = v;
    else if (key == "spacing_deg") ho.spacing_deg = v;
    else if (key == "rain_percentile") ho.rain_percentile = v;
    else if (key == "holland2008") ho.wind.holland2008 = v != 0;
    else if (key == "environmental_pressure_hpa") ho.wind.environmental_pressure_hpa = v;
    else if (key == "w_rain") ro.w_rain = v;
    else if (key == "scale_rain") ro.scale_rain = v;
    else core::SetOption(mo, fo, x);
  }
  run.observed = core::LiveSegment(run.storm, std::max(mo.window_h, 24));
  const std::vector<core::TrackPoint>& observed = run.observed;
  const std::int64_t now = observed.back().time_utc;
  core::MatchFilter filter;
  filter.agencies.insert(a.agencies.begin(), a.agencies.end());
  run.excluded = ExcludeLiveStorm(*archive_, run.storm, filter);
  if (!a.at.empty()) filter.before_utc = now;  // a hindcast sees nothing after its "now"

  // Rain: the live storm's observed rain (grids or rain-gauge CSV).
  std::optional<core::LiveRain> live_rain;
  run.rain_note = "none given";
  for (const std::string& file : a.rain) {
    core::LiveRain part;
    if (file.size() > 4 && file.substr(file.size() - 4) == ".csv") {
      part = core::LiveRainFromCsv(file, now - static_cast<std::int64_t>(a.rain_hours) * 3600, now);
    } else {
      const data::RainGrid g = data::ReadRainFile(file, {});
      part = core::LiveRainFromGrid(g, now);
    }
    if (!live_rain) {
      live_rain = std::move(part);
    } else {
      live_rain->points.insert(live_rain->points.end(), part.points.begin(), part.points.end());
      live_rain->mm.insert(live_rain->mm.end(), part.mm.begin(), part.mm.end());
      live_rain->start_utc = std::min(live_rain->start_utc, part.start_utc);
      live_rain->end_utc = std::max(live_rain->end_utc, part.end_utc);
    }
  }
  core::ForecastRequest request;
  request.observed = observed;
  request.match = mo;
  request.forecast = fo;
  request.filter = filter;
  if (live_rain) {
    request.rain = {&*live_rain, &rain_by_storm_, ro};
    run.rain_note = std::to_string(live_rain->points.size()) + " points, " + taifeng::FormatIsoUtc(live_rain->start_utc) + " to " +
                    taifeng::FormatIsoUtc(live_rain->end_utc) + "; used in matching and as antecedent rain";
  }
  const core::CliperModel* cliper = a.cliper ? a.cliper.get() : cliper_ ? &*cliper_ : nullptr;
  auto h = core::Forecaster(*index_, cliper, land_.get(), no_cliper_).Run(request);
  if (!h) throw Error(ErrorCode::kNotFound, "no analog found in " + a.archive);
  run.match = std::move(h->match);
  run.rain_terms = std::move(h->rain_terms);
  run.forecast = std::move(h->analog);
  run.consensus = std::move(h->method);
  if (!a.forecast.empty()) {  // the official forecast as the spine
    const core::OfficialTrack official = OfficialFrom(a, observed);
    run.forecast = core::OnOfficialTrack(run.forecast, official, {}, land_.get());
    run.consensus += "; re-centred on " + official.source;
  }
  core::HazardInputs in;
  in.index = index_.get();
  in.match = &run.match;
  in.observed = rain_by_id_;
  in.antecedent = live_rain ? &*live_rain : nullptr;
  in.flood = &flood_;
  run.hazard = core::ComputeHazard(run.forecast, *regions_, ho, in);
  return run;
}

}  // namespace taifeng::cli
