// taifeng hazard: what each region can expect from the analog-ensemble forecast (wind, gusts,
// onset, exceedance probabilities, rain, flood risk); and taifeng archive add-rain / model-rain.
#include <cmath>
#include <iostream>
#include <map>
#include <memory>

#include "commands.h"
#include "live.h"
#include "output.h"
#include "taifeng/core/cliper.h"
#include "taifeng/core/forecast.h"
#include "taifeng/core/hazard.h"
#include "taifeng/core/rain.h"
#include "taifeng/data/archive.h"
#include "taifeng/data/rain.h"
#include "taifeng/data/time_utc.h"
#include "taifeng/geo/error.h"

namespace taifeng::cli {
namespace {

using nlohmann::json;

json Num(double v, int decimals = 1) {
  if (!std::isfinite(v)) return nullptr;
  const double f = std::pow(10.0, decimals);
  return std::round(v * f) / f;
}

std::string Pct(double p) { return FormatFloat(100.0 * p, 0); }

struct HazardArgs : LiveInput {
  std::string archive, regions = TAIFENG_DEFAULT_REGIONS, land = TAIFENG_DEFAULT_LAND, flood = TAIFENG_DEFAULT_FLOOD;
  std::vector<std::string> rain, set, agencies;
  int rain_hours = 24;
  int top = 20, window_h = 24, step_h = 1;
  bool json = false, geojson = false;
};

// Storm id -> its observed grid, keeping the grids alive.
struct ObservedRain {
  std::vector<data::RainGrid> grids;
  std::map<std::string, const data::RainGrid*> by_id;
};

ObservedRain LoadObservedRain(const std::string& archive) {
  ObservedRain o;
  o.grids = data::ReadRainGrids(archive, false);
  std::erase_if(o.grids, [](const data::RainGrid& g) { return g.kind != "observed" || g.storm.empty(); });
  for (const auto& g : o.grids) o.by_id[g.storm[0]] = &g;
  return o;
}

void RunHazard(const HazardArgs& a) {
  if (a.json && a.geojson) throw Error(ErrorCode::kUsage, "--json and --geojson: choose one");
  if (a.step_h < 1 || a.step_h > 6) throw Error(ErrorCode::kUsage, "--step: expected 1-6 hours");
  auto archive = std::make_shared<const data::Archive>(data::LoadArchive(a.archive));
  const data::Storm storm = LoadLive(a);
  core::MatchOptions mo;
  core::ForecastOptions fo;
  mo.window_h = a.window_h;
  mo.top_k = a.top;
  core::HazardOptions ho;
  ho.step_h = a.step_h;
  core::RainMatchOptions ro;
  for (const std::string& x : a.set) {
    // Hazard options first; the rest are matching and forecast options.
    const auto eq = x.find('=');
    const std::string key = x.substr(0, eq);
    const double v = eq == std::string::npos ? NAN : std::atof(x.c_str() + eq + 1);
    if (key == "inland_mean_factor") ho.inland_mean_factor = v;
    else if (key == "spacing_deg") ho.spacing_deg = v;
    else if (key == "rain_percentile") ho.rain_percentile = v;
    else if (key == "holland2008") ho.wind.holland2008 = v != 0;
    else if (key == "environmental_pressure_hpa") ho.wind.environmental_pressure_hpa = v;
    else if (key == "w_rain") ro.w_rain = v;
    else if (key == "scale_rain") ro.scale_rain = v;
    else core::SetOption(mo, fo, x);
  }
  const std::vector<core::TrackPoint> observed = core::LiveSegment(storm, std::max(mo.window_h, 24));
  const std::vector<core::TrackPoint> live(observed.end() - (mo.window_h / 6 + 1), observed.end());
  const std::int64_t now = observed.back().time_utc;
  core::MatchFilter filter;
  filter.agencies.insert(a.agencies.begin(), a.agencies.end());
  const std::vector<std::string> excluded = ExcludeLiveStorm(*archive, storm, filter);
  if (!a.at.empty()) filter.before_utc = now;  // a hindcast sees nothing after its "now"
  const auto index = core::MatchIndex::Build(archive);

  // Rain: the live storm's observed rain (grids or rain-gauge CSV), and the analogs' observed grids.
  const ObservedRain analog_rain = LoadObservedRain(a.archive);
  std::vector<const data::RainGrid*> by_storm(archive->storm_count(), nullptr);
  for (std::size_t i = 0; i < archive->storm_count(); ++i)
    if (const auto it = analog_rain.by_id.find(archive->id[i]); it != analog_rain.by_id.end()) by_storm[i] = it->second;
  std::optional<core::LiveRain> live_rain;
  std::string rain_note = "none given";
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
  std::vector<double> rain_terms;
  core::MatchResult match;
  if (live_rain) {
    match = core::MatchWithRain(*index, live, mo, filter, *live_rain, by_storm, ro, &rain_terms);
    rain_note = std::to_string(live_rain->points.size()) + " points, " + data::FormatIsoUtc(live_rain->start_utc) + " to " +
                data::FormatIsoUtc(live_rain->end_utc) + "; used in matching and as antecedent rain";
  } else {
    match = core::Match(*index, live, mo, filter);
  }
  if (match.analogs.empty()) throw Error(ErrorCode::kNotFound, "no analog found in " + a.archive);
  std::shared_ptr<const geo::RegionSet> land;
  if (!a.land.empty() && a.land != "none") land = geo::RegionSet::Load(a.land, geo::RegionSet::Fields("", "", "FENAME?", 10.0));
  core::Forecast f = core::AnalogForecast(match, observed.back(), fo, land.get());
  core::BlendPersistence(f, core::PersistenceForecast(observed, fo.max_lead_h), fo);
  const std::string consensus = BlendWithStoredCliper(f, a.archive, *archive, observed, fo.cliper_weight);
  geo::RegionSet::LoadOptions ro_regions = geo::RegionSet::Administrative();
  ro_regions.land = land;
  const auto regions = geo::RegionSet::Load(a.regions, ro_regions);
  const core::FloodConfig flood = a.flood.empty() || a.flood == "none" ? core::FloodConfig{} : core::FloodConfig::Load(a.flood);
  core::HazardInputs in;
  in.index = index.get();
  in.match = &match;
  in.observed = analog_rain.by_id;
  in.antecedent = live_rain ? &*live_rain : nullptr;
  in.flood = &flood;
  const core::Hazard h = core::ComputeHazard(f, *regions, ho, in);

  auto onset = [](const std::optional<std::int64_t>& t) { return t ? json(data::FormatIsoUtc(*t)) : json(nullptr); };
  auto region_json = [&](const core::RegionHazard& r) {
    json wind_p = json::object(), gust_p = json::object(), wind_on = json::object(), gust_on = json::object();
    for (std::size_t k = 0; k < ho.wind_forces.size(); ++k) {
      json byw = json::object();
      for (std::size_t w = 0; w < ho.windows_h.size(); ++w) byw[std::to_string(ho.windows_h[w]) + "h"] = Num(r.wind_probability[k][w], 3);
      wind_p["force_" + std::to_string(ho.wind_forces[k])] = byw;
      wind_on["force_" + std::to_string(ho.wind_forces[k])] = onset(r.wind_onset_utc[k]);
    }
    for (std::size_t k = 0; k < ho.gust_forces.size(); ++k) {
      json byw = json::object();
      for (std::size_t w = 0; w < ho.windows_h.size(); ++w) byw[std::to_string(ho.windows_h[w]) + "h"] = Num(r.gust_probability[k][w], 3);
      gust_p["force_" + std::to_string(ho.gust_forces[k])] = byw;
      gust_on["force_" + std::to_string(ho.gust_forces[k])] = onset(r.gust_onset_utc[k]);
    }
    json rain = json::object();
    for (std::size_t k = 0; k < ho.rain_windows_h.size(); ++k)
      rain[std::to_string(ho.rain_windows_h[k]) + "h"] = {{"mean_mm", Num(r.rain_mm[k].mean)}, {"p90_mm", Num(r.rain_mm[k].p90)}};
    rain["total"] = {{"mean_mm", Num(r.rain_total_mm.mean)}, {"p90_mm", Num(r.rain_total_mm.p90)}};
    return json{{"code", r.code},
                {"name", r.name},
                {"name_en", r.name_en},
                {"coastal", r.coastal},
                {"distance_km", Num(r.distance_km, 0)},
                {"wind_ms", {{"mean", Num(r.wind_ms.mean)}, {"p90", Num(r.wind_ms.p90)}, {"force", r.wind_force}}},
                {"gust_ms", {{"mean", Num(r.gust_ms.mean)}, {"p90", Num(r.gust_ms.p90)}, {"force", r.gust_force}}},
                {"wind_onset_utc", wind_on},
                {"gust_onset_utc", gust_on},
                {"wind_probability", wind_p},
                {"gust_probability", gust_p},
                {"rain", rain},
                {"rain_source", r.rain_observed_share > 0 ? "observed and modelled" : "modelled"},
                {"rain_observed_share", Num(r.rain_observed_share, 3)},
                {"antecedent_rain_mm", Num(r.antecedent_mm)},
                {"flood_risk", {{"level", r.flood_level}, {"name", r.flood_name}, {"reason", r.flood_reason}}}};
  };
  const std::string sustained = std::to_string(static_cast<int>(ho.sustained)) + "-minute mean";
  json meta = {{"storm", storm.id},
               {"now_utc", data::FormatIsoUtc(h.now_utc)},
               {"position", PointJson(observed.back())},
               {"hours", h.hours},
               {"step_h", ho.step_h},
               {"members", h.members},
               {"sustained_wind", sustained},
               {"gust", "3-second gust (WMO/TD-No. 1555 Table 1.1: off-sea for coastal regions, off-land inland)"},
               {"wind_model", ho.wind.holland2008 ? "Holland (2008) b_s" : "Holland (1980)"},
               {"rain_model", "R-CLIPER (Tuleya et al. 2007), modelled; analogs' observed grids where the archive has them"},
               {"forecast_method", consensus},
               {"live_rain", rain_note},
               {"excluded", excluded},
               {"regions_file", a.regions}};
  if (a.geojson) {
    json features = json::array();
    for (const auto& r : h.regions) {
      json polys = json::array();
      for (const auto& poly : regions->Polygons(r.region)) {
        json rings = json::array();
        for (const auto& ring : poly) {
          json coords = json::array();
          for (const auto& p : ring) coords.push_back({std::round(p.lon_deg * 1e5) / 1e5, std::round(p.lat_deg * 1e5) / 1e5});
          rings.push_back(coords);
        }
        polys.push_back(rings);
      }
      features.push_back({{"type", "Feature"}, {"properties", region_json(r)}, {"geometry", {{"type", "MultiPolygon"}, {"coordinates", polys}}}});
    }
    std::cout << json{{"type", "FeatureCollection"}, {"properties", meta}, {"features", features}}.dump() << '\n';
    return;
  }
  if (a.json) {
    json out = meta;
    out["regions"] = json::array();
    for (const auto& r : h.regions) out["regions"].push_back(region_json(r));
    json analogs = json::array();
    for (std::size_t i = 0; i < match.analogs.size(); ++i) {
      json x = {{"id", match.analogs[i].id}, {"name", match.analogs[i].name}, {"score", match.analogs[i].score}};
      if (i < rain_terms.size()) x["rain_term"] = Num(rain_terms[i], 3);
      analogs.push_back(x);
    }
    out["analogs"] = analogs;
    std::cout << out.dump(2) << '\n';
    return;
  }
  std::cout << "Hazard for " << storm.id << " from " << data::FormatIsoUtc(h.now_utc) << " at " << Position(observed.back())
            << ": " << h.members << " members, " << h.hours << " h at " << ho.step_h << " h steps\n"
            << "Wind: " << sustained << " (m/s, Beaufort force F), gust 3 s; P = probability of reaching the force\n"
            << "  within the window (China's signals: blue F6 24 h, yellow F8 24 h, orange F10 12 h, red F12 6 h).\n"
            << "Rain: areal mean of the region, wettest window, ensemble mean/p90; R-CLIPER modelled unless observed.\n"
            << "Live rain: " << rain_note << "\n\n";
  std::vector<std::vector<std::string>> rows;
  auto hhmm = [](const std::optional<std::int64_t>& t) { return t ? data::FormatIsoUtc(*t).substr(5, 11) : std::string("-"); };
  for (const auto& r : h.regions) {
    rows.push_back({r.code, r.name_en.empty() ? r.name : r.name_en, FormatFloat(r.distance_km, 0),
                    FormatFloat(r.wind_ms.mean, 1) + "/" + FormatFloat(r.wind_ms.p90, 1), "F" + std::to_string(r.wind_force),
                    FormatFloat(r.gust_ms.mean, 1), "F" + std::to_string(r.gust_force), hhmm(r.wind_onset_utc[0]),
                    hhmm(r.wind_onset_utc[1]), Pct(r.wind_probability[0][2]), Pct(r.wind_probability[1][2]),
                    Pct(r.wind_probability[2][1]), Pct(r.wind_probability[3][0]),
                    FormatFloat(r.rain_mm[1].mean, 0) + "/" + FormatFloat(r.rain_mm[1].p90, 0),
                    FormatFloat(r.rain_mm[4].mean, 0) + "/" + FormatFloat(r.rain_mm[4].p90, 0),
                    FormatFloat(r.rain_total_mm.mean, 0) + "/" + FormatFloat(r.rain_total_mm.p90, 0),
                    r.rain_observed_share > 0 ? "obs+mod" : "modelled", r.flood_name.empty() ? "-" : r.flood_name});
  }
  PrintTable({"code", "region", "dist_km", "wind_ms", "F", "gust_ms", "gF", "F6_onset_utc", "F8_onset_utc", "P_F6_24h_%",
              "P_F8_24h_%", "P_F10_12h_%", "P_F12_6h_%", "rain_3h_mm", "rain_24h_mm", "total_mm", "rain", "flood"},
             rows);
  std::cout << "\nwind_ms: mean/p90 of the forecast maximum; onset: weighted median time the force is reached (MM-DDTHH:MM UTC).\n";
}

// ---- archive add-rain / model-rain ----

struct AddRainArgs {
  std::string archive, storm, variable, start, end;
  std::vector<std::string> files;
  bool json = false;
};

// The archive storm a CHM_PRE typhoon_code (a CMA number, "0411") names: the CMA storm with that
// agency number, the primary centre when a secondary centre shares it.
std::string StormForCode(const data::Archive& a, const std::string& code) {
  std::string found;
  for (std::size_t i = 0; i < a.storm_count(); ++i) {
    if (a.agency[i] != "CMA" || a.agency_number[i] != code) continue;
    if (a.secondary_centre[i]) continue;
    if (!found.empty()) throw Error(ErrorCode::kInvalidArgument, "typhoon_code " + code + " names several storms: use --storm");
    found = a.id[i];
  }
  return found;
}

void RunAddRain(const AddRainArgs& a) {
  const data::Archive archive = data::LoadArchive(a.archive);
  data::RainImportOptions o;
  o.variable = a.variable;
  if (!a.start.empty()) o.start_utc = ParseTime(a.start, "--start");
  if (!a.end.empty()) o.end_utc = ParseTime(a.end, "--end");
  std::vector<data::RainGrid> grids;
  json out = json::array();
  for (const std::string& file : a.files) {
    std::string code;
    data::RainGrid g = data::ReadRainFile(file, o, &code);
    std::string id;
    if (!a.storm.empty()) {
      const auto i = archive.Find(a.storm);
      if (!i) throw Error(ErrorCode::kNotFound, "--storm " + a.storm + ": no such storm in " + a.archive);
      id = archive.id[*i];
    } else if (!code.empty()) {
      id = StormForCode(archive, code);
      if (id.empty()) throw Error(ErrorCode::kNotFound, file + ": typhoon_code " + code + " is no CMA storm in " + a.archive);
    } else {
      throw Error(ErrorCode::kUsage, file + ": the file names no storm (no typhoon_code): give --storm");
    }
    for (auto& s : g.storm) s = id;
    std::size_t valid = 0;
    double total = 0, peak = 0;
    for (float v : g.mm)
      if (std::isfinite(v)) ++valid, total += v, peak = std::max<double>(peak, v);
    out.push_back({{"file", file},
                   {"storm", id},
                   {"layers", g.layers()},
                   {"first_utc", data::FormatIsoUtc(g.start_utc.front())},
                   {"last_utc", data::FormatIsoUtc(g.end_utc.back())},
                   {"grid", {{"lat_deg", {g.Lat(0), g.Lat(g.nlat - 1)}}, {"lon_deg", {g.Lon(0), g.Lon(g.nlon - 1)}},
                             {"spacing_deg", {g.dlat_deg, g.dlon_deg}}, {"cells", g.cells()}}},
                   {"valid_values", valid},
                   {"max_mm", Num(peak)},
                   {"sum_mm", Num(total, 0)}});
    grids.push_back(std::move(g));
  }
  data::WriteRainGrids(a.archive, grids);
  if (a.json) {
    std::cout << json{{"archive", a.archive}, {"added", out}}.dump(2) << '\n';
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& x : out)
    rows.push_back({x["file"], x["storm"], std::to_string(x["layers"].get<int>()), x["first_utc"], x["last_utc"],
                    std::to_string(x["valid_values"].get<std::size_t>()), FormatFloat(x["max_mm"].get<double>(), 1)});
  PrintTable({"file", "storm", "layers", "from_utc", "to_utc", "cells_with_value", "max_mm_per_layer"}, rows);
  std::cout << "Observed rain stored in " << a.archive << " under /rain/observed.\n";
}

}  // namespace

void RegisterHazardCommands(CLI::App& app) {
  {
    auto a = std::make_shared<HazardArgs>();
    CLI::App* cmd = app.add_subcommand(
        "hazard", "Per-region wind, gusts, onset, exceedance probabilities, rain and flood risk from the analog forecast");
    cmd->add_option("--archive", a->archive, "historical archive (HDF5)")->required();
    AddLiveOptions(cmd, *a);
    cmd->add_option("--rain", a->rain,
                    "the live storm's observed rain so far: grids (netCDF, GeoTIFF, HDF5) or rain-gauge totals (CSV lat,lon,mm)");
    cmd->add_option("--rain-hours", a->rain_hours, "hours before now that rain-gauge totals (CSV) cover")
        ->capture_default_str()->check(CLI::Range(1, 720));
    cmd->add_option("--regions", a->regions, "region file (GeoJSON, Shapefile, GeoPackage)")->capture_default_str();
    cmd->add_option("--land", a->land, "land polygons for coastline exposure and landfall ('none' to skip)")->capture_default_str();
    cmd->add_option("--flood-config", a->flood, "flood-risk thresholds (TOML; 'none' = built-in defaults)")->capture_default_str();
    cmd->add_option("--top", a->top, "ensemble members (analogs)")->capture_default_str()->check(CLI::Range(3, 200));
    cmd->add_option("--window", a->window_h, "hours of live track matched")->capture_default_str();
    cmd->add_option("--step", a->step_h, "time step of the hazard, hours")->capture_default_str();
    cmd->add_option("--agency", a->agencies, "only analogs from these agencies");
    cmd->add_option("--set", a->set, "option=value (matching, forecast, and inland_mean_factor, spacing_deg, "
                                     "rain_percentile, holland2008, environmental_pressure_hpa, w_rain, scale_rain)");
    cmd->add_flag("--json", a->json, "print JSON");
    cmd->add_flag("--geojson", a->geojson, "print the regions as GeoJSON with their hazard as properties");
    cmd->callback([a] { RunHazard(*a); });
  }
  CLI::App* archive = app.get_subcommand("archive");
  {
    auto a = std::make_shared<AddRainArgs>();
    CLI::App* cmd = archive->add_subcommand(
        "add-rain", "Import observed rain grids (netCDF, GeoTIFF, HDF5 via GDAL) into the archive for a storm");
    cmd->add_option("ARCHIVE", a->archive, "archive to add to")->required();
    cmd->add_option("FILE", a->files, "rain files (CHM_PRE per-storm netCDF, …)")->required();
    cmd->add_option("--storm", a->storm, "archive storm (id, number or name); default: the file's typhoon_code (CMA)");
    cmd->add_option("--variable", a->variable, "the rain variable (default: prec, precipitation, precipitationCal, pre, rain, tp)");
    cmd->add_option("--start", a->start, "accumulation start for a file with no time axis (ISO 8601 UTC)");
    cmd->add_option("--end", a->end, "accumulation end for a file with no time axis (ISO 8601 UTC)");
    cmd->add_flag("--json", a->json, "print JSON");
    cmd->callback([a] { RunAddRain(*a); });
  }
  {
    auto file = std::make_shared<std::string>();
    auto as_json = std::make_shared<bool>(false);
    CLI::App* cmd = archive->add_subcommand(
        "model-rain", "Store the modelled (R-CLIPER) event-total rain of every storm near South China in the archive");
    cmd->add_option("ARCHIVE", *file, "archive")->required();
    cmd->add_flag("--json", *as_json, "print JSON");
    cmd->callback([file, as_json] {
      auto archive = std::make_shared<const data::Archive>(data::LoadArchive(*file));
      const auto index = core::MatchIndex::Build(archive);
      const data::RainGrid g = core::ModelledArchiveRain(*index);
      data::WriteRainGrids(*file, {g});
      const json j = {{"archive", *file}, {"storms", g.layers()}, {"grid", {{"lat_deg", {g.Lat(0), g.Lat(g.nlat - 1)}},
                      {"lon_deg", {g.Lon(0), g.Lon(g.nlon - 1)}}, {"spacing_deg", g.dlat_deg}}}, {"kind", "modelled"}, {"model", g.source}};
      if (*as_json) {
        std::cout << j.dump(2) << '\n';
      } else {
        std::cout << "Modelled rain (" << g.source << ") of " << g.layers() << " storms stored in " << *file
                  << " under /rain/modelled (15-30N, 105-125E, 0.5 deg).\n";
      }
    });
  }
}

}  // namespace taifeng::cli
