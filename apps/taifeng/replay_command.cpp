// taifeng replay: runs a past storm through Taifeng as if it were live, step by step, using at each
// step only what was known then, and writes a report, a CSV of every forecast and maps.
#include <unistd.h>

#include <array>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <thread>

#include "commands.h"
#include "storm_selection.h"
#include "taifeng/data/forecast.h"
#include "taifeng/data/units.h"
#include "land_option.h"
#include "live.h"
#include "output.h"
#include "svg_map.h"
#include "taifeng/core/cliper.h"
#include "taifeng/core/landfall.h"
#include "taifeng/core/verify.h"
#include "taifeng/data/archive.h"
#include "taifeng/base/time_utc.h"
#include "taifeng/base/error.h"
#include "taifeng/geo/geodesy.h"

namespace taifeng::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kLeads[] = {24, 48, 72, 96, 120};
constexpr int kLeadCount = 5;
constexpr const char* kMethods[] = {"analog", "cliper", "persistence"};

struct ReplayArgs : LiveInput {
  std::string archive, from, to, step = "6h", out;
  LandArgs land;
  std::string forecast;  // --forecast: an a-deck or CSV of official forecasts, or "best-track" (the perfect track)
  std::vector<std::string> agencies, set, forecast_techs = {"OFCL", "JTWC"};
  double speed = 3600;
  bool fast = false, json = false, no_maps = false;
  int window_h = 24, top = 20;
};

// The official track at pts[e]: the observed future ("best-track", the perfect-track experiment) or
// the forecast of --forecast issued at that time (nullopt when none was).
std::optional<core::OfficialTrack> OfficialAt(const ReplayArgs& a, const std::vector<core::TrackPoint>& pts, std::size_t e) {
  core::OfficialTrack o;
  o.points.push_back(pts[e]);
  if (a.forecast == "best-track") {
    o.source = "the observed track (perfect-track experiment, hindcast only)";
    o.perfect = true;
    o.points.insert(o.points.end(), pts.begin() + static_cast<std::ptrdiff_t>(e + 1), pts.end());
  } else {
    const data::ForecastTrack fc = data::ReadForecast(a.forecast, pts[e].time_utc, a.forecast_techs, static_cast<data::WindAveraging>(a.wind_minutes));
    if (fc.fixes.empty() || fc.issued_utc != pts[e].time_utc) return std::nullopt;
    o.source = "the " + fc.tech + " forecast of " + taifeng::FormatIsoUtc(fc.issued_utc);
    for (const data::Fix& f : fc.fixes)
      if (f.time_utc > pts[e].time_utc)
        o.points.push_back({f.time_utc, f.lat_deg, f.lon_deg, data::ConvertAveraging(f.wind_ms, fc.wind_averaging, data::WindAveraging::kTenMinute),
                            f.pressure_hpa});
  }
  if (o.points.size() < 2) return std::nullopt;
  return o;
}

struct Step {
  std::size_t point = 0;  // index of "now" in the resampled track
  core::Hindcast h;
  // [method][lead]: great-circle error against the best track (km) and wind error (m/s); NaN when
  // the method has no forecast there or the storm was not observed then.
  std::array<std::array<double, kLeadCount>, 3> error_km, wind_error_ms;
};

int StepHours(const std::string& text) {
  std::string digits = text;
  if (!digits.empty() && (digits.back() == 'h' || digits.back() == 'H')) digits.pop_back();
  int h = 0;
  try {
    std::size_t used = 0;
    h = std::stoi(digits, &used);
    if (used != digits.size()) h = 0;
  } catch (const std::exception&) {
    h = 0;
  }
  if (h <= 0 || h % 6 != 0) throw Error(ErrorCode::kUsage, "--step '" + text + "': expected a multiple of 6 hours, e.g. 6h");
  return h;
}

// "2018091400": for file names.
std::string Compact(std::int64_t t) {
  const std::string iso = taifeng::FormatIsoUtc(t);  // YYYY-MM-DDTHH:MM:SSZ
  return iso.substr(0, 4) + iso.substr(5, 2) + iso.substr(8, 2) + iso.substr(11, 2);
}

const core::Forecast* Method(const core::Hindcast& h, int m) {
  if (m == 0) return &h.analog;
  if (m == 1) return h.cliper ? &*h.cliper : nullptr;
  return &h.persistence;
}

// The archive's categories (China's scale, GB/T 19201-2006, 10-minute wind), each with a colour and
// the key's text. A fix is drawn in its category as the archive holds it (the agency's own grade),
// or from its wind where the archive has none.
struct Grade {
  data::Category category;
  const char* colour;
  const char* key;
};
constexpr Grade kGrades[] = {
    {data::Category::kDisturbance, "#ced4da", "below TD (< 10.8 m/s)"},
    {data::Category::kTropicalDepression, "#1c7ed6", "TD 10.8-17.1 m/s"},
    {data::Category::kTropicalStorm, "#2f9e44", "TS 17.2-24.4 m/s"},
    {data::Category::kSevereTropicalStorm, "#e6b800", "STS 24.5-32.6 m/s"},
    {data::Category::kTyphoon, "#f08c00", "TY 32.7-41.4 m/s"},
    {data::Category::kSevereTyphoon, "#e03131", "STY 41.5-50.9 m/s"},
    {data::Category::kSuperTyphoon, "#8b1a9b", "SuperTY >= 51.0 m/s"},
    {data::Category::kSubtropical, "#12b886", "subtropical"},
    {data::Category::kExtratropical, "#795548", "extratropical"},
    {data::Category::kUnknown, "#ffffff", "grade unknown"},
};

const Grade& GradeOf(data::Category c) {
  for (const Grade& g : kGrades) {
    if (g.category == c) return g;
  }
  return kGrades[std::size(kGrades) - 1];
}

