// taifeng forecast, taifeng cliper fit, taifeng verify: the analog-ensemble forecast, its
// CLIPER reference, and their verification.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>

#include "commands.h"
#include "land_option.h"
#include "live.h"
#include "output.h"
#include "ranks.h"
#include "verify_share.h"
#include "taifeng/core/cliper.h"
#include "taifeng/core/forecast.h"
#include "taifeng/core/forecaster.h"
#include "taifeng/core/verify.h"
#include "taifeng/data/archive.h"
#include "taifeng/data/forecast.h"
#include "taifeng/base/time_utc.h"
#include "taifeng/base/error.h"
#include "taifeng/geo/geodesy.h"
#include "taifeng/geo/shapes.h"
#include "taifeng/data/units.h"

namespace taifeng::cli {
namespace {

using nlohmann::json;

json Num(double v) { return std::isnan(v) ? json(nullptr) : json(v); }

std::vector<std::string> SplitSeasons(const std::string& text, int& y1, int& y2) {
  if (std::sscanf(text.c_str(), "%d-%d", &y1, &y2) != 2 || y1 > y2)
    throw Error(ErrorCode::kUsage, "--seasons '" + text + "': expected Y1-Y2");
  return {};
}

// ---- taifeng forecast ----

struct ForecastArgs : LiveInput {
  std::string archive, forecast, before;
  std::vector<std::string> agencies, forecast_techs = {"OFCL", "JTWC"}, set;
  int window_h = 24, top = 20, forecast_h = 72;
  LandArgs land;
  bool json = false, geojson = false;
};

json Ring(const std::vector<geo::LatLon>& ring) {
  json out = json::array();
  for (const geo::LatLon& p : ring) out.push_back({std::round(p.lon_deg * 1e5) / 1e5, std::round(p.lat_deg * 1e5) / 1e5});
  return out;
}

json OrNull(double v) { return std::isnan(v) ? json(nullptr) : json(v); }

// One point of the mean track as a GeoJSON Point feature: time, lead, wind (10-minute mean),
// pressure and China's category from that wind.
json PointFeature(const std::string& storm, std::int64_t time_utc, int lead_h, double lat, double lon, double wind_ms,
                  double pressure_hpa, double cone_km) {
  const data::Category c = std::isnan(wind_ms) ? data::Category::kUnknown : data::CategoryFromWind(wind_ms, data::WindAveraging::kTenMinute);
  return {{"type", "Feature"},
          {"properties",
           {{"kind", lead_h == 0 ? "now" : "forecast_point"},
            {"storm", storm},
            {"time_utc", taifeng::FormatIsoUtc(time_utc)},
            {"lead_h", lead_h},
            {"wind_ms", OrNull(wind_ms)},
            {"wind_averaging", "10-minute mean, 10 m"},
            {"pressure_hpa", OrNull(pressure_hpa)},
            {"category", std::string(data::CategoryName(c))},
            {"cone_radius_km", OrNull(cone_km)}}},
          {"geometry", {{"type", "Point"}, {"coordinates", {std::round(lon * 1e5) / 1e5, std::round(lat * 1e5) / 1e5}}}}};
}

// The forecast as GeoJSON (RFC 7946): the mean track, its points (time, wind, pressure, category),
// each member's track and the cone as one polygon (geo::SweptCone: valid, counterclockwise).
json ForecastGeoJson(const core::Forecast& f, const data::Storm& storm, const core::ForecastOptions& fo) {
  json features = json::array();
  json mean = json::array({{f.now.lon_deg, f.now.lat_deg}});
  for (const auto& p : f.points) mean.push_back({p.lon_deg, p.lat_deg});
  features.push_back(
      {{"type", "Feature"},
       {"properties",
        {{"kind", "forecast_mean_track"}, {"storm", storm.id}, {"now_utc", taifeng::FormatIsoUtc(f.now.time_utc)}}},
       {"geometry", {{"type", "LineString"}, {"coordinates", mean}}}});
  features.push_back(PointFeature(storm.id, f.now.time_utc, 0, f.now.lat_deg, f.now.lon_deg, f.now.wind_ms, f.now.pressure_hpa, 0));
  for (const auto& p : f.points)
    features.push_back(PointFeature(storm.id, p.time_utc, p.lead_h, p.lat_deg, p.lon_deg, p.wind_ms, p.pressure_hpa, p.cone_km));
  for (const auto& m : f.members) {
    json line = json::array();
    for (const auto& p : m.track) line.push_back({p.lon_deg, p.lat_deg});
    if (line.size() < 2) continue;
    features.push_back(
        {{"type", "Feature"},
         {"properties", {{"kind", "member"}, {"analog", m.id}, {"name", m.name}, {"weight", m.weight}}},
         {"geometry", {{"type", "LineString"}, {"coordinates", line}}}});
  }
  std::vector<geo::LatLon> centres = {{f.now.lat_deg, f.now.lon_deg}};
  std::vector<double> radii = {0};
  for (const auto& p : f.points) centres.push_back({p.lat_deg, p.lon_deg}), radii.push_back(p.cone_km);
  json rings = json::array();
  for (const auto& ring : geo::SweptCone(centres, radii)) rings.push_back(Ring(ring));
  if (!rings.empty()) {
    features.push_back({{"type", "Feature"},
                        {"properties", {{"kind", "cone"}, {"share", fo.cone_share}, {"to_lead_h", f.points.empty() ? 0 : f.points.back().lead_h}}},
                        {"geometry", {{"type", "Polygon"}, {"coordinates", rings}}}});
  }
  return json{{"type", "FeatureCollection"}, {"features", features}};
}

// The forecast as JSON: the mean points with their cone and members, each member's track, landfall.
json ForecastJson(const core::Forecast& f, const data::Storm& storm, const core::MatchOptions& mo, const core::ForecastOptions& fo,
                  const std::string& consensus) {
  const core::LandfallForecast& lf = f.landfall;
  json points = json::array();
  for (const auto& p : f.points) {
    points.push_back({{"lead_h", p.lead_h},
                      {"time_utc", taifeng::FormatIsoUtc(p.time_utc)},
                      {"lat_deg", p.lat_deg},
                      {"lon_deg", p.lon_deg},
                      {"cone_radius_km", Num(p.cone_km)},
                      {"wind_ms_10min", Num(p.wind_ms)},
                      {"pressure_hpa", Num(p.pressure_hpa)},
                      {"members", p.members}});
  }
  json members = json::array();
  for (const auto& m : f.members) {
    json track = json::array();
    for (const auto& p : m.track) track.push_back(PointJson(p));
    members.push_back({{"analog", m.id}, {"name", m.name}, {"weight", m.weight}, {"track", track}});
  }
  auto t = [](const std::optional<std::int64_t>& x) { return x ? json(taifeng::FormatIsoUtc(*x)) : json(nullptr); };
  json j = {{"storm", storm.id},
            {"name", storm.name},
            {"now", PointJson(f.now)},
            {"window_h", mo.window_h},
            {"cone_share", fo.cone_share},
            {"method", consensus},
            {"points", points},
            {"members", members},
            {"landfall",
             {{"probability", lf.probability},
              {"earliest_utc", t(lf.earliest_utc)},
              {"median_utc", t(lf.median_utc)},
              {"latest_utc", t(lf.latest_utc)},
              {"region", lf.region.empty() ? json(nullptr) : json(lf.region)},
              {"region_probability", lf.region_probability},
              {"over_land", lf.over_land}}}};
  return j;
}

void RunForecast(const ForecastArgs& a) {
  if (a.json && a.geojson) throw Error(ErrorCode::kUsage, "--json and --geojson: choose one");
  auto archive = std::make_shared<const data::Archive>(data::LoadArchive(a.archive));
  const data::Storm storm = LoadLive(a);
  core::MatchOptions mo;
  core::ForecastOptions fo;
  mo.window_h = a.window_h;
  mo.top_k = a.top;
  for (const std::string& x : a.set) core::SetOption(mo, fo, x);
  const std::vector<core::TrackPoint> observed = core::LiveSegment(storm, std::max(mo.window_h, 24));
  std::vector<core::TrackPoint> live(observed.end() - (mo.window_h / 6 + 1), observed.end());
  core::MatchFilter filter;
  filter.agencies.insert(a.agencies.begin(), a.agencies.end());
  filter.exclude.insert(storm.id);
  if (!a.before.empty()) filter.before_utc = ParseTime(a.before, "--before");
  std::string forecast_note;
  const std::size_t forecast_points =
      JoinOfficialForecast(live, a.forecast, a.forecast_techs, a.wind_minutes, a.forecast_h, forecast_note);
  const auto index = core::MatchIndex::Build(archive);
  std::shared_ptr<const geo::RegionSet> land;
  land = LoadLandOption(a.land);
  std::string no_cliper;
  const auto cliper = core::StoredCliper(a.archive, *archive, &no_cliper);
  core::ForecastRequest request;
  request.observed = observed;
  request.official.assign(live.end() - static_cast<std::ptrdiff_t>(forecast_points), live.end());
  request.match = mo;
  request.forecast = fo;
  request.filter = filter;
  const auto run = core::Forecaster(*index, cliper ? &*cliper : nullptr, land.get(), no_cliper).Run(request);
  if (!run) throw Error(ErrorCode::kNotFound, "no analog found in " + a.archive);
  const core::Forecast& f = run->analog;
  const std::string& consensus = run->method;

  if (a.geojson) {
    std::cout << ForecastGeoJson(f, storm, fo).dump(1) << '\n';
    return;
  }
  const core::LandfallForecast& lf = f.landfall;
  if (a.json) {
    json j = ForecastJson(f, storm, mo, fo, consensus);
    j["landfall"]["coverage"] = land ? a.land.land : "none";
    if (!forecast_note.empty()) j["official_forecast"] = forecast_note;
    std::cout << j.dump(2) << '\n';
    return;
  }
  std::cout << "Analog-ensemble forecast for " << storm.id << (storm.name.empty() ? "" : " " + storm.name) << " from "
            << taifeng::FormatIsoUtc(f.now.time_utc) << " at " << Position(f.now) << " (" << f.members.size()
            << " analogs, window " << mo.window_h << " h; " << consensus
            << (forecast_note.empty() ? "" : "; " + forecast_note) << ")\n\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& p : f.points) {
    rows.push_back({"+" + std::to_string(p.lead_h), taifeng::FormatIsoUtc(p.time_utc), FormatFloat(p.lat_deg, 1),
                    FormatFloat(p.lon_deg, 1), FormatFloat(p.cone_km, 0), FormatFloat(p.wind_ms, 1),
                    FormatFloat(p.pressure_hpa, 0), std::to_string(p.members)});
  }
  PrintTable({"lead (h)", "time (UTC)", "lat (°N)", "lon (°E)", "cone radius (km, 67%)", "wind (m/s, 10-min)",
              "pressure (hPa)", "members"},
             rows);
  std::cout << "\nLandfall: ";
  if (lf.over_land) {
    std::cout << "the storm is over land now\n";
  } else if (lf.probability <= 0) {
    std::cout << "no member makes landfall\n";
  } else {
    std::cout << FormatFloat(100 * lf.probability, 0) << "% of members; most likely " << lf.region << " ("
              << FormatFloat(100 * lf.region_probability, 0) << "%), " << taifeng::FormatIsoUtc(*lf.earliest_utc) << " to "
              << taifeng::FormatIsoUtc(*lf.latest_utc) << " (10th-90th percentile), median "
              << taifeng::FormatIsoUtc(*lf.median_utc) << "\n";
  }
}

// ---- taifeng cliper fit ----

struct CliperArgs {
  std::string archive;
  std::vector<std::string> agencies;
  bool json = false;
};

void RunCliperFit(const CliperArgs& a) {
  auto archive = std::make_shared<const data::Archive>(data::LoadArchive(a.archive));
  const auto index = core::MatchIndex::Build(archive);
  core::MatchFilter filter;
  filter.agencies.insert(a.agencies.begin(), a.agencies.end());
  const core::CliperModel model = core::CliperModel::Fit(*index, filter);
  data::WriteArchiveModel(a.archive, "cliper", model.ToModel(data::ArchiveFingerprint(*archive)));
  if (a.json) {
    json cases = json::object();
    for (int lead = 24; lead <= 120; lead += 24) cases[std::to_string(lead)] = model.cases(lead);
    std::cout << json{{"archive", a.archive}, {"model", "/models/cliper"}, {"cases_by_lead_h", cases}}.dump(2) << '\n';
    return;
  }
  std::cout << "CLIPER fitted on " << a.archive
            << " and stored as /models/cliper; cases at +24/48/72/96/120 h: " << model.cases(24) << ", "
            << model.cases(48) << ", " << model.cases(72) << ", " << model.cases(96) << ", " << model.cases(120)
            << "\n";
}

// ---- taifeng verify ----

struct VerifyArgs {
  std::string archive, seasons, csv;
  std::vector<std::string> tracks, agencies, set;
  bool loso = false, json = false, quiet = false;
  int window_h = 24, top = 20;
};

// Leave-one-season-out on this process's share of the seasons (every MPI rank its own), joined
// on rank 0; a failure on any rank stops all with its error. Other ranks return nullopt.
std::optional<core::VerifyReport> LeaveOneSeasonOut(const core::MatchIndex& index, const std::string& seasons, core::VerifyOptions o,
                                                    const Ranks& ranks) {
  core::VerifyReport share;
  ranks.RunAgreed([&] {
    int y1 = 0, y2 = 0;
    SplitSeasons(seasons, y1, y2);
    o.part = ranks.rank(), o.parts = ranks.size();
    share = core::VerifyLeaveOneSeasonOut(index, y1, y2, o);
  });
  const std::vector<std::string> shares = ranks.GatherToRoot(EncodeShare(share));
  if (ranks.rank() != 0) return std::nullopt;
  std::vector<core::VerifyReport> parts;
  for (const std::string& bytes : shares) parts.push_back(DecodeShare(bytes));
  return core::CombineReports(std::move(parts), o);
}

// Hindcasts of the storms of --tracks files with the archive's CLIPER (one process).
core::VerifyReport HindcastTracks(const VerifyArgs& a, const core::MatchIndex& index, const core::VerifyOptions& o, std::string& what) {
  const auto stored = data::ReadArchiveModel(a.archive, "cliper");
  if (!stored) throw Error(ErrorCode::kNotFound, a.archive + ": no CLIPER model; run taifeng cliper fit --archive " + a.archive);
  const core::CliperModel cliper = core::CliperModel::FromModel(*stored, data::ArchiveFingerprint(index.archive()));
  std::vector<data::Storm> storms;
  for (const std::string& file : a.tracks) {
    data::ImportResult imported;
    data::ImportFile(DetectFormat(file, "auto"), file, {}, imported);
    for (auto& s : imported.storms) storms.push_back(std::move(s));
  }
  what = "hindcasts of " + std::to_string(storms.size()) + " storms from " + std::to_string(a.tracks.size()) + " file(s)";
  return core::VerifyStorms(index, storms, cliper, o);
}

void RunVerify(const VerifyArgs& a) {
  if (a.tracks.empty() == a.seasons.empty()) {
    throw Error(ErrorCode::kUsage, "give either --seasons Y1-Y2 --leave-one-season-out or --tracks FILE...");
  }
  if (!a.seasons.empty() && !a.loso) throw Error(ErrorCode::kUsage, "--seasons needs --leave-one-season-out");
  Ranks ranks;
  if (!a.tracks.empty() && ranks.size() > 1) throw Error(ErrorCode::kUsage, "--tracks runs on one process (seasons split over MPI ranks)");
  auto archive = std::make_shared<const data::Archive>(data::LoadArchive(a.archive));
  const auto index = core::MatchIndex::Build(archive);
  core::VerifyOptions o;
  o.match.window_h = a.window_h;
  o.match.top_k = a.top;
  for (const std::string& x : a.set) core::SetOption(o.match, o.forecast, x);
  o.filter.agencies.insert(a.agencies.begin(), a.agencies.end());
  Progress progress(!a.quiet && !a.json && isatty(STDERR_FILENO) && ranks.rank() == 0);
  o.progress = [&](std::size_t done, std::size_t total) { progress.Update("verifying storms (rank 0's share)", done, total); };
  core::VerifyReport r;
  std::string what;
  if (!a.seasons.empty()) {
    auto joined = LeaveOneSeasonOut(*index, a.seasons, o, ranks);
    if (!joined) return;
    r = std::move(*joined);
    what = "leave-one-season-out hindcasts of " + a.seasons + (ranks.size() > 1 ? " on " + std::to_string(ranks.size()) + " MPI ranks" : "");
  } else {
    r = HindcastTracks(a, *index, o, what);
  }
  progress.Done();
  if (!a.csv.empty()) {
    std::ofstream out(a.csv);
    if (!out) throw Error(ErrorCode::kIo, a.csv + ": cannot write");
    out << "storm,init_utc,lead_h,obs_lat_deg,obs_lon_deg,obs_wind_ms,analog_lat_deg,analog_lon_deg,analog_wind_ms,"
           "analog_error_km,cone_radius_km,cliper_lat_deg,cliper_lon_deg,cliper_wind_ms,cliper_error_km,"
           "persistence_lat_deg,persistence_lon_deg,persistence_wind_ms,persistence_error_km\n";
    for (const auto& c : r.cases) {
      out << c.storm << ',' << taifeng::FormatIsoUtc(c.init_utc) << ',' << c.lead_h << ',' << c.obs_lat << ',' << c.obs_lon
          << ',' << FormatFloat(c.obs_wind, 1);
      for (int m = 0; m < 3; ++m) {
        out << ',' << FormatFloat(c.lat[m], 3) << ',' << FormatFloat(c.lon[m], 3) << ',' << FormatFloat(c.wind[m], 1)
            << ',' << FormatFloat(c.error_km[m], 1);
        if (m == 0) out << ',' << FormatFloat(c.cone_km, 1);
      }
      out << '\n';
    }
    if (!out) throw Error(ErrorCode::kIo, a.csv + ": write failed");
  }
  if (a.json) {
    json leads = json::array();
    for (const auto& l : r.leads) {
      auto m = [](const core::MethodScores& s) {
        return json{{"track_error_km", Num(s.track_km)},
                    {"along_track_bias_km", Num(s.along_km)},
                    {"cross_track_bias_km", Num(s.cross_km)},
                    {"wind_mae_ms", Num(s.wind_mae_ms)},
                    {"wind_cases", s.wind_cases}};
      };
      leads.push_back({{"lead_h", l.lead_h},
                       {"cases", l.cases},
                       {"analog", m(l.analog)},
                       {"cliper", m(l.cliper)},
                       {"persistence", m(l.persistence)},
                       {"skill_vs_cliper_pct", Num(l.skill_vs_cliper_pct())},
                       {"skill_vs_persistence_pct", Num(l.skill_vs_persistence_pct())},
                       {"cone_coverage", Num(l.cone_coverage)}});
    }
    std::cout << json{{"what", what}, {"storms", r.storms}, {"forecasts", r.forecasts}, {"leads", leads}}.dump(2)
              << '\n';
    return;
  }
  std::cout << "Verification: " << what << "; " << r.storms << " storms, " << r.forecasts
            << " forecasts; homogeneous cases (tropical depression or stronger at both times)\n\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& l : r.leads) {
    rows.push_back({"+" + std::to_string(l.lead_h), std::to_string(l.cases), FormatFloat(l.analog.track_km, 0),
                    FormatFloat(l.cliper.track_km, 0), FormatFloat(l.persistence.track_km, 0),
                    FormatFloat(l.skill_vs_cliper_pct(), 1), FormatFloat(l.skill_vs_persistence_pct(), 1),
                    FormatFloat(l.analog.along_km, 0) + " / " + FormatFloat(l.analog.cross_km, 0),
                    FormatFloat(l.analog.wind_mae_ms, 1) + " / " + FormatFloat(l.cliper.wind_mae_ms, 1) + " / " +
                        FormatFloat(l.persistence.wind_mae_ms, 1),
                    FormatFloat(100 * l.cone_coverage, 0)});
  }
  PrintTable({"lead (h)", "cases", "analog (km)", "CLIPER (km)", "persistence (km)", "skill vs CLIPER (%)",
              "skill vs persistence (%)", "analog along/cross bias (km)", "wind MAE analog/CLIPER/pers. (m/s)",
              "in 67% cone (%)"},
             rows);
}

}  // namespace

