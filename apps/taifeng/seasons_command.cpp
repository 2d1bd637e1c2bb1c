// taifeng warn seasons: every storm of a range of seasons that came within a distance of a region
// (default: Hong Kong, 800 km) replayed through the warning desk as if live (warn_replay.h), each
// into its own journal, and how steady the warnings were (warnings/stability.h): per storm, per
// region-storm, the distribution of messages against the levels reached, and the totals against
// the policy's targets (no cancel or lapse then a new alert within 24 h; reversals <= 2 % of the
// changes). The storms that brought Hong Kong signal No. 8 or higher (HKO's records,
// data/samples/hko) are named, so the figures can be read for them apart.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <set>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "hazard_engine.h"
#include "output.h"
#include "taifeng/base/error.h"
#include "taifeng/base/time_utc.h"
#include "taifeng/data/hko.h"
#include "taifeng/data/import.h"
#include "taifeng/warnings/stability.h"
#include "storm_selection.h"
#include "warn_replay.h"

namespace taifeng::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct SeasonsArgs : ReplayArgs {
  std::string seasons = "2000-2022", near = "810000", signals = TAIFENG_SAMPLES_DIR "/hko/signals_8_or_higher_2000_2022.csv",
              cma = TAIFENG_SAMPLES_DIR "/cma", journals;
  double within_km = 800;
  std::vector<std::string> only;  // --storms: names or ids
};

struct StormResult {
  const Candidate* candidate = nullptr;
  warnings::StabilityReport report;
  std::string near_highest;  // Taifeng's highest typhoon signal at `near` (its short label)
  int forecasts = 0;
  int skipped = 0;  // forecast times without a forecast (no analog, or a gap in the track)
};

// The highest typhoon signal issued for region `code` (by rank), as its jurisdiction labels it.
std::string Highest(const std::vector<warnings::Message>& ms, const std::string& code) {
  const warnings::Message* best = nullptr;
  for (const auto& m : ms)
    if (m.region_code == code && m.kind == warnings::Kind::kTyphoon && m.change != warnings::Change::kCancel && (!best || m.rank > best->rank))
      best = &m;
  if (!best) return "";
  return best->short_label.en.empty() ? best->signal : best->short_label.en;
}

double Quantile(std::vector<int> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(std::lround(q * static_cast<double>(v.size() - 1)))];
}

json Report(const SeasonsArgs& a, const std::vector<StormResult>& results, const std::vector<std::string>& unmatched) {
  warnings::StabilityRow total;
  std::map<int, std::vector<int>> by_levels;  // levels reached -> messages per region-storm
  json storms = json::array();
  int hko8 = 0;
  for (const StormResult& r : results) {
    const auto& t = r.report.total;
    total.messages += t.messages, total.changes += t.changes, total.extends += t.extends;
    total.cancel_reissue += t.cancel_reissue, total.lapse_reissue += t.lapse_reissue, total.reversals += t.reversals;
    for (const auto& row : r.report.rows)
      by_levels[row.levels].push_back(row.messages);
    if (!r.candidate->hko_highest.empty()) ++hko8;
    storms.push_back({{"season", r.candidate->storm.season}, {"storm", r.candidate->storm.id}, {"name", r.candidate->storm.name},
                      {"number", r.candidate->storm.intl_number}, {"closest_km", std::round(r.candidate->closest_km)},
                      {"from_utc", taifeng::FormatIsoUtc(r.candidate->t0)}, {"to_utc", taifeng::FormatIsoUtc(r.candidate->t1)},
                      {"forecasts", r.forecasts}, {"skipped", r.skipped}, {"hko_highest", r.candidate->hko_highest}, {"taifeng_highest", r.near_highest},
                      {"messages", t.messages}, {"changes", t.changes}, {"cancel_reissue_24h", t.cancel_reissue},
                      {"lapse_reissue_24h", t.lapse_reissue}, {"reversals_24h", t.reversals}});
  }
  json dist = json::array();
  for (const auto& [levels, v] : by_levels)
    dist.push_back({{"levels", levels}, {"region_storm_kinds", v.size()}, {"messages_median", Quantile(v, 0.5)},
                    {"messages_p90", Quantile(v, 0.9)}, {"messages_max", *std::max_element(v.begin(), v.end())}});
  return {{"seasons", a.seasons},
          {"near", a.near},
          {"within_km", a.within_km},
          {"every_h", a.every_h},
          {"forecast", a.forecast.empty() ? "Taifeng's own (analog ensemble)" : a.forecast},
          {"storms", storms},
          {"storms_with_hko_signal_8", hko8},
          {"hko_storms_not_replayed", unmatched},
          {"distribution", dist},
          {"total",
           {{"messages", total.messages}, {"changes", total.changes}, {"extends", total.extends},
            {"cancel_reissue_24h", total.cancel_reissue}, {"lapse_reissue_24h", total.lapse_reissue}, {"reversals_24h", total.reversals}}},
          {"reversal_percent", total.changes ? 100.0 * total.reversals / total.changes : 0.0}};
}

