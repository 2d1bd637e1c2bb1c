// taifeng risk build | show: the typhoon risk atlas (risk_job.h, core/risk.h, data/atlas.h).
#include <nlohmann/json.hpp>

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "commands.h"
#include "output.h"
#include "risk_job.h"
#include "risk_maps.h"
#include "site_points.h"
#include "taifeng/base/env.h"
#include "taifeng/base/error.h"
#include "taifeng/geo/regions.h"

namespace taifeng::cli {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// One CSV per quantity: a row per region and point (grid cells are in the HDF5 and the GeoTIFFs),
// the return level and its interval for every period.
void WriteCsv(const data::Atlas& a, const std::string& dir) {
  fs::create_directories(dir);
  for (const data::AtlasQuantity& q : a.quantities) {
    std::string csv = "code,name,name_en,kind,lat_deg,lon_deg";
    for (const double t : a.periods_years) {
      const std::string p = std::to_string(static_cast<int>(t));
      csv += "," + q.name + "_" + p + "y," + q.name + "_" + p + "y_low," + q.name + "_" + p + "y_high";
    }
    csv += "\n";
    for (std::size_t s = 0; s < a.sites(); ++s) {
      if (a.kind[s] == 1) continue;
      csv += a.code[s] + "," + a.name[s] + "," + a.name_en[s] + "," + (a.kind[s] == 0 ? "region," : "point,") + FormatFloat(a.lat_deg[s], 3) +
             "," + FormatFloat(a.lon_deg[s], 3);
      for (std::size_t p = 0; p < a.periods_years.size(); ++p) {
        const std::size_t i = s * a.periods_years.size() + p;
        const std::string level = q.bound[i] == 1 ? "" : FormatFloat(q.level[i], 1);  // below the first edge: empty
        csv += "," + level + "," + FormatFloat(q.low[i], 1) + "," + FormatFloat(q.high[i], 1);
      }
      csv += "\n";
    }
    WriteFileAtomically(fs::path(dir) / (q.name + ".csv"), csv);
  }
}

// One GeoTIFF per quantity and period of the grid (none without a grid: said, not an error).
void WriteGeoTiffs(const data::Atlas& a, const std::string& dir) {
  if (!a.grid) {
    std::cerr << "risk build: --geotiff needs a --grid: no maps written\n";
    return;
  }
  fs::create_directories(dir);
  for (const data::AtlasQuantity& q : a.quantities)
    for (const double t : a.periods_years)
      data::WriteLevelGeoTiff(a, q.name, t, fs::path(dir) / (q.name + "_" + std::to_string(static_cast<int>(t)) + "y.tif"));
}

void WriteMaps(const RiskBuildArgs& a, const data::Atlas& atlas) {
  std::shared_ptr<const geo::RegionSet> regions;
  if (!a.regions.empty() && a.regions != "none") regions = geo::RegionSet::Load(a.regions, geo::RegionSet::Administrative());
  const auto land = LoadLandOption(a.land);
  WriteRiskMaps(atlas, regions.get(), land.get(), a.maps_dir);
}

json SiteJson(const data::Atlas& a, std::size_t s) {
  json j = {{"code", a.code[s]}, {"name", a.name[s]}, {"name_en", a.name_en[s]}, {"lat_deg", a.lat_deg[s]}, {"lon_deg", a.lon_deg[s]}};
  for (const data::AtlasQuantity& q : a.quantities) {
    json curve = json::array();
    for (std::size_t p = 0; p < a.periods_years.size(); ++p) {
      const std::size_t i = s * a.periods_years.size() + p;
      static const char* kBound[] = {"exact", "below_first_edge", "at_least_last_edge"};
      curve.push_back({{"period_years", a.periods_years[p]}, {"level", q.level[i]}, {"low", q.low[i]}, {"high", q.high[i]},
                       {"bound", kBound[std::clamp<int>(q.bound[i], 0, 2)]}});
    }
    j[q.name] = {{"units", q.units}, {"long_name", q.long_name}, {"curve", curve}};
  }
  return j;
}

void PrintCurve(const data::Atlas& a, std::size_t s) {
  std::cout << a.name[s] << " " << a.name_en[s] << " (" << a.code[s] << "), " << a.years << " synthetic years, seed " << a.seed
            << " (MODELLED: a synthetic catalog through parametric models, not observations)\n";
  std::vector<std::vector<std::string>> rows;
  for (std::size_t p = 0; p < a.periods_years.size(); ++p) {
    std::vector<std::string> row = {std::to_string(static_cast<int>(a.periods_years[p]))};
    for (const data::AtlasQuantity& q : a.quantities) {
      const std::size_t i = s * a.periods_years.size() + p;
      const std::string level = q.bound[i] == 1 ? "< " + FormatFloat(q.level[i], 0) : (q.bound[i] == 2 ? ">= " : "") + FormatFloat(q.level[i], 1);
      row.push_back(level + " (" + FormatFloat(q.low[i], 1) + "–" + FormatFloat(q.high[i], 1) + ")");
    }
    rows.push_back(row);
  }
  std::vector<std::string> header = {"return period (years)"};
  for (const data::AtlasQuantity& q : a.quantities)
    header.push_back(q.name == "wind_ms"   ? "wind, 10-min mean, m/s (95% interval)"
                     : q.name == "gust_ms" ? "gust, 3-s, m/s (95%)"
                     : q.name == "rain_total_mm" ? "storm rain, mm (95%)"
                                                 : "wettest 24 h rain, mm (95%)");
  PrintTable(header, rows);
}

void RegisterBuild(CLI::App* risk) {
  auto a = std::make_shared<RiskBuildArgs>();
  CLI::App* cmd = risk->add_subcommand(
      "build", "Build the risk atlas: N synthetic years of wind and rain at every region and grid cell, return periods 10-1000 years "
               "(runs on MPI ranks under mpirun, else in one process with OpenMP)");
  cmd->add_option("--archive", a->archive, "archive of historical best tracks (the parents)")->required();
  cmd->add_option("--years", a->years, "synthetic years (each a perturbed historical season)")->required();
  cmd->add_option("--seed", a->seed, "random seed: the same seed, the same atlas, bit for bit, on any number of ranks")->capture_default_str();
  a->regions = TAIFENG_DEFAULT_REGIONS;
  cmd->add_option("--regions", a->regions, "regions file (each region's sample points; 'none': no regions)")->capture_default_str();
  cmd->add_option("--points", a->points, "also named points, one site each: a CSV with columns code,name,name_en,lat_deg,lon_deg "
                                         "(e.g. data/samples/risk/gb50009_2012_stations.csv)");
  cmd->add_option("--grid", a->grid_deg, "also a grid of this cell size (degrees) over --bbox");
  cmd->add_option("--bbox", a->bbox, "the grid's box: SOUTH WEST NORTH EAST (degrees)")->expected(4)->delimiter(',');
  cmd->add_option("--agency", a->agency, "whose best tracks")->capture_default_str();
  cmd->add_option("--seasons", a->seasons, "historical seasons Y1-Y2 (default: all the archive has)");
  cmd->add_option("--blocks", a->blocks, "blocks of years for the regions' bootstrap")->capture_default_str()->check(CLI::Range(1, 1000));
  cmd->add_option("--bootstrap", a->bootstrap, "bootstrap draws for the 95% intervals (0: none)")->capture_default_str()->check(CLI::Range(0, 100000));
  cmd->add_option("--reach", a->reach_km, "wind and rain are computed within this distance of the centre (km)")->capture_default_str()->check(CLI::Range(100.0, 2000.0));
  AddLandOptions(cmd, a->land, "the synthetic storms' decay over land");
  cmd->add_option("--memory-limit", a->memory_limit_mb, "refuse a job whose estimate per rank exceeds this (MB; default: available memory)");
  cmd->add_option("--out", a->out, "the atlas (HDF5), written by rank 0, atomically")->required();
  cmd->add_option("--csv", a->csv_dir, "also the regions' curves as CSV in this directory");
  cmd->add_option("--geotiff", a->geotiff_dir, "also the grid's return levels as GeoTIFF maps in this directory (QUANTITY_Ty.tif)");
  cmd->add_option("--maps", a->maps_dir, "also a map image per quantity and return period (SVG) in this directory (QUANTITY_Ty.svg)");
  cmd->add_flag("--json", a->json, "print the summary as JSON");
  cmd->callback([a] {
    Ranks ranks;
    const RiskRun run = RunRiskBuild(*a, ranks);
    if (ranks.rank() != 0) return;
    const auto t0 = std::chrono::steady_clock::now();
    data::WriteAtlas(a->out, run.atlas);
    const double write_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!a->csv_dir.empty()) WriteCsv(run.atlas, a->csv_dir);
    if (!a->geotiff_dir.empty()) WriteGeoTiffs(run.atlas, a->geotiff_dir);
    if (!a->maps_dir.empty()) WriteMaps(*a, run.atlas);
    const json j = {{"atlas", a->out}, {"years", a->years}, {"seed", a->seed}, {"sites", run.atlas.sites()}, {"synthetic_storms", run.storms},
                    {"ranks", ranks.size()}, {"threads_per_rank", omp_get_max_threads()}, {"seconds", run.seconds},
                    {"peak_rss_mb_per_rank", run.peak_rss_mb},
                    {"phases_s", {{"catalog", run.catalog_s}, {"reduce", run.reduce_s}, {"levels", run.levels_s}, {"write_atlas", write_s}}},
                    {"reduced_mb_per_rank", static_cast<double>(run.reduced_bytes) / 1e6}};
    if (a->json) {
      std::cout << j.dump(2) << "\n";
      return;
    }
    std::printf("%s: %lld synthetic years, %lld synthetic storms, %zu sites, %d rank(s) x %d thread(s), %.1f s, peak memory %.0f MB per rank\n",
                a->out.c_str(), static_cast<long long>(a->years), static_cast<long long>(run.storms), run.atlas.sites(), ranks.size(),
                omp_get_max_threads(), run.seconds, run.peak_rss_mb);
  });
}

