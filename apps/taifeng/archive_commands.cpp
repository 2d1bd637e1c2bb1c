// taifeng archive build | add | info | list | show | export
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "commands.h"
#include "output.h"
#include "taifeng/core/synthetic.h"
#include "taifeng/data/archive.h"
#include "taifeng/data/import.h"
#include "taifeng/data/quality.h"
#include "taifeng/data/rain.h"
#include "taifeng/base/time_utc.h"
#include "taifeng/data/units.h"
#include "taifeng/base/error.h"
#include "taifeng/geo/geodesy.h"

namespace taifeng::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct SourceArgs {
  std::map<std::string, std::vector<std::string>> files;  // by format name (--cma, --atcf, …: the format registry)
  std::string agency = "CMA";
  bool strict = false;
  bool json = false;
  bool quiet = false;
  std::string report;

  bool empty() const {
    for (const auto& [format, args] : files)
      if (!args.empty()) return false;
    return true;
  }
};

// "--cma, --atcf, …": every format `archive build` and `archive add` take.
std::string SourceOptionNames() {
  std::string names;
  for (const data::Format& f : data::Format::All())
    if (f.archive_source()) names += (names.empty() ? "--" : ", --") + std::string(f.name());
  return names;
}

void AddSourceOptions(CLI::App* cmd, SourceArgs& a) {
  for (const data::Format& f : data::Format::All())
    if (f.archive_source()) cmd->add_option("--" + std::string(f.name()), a.files[std::string(f.name())], std::string(f.source_help()));
  cmd->add_option("--agency", a.agency, "IBTrACS agency columns to read: CMA, JTWC (USA), JMA (TOKYO), HKO")
      ->capture_default_str();
  cmd->add_flag("--strict", a.strict, "stop at the first bad record (default: skip and list bad records)");
  cmd->add_flag("--json", a.json, "print the summary and quality report as JSON");
  cmd->add_flag("-q,--quiet", a.quiet, "no progress display");
  cmd->add_option("--report", a.report, "write the full quality report (every finding) as JSON to this file");
}

data::ImportResult RunImports(const SourceArgs& a) {
  struct Job {
    data::Format format;
    fs::path path;
  };
  std::vector<Job> jobs;
  auto collect = [&](data::Format format, const std::vector<std::string>& args) {
    for (const auto& arg : args) {
      for (auto& p : data::ListSourceFiles(format, arg)) jobs.push_back({format, std::move(p)});
    }
  };
  for (const data::Format& f : data::Format::All())
    if (const auto it = a.files.find(std::string(f.name())); it != a.files.end()) collect(f, it->second);
  data::ImportOptions options;
  options.strict = a.strict;
  options.ibtracs_agency = a.agency;
  data::ImportResult result;
  Progress progress(!a.quiet && !a.json);
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    progress.Update("importing " + jobs[i].path.filename().string(), i + 1, jobs.size());
    data::ImportFile(jobs[i].format, jobs[i].path, options, result);
  }
  progress.Done();
  return result;
}

void WriteReport(const std::string& path, const json& j) {
  if (path.empty()) return;
  std::ofstream out(path);
  if (!out) throw Error(ErrorCode::kIo, path + ": cannot write the report");
  out << j.dump(2) << '\n';
}