// The archive's category at `time_utc`: the fix at that time, or the last one before it.
data::Category CategoryAt(const data::Storm& storm, const core::TrackPoint& p) {
  const data::Fix* at = nullptr;
  for (const data::Fix& f : storm.fixes) {
    if (f.time_utc > p.time_utc) break;
    at = &f;
  }
  if (at && at->category != data::Category::kUnknown) return at->category;
  return std::isnan(p.wind_ms) ? data::Category::kUnknown : data::CategoryFromWind(p.wind_ms, data::WindAveraging::kTenMinute);
}

std::vector<geo::LatLon> LatLons(const std::vector<core::TrackPoint>& pts) {
  std::vector<geo::LatLon> out;
  for (const auto& p : pts) out.push_back({p.lat_deg, p.lon_deg});
  return out;
}

void AddCircleBounds(MapBounds& b, double lat, double lon, double r_km) {
  if (std::isnan(r_km)) return;
  for (int az = 0; az < 360; az += 90) {
    const geo::LatLon p = geo::Direct(lat, lon, az, r_km);
    b.Add(p.lat_deg, p.lon_deg);
  }
}

// Dots of the track coloured by the archive's category; adds the categories drawn to `shown`.
void GradeDots(SvgMap& map, const data::Storm& storm, const std::vector<core::TrackPoint>& pts, double r,
               std::vector<data::Category>& shown) {
  for (const auto& p : pts) {
    const data::Category c = CategoryAt(storm, p);
    if (std::find(shown.begin(), shown.end(), c) == shown.end()) shown.push_back(c);
    map.Dot(p.lat_deg, p.lon_deg, r, std::string("fill=\"") + GradeOf(c).colour + "\" stroke=\"black\" stroke-width=\"0.5\"");
  }
}

// The key of the categories drawn, in the scale's order, after `entries`.
void GradeKey(std::vector<std::pair<std::string, std::string>>& entries, const std::vector<data::Category>& shown) {
  for (const Grade& g : kGrades) {
    if (std::find(shown.begin(), shown.end(), g.category) == shown.end()) continue;
    entries.push_back({std::string("stroke=\"") + g.colour + "\" stroke-width=\"6\"", std::string("best track: ") + g.key});
  }
}

void WriteFile(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw Error(ErrorCode::kIo, path.string() + ": cannot write");
}

struct Context {
  const ReplayArgs& a;
  const data::Storm& storm;
  const std::vector<core::TrackPoint>& pts;
  const geo::RegionSet* land;
  std::vector<core::Landfall> actual_landfalls;  // every observed landfall, in time order
};

// "2014-07-18T07:58:00Z at 20.01N 110.93E, Hainan, China"
std::string LandfallText(const core::Landfall& l, const geo::RegionSet& land) {
  return taifeng::FormatIsoUtc(l.time_utc) + " at " + FormatFloat(l.lat_deg, 2) + "N " + FormatFloat(l.lon_deg, 2) + "E, " +
         land.region(l.region).name_en;
}

std::string StormLabel(const data::Storm& s) { return s.name.empty() ? s.id : s.name + " (" + s.id + ")"; }