void RegisterShow(CLI::App* risk) {
  struct ShowArgs {
    std::string atlas, site;
    bool json = false;
  };
  auto a = std::make_shared<ShowArgs>();
  CLI::App* cmd = risk->add_subcommand("show", "Print a region's (or cell's) return-period curve with its 95% interval");
  cmd->add_option("SITE", a->site, "region code, name or English name, or cell:ROW:COL")->required();
  cmd->add_option("--atlas", a->atlas, "the atlas (taifeng risk build --out)")->required();
  cmd->add_flag("--json", a->json, "print JSON");
  cmd->callback([a] {
    const data::Atlas atlas = data::ReadAtlas(a->atlas);
    const auto s = atlas.Site(a->site);
    if (!s) throw Error(ErrorCode::kNotFound, a->atlas + ": no site " + a->site + " (a region code, name or English name)");
    if (a->json) {
      std::cout << SiteJson(atlas, *s).dump(2) << "\n";
      return;
    }
    PrintCurve(atlas, *s);
  });
}

json CountsJson(const std::vector<int>& counts) {
  double mean = 0, var = 0;
  int top = 0;
  for (const int c : counts) mean += c, top = std::max(top, c);
  mean /= std::max<std::size_t>(counts.size(), 1);
  for (const int c : counts) var += (c - mean) * (c - mean);
  std::vector<double> share(static_cast<std::size_t>(top) + 1, 0.0);
  for (const int c : counts) share[static_cast<std::size_t>(c)] += 1.0 / static_cast<double>(counts.size());
  return {{"years", counts.size()}, {"mean", mean}, {"sd", std::sqrt(var / std::max<std::size_t>(counts.size() - 1, 1))}, {"share_of_years_with", share}};
}