void PrintReport(const json& j) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& s : j["storms"])
    rows.push_back({std::to_string(s["season"].get<int>()), s["name"].get<std::string>().empty() ? s["storm"].get<std::string>() : s["name"].get<std::string>(), s["number"], FormatFloat(s["closest_km"].get<double>(), 0),
                    std::to_string(s["forecasts"].get<int>() - s["skipped"].get<int>()), s["hko_highest"].get<std::string>().empty() ? "-" : s["hko_highest"].get<std::string>(),
                    s["taifeng_highest"].get<std::string>().empty() ? "-" : s["taifeng_highest"].get<std::string>(),
                    std::to_string(s["messages"].get<int>()), std::to_string(s["changes"].get<int>()),
                    std::to_string(s["cancel_reissue_24h"].get<int>()), std::to_string(s["lapse_reissue_24h"].get<int>()),
                    std::to_string(s["reversals_24h"].get<int>())});
  PrintTable({"season", "storm", "number", "closest_km", "forecasts", "HKO_highest", "Taifeng_HK_highest", "messages", "changes",
              "cancel>alert<=24h", "lapse>alert<=24h", "down>up<=24h"},
             rows);
  std::cout << "\nMessages per region, storm and kind of warning against the distinct levels reached:\n";
  rows.clear();
  for (const auto& d : j["distribution"])
    rows.push_back({std::to_string(d["levels"].get<int>()), std::to_string(d["region_storm_kinds"].get<int>()),
                    FormatFloat(d["messages_median"].get<double>(), 0), FormatFloat(d["messages_p90"].get<double>(), 0),
                    std::to_string(d["messages_max"].get<int>())});
  PrintTable({"levels", "region_storm_kinds", "messages_median", "messages_p90", "messages_max"}, rows);
  const auto& t = j["total"];
  std::cout << "\n" << j["storms"].size() << " storms within " << FormatFloat(j["within_km"].get<double>(), 0) << " km of " << j["near"].get<std::string>()
            << " in " << j["seasons"].get<std::string>() << " (" << j["storms_with_hko_signal_8"].get<int>()
            << " with HKO signal No. 8 or higher), forecasts every " << j["every_h"].get<int>() << " h: " << t["messages"].get<int>()
            << " messages, " << t["changes"].get<int>() << " changes; cancel then a new alert within 24 h: " << t["cancel_reissue_24h"].get<int>()
            << " (target 0); lapse then a new alert within 24 h: " << t["lapse_reissue_24h"].get<int>()
            << " (target 0); downgrade then upgrade within 24 h: " << t["reversals_24h"].get<int>() << " = "
            << FormatFloat(j["reversal_percent"].get<double>(), 2) << " % of the changes (target <= 2 %).\n";
  if (!j["hko_storms_not_replayed"].empty()) {
    std::cout << "HKO No. 8+ storms not replayed (no CMA storm of that season and name within range):";
    for (const auto& n : j["hko_storms_not_replayed"]) std::cout << " " << n.get<std::string>();
    std::cout << '\n';
  }
}

