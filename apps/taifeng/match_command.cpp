// taifeng match: the historical analogs of a live track.
#include <cmath>
#include <functional>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>

#include "commands.h"
#include "taifeng/core/cliper.h"
#include "land_option.h"
#include "live.h"
#include "output.h"
#include "taifeng/core/landfall.h"
#include "taifeng/core/forecast.h"
#include "taifeng/core/matcher.h"
#include "taifeng/data/archive.h"
#include "taifeng/data/forecast.h"
#include "taifeng/data/import.h"
#include "taifeng/base/time_utc.h"
#include "taifeng/base/error.h"

namespace taifeng::cli {

using nlohmann::json;

std::int64_t ParseTime(const std::string& text, const char* option) {
  auto t = taifeng::ParseUtc(text);
  if (!t) {
    throw Error(ErrorCode::kUsage,
                std::string(option) + " '" + text + "': expected ISO 8601 UTC (2018-09-14T00:00:00Z) or YYYYMMDDHH");
  }
  return *t;
}

data::Format DetectFormat(const std::string& path, const std::string& requested) {
  if (requested != "auto") {
    auto f = data::FormatFromName(requested);
    if (!f || *f == data::Format::Named("ibtracs"))
      throw Error(ErrorCode::kUsage, "--format: expected auto, cma, atcf, jma, hurdat2 or csv");
    return *f;
  }
  const std::string name = std::filesystem::path(path).filename().string();
  auto ends = [&](const char* s) {
    return name.size() >= std::strlen(s) && name.compare(name.size() - std::strlen(s), std::strlen(s), s) == 0;
  };
  if (ends(".csv") || ends(".CSV")) return data::Format::Named("csv");
  if (name.rfind("CH", 0) == 0 && name.find("BST") != std::string::npos) return data::Format::Named("cma");
  if (!name.empty() && (name[0] == 'b' || name[0] == 'B') && (ends(".dat") || ends(".txt"))) return data::Format::Named("atcf");
  throw Error(ErrorCode::kUsage, path + ": cannot tell its format from the name; give --format cma|atcf|csv");
}

data::Storm LoadLive(const LiveInput& a) {
  data::ImportOptions options;
  options.strict = true;  // a live track is refused whole rather than silently thinned
  options.csv_wind_averaging = static_cast<data::WindAveraging>(a.wind_minutes);
  data::ImportResult r;
  data::ImportFile(DetectFormat(a.track, a.format), a.track, options, r);
  if (r.storms.empty()) throw Error(ErrorCode::kParse, a.track + ": no track in the file");
  const data::Archive listing = data::ToArchive(r.storms, {});
  std::size_t pick = 0;
  if (!a.storm.empty()) {
    auto i = listing.Find(a.storm);
    if (!i) throw Error(ErrorCode::kNotFound, a.track + ": no storm '" + a.storm + "'");
    pick = *i;
  } else if (r.storms.size() > 1) {
    std::string names;
    for (std::size_t i = 0; i < r.storms.size() && i < 12; ++i)
      names += " " + r.storms[i].id + (r.storms[i].name.empty() ? "" : "(" + r.storms[i].name + ")");
    throw Error(ErrorCode::kUsage,
                a.track + " holds " + std::to_string(r.storms.size()) + " storms; choose one with --storm:" + names);
  }
  data::Storm live = std::move(r.storms[pick]);
  if (!a.at.empty()) {
    const std::int64_t at = ParseTime(a.at, "--at");
    std::erase_if(live.fixes, [&](const data::Fix& f) { return f.time_utc > at; });
    if (live.fixes.empty())
      throw Error(ErrorCode::kInvalidArgument, "--at " + a.at + " is before the live track's first fix");
  }
  return live;
}

std::string Position(const core::TrackPoint& p) {
  return FormatFloat(p.lat_deg, 1) + (p.lat_deg >= 0 ? "N " : "S ") + FormatFloat(std::fabs(p.lon_deg), 1) +
         (p.lon_deg >= 0 ? "E" : "W");
}

const core::TrackPoint* After(const core::Analog& a, int hours) {
  for (const auto& p : a.next) {
    if (p.time_utc == a.matched_utc + hours * 3600) return &p;
  }
  return nullptr;
}

json PointJson(const core::TrackPoint& p) {
  auto num = [](double v) { return std::isnan(v) ? json(nullptr) : json(v); };
  return {{"time_utc", taifeng::FormatIsoUtc(p.time_utc)},
          {"lat_deg", p.lat_deg},
          {"lon_deg", p.lon_deg},
          {"wind_ms_10min", num(p.wind_ms)},
          {"pressure_hpa", num(p.pressure_hpa)}};
}

std::size_t JoinOfficialForecast(std::vector<core::TrackPoint>& live, const std::string& file,
                                 const std::vector<std::string>& techs, int wind_minutes, int hours,
                                 std::string& note) {
  if (file.empty()) return 0;
  const data::ForecastTrack fc =
      data::ReadForecast(file, live.back().time_utc, techs, static_cast<data::WindAveraging>(wind_minutes));
  const std::size_t observed = live.size();
  live = core::JoinForecast(live, fc, hours);
  const std::size_t points = live.size() - observed;
  note = fc.tech + " forecast" + (fc.issued_utc ? " issued " + taifeng::FormatIsoUtc(fc.issued_utc) : "") +
         ", joined to +" + std::to_string(points * 6) + " h";
  return points;
}

namespace {

// Every score term's value (ScoreTerms: "position_km", "wind_ms", …; null when not computed).
json TermsJson(const core::TermValues& terms) {
  json j = json::object();
  for (const core::ScoreTerm& t : core::ScoreTerms()) {
    const double v = terms.*t.value;
    j[std::string(t.scale_option.substr(std::string_view("scale_").size()))] = std::isnan(v) ? json(nullptr) : json(v);
  }
  return j;
}

// "7-10" or "6,8,9": bit m-1 set for each month m. Throws Error(kUsage) naming the option.
unsigned ParseMonths(const std::string& months) {
  unsigned mask = 0;
  for (std::size_t pos = 0; pos < months.size();) {
    const std::size_t comma = std::min(months.find(',', pos), months.size());
    int m1 = 0, m2 = 0;
    const std::string part = months.substr(pos, comma - pos);
    const int got = std::sscanf(part.c_str(), "%d-%d", &m1, &m2);
    if (got == 1) m2 = m1;
    if (got < 1 || m1 < 1 || m2 > 12 || m1 > m2) throw Error(ErrorCode::kUsage, "--months '" + months + "': expected e.g. 7-10 or 6,8,9");
    for (int m = m1; m <= m2; ++m) mask |= 1u << (m - 1);
    pos = comma + 1;
  }
  return mask;
}

struct MatchArgs : LiveInput {
  std::string archive, before, seasons, forecast, months;
  std::vector<std::string> exclude, agencies, forecast_techs = {"OFCL", "JTWC"}, set;
  int window_h = 24, top = 10, forecast_h = 72;
  double min_wind_ms = 0.0;
  LandArgs land;
  bool json = false;
};

// The match as JSON: the live segment, the search's counts and each analog with its terms, what it
// did next and its landfall.
json MatchJson(const data::Storm& live_storm, const std::vector<core::TrackPoint>& live, const core::MatchResult& r,
               const core::MatchOptions& options, std::size_t forecast_points, const std::function<json(std::size_t)>& landfall_json) {
  const core::TrackPoint& now_point = live[live.size() - 1 - forecast_points];
  json j;
  j["live"] = {{"id", live_storm.id},
               {"name", live_storm.name},
               {"now_utc", taifeng::FormatIsoUtc(now_point.time_utc)},
               {"window_h", options.window_h},
               {"forecast_points", forecast_points}};
  json seg = json::array();
  for (const auto& p : live) seg.push_back(PointJson(p));
  j["live"]["segment"] = seg;
  j["segments_examined"] = r.segments;
  j["segments_scored_exactly"] = r.scored_exactly;
  json analogs = json::array();
  int rank = 0;
  for (const auto& x : r.analogs) {
    json next = json::array();
    for (const auto& p : x.next) next.push_back(PointJson(p));
    analogs.push_back({{"rank", ++rank},
                       {"id", x.id},
                       {"name", x.name},
                       {"agency", x.agency},
                       {"season", x.season},
                       {"score", x.score},
                       {"matched_utc", taifeng::FormatIsoUtc(x.matched_utc)},
                       {"terms", TermsJson(x.terms)},
                       {"next", next},
                       {"landfall", landfall_json(analogs.size())}});
  }
  j["analogs"] = analogs;
  return j;
}

// The live segment for the window; a track shorter than the window is matched on the longest
// window (a multiple of 6 h, at least 12 h) it has, and `note` says so (documented fallback).
std::vector<core::TrackPoint> LiveWindow(const data::Storm& live_storm, int window_h, core::MatchOptions& options, std::string& note) {
  for (int w = window_h;; w -= 6) {
    try {
      std::vector<core::TrackPoint> live = core::LiveSegment(live_storm, w);
      options.window_h = w;
      if (w != window_h)
        note = "live track too short for the " + std::to_string(window_h) + " h window; matched on " + std::to_string(w) + " h";
      return live;
    } catch (const Error& e) {
      if (w - 6 < 12 || std::string(e.what()).find("needs") == std::string::npos) throw;
    }
  }
}

void Run(const MatchArgs& a) {
  auto archive = std::make_shared<const data::Archive>(data::LoadArchive(a.archive));
  const data::Storm live_storm = LoadLive(a);
  core::MatchOptions options;
  options.top_k = a.top;
  options.explain_all_terms = true;  // a forecaster sees every term, weighted or not
  core::ForecastOptions unused;
  for (const std::string& x : a.set) core::SetOption(options, unused, x);  // strict: names the bad option
  std::string note;
  std::vector<core::TrackPoint> live = LiveWindow(live_storm, a.window_h, options, note);
  core::MatchFilter filter;
  filter.exclude.insert(a.exclude.begin(), a.exclude.end());
  filter.agencies.insert(a.agencies.begin(), a.agencies.end());
  std::vector<std::string> excluded;
  if (!a.before.empty()) {
    filter.before_utc = ParseTime(a.before, "--before");
    // A replay: the live storm's own records (any agency) are not analogs of it.
    excluded = ExcludeLiveStorm(*archive, live_storm, filter);
  }
  if (!a.seasons.empty()) {
    int y1 = 0, y2 = 0;
    if (std::sscanf(a.seasons.c_str(), "%d-%d", &y1, &y2) != 2 || y1 > y2)
      throw Error(ErrorCode::kUsage, "--seasons: expected Y1-Y2");
    filter.first_season = y1;
    filter.last_season = y2;
  }
  filter.min_max_wind_ms = a.min_wind_ms;
  if (!a.months.empty()) filter.months_mask = ParseMonths(a.months);
  std::string forecast_note;
  const std::size_t forecast_points =
      JoinOfficialForecast(live, a.forecast, a.forecast_techs, a.wind_minutes, a.forecast_h, forecast_note);
  const auto index = core::MatchIndex::Build(archive);
  const core::MatchResult r = core::Match(*index, live, options, filter, forecast_points);
  const core::TrackPoint& now_point = live[live.size() - 1 - forecast_points];
  // Landfall of each analog after its matched time, on the land of the --land set.
  std::shared_ptr<const geo::RegionSet> land;
  land = LoadLandOption(a.land);
  std::vector<std::optional<core::Landfall>> landfalls;
  for (const auto& x : r.analogs) landfalls.push_back(land ? core::FindLandfall(x.next, *land) : std::nullopt);
  auto landfall_json = [&](std::size_t i) -> json {
    if (!landfalls[i]) return nullptr;
    const core::Landfall& l = *landfalls[i];
    return {{"time_utc", taifeng::FormatIsoUtc(l.time_utc)},
            {"lat_deg", l.lat_deg},
            {"lon_deg", l.lon_deg},
            {"region", land->region(l.region).name_en},
            {"hours_after_match", static_cast<double>(l.time_utc - r.analogs[i].matched_utc) / 3600.0}};
  };

  if (a.json) {
    json j = MatchJson(live_storm, live, r, options, forecast_points, landfall_json);
    if (!forecast_note.empty()) j["live"]["forecast"] = forecast_note;
    if (!note.empty()) j["note"] = note;
    j["excluded"] = excluded;
    j["landfall_coverage"] = land ? a.land.land : "none";
    std::cout << j.dump(2) << '\n';
    return;
  }
  std::cout << "Live: " << live_storm.id << (live_storm.name.empty() ? "" : " " + live_storm.name) << ", now "
            << taifeng::FormatIsoUtc(now_point.time_utc) << " at " << Position(now_point) << ", window "
            << options.window_h << " h\n";
  if (!forecast_note.empty()) std::cout << "Matched on the observed track joined to the " << forecast_note << "\n";
  if (!note.empty()) std::cout << "Note: " << note << "\n";
  if (!excluded.empty()) {
    std::cout << "Left out (the live storm's own records):";
    for (const std::string& id : excluded) std::cout << ' ' << id;
    std::cout << "\n";
  }
  std::cout << r.segments << " segments examined, " << r.scored_exactly << " scored exactly\n\n";
  std::vector<std::vector<std::string>> rows;
  int rank = 0;
  for (const auto& x : r.analogs) {
    auto at = [&](int h) {
      const core::TrackPoint* p = After(x, h);
      return p ? Position(*p) + " " + FormatFloat(p->wind_ms, 0) : "-";
    };
    rows.push_back({std::to_string(++rank), x.id, x.name.empty() ? "-" : x.name, std::to_string(x.season),
                    FormatFloat(x.score, 2), FormatFloat(x.terms.position_km, 0), FormatFloat(x.terms.shape_km, 0),
                    FormatFloat(x.terms.wind_ms, 1), FormatFloat(x.terms.pressure_hpa, 0),
                    FormatFloat(x.terms.heading_deg, 0), taifeng::FormatIsoUtc(x.matched_utc), at(24), at(48), at(72),
                    landfalls[rows.size()] ? taifeng::FormatIsoUtc(landfalls[rows.size()]->time_utc) + " " +
                                                 land->region(landfalls[rows.size()]->region).name_en
                                           : "-"});
  }
  PrintTable({"rank", "storm", "name", "season", "score", "position (km)", "shape (km)", "Δwind (m/s)", "Δpres (hPa)",
              "Δheading (°)", "matched (UTC)", "+24 h (pos, wind m/s 10-min)", "+48 h", "+72 h",
              "landfall (UTC, where)"},
             rows);
}

}  // namespace

void RegisterMatchCommand(CLI::App& app) {
  auto a = std::make_shared<MatchArgs>();
  CLI::App* cmd = app.add_subcommand("match", "Find the historical analogs of a live typhoon track");
  cmd->add_option("--archive", a->archive, "archive file (taifeng archive build)")->required();
  cmd->add_option("--track", a->track,
                  "live track: ATCF b-deck, CMA best-track file or CSV (time_utc,lat_deg,lon_deg,wind_ms,pressure_hpa)")
      ->required();
  cmd->add_option("--format", a->format, "live track format: auto, cma, atcf, csv")->capture_default_str();
  cmd->add_option("--storm", a->storm, "which storm of a multi-storm file (id, number or name)");
  cmd->add_option("--at", a->at, "treat this time as now: fixes after it are ignored (ISO 8601 UTC or YYYYMMDDHH)");
  cmd->add_option("--window", a->window_h, "live segment length, hours (multiple of 6)")->capture_default_str();
  cmd->add_option("--top", a->top, "number of analogs")->capture_default_str()->check(CLI::Range(1, 1000));
  cmd->add_option("--exclude", a->exclude, "archive storm ids to leave out");
  cmd->add_option("--agency", a->agencies, "only archive storms of these agencies");
  cmd->add_option("--seasons", a->seasons, "only archive seasons Y1-Y2");
  cmd->add_option("--before", a->before, "nothing in the archive after this time is used (replays)");
  cmd->add_option("--set", a->set, "set a matching option, NAME=NUMBER (w_shape=2, scale_wind_ms=8, …: the score terms' table)");
  cmd->add_option("--wind-minutes", a->wind_minutes, "averaging period of a CSV track's wind: 1, 2 or 10")
      ->check(CLI::IsMember({1, 2, 10}))
      ->capture_default_str();
  cmd->add_option("--forecast", a->forecast,
                  "official forecast joined to the observed track: ATCF a-deck (OFCL/JTWC lines) or CSV");
  cmd->add_option("--forecast-hours", a->forecast_h, "how much of the forecast to join, hours")
      ->capture_default_str()
      ->check(CLI::Range(6, 240));
  cmd->add_option("--forecast-tech", a->forecast_techs, "a-deck techs to use, in priority order")
      ->capture_default_str();
  cmd->add_option("--months", a->months,
                  "only archive candidates whose time aligned with now is in these months, e.g. 7-10 or 6,8,9");
  cmd->add_option("--min-wind", a->min_wind_ms,
                  "only archive storms whose lifetime maximum wind (10-min, m/s) reaches this");
  AddLandOptions(cmd, a->land, "analogs' landfall");
  cmd->add_flag("--json", a->json, "print JSON");
  cmd->callback([a] { Run(*a); });
}

std::vector<std::string> ExcludeLiveStorm(const data::Archive& ar, const data::Storm& storm, core::MatchFilter& filter) {
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  std::vector<std::string> excluded;
  for (std::size_t i = 0; i < ar.storm_count(); ++i) {
    const bool same = ar.id[i] == storm.id ||
                      (!storm.name.empty() && ar.season[i] == storm.season && lower(ar.name[i]) == lower(storm.name));
    if (same) filter.exclude.insert(ar.id[i]), excluded.push_back(ar.id[i]);
  }
  filter.exclude.insert(storm.id);
  return excluded;
}

void AddLiveOptions(CLI::App* cmd, LiveInput& input) {
  cmd->add_option("--track", input.track, "live track: ATCF b-deck, CMA best-track file or CSV")->required();
  cmd->add_option("--format", input.format, "live track format: auto, cma, atcf, csv")->capture_default_str();
  cmd->add_option("--storm", input.storm, "which storm of a multi-storm file (id, number or name)");
  cmd->add_option("--at", input.at, "treat this time as now (ISO 8601 UTC or YYYYMMDDHH)");
  cmd->add_option("--wind-minutes", input.wind_minutes, "averaging period of a CSV track's wind: 1, 2 or 10")
      ->check(CLI::IsMember({1, 2, 10}))
      ->capture_default_str();
}

}  // namespace taifeng::cli