json Summary(const data::Archive& a) {
  std::set<std::string> agencies;
  std::map<std::string, std::int64_t> per_agency;
  int first = 0, last = 0;
  for (std::size_t i = 0; i < a.storm_count(); ++i) {
    ++per_agency[a.agency[i]];
    if (i == 0 || a.season[i] < first) first = a.season[i];
    if (i == 0 || a.season[i] > last) last = a.season[i];
  }
  std::int64_t secondary = 0;
  for (auto v : a.secondary_centre) secondary += v;
  json j;
  j["schema"] = data::kSchemaName;
  j["schema_version"] = a.schema_version;
  j["created_utc"] = a.created_utc;
  j["software_version"] = a.software_version;
  j["storms"] = a.storm_count();
  j["secondary_centres"] = secondary;
  j["fixes"] = a.fix_count_total();
  j["seasons"] = {first, last};
  j["storms_by_agency"] = per_agency;
  json sources = json::array();
  std::map<std::pair<std::string, std::string>, std::pair<int, std::int64_t>> by;
  for (const auto& s : a.sources) {
    auto& v = by[{s.agency, s.format}];
    ++v.first;
    v.second += s.records;
  }
  for (const auto& [k, v] : by) {
    sources.push_back({{"agency", k.first}, {"format", k.second}, {"files", v.first}, {"records", v.second},
                       {"citation", std::string(data::AgencyCitation(k.first))}});
  }
  j["sources"] = sources;
  if (!a.synthetic.empty()) j["synthetic"] = a.synthetic;
  return j;
}

void PrintSummary(const json& j, const std::string& path) {
  std::cout << "Archive " << path << "\n"
            << "  schema:        " << j["schema"].get<std::string>() << " v" << j["schema_version"].get<int>() << "\n"
            << "  created:       " << j["created_utc"].get<std::string>() << " by " << j["software_version"].get<std::string>() << "\n"
            << "  storms:        " << j["storms"].get<std::int64_t>() << " (" << j["secondary_centres"].get<std::int64_t>()
            << " CMA secondary centres)\n"
            << "  fixes:         " << j["fixes"].get<std::int64_t>() << "\n"
            << "  seasons:       " << j["seasons"][0].get<int>() << "–" << j["seasons"][1].get<int>() << "\n"
            << "  by agency:    ";
  for (const auto& [agency, n] : j["storms_by_agency"].items()) std::cout << " " << agency << " " << n.get<std::int64_t>();
  std::cout << "\n  sources:\n";
  for (const auto& s : j["sources"]) {
    std::cout << "    " << s["agency"].get<std::string>() << " (" << s["format"].get<std::string>() << "): "
              << s["files"].get<int>() << " files, " << s["records"].get<std::int64_t>() << " records\n"
              << "      " << s["citation"].get<std::string>() << "\n";
  }
  if (j.contains("synthetic")) std::cout << "  SYNTHETIC:     " << j["synthetic"].get<std::string>() << "\n";
}

// Imports, reports quality, merges into `storms` (later wins by id), writes atomically.
// `archive add` keeps the archive's observed rain (keep_rain); the modelled rain describes the old
// storms and is dropped (archive model-rain remakes it).
void ImportAndWrite(const SourceArgs& a, std::vector<data::Storm> storms, std::vector<data::SourceInfo> sources,
                    const std::string& out, bool keep_rain = false) {
  std::vector<data::RainGrid> rain;
  if (keep_rain) {
    rain = data::ReadRainGrids(out, false);
    std::erase_if(rain, [](const data::RainGrid& g) { return g.kind != "observed"; });
  }
  data::ImportResult result = RunImports(a);
  const data::QualityReport quality = data::AnalyzeQuality(result);
  const std::size_t existing = storms.size();
  const std::size_t incoming = result.storms.size();
  const std::size_t replaced = data::MergeInto(storms, std::move(result.storms));
  // A re-imported file replaces its earlier row in /sources, as its storms replace theirs.
  for (const auto& incoming_source : result.sources) {
    std::erase_if(sources, [&](const data::SourceInfo& s) {
      return s.file == incoming_source.file && s.format == incoming_source.format && s.agency == incoming_source.agency;
    });
  }
  sources.insert(sources.end(), result.sources.begin(), result.sources.end());
  data::Archive archive = data::ToArchive(storms, sources);
  data::WriteOptions options;
  Progress progress(!a.quiet && !a.json);
  options.progress = [&](double f) { progress.Update("writing " + out, static_cast<std::size_t>(f * 100), 100); };
  data::WriteArchive(out, archive, options);
  if (!rain.empty()) data::WriteRainGrids(out, rain);
  progress.Done();
  json summary = Summary(archive);
  json q = QualityToJson(quality, result.skipped, result.warnings);
  WriteReport(a.report, q);
  if (a.json) {
    json j = summary;
    j["archive"] = out;
    j["added"] = incoming - replaced;
    j["replaced"] = replaced;
    j["previous_storms"] = existing;
    q.erase("findings");  // the full list goes to --report
    j["quality"] = q;
    std::cout << j.dump(2) << '\n';
    return;
  }
  PrintQuality(quality, result.skipped, result.warnings);
  if (existing > 0) {
    std::cout << "Merged: " << incoming - replaced << " storms added, " << replaced << " replaced (same agency id)\n";
  }
  PrintSummary(summary, out);
}