void RunSeasons(SeasonsArgs a) {
  const auto [y1, y2] = ParseSeasons(a.seasons);
  a.track = "-";  // each storm's CMA file, set per storm
  HazardEngine engine(a);
  const auto near = engine.regions()->Resolve(a.near);
  const auto rules = warnings::RuleSet::Load(a.desk.rules);
  const auto schema = warnings::CapSchema::Load(a.desk.schema);
  const auto highest = HighestSignals(data::ReadHkoSignals(a.signals));
  std::vector<Candidate> candidates = Candidates({a.cma, a.within_km, a.every_h, a.only}, *engine.regions(), near, y1, y2);
  std::set<std::pair<int, std::string>> replayed;
  for (Candidate& c : candidates) {
    const auto it = highest.find({c.storm.season, Upper(c.storm.name)});
    if (it != highest.end()) c.hko_highest = it->second, replayed.insert(it->first);
  }
  std::vector<std::string> unmatched;
  for (const auto& [k, v] : highest)
    if (k.first >= y1 && k.first <= y2 && !replayed.count(k) && a.only.empty()) unmatched.push_back(std::to_string(k.first) + " " + k.second);
  fs::path root = a.journals;
  const bool keep = !root.empty();
  if (keep && fs::exists(root) && !fs::is_empty(root)) throw Error(ErrorCode::kRefused, root.string() + ": not empty (give a new directory)");
  if (!keep) root = fs::temp_directory_path() / ("taifeng-seasons-" + std::to_string(::getpid()));
  fs::create_directories(root);
  std::vector<StormResult> results;
  Progress progress(!a.desk.json);
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const Candidate& c = candidates[i];
    progress.Update(std::to_string(c.storm.season) + " " + c.storm.name, i, candidates.size());
    std::string dir = c.storm.id;
    std::replace_if(dir.begin(), dir.end(), [](char ch) { return !std::isalnum(static_cast<unsigned char>(ch)) && ch != '-'; }, '_');
    fs::create_directories(root / dir);
    fs::permissions(root / dir, fs::perms::owner_all);
    warnings::Desk desk(warnings::Journal::Open(root / dir / "journal.sqlite"), rules, engine.regions(), schema);
    a.track = c.file, a.format = "cma", a.storm = c.storm.id;
    StormResult r;
    const auto messages = ReplayThroughDesk(a, engine, desk, c.t0, c.t1, "replay", nullptr, &r.skipped);
    r.candidate = &c;
    r.report = warnings::Stability(desk.Messages());
    r.near_highest = Highest(messages, engine.regions()->region(near).code);
    r.forecasts = static_cast<int>((c.t1 - c.t0) / (a.every_h * 3600) + 1);
    results.push_back(std::move(r));
  }
  progress.Done();
  if (!keep) fs::remove_all(root);
  const json report = Report(a, results, unmatched);
  if (a.desk.json) {
    std::cout << report.dump(2) << '\n';
    return;
  }
  PrintReport(report);
  if (keep) std::cout << "Journals (one per storm): " << root.string() << '\n';
}

}  // namespace

void RegisterWarnSeasonsCommand(CLI::App& app) {
  CLI::App* warn = app.get_subcommand("warn");
  auto a = std::make_shared<SeasonsArgs>();
  CLI::App* cmd = warn->add_subcommand(
      "seasons", "Replay every storm of a range of seasons that came near a region through the warning desk, as if live, and measure "
                 "how steady its warnings were (flip-flops per storm and region, messages against levels reached)");
  cmd->add_option("--archive", a->archive, "historical archive (HDF5)")->required();
  cmd->add_option("--seasons", a->seasons, "seasons Y1-Y2")->capture_default_str();
  cmd->add_option("--near", a->near, "the region the storms come near (code or name)")->capture_default_str();
  cmd->add_option("--within-km", a->within_km, "storms whose centre came within this distance, km")->capture_default_str()->check(CLI::Range(50.0, 3000.0));
  cmd->add_option("--storms", a->only, "only these storms (names, CMA ids or numbers)");
  cmd->add_option("--cma", a->cma, "directory of CMA best-track files CHYYYYBST.txt (the live tracks)")->capture_default_str();
  cmd->add_option("--signals", a->signals, "HKO's signal No. 8+ records (CSV) naming the storms that brought them")->capture_default_str();
  cmd->add_option("--every", a->every_h, "hours between forecasts")->capture_default_str()->check(CLI::Range(1, 24));
  cmd->add_option("--journals", a->journals, "keep each storm's journal in this new directory (default: a temporary one, removed)");
  cmd->add_option("--agency", a->agencies, "only analogs from these agencies");
  cmd->add_option("--forecast", a->forecast, "'best-track': the observed future track as the forecast (the perfect-track experiment)");
  cmd->add_option("--set", a->set, "option=value (matching, forecast and hazard options)");
  cmd->add_option("--rules", a->desk.rules, "warning rules (TOML)")->capture_default_str();
  cmd->add_flag("--json", a->desk.json, "print JSON");
  cmd->callback([a] { RunSeasons(*a); });
}

}  // namespace taifeng::cli