void PrintValidation(const RiskValidation& v, const json& counts) {
  std::vector<std::vector<std::string>> rows;
  const auto level = [](const core::ReturnLevel& r) {
    return r.bound == core::ReturnLevel::Bound::kBelowFirstEdge ? std::string("< 10") : FormatFloat(r.level, 1);
  };
  for (const auto& r : v.rows)
    rows.push_back({r.name_en, std::to_string(static_cast<int>(r.period_years)), level(r.record),
                    FormatFloat(r.record.low, 1) + "–" + FormatFloat(r.record.high, 1), level(r.catalog), r.inside ? "yes" : "NO"});
  PrintTable({"region", "period (years)", "record: wind m/s (10-min)", "record 95% interval", "catalog: wind m/s", "inside"}, rows);
  std::printf("\ninside the record's interval: %zu of %zu (region, period) pairs; all four periods: %zu of %zu regions (%.0f%%; target >= 90%%)\n",
              v.pairs_inside, v.rows.size(), v.regions_all_inside, v.regions, 100.0 * static_cast<double>(v.regions_all_inside) / static_cast<double>(v.regions));
  std::printf("storms within 300 km of Hong Kong per year: record %.2f (sd %.2f, %d seasons), catalog %.2f (sd %.2f, %lld years)\n",
              counts["record"]["mean"].get<double>(), counts["record"]["sd"].get<double>(), v.seasons, counts["catalog"]["mean"].get<double>(),
              counts["catalog"]["sd"].get<double>(), static_cast<long long>(v.catalog_counts.size()));
}