// The map of one step: the observed track (solid to now, dashed after), the analogs where they
// were, the members, the cone, the mean track and the baselines.
std::string StepMap(const Context& c, const Step& s) {
  const core::Forecast& f = s.h.analog;
  const std::int64_t now = c.pts[s.point].time_utc;
  MapBounds b;
  for (const auto& p : c.pts) {
    if (p.time_utc <= now + 120 * 3600LL && p.time_utc >= now - 72 * 3600LL) b.Add(p.lat_deg, p.lon_deg);
  }
  for (const auto& p : f.points) AddCircleBounds(b, p.lat_deg, p.lon_deg, p.cone_km);
  for (const auto& m : f.members)
    for (const auto& p : m.track) b.Add(p.lat_deg, p.lon_deg);
  for (const auto& an : s.h.match.analogs) {
    for (const auto& p : an.matched) b.Add(p.lat_deg, p.lon_deg);
    for (const auto& p : an.next) b.Add(p.lat_deg, p.lon_deg);
  }
  SvgMap map(b, 1.0, 1000);
  if (c.land) map.Land(*c.land);
  map.Graticule(5);
  // Analogs where they really were: the matched segment and what they did next.
  for (const auto& an : s.h.match.analogs) {
    std::vector<core::TrackPoint> t = an.matched;
    t.insert(t.end(), an.next.begin(), an.next.end());
    map.Line(LatLons(t), "stroke=\"#666\" stroke-width=\"0.8\" stroke-opacity=\"0.45\" stroke-dasharray=\"4 2\"");
  }
  std::vector<geo::LatLon> centres = {{f.now.lat_deg, f.now.lon_deg}};
  std::vector<double> radii = {0};
  for (const auto& p : f.points) centres.push_back({p.lat_deg, p.lon_deg}), radii.push_back(p.cone_km);
  map.Cone(centres, radii, "fill=\"#f59f00\" fill-opacity=\"0.28\"");
  for (const auto& m : f.members) {
    char style[160];
    std::snprintf(style, sizeof style, "stroke=\"#1971c2\" stroke-width=\"1\" stroke-opacity=\"%.2f\"",
                  std::min(0.9, 0.2 + 4 * m.weight));
    map.Line(LatLons(m.track), style);
  }
  // Observed track: solid to now, dashed after (what really happened), dots coloured by grade.
  std::vector<core::TrackPoint> past, future;
  for (const auto& p : c.pts) (p.time_utc <= now ? past : future).push_back(p);
  if (!past.empty() && !future.empty()) future.insert(future.begin(), past.back());
  map.Line(LatLons(past), "stroke=\"black\" stroke-width=\"2\"");
  map.Line(LatLons(future), "stroke=\"black\" stroke-width=\"1.5\" stroke-dasharray=\"5 4\"");
  std::vector<data::Category> shown;
  GradeDots(map, c.storm, past, 3.5, shown);
  GradeDots(map, c.storm, future, 2.2, shown);
  if (s.h.cliper) {
    std::vector<geo::LatLon> t = {{f.now.lat_deg, f.now.lon_deg}};
    for (const auto& p : s.h.cliper->points) t.push_back({p.lat_deg, p.lon_deg});
    map.Line(t, "stroke=\"#2b8a3e\" stroke-width=\"1.5\" stroke-dasharray=\"6 3\"");
  }
  {
    std::vector<geo::LatLon> t = {{f.now.lat_deg, f.now.lon_deg}};
    for (const auto& p : s.h.persistence.points) t.push_back({p.lat_deg, p.lon_deg});
    map.Line(t, "stroke=\"#9c36b5\" stroke-width=\"1.2\" stroke-dasharray=\"2 3\"");
  }
  std::vector<geo::LatLon> mean = {{f.now.lat_deg, f.now.lon_deg}};
  for (const auto& p : f.points) mean.push_back({p.lat_deg, p.lon_deg});
  map.Line(mean, "stroke=\"#c92a2a\" stroke-width=\"2.5\"");
  for (const auto& p : f.points) {
    if (p.lead_h % 24 != 0) continue;
    map.Dot(p.lat_deg, p.lon_deg, 3.5, "fill=\"#c92a2a\"");
    map.Label(p.lat_deg, p.lon_deg, "+" + std::to_string(p.lead_h) + " h",
              "font-size=\"12\" fill=\"#c92a2a\" font-weight=\"bold\"");
  }
  map.Dot(f.now.lat_deg, f.now.lon_deg, 6, "fill=\"none\" stroke=\"black\" stroke-width=\"2\"");
  // Title and errors.
  map.Text(10, 22, StormLabel(c.storm) + ": forecast from " + taifeng::FormatIsoUtc(now) + " (replay)",
           "font-size=\"17\" font-weight=\"bold\"");
  std::string line = "Track error (km) analog / CLIPER / persistence:";
  for (int l = 0; l < 3; ++l) {
    auto km = [](double v) { return std::isnan(v) ? std::string("-") : FormatFloat(v, 0); };
    line += "  +" + std::to_string(kLeads[l]) + " h " + km(s.error_km[0][l]) + " / " + km(s.error_km[1][l]) + " / " +
            km(s.error_km[2][l]);
  }
  const auto& lf = f.landfall;
  line += lf.over_land ? "   Over land"
          : lf.probability > 0 ? "   Landfall " + FormatFloat(100 * lf.probability, 0) + "% (" + lf.region + ")"
                               : "   No member makes landfall";
  map.Text(10, 44, line, "font-size=\"12\"");
  std::vector<std::pair<std::string, std::string>> key = {{"stroke=\"black\" stroke-width=\"2\"", "observed track to now"},
              {"stroke=\"black\" stroke-dasharray=\"5 4\"", "what happened next"},
              {"stroke=\"#c92a2a\" stroke-width=\"2.5\"", "analog forecast (mean)"},
              {"stroke=\"#f59f00\" stroke-width=\"8\" stroke-opacity=\"0.35\"", "cone (67% of members)"},
              {"stroke=\"#1971c2\"", std::to_string(f.members.size()) + " members"},
              {"stroke=\"#666\" stroke-dasharray=\"4 2\"", "analogs where they were"},
              {"stroke=\"#2b8a3e\" stroke-dasharray=\"6 3\"", "CLIPER"},
              {"stroke=\"#9c36b5\" stroke-dasharray=\"2 3\"", "persistence"},
              {"stroke=\"#efe8d6\" stroke-width=\"8\"", "land (Natural Earth; China by province)"}};
  GradeKey(key, shown);
  map.Legend(key);
  return map.Svg();
}

// The whole storm: the observed track by grade and every step's mean forecast track.
std::string StormMap(const Context& c, const std::vector<Step>& steps) {
  MapBounds b;
  for (const auto& p : c.pts) b.Add(p.lat_deg, p.lon_deg);
  for (const auto& s : steps)
    for (const auto& p : s.h.analog.points)
      if (p.lead_h <= 72) b.Add(p.lat_deg, p.lon_deg);
  SvgMap map(b, 1.5, 1000);
  if (c.land) map.Land(*c.land);
  map.Graticule(5);
  for (const auto& s : steps) {
    std::vector<geo::LatLon> t = {{s.h.analog.now.lat_deg, s.h.analog.now.lon_deg}};
    for (const auto& p : s.h.analog.points)
      if (p.lead_h <= 72) t.push_back({p.lat_deg, p.lon_deg});
    map.Line(t, "stroke=\"#c92a2a\" stroke-width=\"1\" stroke-opacity=\"0.45\"");
    if (const auto* p = s.h.analog.At(72)) map.Dot(p->lat_deg, p->lon_deg, 2, "fill=\"#c92a2a\" fill-opacity=\"0.6\"");
  }
  map.Line(LatLons(c.pts), "stroke=\"black\" stroke-width=\"2\"");
  std::vector<data::Category> shown;
  GradeDots(map, c.storm, c.pts, 3.5, shown);
  for (const auto& p : c.pts) {
    if (p.time_utc % 86400 == 0) {
      map.Label(p.lat_deg, p.lon_deg, taifeng::FormatIsoUtc(p.time_utc).substr(5, 5), "font-size=\"11\"");
    }
  }
  for (const core::Landfall& l : c.actual_landfalls) {
    map.Dot(l.lat_deg, l.lon_deg, 6, "fill=\"none\" stroke=\"#c92a2a\" stroke-width=\"2\"");
  }
  map.Text(10, 22, StormLabel(c.storm) + ": observed track and the analog forecasts of the replay (to +72 h)",
           "font-size=\"17\" font-weight=\"bold\"");
  map.Text(10, 44,
           std::to_string(steps.size()) + " forecasts; dots: best track coloured by the archive's category (China's scale, 10-min wind); circles: landfalls; " +
               "labels: dates (MM-DD, 00 UTC)",
           "font-size=\"12\"");
  std::vector<std::pair<std::string, std::string>> key = {{"stroke=\"black\" stroke-width=\"2\"", "observed (best track)"},
                                                          {"stroke=\"#c92a2a\" stroke-opacity=\"0.6\"", "analog mean forecasts to +72 h"},
                                                          {"fill=\"none\" stroke=\"#c92a2a\" stroke-width=\"2\"", "observed landfall"}};
  GradeKey(key, shown);
  map.Legend(key);
  return map.Svg();
}