std::string WindHeader(const data::Archive& a, std::size_t i) {
  const int minutes = a.wind_averaging_min[i];  // NOLINT(bugprone-signed-char-misuse): a small signed count (1, 2, 3 or 10)
  return minutes > 0 ? "wind (m/s, " + std::to_string(minutes) + "-min)" : "wind (m/s)";
}

std::size_t FindStorm(const data::Archive& a, const std::string& key) {
  auto i = a.Find(key);
  if (!i) throw Error(ErrorCode::kNotFound, "no storm '" + key + "' (use an id from `taifeng archive list`)");
  return *i;
}

json StormJson(const data::Archive& a, std::size_t i, bool with_fixes) {
  json s = {{"id", a.id[i]},         {"agency", a.agency[i]},         {"name", a.name[i]},
            {"season", a.season[i]}, {"basin", a.basin[i]},           {"intl_number", a.intl_number[i]},
            {"agency_number", a.agency_number[i]}, {"secondary_centre", a.secondary_centre[i] != 0},
            {"wind_averaging_min", a.wind_averaging_min[i]}, {"fix_count", a.fix_count[i]},
            {"source_file", a.source_file[i]}};
  const auto begin = static_cast<std::size_t>(a.first_fix[i]);
  const auto end = begin + static_cast<std::size_t>(a.fix_count[i]);
  if (end > begin) {
    s["first_utc"] = taifeng::FormatIsoUtc(a.time_utc[begin]);
    s["last_utc"] = taifeng::FormatIsoUtc(a.time_utc[end - 1]);
  }
  float max_wind = data::kMissing, min_pres = data::kMissing;
  for (std::size_t j = begin; j < end; ++j) {
    if (!std::isnan(a.wind_ms[j]) && !(a.wind_ms[j] <= max_wind)) max_wind = a.wind_ms[j];
    if (!std::isnan(a.pressure_hpa[j]) && !(a.pressure_hpa[j] >= min_pres)) min_pres = a.pressure_hpa[j];
  }
  s["max_wind_ms"] = std::isnan(max_wind) ? json(nullptr) : json(max_wind);
  s["min_pressure_hpa"] = std::isnan(min_pres) ? json(nullptr) : json(min_pres);
  if (!with_fixes) return s;
  auto num = [](float v) { return std::isnan(v) ? json(nullptr) : json(v); };
  json fixes = json::array();
  for (std::size_t j = begin; j < end; ++j) {
    fixes.push_back({{"time_utc", taifeng::FormatIsoUtc(a.time_utc[j])},
                     {"lat_deg", a.lat_deg[j]},
                     {"lon_deg", a.lon_deg[j]},
                     {"wind_ms", num(a.wind_ms[j])},
                     {"pressure_hpa", num(a.pressure_hpa[j])},
                     {"grade", a.grade[j]},
                     {"category", std::string(data::CategoryName(static_cast<data::Category>(a.category[j])))},
                     {"flags", a.flags[j]},
                     {"rmw_km", num(a.rmw_km[j])}});
  }
  s["fixes"] = std::move(fixes);
  return s;
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

void ExportCsv(const data::Archive& a, const std::vector<std::size_t>& which, std::ostream& out) {
  out << "storm_id,agency,name,season,time_utc,lat_deg,lon_deg,wind_ms,wind_averaging_min,pressure_hpa,grade,category,flags\n";
  for (std::size_t i : which) {
    const auto begin = static_cast<std::size_t>(a.first_fix[i]);
    for (std::size_t j = begin; j < begin + static_cast<std::size_t>(a.fix_count[i]); ++j) {
      out << CsvField(a.id[i]) << ',' << a.agency[i] << ',' << CsvField(a.name[i]) << ',' << a.season[i] << ','
          << taifeng::FormatIsoUtc(a.time_utc[j]) << ',' << FormatFloat(a.lat_deg[j], 2) << ','
          << FormatFloat(a.lon_deg[j], 2) << ',' << FormatFloat(a.wind_ms[j], 1) << ','
          << static_cast<int>(a.wind_averaging_min[i]) << ',' << FormatFloat(a.pressure_hpa[j], 0) << ','
          << static_cast<int>(a.grade[j]) << ',' << data::CategoryName(static_cast<data::Category>(a.category[j]))
          << ',' << static_cast<int>(a.flags[j]) << '\n';
    }
  }
}

// RFC 7946: lines that cross the antimeridian are split there (MultiLineString). Each storm's
// properties carry per-fix arrays (times_utc, wind_ms, pressure_hpa, category) aligned with the fixes.
void ExportGeoJson(const data::Archive& a, const std::vector<std::size_t>& which, std::ostream& out) {
  json features = json::array();
  for (std::size_t i : which) {
    const auto begin = static_cast<std::size_t>(a.first_fix[i]);
    const auto end = begin + static_cast<std::size_t>(a.fix_count[i]);
    json lines = json::array();
    json line = json::array();
    json times = json::array(), winds = json::array(), pressures = json::array(), categories = json::array();
    auto num = [](float v) { return std::isnan(v) ? json(nullptr) : json(v); };
    for (std::size_t j = begin; j < end; ++j) {
      const double lon = a.lon_deg[j], lat = a.lat_deg[j];
      winds.push_back(num(a.wind_ms[j]));
      pressures.push_back(num(a.pressure_hpa[j]));
      categories.push_back(std::string(data::CategoryName(static_cast<data::Category>(a.category[j]))));
      if (j > begin) {
        const double plon = a.lon_deg[j - 1], plat = a.lat_deg[j - 1];
        const double dlon = geo::LonDifferenceDeg(plon, lon);
        if (std::fabs(plon + dlon - lon) > 1e-6) {  // crossed ±180
          const double edge = dlon > 0 ? 180.0 : -180.0;
          const double frac = (edge - plon) / dlon;
          const double cross_lat = plat + frac * (lat - plat);
          line.push_back({edge, cross_lat});
          lines.push_back(line);
          line = json::array();
          line.push_back({-edge, cross_lat});
        }
      }
      line.push_back({lon, lat});
      times.push_back(taifeng::FormatIsoUtc(a.time_utc[j]));
    }
    if (line.size() > 0) lines.push_back(line);
    json geometry = lines.size() == 1 ? json{{"type", "LineString"}, {"coordinates", lines[0]}}
                                      : json{{"type", "MultiLineString"}, {"coordinates", lines}};
    if (lines.size() == 1 && lines[0].size() == 1) geometry = {{"type", "Point"}, {"coordinates", lines[0][0]}};
    json props = StormJson(a, i, false);
    // Per fix, in the order of the line's vertices: time, wind (the agency's own averaging, named),
    // pressure and the archive's category; null where the agency gives none.
    props["times_utc"] = times;
    props["wind_ms"] = winds;
    props["wind_averaging"] = a.wind_averaging_min[i] > 0 ? std::to_string(a.wind_averaging_min[i]) + "-minute mean, 10 m" : "unknown";
    props["pressure_hpa"] = pressures;
    props["category"] = categories;
    features.push_back({{"type", "Feature"}, {"geometry", geometry}, {"properties", props}});
  }
  out << json{{"type", "FeatureCollection"}, {"features", features}}.dump() << '\n';
}

}  // namespace

