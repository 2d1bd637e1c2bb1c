// taifeng hazard: what each region can expect from the analog-ensemble forecast (wind, gusts,
// onset, exceedance probabilities, rain, flood risk); and taifeng archive add-rain / model-rain.
#include <cmath>
#include <iostream>
#include <map>
#include <memory>

#include "taifeng/geo/shapes.h"
#include "commands.h"
#include "hazard_engine.h"
#include "taifeng/warnings/rules.h"
#include "live.h"
#include "output.h"
#include "taifeng/core/cliper.h"
#include "taifeng/core/forecast.h"
#include "taifeng/core/hazard.h"
#include "taifeng/core/rain.h"
#include "taifeng/data/archive.h"
#include "taifeng/data/rain.h"
#include "taifeng/base/time_utc.h"
#include "taifeng/base/error.h"

namespace taifeng::cli {
namespace {

using nlohmann::json;

json Num(double v, int decimals = 1) {
  if (!std::isfinite(v)) return nullptr;
  const double f = std::pow(10.0, decimals);
  return std::round(v * f) / f;
}

std::string Pct(double p) { return FormatFloat(100.0 * p, 0); }

json Onset(const std::optional<std::int64_t>& t) { return t ? json(taifeng::FormatIsoUtc(*t)) : json(nullptr); }

// One region's hazard as JSON: wind and gust (mean, p90, force, onset and probabilities by window),
// rain by window, antecedent rain and flood risk.
// The region's reference sites (an agency's anemometers, from the rules): the forecast maximum.
json SitesJson(const core::RegionHazard& r) {
  json sites = json::array();
  for (const auto& s : r.sites)
    sites.push_back({{"name", s.name}, {"name_zh", s.name_zh},
                     {"wind_10min_ms", {{"mean", Num(s.wind_ms.mean)}, {"p90", Num(s.wind_ms.p90)}}},
                     {"wind_10min_kmh", {{"mean", Num(s.wind_ms.mean * 3.6, 0)}, {"p90", Num(s.wind_ms.p90 * 3.6, 0)}}},
                     {"gust_3s_ms", {{"mean", Num(s.gust_ms.mean)}, {"p90", Num(s.gust_ms.p90)}}}});
  return sites;
}

json RegionJson(const core::RegionHazard& r, const core::HazardOptions& ho) {
  json wind_p = json::object(), gust_p = json::object(), wind_on = json::object(), gust_on = json::object();
  for (std::size_t k = 0; k < ho.wind_forces.size(); ++k) {
    json byw = json::object();
    for (std::size_t w = 0; w < ho.windows_h.size(); ++w) byw[std::to_string(ho.windows_h[w]) + "h"] = Num(r.wind_probability[k][w], 3);
    wind_p["force_" + std::to_string(ho.wind_forces[k])] = byw;
    wind_on["force_" + std::to_string(ho.wind_forces[k])] = Onset(r.wind_onset_utc[k]);
  }
  for (std::size_t k = 0; k < ho.gust_forces.size(); ++k) {
    json byw = json::object();
    for (std::size_t w = 0; w < ho.windows_h.size(); ++w) byw[std::to_string(ho.windows_h[w]) + "h"] = Num(r.gust_probability[k][w], 3);
    gust_p["force_" + std::to_string(ho.gust_forces[k])] = byw;
    gust_on["force_" + std::to_string(ho.gust_forces[k])] = Onset(r.gust_onset_utc[k]);
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
              {"flood_risk", {{"level", r.flood_level}, {"name", r.flood_name}, {"reason", r.flood_reason}}},
              {"sites", SitesJson(r)}};
}

// Each region's hazard as a GeoJSON feature with its polygons; `meta` as the collection's properties.
json HazardGeoJson(const core::Hazard& h, const core::HazardOptions& ho, const geo::RegionSet& regions, const json& meta) {
  json features = json::array();
  for (const auto& r : h.regions) {
    json polys = json::array();
    for (const auto& poly : geo::ValidPolygons(regions.Polygons(r.region))) {
      json rings = json::array();
      for (const auto& ring : poly) {
        json coords = json::array();
        for (const auto& p : ring) coords.push_back({p.lon_deg, p.lat_deg});
        rings.push_back(coords);
      }
      polys.push_back(rings);
    }
    features.push_back({{"type", "Feature"}, {"properties", RegionJson(r, ho)}, {"geometry", {{"type", "MultiPolygon"}, {"coordinates", polys}}}});
  }
  return json{{"type", "FeatureCollection"}, {"properties", meta}, {"features", features}};
}

// The hazard table for people: one row per region, units in every header.
void PrintHazardTable(const core::Hazard& h, data::WindAveraging h_sustained) {
  std::vector<std::vector<std::string>> rows;
  auto hhmm = [](const std::optional<std::int64_t>& t) { return t ? taifeng::FormatIsoUtc(*t).substr(5, 11) : std::string("-"); };
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
  const std::string wind = "wind_" + std::to_string(static_cast<int>(h_sustained)) + "min_ms";
  PrintTable({"code", "region", "dist_km", wind, "F", "gust_3s_ms", "gF", "F6_onset_utc", "F8_onset_utc", "P_F6_24h_%",
              "P_F8_24h_%", "P_F10_12h_%", "P_F12_6h_%", "rain_3h_mm", "rain_24h_mm", "total_mm", "rain", "flood"},
             rows);
  std::cout << "\n" << wind << ": mean/p90 of the forecast maximum; onset: weighted median time the force is reached (MM-DDTHH:MM UTC).\n";
  rows.clear();
  for (const auto& r : h.regions)
    for (const auto& s : r.sites)
      rows.push_back({r.code, s.name, s.name_zh, FormatFloat(s.wind_ms.mean, 1) + "/" + FormatFloat(s.wind_ms.p90, 1),
                      FormatFloat(s.wind_ms.mean * 3.6, 0) + "/" + FormatFloat(s.wind_ms.p90 * 3.6, 0),
                      FormatFloat(s.gust_ms.mean, 1) + "/" + FormatFloat(s.gust_ms.p90, 1)});
  if (rows.empty()) return;
  std::cout << "\nReference anemometers (the warning rules' sites, e.g. HKO's eight for signals No. 3 and No. 8), forecast maximum, mean/p90:\n";
  PrintTable({"code", "site", "站", "wind_10min_ms", "wind_10min_kmh", "gust_3s_ms"}, rows);
}

void RunHazard(const HazardArgs& a) {
  if (a.json && a.geojson) throw Error(ErrorCode::kUsage, "--json and --geojson: choose one");
  HazardEngine engine(a);
  const HazardRun run = engine.Run(a, {}, a.rules == "none" ? std::map<std::string, std::vector<core::Site>>{} : warnings::RuleSet::Load(a.rules)->Sites());
  const core::HazardOptions& ho = run.options;
  const core::Hazard& h = run.hazard;
  const data::Storm& storm = run.storm;
  const std::vector<core::TrackPoint>& observed = run.observed;
  const core::MatchResult& match = run.match;
  const std::vector<std::string>& excluded = run.excluded;
  const std::string& consensus = run.consensus;
  const std::string& rain_note = run.rain_note;
  const std::vector<double>& rain_terms = run.rain_terms;
  const auto& regions = engine.regions();
  const std::string sustained = std::to_string(static_cast<int>(ho.sustained)) + "-minute mean";
  json meta = {{"storm", storm.id},
               {"now_utc", taifeng::FormatIsoUtc(h.now_utc)},
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
    std::cout << HazardGeoJson(h, ho, *regions, meta).dump() << '\n';
    return;
  }
  if (a.json) {
    json out = meta;
    out["regions"] = json::array();
    for (const auto& r : h.regions) out["regions"].push_back(RegionJson(r, ho));
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
  std::cout << "Hazard for " << storm.id << " from " << taifeng::FormatIsoUtc(h.now_utc) << " at " << Position(observed.back())
            << ": " << h.members << " members, " << h.hours << " h at " << ho.step_h << " h steps\n"
            << "Wind: " << sustained << " (m/s, Beaufort force F), gust 3 s; P = probability of reaching the force\n"
            << "  within the window (China's signals: blue F6 24 h, yellow F8 24 h, orange F10 12 h, red F12 6 h).\n"
            << "Rain: areal mean of the region, wettest window, ensemble mean/p90; R-CLIPER modelled unless observed.\n"
            << "Live rain: " << rain_note << "\n\n";
  PrintHazardTable(h, ho.sustained);
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
                   {"first_utc", taifeng::FormatIsoUtc(g.start_utc.front())},
                   {"last_utc", taifeng::FormatIsoUtc(g.end_utc.back())},
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
    AddHazardOptions(cmd, *a);
    cmd->add_flag("--json", a->json, "print JSON");
    cmd->add_flag("--geojson", a->geojson, "print the regions as GeoJSON with their hazard as properties");
    cmd->add_option("--rules", a->rules, "warning rules whose reference sites (HKO's anemometers) are forecast too ('none': no sites)")
        ->capture_default_str();
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