void RegisterValidate(CLI::App* risk) {
  auto a = std::make_shared<RiskBuildArgs>();
  auto atlas_path = std::make_shared<std::string>();
  CLI::App* cmd = risk->add_subcommand(
      "validate", "The atlas against the record: the same wind model on the historical tracks, 2-20-year levels per region with the "
                  "record's bootstrap interval, and the yearly count of storms within 300 km of Hong Kong");
  cmd->add_option("--atlas", *atlas_path, "the atlas (taifeng risk build --out)")->required();
  cmd->add_option("--archive", a->archive, "the archive the atlas was built from")->required();
  a->regions = TAIFENG_DEFAULT_REGIONS;
  cmd->add_option("--regions", a->regions, "the regions the atlas was built with")->capture_default_str();
  cmd->add_option("--agency", a->agency, "whose best tracks")->capture_default_str();
  cmd->add_option("--seasons", a->seasons, "historical seasons Y1-Y2 (default: all the archive has)");
  cmd->add_option("--bootstrap", a->bootstrap, "bootstrap draws over the seasons")->capture_default_str()->check(CLI::Range(1, 100000));
  cmd->add_option("--reach", a->reach_km, "as the atlas was built (km)")->capture_default_str();
  cmd->add_flag("--json", a->json, "print JSON");
  cmd->callback([a, atlas_path] {
    const data::Atlas atlas = data::ReadAtlas(*atlas_path);
    const RiskValidation v = ValidateAtlas(*a, atlas);
    const json counts = {{"record", CountsJson(v.record_counts)}, {"catalog", CountsJson(v.catalog_counts)}};
    if (!a->json) {
      PrintValidation(v, counts);
      return;
    }
    json rows = json::array();
    for (const auto& r : v.rows)
      rows.push_back({{"code", r.code}, {"name_en", r.name_en}, {"period_years", r.period_years}, {"record", r.record.level},
                      {"record_low", r.record.low}, {"record_high", r.record.high}, {"catalog", r.catalog.level}, {"inside", r.inside}});
    std::cout << json{{"rows", rows}, {"regions", v.regions}, {"regions_all_inside", v.regions_all_inside}, {"pairs_inside", v.pairs_inside},
                      {"storms_within_300km_of_hong_kong", counts}}
                     .dump(2)
              << "\n";
  });
}

// The atlas's wind at named points against a load code's basic wind pressure: w0 (kN/m²) for a
// return period, converted to the 10-minute mean wind at 10 m over open flat terrain by
// GB 50009-2012 eq. E.2.4-1, w0 = ½ ρ v0², ρ = 1.25 kg/m³, so v0 = √(1600 w0) m/s.
struct CompareRow {
  std::string code, name, name_en;
  double w0_kn_m2 = NAN, code_ms = NAN;
  core::ReturnLevel atlas;
};