namespace {

void RegisterBuildCommand(CLI::App* archive) {
  auto args = std::make_shared<SourceArgs>();
  auto out = std::make_shared<std::string>();
  CLI::App* cmd = archive->add_subcommand("build", "Import best-track files into a new archive (written atomically)");
  cmd->add_option("--out", *out, "archive file to write")->required();
  AddSourceOptions(cmd, *args);
  cmd->callback([args, out] {
    if (args->empty()) throw Error(ErrorCode::kUsage, "give at least one source (" + SourceOptionNames() + ")");
    ImportAndWrite(*args, {}, {}, *out);
  });
}

void RegisterAddCommand(CLI::App* archive) {
  auto args = std::make_shared<SourceArgs>();
  auto file = std::make_shared<std::string>();
  CLI::App* cmd = archive->add_subcommand(
      "add", "Add storms (e.g. a new season) to an archive; a storm with the same agency id is replaced");
  cmd->add_option("FILE", *file, "existing archive")->required();
  AddSourceOptions(cmd, *args);
  cmd->callback([args, file] {
    if (args->empty()) throw Error(ErrorCode::kUsage, "give at least one source (" + SourceOptionNames() + ")");
    data::Archive existing = data::LoadArchive(*file);
    std::vector<data::SourceInfo> sources;
    for (const auto& s : existing.sources) sources.push_back({s.file, s.format, s.agency, s.storms, s.records});
    ImportAndWrite(*args, data::ToStorms(existing), std::move(sources), *file, true);
  });
}

void RegisterSynthCommand(CLI::App* archive) {
  struct SynthArgs {
    std::string from, out;
    std::size_t storms = 0;
    std::uint64_t seed = 1;
    bool json = false;
  };
  auto args = std::make_shared<SynthArgs>();
  CLI::App* cmd = archive->add_subcommand(
      "synth", "Make a synthetic archive: historical tracks perturbed by a correlated random walk (CLIMADA-like)");
  cmd->add_option("--from", args->from, "archive whose storms are the parents")->required();
  cmd->add_option("--storms", args->storms, "number of synthetic storms")->required()->check(CLI::Range(1, 100000000));
  cmd->add_option("--seed", args->seed, "random seed (same seed, same archive)")->capture_default_str();
  cmd->add_option("--out", args->out, "synthetic archive to write")->required();
  cmd->add_flag("--json", args->json, "print the summary as JSON");
  cmd->callback([args] {
    const std::vector<data::Storm> parents = data::ToStorms(data::LoadArchive(args->from));
    data::SourceInfo source{std::filesystem::path(args->from).filename().string(), "synthetic", "SYNTHETIC",
                            static_cast<std::int64_t>(args->storms), 0};
    data::Archive archive = data::ToArchive({}, {});
    Progress progress(!args->json);
    // In batches, so memory holds the archive once, not also as a vector of storms.
    constexpr std::size_t kBatch = 10000;
    std::size_t made = 0;
    for (std::size_t first = 0; first < args->storms; first += kBatch) {
      progress.Update("synthesizing", first, args->storms);
      core::SyntheticOptions options;
      options.seed = args->seed;
      options.first_index = first;
      const auto batch = core::SynthesizeStorms(parents, std::min(kBatch, args->storms - first), options);
      if (batch.empty()) throw Error(ErrorCode::kInvalidArgument, args->from + ": no storm with 2 or more fixes to perturb");
      if (first == 0) {
        std::size_t fixes = 0;
        for (const auto& s : batch) fixes += s.fixes.size();
        data::Reserve(archive, args->storms, fixes * (args->storms / batch.size()) + fixes);
      }
      data::AppendStorms(archive, batch);
      made += batch.size();
    }
    source.records = static_cast<std::int64_t>(archive.fix_count_total());
    archive.sources = {{source.file, source.format, source.agency, source.storms, source.records}};
    archive.synthetic = "SYNTHETIC tracks, not observations: " + std::to_string(made) +
                        " random-walk perturbations of the storms of " + source.file + ", seed " +
                        std::to_string(args->seed) + " (Taifeng core/synthetic.h; after CLIMADA, Aznar-Siguan & Bresch 2019)";
    data::WriteOptions write;
    write.progress = [&](double f) { progress.Update("writing " + args->out, static_cast<std::size_t>(f * 100), 100); };
    data::WriteArchive(args->out, archive, write);
    progress.Done();
    const json j = Summary(archive);
    if (args->json) {
      std::cout << j.dump(2) << '\n';
    } else {
      PrintSummary(j, args->out);
    }
  });
}

void RegisterInfoCommand(CLI::App* archive) {
  auto file = std::make_shared<std::string>();
  auto as_json = std::make_shared<bool>(false);
  CLI::App* cmd = archive->add_subcommand("info", "Counts, seasons, agencies, sources and schema of an archive");
  cmd->add_option("FILE", *file, "archive")->required();
  cmd->add_flag("--json", *as_json, "print JSON");
  cmd->callback([file, as_json] {
    const data::Archive a = data::LoadArchive(*file);
    json j = Summary(a);
    if (*as_json) {
      std::cout << j.dump(2) << '\n';
    } else {
      PrintSummary(j, *file);
    }
  });
}

void RegisterListCommand(CLI::App* archive) {
  struct ListArgs {
    std::string file, name, agency;
    int season = 0;
    bool json = false;
  };
  auto args = std::make_shared<ListArgs>();
  CLI::App* cmd = archive->add_subcommand("list", "List storms, optionally by season, name or agency");
  cmd->add_option("FILE", args->file, "archive")->required();
  cmd->add_option("--season", args->season, "season (year)");
  cmd->add_option("--name", args->name, "storm name (case-insensitive)");
  cmd->add_option("--agency", args->agency, "agency (CMA, JTWC, JMA, NHC, HKO)");
  cmd->add_flag("--json", args->json, "print JSON");
  cmd->callback([args] {
    const data::Archive a = data::LoadArchive(args->file);
    auto lower = [](std::string s) {
      for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return s;
    };
    json list = json::array();
    std::vector<std::vector<std::string>> rows;
    for (std::size_t i = 0; i < a.storm_count(); ++i) {
      if (args->season != 0 && a.season[i] != args->season) continue;
      if (!args->name.empty() && lower(a.name[i]) != lower(args->name)) continue;
      if (!args->agency.empty() && lower(a.agency[i]) != lower(args->agency)) continue;
      json s = StormJson(a, i, false);
      if (args->json) {
        list.push_back(s);
        continue;
      }
      rows.push_back({a.id[i], a.name[i].empty() ? "-" : a.name[i] + (a.secondary_centre[i] ? " (secondary)" : ""),
                      std::to_string(a.season[i]), s.value("first_utc", ""), s.value("last_utc", ""),
                      std::to_string(a.fix_count[i]),
                      s["max_wind_ms"].is_null() ? "" : FormatFloat(s["max_wind_ms"].get<double>(), 1) + " (" +
                                                            std::to_string(a.wind_averaging_min[i]) + "-min)",
                      s["min_pressure_hpa"].is_null() ? "" : FormatFloat(s["min_pressure_hpa"].get<double>(), 0)});
    }
    if (args->json) {
      std::cout << list.dump(2) << '\n';
      return;
    }
    PrintTable({"id", "name", "season", "first fix (UTC)", "last fix (UTC)", "fixes", "max wind (m/s)", "min pressure (hPa)"},
               rows);
    std::cout << rows.size() << " storms\n";
  });
}

void RegisterShowCommand(CLI::App* archive) {
  struct ShowArgs {
    std::string file, storm;
    bool json = false;
  };
  auto args = std::make_shared<ShowArgs>();
  CLI::App* cmd = archive->add_subcommand("show", "Show one storm's fixes as a table with units");
  cmd->add_option("FILE", args->file, "archive")->required();
  cmd->add_option("STORM", args->storm, "storm id (CMA:2018-0026), agency number (WP262018) or name (most recent)")
      ->required();
  cmd->add_flag("--json", args->json, "print JSON");
  cmd->callback([args] {
    const data::Archive a = data::LoadArchive(args->file);
    const std::size_t i = FindStorm(a, args->storm);
    if (args->json) {
      std::cout << StormJson(a, i, true).dump(2) << '\n';
      return;
    }
    std::cout << a.id[i] << "  " << (a.name[i].empty() ? "(unnamed)" : a.name[i]) << "  season " << a.season[i]
              << "  " << a.agency[i] << " " << a.agency_number[i] << "  from " << a.source_file[i] << "\n";
    std::vector<std::vector<std::string>> rows;
    const auto begin = static_cast<std::size_t>(a.first_fix[i]);
    for (std::size_t j = begin; j < begin + static_cast<std::size_t>(a.fix_count[i]); ++j) {
      std::string flags;
      if (a.flags[j] & data::kFixWindBelow10Ms) flags += "wind<10m/s ";
      if (a.flags[j] & data::kFixLandfall) flags += "landfall ";
      if (a.flags[j] & data::kFixOffSynoptic) flags += "extra-time ";
      rows.push_back({taifeng::FormatIsoUtc(a.time_utc[j]), FormatFloat(a.lat_deg[j], 1), FormatFloat(a.lon_deg[j], 1),
                      FormatFloat(a.wind_ms[j], 1), FormatFloat(a.pressure_hpa[j], 0),
                      std::string(data::CategoryName(static_cast<data::Category>(a.category[j]))),
                      a.grade[j] < 0 ? "" : std::to_string(a.grade[j]), flags});
    }
    PrintTable({"time (UTC)", "lat (°N)", "lon (°E)", WindHeader(a, i), "pressure (hPa)", "category", "grade", "flags"},
               rows);
  });
}

void RegisterExportCommand(CLI::App* archive) {
  struct ExportArgs {
    std::string file, format = "csv", out;
    std::vector<std::string> storms;
  };
  auto args = std::make_shared<ExportArgs>();
  CLI::App* cmd = archive->add_subcommand("export", "Export storms (all when none given) as CSV or GeoJSON");
  cmd->add_option("FILE", args->file, "archive")->required();
  cmd->add_option("STORM", args->storms, "storm ids, agency numbers or names");
  cmd->add_option("--format", args->format, "csv or geojson")->check(CLI::IsMember({"csv", "geojson"}))->capture_default_str();
  cmd->add_option("-o,--out", args->out, "output file (default: standard output)");
  cmd->callback([args] {
    const data::Archive a = data::LoadArchive(args->file);
    std::vector<std::size_t> which;
    for (const auto& key : args->storms) which.push_back(FindStorm(a, key));
    if (args->storms.empty()) {
      for (std::size_t i = 0; i < a.storm_count(); ++i) which.push_back(i);
    }
    std::ofstream file;
    if (!args->out.empty()) {
      file.open(args->out);
      if (!file) throw Error(ErrorCode::kIo, args->out + ": cannot write");
    }
    std::ostream& out = args->out.empty() ? std::cout : file;
    if (args->format == "csv") {
      ExportCsv(a, which, out);
    } else {
      ExportGeoJson(a, which, out);
    }
  });
}

}  // namespace

void RegisterArchiveCommands(CLI::App& app) {
  CLI::App* archive = app.add_subcommand("archive", "Build, extend and inspect the HDF5 historical archive");
  archive->require_subcommand(1);
  RegisterBuildCommand(archive);
  RegisterAddCommand(archive);
  RegisterSynthCommand(archive);
  RegisterInfoCommand(archive);
  RegisterListCommand(archive);
  RegisterShowCommand(archive);
  RegisterExportCommand(archive);
}

}  // namespace taifeng::cli