// Mean errors per lead over the steps where all three methods have a forecast and the storm was
// observed (homogeneous).
struct Summary {
  int lead_h = 0;
  std::size_t cases = 0, wind_cases = 0;
  double track_km[3] = {0, 0, 0}, wind_mae_ms[3] = {0, 0, 0};
};

std::vector<Summary> Summarise(const std::vector<Step>& steps) {
  std::vector<Summary> out;
  for (int l = 0; l < kLeadCount; ++l) {
    Summary s;
    s.lead_h = kLeads[l];
    for (const auto& st : steps) {
      if (std::isnan(st.error_km[0][l]) || std::isnan(st.error_km[1][l]) || std::isnan(st.error_km[2][l])) continue;
      ++s.cases;
      for (int m = 0; m < 3; ++m) s.track_km[m] += st.error_km[m][l];
      if (!std::isnan(st.wind_error_ms[0][l]) && !std::isnan(st.wind_error_ms[1][l]) &&
          !std::isnan(st.wind_error_ms[2][l])) {
        ++s.wind_cases;
        for (int m = 0; m < 3; ++m) s.wind_mae_ms[m] += st.wind_error_ms[m][l];
      }
    }
    for (int m = 0; m < 3; ++m) {
      s.track_km[m] = s.cases ? s.track_km[m] / static_cast<double>(s.cases) : std::nan("");
      s.wind_mae_ms[m] = s.wind_cases ? s.wind_mae_ms[m] / static_cast<double>(s.wind_cases) : std::nan("");
    }
    out.push_back(s);
  }
  return out;
}

std::string Report(const Context& c, const std::vector<Step>& steps, const std::vector<Summary>& summary,
                   const core::MatchOptions& mo, const std::string& cliper_note, const std::vector<std::string>& excluded,
                   bool maps) {
  const data::Storm& s = c.storm;
  std::string r = "# Replay of " + StormLabel(s) + "\n\n";
  r += "Season " + std::to_string(s.season) + ", " + s.agency + " best track (" + s.source_file + "). " +
       std::to_string(steps.size()) + " forecasts, from " + taifeng::FormatIsoUtc(c.pts[steps.front().point].time_utc) +
       " to " + taifeng::FormatIsoUtc(c.pts[steps.back().point].time_utc) + ", each made as if live: the archive (" +
       c.a.archive + ") without this storm (" + std::to_string(excluded.size()) +
       " archive track(s) of it left out: ";
  for (std::size_t i = 0; i < excluded.size(); ++i) r += (i ? ", " : "") + excluded[i];
  r += ") and without anything after the forecast time. Analogs: top " + std::to_string(mo.top_k) + ", window " +
       std::to_string(mo.window_h) + " h. " + cliper_note + "\n\n";
  if (!c.a.forecast.empty())
    r += "**Spine: " + std::string(c.a.forecast == "best-track" ? "the observed future track (the perfect-track experiment: its track errors are "
                                                                  "zero by construction)"
                                                                : "the official forecasts of " + c.a.forecast) +
         ".** The analog forecast is moved onto it at each step (its spread kept); CLIPER and persistence are Taifeng's own.\n\n";
  r += "Errors are great-circle distances from the best-track position at the verifying time; the means below are "
       "over the forecasts where all three methods have a position and the storm was observed.\n\n";
  if (!c.land) {
    r += "Observed landfall: not sought (--land none).\n\n";
  } else if (c.actual_landfalls.empty()) {
    r += "Observed landfall: none (the storm stayed at sea, or started over land and stayed there).\n\n";
  } else {
    r += "Observed landfalls (the best track crossing the coast of the basin's land, or passing within 10 km of it):\n\n";
    for (const core::Landfall& l : c.actual_landfalls) r += "- " + LandfallText(l, *c.land) + "\n";
    r += "\n";
  }
  if (maps) r += "![Whole storm](maps/storm.svg)\n\n";
  r += "## Mean errors\n\n| lead (h) | cases | analog (km) | CLIPER (km) | persistence (km) | skill vs CLIPER (%) | "
       "skill vs persistence (%) | wind MAE analog / CLIPER / persistence (m/s) |\n|---|---|---|---|---|---|---|---|\n";
  for (const auto& x : summary) {
    r += "| +" + std::to_string(x.lead_h) + " | " + std::to_string(x.cases) + " | " + FormatFloat(x.track_km[0], 0) +
         " | " + FormatFloat(x.track_km[1], 0) + " | " + FormatFloat(x.track_km[2], 0) + " | " +
         FormatFloat(100 * (1 - x.track_km[0] / x.track_km[1]), 1) + " | " +
         FormatFloat(100 * (1 - x.track_km[0] / x.track_km[2]), 1) + " | " + FormatFloat(x.wind_mae_ms[0], 1) +
         " / " + FormatFloat(x.wind_mae_ms[1], 1) + " / " + FormatFloat(x.wind_mae_ms[2], 1) + " |\n";
  }
  r += "\n## Each forecast\n\nTrack errors in km (analog / CLIPER / persistence); an empty cell: the storm was not "
       "observed then or the method had no forecast. Wind: best-track 10-minute wind at the forecast time.\n\n"
       "| forecast time (UTC) | position | wind (m/s) | +24 h error (km) | +48 h error (km) | +72 h error (km) | "
       "analog +72 h wind / observed (m/s) | landfall forecast | map |\n|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& st : steps) {
    const core::TrackPoint& now = c.pts[st.point];
    r += "| " + taifeng::FormatIsoUtc(now.time_utc) + " | " + Position(now) + " | " + FormatFloat(now.wind_ms, 1) + " | ";
    for (int l = 0; l < 3; ++l) {
      r += FormatFloat(st.error_km[0][l], 0) + " / " + FormatFloat(st.error_km[1][l], 0) + " / " +
           FormatFloat(st.error_km[2][l], 0) + " | ";
    }
    const auto* p72 = st.h.analog.At(72);
    double obs72 = std::nan("");
    for (const auto& p : c.pts)
      if (p.time_utc == now.time_utc + 72 * 3600LL) obs72 = p.wind_ms;
    r += (p72 ? FormatFloat(p72->wind_ms, 0) : "") + " / " + FormatFloat(obs72, 0) + " | ";
    const auto& lf = st.h.analog.landfall;
    if (lf.over_land) {
      r += "over land";
    } else if (lf.probability > 0) {
      r += FormatFloat(100 * lf.probability, 0) + "%, " + lf.region + " " +
           FormatFloat(100 * lf.region_probability, 0) + "%, median " + taifeng::FormatIsoUtc(*lf.median_utc);
    } else {
      r += "none";
    }
    r += maps ? " | [map](maps/" + Compact(now.time_utc) + ".svg) |\n" : " | |\n";
  }
  r += "\nFiles: `forecasts.csv` (every forecast point of every method, with the observed position and error)" +
       std::string(maps ? ", `maps/` (one SVG per forecast and `storm.svg`)" : "") +
       ". Land: Natural Earth 1:10m countries of the basin, with China's provinces (bundled).\n";
  return r;
}