void RegisterForecastCommands(CLI::App& app) {
  {
    auto a = std::make_shared<ForecastArgs>();
    CLI::App* cmd =
        app.add_subcommand("forecast", "Analog-ensemble forecast of a live track to +120 h, with cone and landfall");
    cmd->add_option("--archive", a->archive, "archive file (taifeng archive build)")->required();
    AddLiveOptions(cmd, *a);
    cmd->add_option("--before", a->before, "nothing in the archive after this time is used (replays)");
    cmd->add_option("--forecast", a->forecast,
                    "official forecast (ATCF a-deck or CSV) joined to the track for matching");
    cmd->add_option("--forecast-hours", a->forecast_h, "how much of the official forecast to join, hours")
        ->capture_default_str();
    cmd->add_option("--forecast-tech", a->forecast_techs, "a-deck techs to use, in priority order")
        ->capture_default_str();
    cmd->add_option("--window", a->window_h, "live segment length, hours (multiple of 6)")->capture_default_str();
    cmd->add_option("--top", a->top, "number of analogs (ensemble members)")
        ->capture_default_str()
        ->check(CLI::Range(1, 200));
    cmd->add_option("--agency", a->agencies, "only archive storms of these agencies");
    AddLandOptions(cmd, a->land, "landfall");
    cmd->add_flag("--json", a->json, "print JSON");
    cmd->add_flag("--geojson", a->geojson, "print GeoJSON: mean track, members, cone");
    cmd->add_option("--set", a->set, "set a matching or forecast option, NAME=NUMBER (e.g. w_shape=2)");
    cmd->callback([a] { RunForecast(*a); });
  }
  {
    auto a = std::make_shared<CliperArgs>();
    CLI::App* cliper = app.add_subcommand("cliper", "The CLIPER reference model");
    cliper->require_subcommand(1);
    CLI::App* cmd = cliper->add_subcommand("fit", "Fit CLIPER on the archive and store it there (/models/cliper)");
    cmd->add_option("--archive", a->archive, "archive file")->required();
    cmd->add_option("--agency", a->agencies, "fit on these agencies' storms only");
    cmd->add_flag("--json", a->json, "print JSON");
    cmd->callback([a] { RunCliperFit(*a); });
  }
  {
    auto a = std::make_shared<VerifyArgs>();
    CLI::App* cmd = app.add_subcommand("verify", "Verify the analog forecast against CLIPER and persistence");
    cmd->add_option("--archive", a->archive, "archive file")->required();
    cmd->add_option("--seasons", a->seasons, "seasons Y1-Y2 to hindcast (with --leave-one-season-out)");
    cmd->add_flag("--leave-one-season-out", a->loso, "forecast each season from the archive without it");
    cmd->add_option("--tracks", a->tracks, "hindcast the storms of these files (any supported format) instead");
    cmd->add_option("--agency", a->agencies, "archive storms of these agencies only (candidates and verified storms)");
    cmd->add_option("--window", a->window_h, "live segment length, hours")->capture_default_str();
    cmd->add_option("--top", a->top, "analogs per forecast")->capture_default_str()->check(CLI::Range(1, 200));
    cmd->add_option("--csv", a->csv, "write every verified case to this CSV file");
    cmd->add_option("--set", a->set, "set a matching or forecast option, NAME=NUMBER (e.g. w_shape=2, top_k=20)");
    cmd->add_flag("--json", a->json, "print JSON");
    cmd->add_flag("-q,--quiet", a->quiet, "no progress display");
    cmd->callback([a] { RunVerify(*a); });
  }
}

}  // namespace taifeng::cli