std::vector<CompareRow> CompareWithCode(const data::Atlas& atlas, const std::string& reference, int period) {
  const data::AtlasQuantity* wind = atlas.Find("wind_ms");
  if (!wind) throw Error(ErrorCode::kArchiveFormat, "the atlas has no wind_ms");
  const auto p = std::find(atlas.periods_years.begin(), atlas.periods_years.end(), static_cast<double>(period));
  if (p == atlas.periods_years.end()) throw Error(ErrorCode::kUsage, "--period: one of the atlas's return periods (10, 20, 50, 100, ...)");
  const std::string column = "w0_" + std::to_string(period) + "y_kn_m2";
  std::vector<CompareRow> rows;
  for (const SitePoint& pt : LoadSitePoints(reference)) {
    const auto w0 = pt.extra.find(column);
    if (w0 == pt.extra.end()) throw Error(ErrorCode::kParse, reference + ": no column " + column);
    const auto s = atlas.Site(pt.code);
    if (!s) throw Error(ErrorCode::kNotFound, "the atlas has no site " + pt.code + ": build it with --points " + reference);
    char* end = nullptr;
    CompareRow r{pt.code, pt.name, pt.name_en, std::strtod(w0->second.c_str(), &end), NAN, {}};
    if (end == w0->second.c_str() || *end != '\0' || !(r.w0_kn_m2 > 0 && r.w0_kn_m2 < 20))
      throw Error(ErrorCode::kParse, reference + ": " + pt.code + ": " + column + ": a pressure in kN/m² (0-20), not '" + w0->second + "'");
    r.code_ms = std::sqrt(1600.0 * r.w0_kn_m2);
    const std::size_t i = *s * atlas.periods_years.size() + static_cast<std::size_t>(p - atlas.periods_years.begin());
    r.atlas.level = wind->level[i], r.atlas.low = wind->low[i], r.atlas.high = wind->high[i];
    r.atlas.bound = static_cast<core::ReturnLevel::Bound>(wind->bound[i]);
    rows.push_back(r);
  }
  return rows;
}

void PrintCompare(const std::vector<CompareRow>& rows, int period) {
  std::vector<std::vector<std::string>> out;
  for (const auto& r : rows)
    out.push_back({r.name_en + " " + r.name, FormatFloat(r.w0_kn_m2, 2), FormatFloat(r.code_ms, 1), FormatFloat(r.atlas.level, 1),
                   FormatFloat(r.atlas.low, 1) + "–" + FormatFloat(r.atlas.high, 1), FormatFloat(r.atlas.level / r.code_ms, 2)});
  const std::string t = std::to_string(period);
  PrintTable({"site", "code w0 " + t + "-yr, kN/m²", "code wind, 10-min mean at 10 m, m/s", "atlas " + t + "-yr wind, 10-min, m/s (MODELLED)",
              "atlas 95% interval", "atlas / code"},
             out);
}

void RegisterCompare(CLI::App* risk) {
  struct CompareArgs {
    std::string atlas, reference;
    int period = 50;
    bool json = false;
  };
  auto a = std::make_shared<CompareArgs>();
  CLI::App* cmd = risk->add_subcommand(
      "compare", "The atlas's wind at named points against a load code's basic wind pressure (GB 50009-2012: v0 = sqrt(1600 w0))");
  cmd->add_option("--atlas", a->atlas, "the atlas, built with --points REFERENCE")->required();
  cmd->add_option("--reference", a->reference, "the points with the code's w0_Ty_kn_m2 columns (data/samples/risk/gb50009_2012_stations.csv)")
      ->required();
  cmd->add_option("--period", a->period, "return period (years): the column w0_<period>y_kn_m2")->capture_default_str();
  cmd->add_flag("--json", a->json, "print JSON");
  cmd->callback([a] {
    const std::vector<CompareRow> rows = CompareWithCode(data::ReadAtlas(a->atlas), a->reference, a->period);
    if (!a->json) {
      PrintCompare(rows, a->period);
      return;
    }
    json out = json::array();
    for (const auto& r : rows)
      out.push_back({{"code", r.code}, {"name", r.name}, {"name_en", r.name_en}, {"w0_kn_m2", r.w0_kn_m2}, {"code_wind_ms", r.code_ms},
                     {"atlas_wind_ms", r.atlas.level}, {"atlas_low", r.atlas.low}, {"atlas_high", r.atlas.high}});
    std::cout << json{{"period_years", a->period}, {"wind_averaging", "10-minute mean at 10 m"}, {"rows", out}}.dump(2) << "\n";
  });
}

}  // namespace

void RegisterRiskCommands(CLI::App& app) {
  CLI::App* risk = app.add_subcommand("risk", "The typhoon risk atlas: return periods of wind and rain per region and grid cell");
  risk->require_subcommand(1);
  RegisterBuild(risk);
  RegisterShow(risk);
  RegisterValidate(risk);
  RegisterCompare(risk);
}

}  // namespace taifeng::cli