// Track and wind errors of each method at each lead against the observed track (NaN where the
// track does not reach, or breaks before, the lead).
void StepErrors(const core::Resampled& track, std::size_t e, Step& st) {
  const std::vector<core::TrackPoint>& pts = track.points;
  const std::int64_t now = pts[e].time_utc;
  for (int m = 0; m < 3; ++m) {
    const core::Forecast* fc = Method(st.h, m);
    for (int l = 0; l < kLeadCount; ++l) {
      st.error_km[m][l] = st.wind_error_ms[m][l] = std::nan("");
      const std::size_t v = e + static_cast<std::size_t>(kLeads[l] / 6);
      if (!fc || v >= pts.size() || pts[v].time_utc != now + kLeads[l] * 3600LL) continue;
      bool same_piece = true;
      for (std::size_t j = e + 1; j <= v; ++j) same_piece = same_piece && track.continuous[j];
      const core::ForecastPoint* p = fc->At(kLeads[l]);
      if (!same_piece || !p) continue;
      st.error_km[m][l] = geo::DistanceKm(pts[v].lat_deg, pts[v].lon_deg, p->lat_deg, p->lon_deg);
      st.wind_error_ms[m][l] = std::abs(p->wind_ms - pts[v].wind_ms);  // NaN stays NaN
    }
  }
}

// One line of the replay's progress: position, +24/+72 h forecast, landfall, +24 h error.
void PrintStep(const std::vector<core::TrackPoint>& pts, const Step& st, bool tty) {
  const std::size_t e = st.point;
  const std::int64_t now = pts[e].time_utc;
  const core::Forecast& fc = st.h.analog;
  std::cout << taifeng::FormatIsoUtc(now) << "  " << Position(pts[e]) << "  " << FormatFloat(pts[e].wind_ms, 0)
            << " m/s (10-min)  ->";
  for (int lead : {24, 72}) {
    if (const auto* p = fc.At(lead)) {
      std::cout << "  +" << lead << " h " << FormatFloat(p->lat_deg, 1) << "N " << FormatFloat(p->lon_deg, 1)
                << "E (cone " << FormatFloat(p->cone_km, 0) << " km)";
    }
  }
  if (fc.landfall.over_land) {
    std::cout << "  over land";
  } else if (fc.landfall.probability > 0) {
    std::cout << "  landfall " << FormatFloat(100 * fc.landfall.probability, 0) << "% " << fc.landfall.region;
  }
  std::cout << "  [error +24 h " << (std::isnan(st.error_km[0][0]) ? "-" : FormatFloat(st.error_km[0][0], 0))
            << " km]\n";
  if (tty) std::cout.flush();
}

// forecasts.csv: every forecast point of every method, with the observed position and its error.
std::string ForecastsCsv(const std::vector<Step>& steps, const std::vector<core::TrackPoint>& pts) {
  std::string csv =
      "init_utc,method,lead_h,valid_utc,lat_deg,lon_deg,cone_radius_km,wind_ms_10min,pressure_hpa,members,"
      "obs_lat_deg,obs_lon_deg,obs_wind_ms_10min,error_km\n";
  for (const auto& st : steps) {
    const std::size_t e = st.point;
    for (int m = 0; m < 3; ++m) {
      const core::Forecast* fc = Method(st.h, m);
      if (!fc) continue;
      for (const auto& p : fc->points) {
        const std::size_t v = e + static_cast<std::size_t>(p.lead_h / 6);
        const bool obs = v < pts.size() && pts[v].time_utc == p.time_utc;
        const double err =
            obs ? geo::DistanceKm(pts[v].lat_deg, pts[v].lon_deg, p.lat_deg, p.lon_deg) : std::nan("");
        csv += taifeng::FormatIsoUtc(pts[e].time_utc) + "," + kMethods[m] + "," + std::to_string(p.lead_h) + "," +
               taifeng::FormatIsoUtc(p.time_utc) + "," + FormatFloat(p.lat_deg, 3) + "," + FormatFloat(p.lon_deg, 3) +
               "," + FormatFloat(p.cone_km, 1) + "," + FormatFloat(p.wind_ms, 1) + "," +
               FormatFloat(p.pressure_hpa, 1) + "," + (m == 0 ? std::to_string(p.members) : "") + "," +
               (obs ? FormatFloat(pts[v].lat_deg, 3) : "") + "," + (obs ? FormatFloat(pts[v].lon_deg, 3) : "") +
               "," + (obs ? FormatFloat(pts[v].wind_ms, 1) : "") + "," + FormatFloat(err, 1) + "\n";
      }
    }
  }
  return csv;
}

json ReplayJson(const data::Storm& storm, const std::vector<core::TrackPoint>& pts, const std::vector<Step>& steps,
               const std::vector<Summary>& summary, const Context& c, const geo::RegionSet* land,
               const std::vector<std::string>& excluded, int step_h) {
  json leads = json::array();
  for (const auto& x : summary) {
    leads.push_back({{"lead_h", x.lead_h},
                     {"cases", x.cases},
                     {"analog_km", x.cases ? json(x.track_km[0]) : json(nullptr)},
                     {"cliper_km", x.cases ? json(x.track_km[1]) : json(nullptr)},
                     {"persistence_km", x.cases ? json(x.track_km[2]) : json(nullptr)}});
  }
  json landfalls = json::array();
  for (const core::Landfall& l : c.actual_landfalls) {
    landfalls.push_back({{"time_utc", taifeng::FormatIsoUtc(l.time_utc)},
                         {"lat_deg", l.lat_deg},
                         {"lon_deg", l.lon_deg},
                         {"region", land->region(l.region).name_en}});
  }
  json steps_json = json::array();
  for (const auto& st : steps) {
    json errors = json::object();
    for (int m = 0; m < 3; ++m) {
      json e = json::array();
      for (int l = 0; l < kLeadCount; ++l) e.push_back(std::isnan(st.error_km[m][l]) ? json(nullptr) : json(st.error_km[m][l]));
      errors[kMethods[m]] = e;
    }
    json analogs = json::array();
    for (const auto& an : st.h.match.analogs) {
      analogs.push_back({{"id", an.id},
                         {"score", an.score},
                         {"matched_utc", taifeng::FormatIsoUtc(an.matched_utc)},
                         {"next_end_utc", taifeng::FormatIsoUtc(an.next.back().time_utc)}});
    }
    const auto& lf = st.h.analog.landfall;
    steps_json.push_back({{"init_utc", taifeng::FormatIsoUtc(pts[st.point].time_utc)},
                          {"lat_deg", pts[st.point].lat_deg},
                          {"lon_deg", pts[st.point].lon_deg},
                          {"analogs", analogs},
                          {"track_error_km", errors},
                          {"landfall_probability", lf.probability},
                          {"landfall_region", lf.region.empty() ? json(nullptr) : json(lf.region)},
                          {"over_land", lf.over_land}});
  }
  return json{{"storm", storm.id},
              {"name", storm.name},
              {"excluded", excluded},
              {"forecasts", steps.size()},
              {"first_utc", taifeng::FormatIsoUtc(pts[steps.front().point].time_utc)},
              {"last_utc", taifeng::FormatIsoUtc(pts[steps.back().point].time_utc)},
              {"step_h", step_h},
              {"leads_h", kLeads},
              {"steps", steps_json},
              {"mean_errors", leads},
              {"observed_landfall", landfalls.empty() ? json(nullptr) : landfalls.front()},
              {"observed_landfalls", landfalls}};
}

// The forecast times: every step_h hours with the window's history behind, within --from/--to.
std::vector<std::size_t> ForecastTimes(const ReplayArgs& a, const data::Storm& storm, const core::Resampled& track, std::size_t history,
                                       int step_h) {
  const std::vector<core::TrackPoint>& pts = track.points;
  const std::int64_t from = a.from.empty() ? INT64_MIN : ParseTime(a.from, "--from");
  const std::int64_t to = a.to.empty() ? INT64_MAX : ParseTime(a.to, "--to");
  std::vector<std::size_t> when;
  std::size_t run = 0;
  for (std::size_t e = 0; e < pts.size(); ++e) {
    run = track.continuous[e] ? run + 1 : 1;
    const std::int64_t t = pts[e].time_utc;
    if (run < history || t < from || t > to) continue;
    if (!when.empty() && (t - pts[when.front()].time_utc) % (step_h * 3600LL) != 0) continue;
    when.push_back(e);
  }
  if (when.empty()) {
    throw Error(ErrorCode::kInvalidArgument, storm.id + ": no forecast time with " + std::to_string((history - 1) * 6) +
                                                 " h of track behind it" + (a.from.empty() && a.to.empty() ? "" : " within --from/--to"));
  }
  return when;
}

// CLIPER as known at the first forecast time (storms before it, without this one), and a note.
std::optional<core::CliperModel> ReplayCliper(const core::MatchIndex& index, const core::MatchFilter& filter, std::int64_t first_utc,
                                              std::string& cliper_note) {
  core::MatchFilter f = filter;
  f.before_utc = first_utc;
  try {
    const core::CliperModel model = core::CliperModel::Fit(index, f);
    cliper_note = "CLIPER refitted on the archive up to the first forecast time (" + std::to_string(model.cases(24)) + " cases at +24 h).";
    return model;
  } catch (const Error& e) {
    cliper_note = std::string("No CLIPER: ") + e.what() + ".";
    return std::nullopt;
  }
}

void PrintMeanErrors(const std::vector<Summary>& summary) {
  std::cout << "\nMean track error (km), analog / CLIPER / persistence:";
  for (const auto& x : summary) {
    if (x.cases) {
      std::cout << "  +" << x.lead_h << " h " << FormatFloat(x.track_km[0], 0) << " / " << FormatFloat(x.track_km[1], 0)
                << " / " << FormatFloat(x.track_km[2], 0) << " (" << x.cases << ")";
    }
  }
}

// --out, else replay-YYYY-name; created with its maps/ folder.
fs::path OutputDirectory(const ReplayArgs& a, const data::Storm& storm, std::int64_t first_utc) {
  fs::path out = a.out.empty() ? fs::path("replay-" + Compact(first_utc).substr(0, 4) + "-" +
                                                Lower(storm.name.empty() ? "storm" : storm.name))
                                     : fs::path(a.out);
  std::error_code ec;
  fs::create_directories(out / "maps", ec);
  if (ec) throw Error(ErrorCode::kIo, (out / "maps").string() + ": " + ec.message());
  return out;
}

struct Settings {
  core::MatchOptions match;
  core::ForecastOptions forecast;
  core::MatchFilter filter;
};

// One forecast of the replay at pts[e], as if live (nothing after it), on the official spine when
// --forecast gives one; nullopt when no analog was found.
std::optional<core::Hindcast> ForecastAt(const ReplayArgs& a, const core::MatchIndex& index, const std::vector<core::TrackPoint>& pts,
                                         std::size_t e, std::size_t history, const core::CliperModel* cliper, const Settings& s,
                                         const geo::RegionSet* land) {
  const std::vector<core::TrackPoint> observed(pts.begin() + static_cast<std::ptrdiff_t>(e + 1 - history),
                                               pts.begin() + static_cast<std::ptrdiff_t>(e + 1));
  core::MatchFilter f = s.filter;
  f.before_utc = pts[e].time_utc;
  auto h = core::ForecastFrom(index, observed, cliper, s.match, s.forecast, f, land);
  if (h && !a.forecast.empty()) {  // the official forecast (or the observed future) as the spine
    if (const auto official = OfficialAt(a, pts, e)) {
      h->analog = core::OnOfficialTrack(h->analog, *official, {}, land);
      h->method = "analogs on " + official->source;
    } else {
      h->method += "; no official forecast issued at this time";
    }
  }
  return h;
}

void PrintHeader(const ReplayArgs& a, const data::Storm& storm, std::size_t forecasts, int step_h, std::int64_t first_utc,
                 const std::string& cliper_note) {
  std::cout << "Replaying " << StormLabel(storm) << ": " << forecasts << " forecasts every " << step_h << " h from "
            << taifeng::FormatIsoUtc(first_utc) << ", "
            << (a.fast ? std::string("as fast as possible") : "at " + FormatFloat(a.speed, 0) + "x real time") << "\n";
  std::cout << "  " << cliper_note << "\n";
  if (!a.forecast.empty())
    std::cout << "  Spine: " << (a.forecast == "best-track" ? "the observed future track (PERFECT-TRACK EXPERIMENT)" : "the official forecasts of " + a.forecast)
              << "\n";
  std::cout << "\n";
}

void RunReplay(const ReplayArgs& a) {
  if (a.storm.empty() && a.track.empty()) throw Error(ErrorCode::kUsage, "give --storm ID or --track FILE");
  if (!(a.speed > 0)) throw Error(ErrorCode::kUsage, "--speed must be positive");
  const int step_h = StepHours(a.step);
  auto archive = std::make_shared<const data::Archive>(data::LoadArchive(a.archive));
  const data::Archive& ar = *archive;
  data::Storm storm;
  if (a.track.empty()) {
    const auto i = ar.Find(a.storm);
    if (!i) throw Error(ErrorCode::kNotFound, "no storm '" + a.storm + "' in " + a.archive);
    storm = ar.StormAt(*i);
  } else {
    storm = LoadLive(a);
  }
  const core::Resampled track = core::ResampleSixHourly(storm.fixes, storm.wind_averaging);
  const std::vector<core::TrackPoint>& pts = track.points;

  core::MatchOptions mo;
  core::ForecastOptions fo;
  mo.window_h = a.window_h;
  mo.top_k = a.top;
  for (const std::string& x : a.set) core::SetOption(mo, fo, x);
  const std::size_t history = std::max<std::size_t>(static_cast<std::size_t>(mo.window_h / 6 + 1), 5);

  // The storm itself is left out, under every agency that tracked it (same season and name).
  core::MatchFilter filter;
  filter.agencies.insert(a.agencies.begin(), a.agencies.end());
  const std::vector<std::string> excluded = ExcludeLiveStorm(ar, storm, filter);

  const std::vector<std::size_t> when = ForecastTimes(a, storm, track, history, step_h);

  // CLIPER from what was known at the first step: storms before it, without this one.
  const auto index = core::MatchIndex::Build(archive);
  std::string cliper_note;
  const std::optional<core::CliperModel> cliper = ReplayCliper(*index, filter, pts[when.front()].time_utc, cliper_note);
  std::shared_ptr<const geo::RegionSet> land;
  land = LoadLandOption(a.land);

  const bool tty = isatty(STDOUT_FILENO);
  if (!a.json) PrintHeader(a, storm, when.size(), step_h, pts[when.front()].time_utc, cliper_note);
  std::vector<Step> steps;
  const auto wall_start = std::chrono::steady_clock::now();
  double compute_s = 0;
  for (std::size_t k = 0; k < when.size(); ++k) {
    const std::size_t e = when[k];
    const std::int64_t now = pts[e].time_utc;
    if (!a.fast && k > 0) {
      const double offset_s = static_cast<double>(now - pts[when.front()].time_utc) / a.speed;
      std::this_thread::sleep_until(wall_start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                     std::chrono::duration<double>(offset_s)));
    }
    const auto t0 = std::chrono::steady_clock::now();
    auto h = ForecastAt(a, *index, pts, e, history, cliper ? &*cliper : nullptr, {mo, fo, filter}, land.get());
    compute_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!h) {
      if (!a.json) std::cout << taifeng::FormatIsoUtc(now) << "  no analog found; skipped\n";
      continue;
    }
    Step st;
    st.point = e;
    st.h = std::move(*h);
    StepErrors(track, e, st);
    if (!a.json) PrintStep(pts, st, tty);
    steps.push_back(std::move(st));
  }
  if (steps.empty()) throw Error(ErrorCode::kInvalidArgument, storm.id + ": no step found analogs");

  const fs::path out = OutputDirectory(a, storm, pts[when.front()].time_utc);
  Context c{a, storm, pts, land.get(), land ? core::FindLandfalls(pts, *land) : std::vector<core::Landfall>{}};
  WriteFile(out / "forecasts.csv", ForecastsCsv(steps, pts));
  if (!a.no_maps) {
    for (const auto& st : steps) WriteFile(out / "maps" / (Compact(pts[st.point].time_utc) + ".svg"), StepMap(c, st));
    WriteFile(out / "maps" / "storm.svg", StormMap(c, steps));
  }
  const std::vector<Summary> summary = Summarise(steps);
  WriteFile(out / "report.md", Report(c, steps, summary, mo, cliper_note, excluded, !a.no_maps));
  const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();

  if (a.json) {
    json j = ReplayJson(storm, pts, steps, summary, c, land.get(), excluded, step_h);
    j["out"] = out.string(), j["compute_s"] = compute_s, j["wall_s"] = wall_s;
    j["forecast_spine"] = a.forecast.empty() ? json(nullptr) : json(a.forecast == "best-track" ? "perfect track (observed future)" : a.forecast);
    std::cout << j.dump(2) << '\n';
    return;
  }
  PrintMeanErrors(summary);
  std::cout << "\n" << steps.size() << " forecasts computed in " << FormatFloat(compute_s, 2) << " s ("
            << FormatFloat(wall_s, 1) << " s with outputs). Report: " << (out / "report.md").string() << "\n";
}

}  // namespace

void RegisterReplayCommand(CLI::App& app) {
  auto a = std::make_shared<ReplayArgs>();
  CLI::App* cmd = app.add_subcommand(
      "replay", "Replay a past storm as if live: a forecast every step from what was known then; report, CSV, maps");
  cmd->add_option("--archive", a->archive, "archive file (taifeng archive build)")->required();
  cmd->add_option("--storm", a->storm,
                  "storm to replay: archive id, agency number or name (most recent); with --track, which storm of "
                  "the file");
  cmd->add_option("--track", a->track, "replay the storm in this file (ATCF b-deck, CMA best-track or CSV) instead");
  cmd->add_option("--format", a->format, "track file format: auto, cma, atcf, csv")->capture_default_str();
  cmd->add_option("--from", a->from, "first forecast time (ISO 8601 UTC or YYYYMMDDHH); default: the first with the "
                                     "window's track behind it");
  cmd->add_option("--to", a->to, "last forecast time; default: the track's last point");
  cmd->add_option("--step", a->step, "time between forecasts, a multiple of 6 h")->capture_default_str();
  cmd->add_option("--speed", a->speed, "pace: storm time runs this many times faster than real time")
      ->capture_default_str();
  cmd->add_flag("--fast", a->fast, "no pacing: as fast as possible");
  cmd->add_option("--out", a->out, "output directory (default replay-SEASON-NAME)");
  cmd->add_option("--window", a->window_h, "live segment length, hours")->capture_default_str();
  cmd->add_option("--top", a->top, "analogs per forecast")->capture_default_str()->check(CLI::Range(1, 200));
  cmd->add_option("--agency", a->agencies, "only archive storms of these agencies");
  cmd->add_option("--wind-minutes", a->wind_minutes, "averaging period of a CSV track's wind: 1, 2 or 10")
      ->check(CLI::IsMember({1, 2, 10}))
      ->capture_default_str();
  AddLandOptions(cmd, a->land, "landfall and maps");
  cmd->add_option("--set", a->set, "set a matching or forecast option, NAME=NUMBER");
  cmd->add_option("--forecast", a->forecast,
                  "the official forecast as the spine at each step: an ATCF a-deck (--forecast-tech; the cycle issued at the step's "
                  "time) or a CSV track; 'best-track': the observed future (the perfect-track experiment), named in every output");
  cmd->add_option("--forecast-tech", a->forecast_techs, "a-deck techs, in priority order")->capture_default_str();
  cmd->add_flag("--no-maps", a->no_maps, "do not draw the maps");
  cmd->add_flag("--json", a->json, "print a JSON summary instead of the step lines");
  cmd->callback([a] { RunReplay(*a); });
}

}  // namespace taifeng::cli
