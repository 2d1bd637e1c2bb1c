// taifeng warn verify: Hong Kong's tropical cyclone signals as Taifeng would have issued them,
// against the Hong Kong Observatory's own record (data/samples/hko). Every storm of the seasons
// that came within --within-km of Hong Kong is replayed as if live (warn_replay.h: nothing after
// "now" seen, the storm left out of the archive) in each forecast mode:
//   own          Taifeng's analog forecast;
//   best-track   the observed future track as the forecast (the perfect-track experiment: it
//                separates the track error from the hazard model and the rules);
//   persistence  the last 12 h's motion continued (a baseline).
// Per storm: HKO's first No. 8, 9, 10 and Taifeng's first No. 1, 3, 8, 9, 10 for Hong Kong; over
// the seasons, per mode: hits, misses, false alarms and correct negatives of "No. 8 or higher" (a
// storm without HKO's No. 8 is a negative), and the spread of Taifeng's first No. 8 (and No. 10)
// minus HKO's, hours (negative: earlier).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include <nlohmann/json.hpp>

#include "commands.h"
#include "storm_selection.h"
#include "taifeng/base/error.h"
#include "taifeng/base/time_utc.h"
#include "taifeng/core/signal_verify.h"
#include "ranks.h"
#include "verify_report.h"
#include "warn_replay.h"
#include "warn_verify_share.h"

namespace taifeng::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct VerifyArgs : ReplayArgs {
  std::string seasons = "2000-2022", near = "810000", signals = TAIFENG_SAMPLES_DIR "/hko/signals_8_or_higher_2000_2022.csv",
              cma = TAIFENG_SAMPLES_DIR "/cma", winds = TAIFENG_SAMPLES_DIR "/hko/wind_10min", csv, report;
  double within_km = 800, rain_within_km = 500;
  std::string rain_seasons = "1961-2022", rainfall = TAIFENG_SAMPLES_DIR "/hko/daily_rainfall_hko_hq_1884_2022.csv";
  std::vector<std::string> modes = {"own", "best-track", "persistence"}, only;
  int jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  bool refit_cliper = true;  // false: the archive's stored model, if any (--no-refit-cliper)
};

constexpr int kNumbers[] = {1, 3, 8, 9, 10};  // Hong Kong's ladder, rank 1..5

// Runs fn(worker, i) for every i in [0, n) on `jobs` threads, each with OpenMP limited to one thread
// inside it (storms in parallel rather than members: the cores are not oversubscribed); jobs <= 1:
// here, with OpenMP as configured. The first exception stops the others and is rethrown.
template <class Fn>
void ParallelFor(std::size_t n, int jobs, Fn fn) {
  if (jobs <= 1 || n <= 1) {
    for (std::size_t i = 0; i < n; ++i) fn(0, i);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::mutex mu;
  std::exception_ptr failure;
  const auto work = [&](int worker) {
#ifdef _OPENMP
    omp_set_num_threads(1);
#endif
    for (std::size_t i = next++; i < n; i = next++) try {
        fn(worker, i);
      } catch (...) {
        const std::lock_guard<std::mutex> lock(mu);
        if (!failure) failure = std::current_exception();
        next = n;
      }
  };
  std::vector<std::thread> threads;
  for (int w = 0; w < jobs; ++w) threads.emplace_back(work, w);
  for (auto& t : threads) t.join();
  if (failure) std::rethrow_exception(failure);
}

// HKO's first No. 8, 9 and 10 of a storm (by number; 0 when never).
std::map<int, std::int64_t> HkoFirst(const std::vector<data::HkoSignal>& signals, int season, const std::string& name) {
  std::map<int, std::int64_t> first;
  for (const auto& s : signals)
    if (s.season == season && s.storm_name == Upper(name))
      for (int n : {8, 9, 10})
        if (s.number >= n && (!first.count(n) || s.start_utc < first[n])) first[n] = s.start_utc;
  return first;
}

// Taifeng's first time of each signal (or a higher one) for region `code`, by HKO number.
std::map<int, std::int64_t> TaifengFirst(const std::vector<warnings::Message>& ms, const std::string& code) {
  std::map<int, std::int64_t> first;
  for (const auto& m : ms) {
    if (m.region_code != code || m.kind != warnings::Kind::kTyphoon || m.change == warnings::Change::kCancel) continue;
    for (int rank = 1; rank <= m.rank && rank <= 5; ++rank) {
      const int n = kNumbers[rank - 1];
      if (!first.count(n)) first[n] = m.sent_utc;
    }
  }
  return first;
}

// ---- winds: where HKO's station files exist (a folder NAME_SEASON per storm) ----

const std::vector<std::string> kReferenceStations = {"Chek Lap Kok", "Cheung Chau", "Kai Tak",  "Lau Fau Shan",
                                                     "Sai Kung",     "Sha Tin",     "Ta Kwu Ling", "Tsing Yi"};

json Maybe(const std::optional<std::int64_t>& t) { return t ? json(taifeng::FormatIsoUtc(*t)) : json(nullptr); }

// The observed winds of a storm: onsets "generally" of strong winds and gales, each reference
// station's maximum and the network median.
json ObservedWinds(const std::vector<data::HkoWind>& w) {
  double median = NAN;
  json stations = json::array();
  for (const auto& m : core::StationMaxima(w, kReferenceStations, &median))
    stations.push_back({{"station", m.station}, {"max_10min_kmh", m.mean_kmh ? json(*m.mean_kmh) : json(nullptr)}});
  return {{"first_utc", taifeng::FormatIsoUtc(w.front().time_utc)}, {"last_utc", taifeng::FormatIsoUtc(w.back().time_utc)},
          {"strong_onset_utc", Maybe(core::NetworkOnset(w, kReferenceStations, 41))},
          {"gale_onset_utc", Maybe(core::NetworkOnset(w, kReferenceStations, 63))}, {"stations", stations},
          {"network_median_max_kmh", std::isfinite(median) ? json(median) : json(nullptr)}};
}

// Taifeng's forecast of the same: each reference site's forecast maximum (10-minute mean, km/h)
// from forecasts issued `lead` hours before `target` (the 6-hourly time at or before).
json ForecastWinds(VerifyArgs& a, const HazardEngine& engine, const warnings::RuleSet& rules, const Candidate& c, const std::string& code,
                   std::int64_t target) {
  json out = json::array();
  for (int lead : {6, 12, 24}) {
    std::int64_t at = target - static_cast<std::int64_t>(lead) * 3600;
    at -= ((at % 21600) + 21600) % 21600;
    a.track = c.file, a.format = "cma", a.storm = c.storm.id, a.at = taifeng::FormatIsoUtc(at);
    try {
      const HazardRun run = engine.Run(a, rules.Criteria(), rules.Sites());
      for (const auto& r : run.hazard.regions) {
        if (r.code != code) continue;
        json sites = json::array();
        std::vector<double> means;
        for (const auto& s : r.sites) {
          sites.push_back({{"station", s.name}, {"max_10min_kmh", std::round(s.wind_ms.mean * 36) / 10}});
          means.push_back(s.wind_ms.mean * 3.6);
        }
        out.push_back({{"lead_h", lead}, {"issued_utc", taifeng::FormatIsoUtc(at)}, {"stations", sites},
                       {"network_median_max_kmh", core::SpreadOf(means).median}});
      }
    } catch (const Error& e) {
      out.push_back({{"lead_h", lead}, {"issued_utc", taifeng::FormatIsoUtc(at)}, {"none", e.what()}});
    }
  }
  return out;
}

// ---- rain: the forecast for Hong Kong against the headquarters' daily rainfall ----

struct RainPair {
  double forecast_total = 0, observed_total = 0, forecast_24h = 0, observed_24h = 0;
};

// The HQ's rainfall over the HKT days from `from_utc` to `to_utc`: the total and the wettest day.
std::optional<std::pair<double, double>> Observed(const std::map<std::int64_t, double>& daily, std::int64_t from_utc, std::int64_t to_utc) {
  double total = 0, wettest = 0;
  int days = 0;
  for (std::int64_t d = (from_utc + 8 * 3600) / 86400; d <= (to_utc + 8 * 3600) / 86400; ++d) {
    const auto it = daily.find(d);
    if (it == daily.end()) return std::nullopt;  // a day without a record: the storm is left out
    total += it->second, wettest = std::max(wettest, it->second), ++days;
  }
  if (days == 0) return std::nullopt;
  return std::make_pair(total, wettest);
}

json RainStats(const std::vector<RainPair>& v, bool total) {
  if (v.empty()) return {{"n", 0}};
  double bias = 0, mae = 0, mf = 0, mo = 0;
  for (const auto& p : v) {
    const double f = total ? p.forecast_total : p.forecast_24h, o = total ? p.observed_total : p.observed_24h;
    bias += f - o, mae += std::fabs(f - o), mf += f, mo += o;
  }
  const double n = static_cast<double>(v.size());
  mf /= n, mo /= n;
  double sff = 0, soo = 0, sfo = 0;
  for (const auto& p : v) {
    const double f = (total ? p.forecast_total : p.forecast_24h) - mf, o = (total ? p.observed_total : p.observed_24h) - mo;
    sff += f * f, soo += o * o, sfo += f * o;
  }
  json table = json::object();
  for (double mm : {50.0, 100.0, 200.0}) {
    core::Contingency c;
    for (const auto& p : v) c.Add((total ? p.forecast_total : p.forecast_24h) >= mm, (total ? p.observed_total : p.observed_24h) >= mm);
    table[std::to_string(static_cast<int>(mm)) + "mm"] = {{"hits", c.hits}, {"misses", c.misses}, {"false_alarms", c.false_alarms},
                                                           {"correct_negatives", c.correct_negatives}};
  }
  return {{"n", v.size()}, {"bias_mm", bias / n}, {"mae_mm", mae / n},
          {"correlation", sff > 0 && soo > 0 ? json(sfo / std::sqrt(sff * soo)) : json(nullptr)}, {"contingency", table}};
}

// Every storm within rain_within_km of Hong Kong in the rain seasons: Taifeng's forecast storm-total
// and wettest-24 h rain for Hong Kong (ensemble mean, areal), issued `lead` hours before the closest
// approach, against the HQ's rainfall over the same HKT days (from the issue to a day after the
// closest approach).
json RainVerification(const VerifyArgs& a, const HazardEngine& engine, std::size_t near, const std::string& code,
                      const std::map<std::int64_t, double>& daily, const std::map<int, std::shared_ptr<const core::CliperModel>>& cliper) {
  const auto [y1, y2] = ParseSeasons(a.rain_seasons);
  const auto storms = Candidates({a.cma, a.rain_within_km, a.every_h, a.only}, *engine.regions(), near, y1, y2);
  json out = json::object();
  const std::vector<int> leads = {24, 48};
  std::vector<std::optional<RainPair>> found(storms.size() * leads.size());  // [lead][storm], both leads in one pass
  ParallelFor(found.size(), a.jobs, [&](int, std::size_t k) {
    const Candidate& c = storms[k % storms.size()];
    const int lead = leads[k / storms.size()];
    std::int64_t closest = 0;
    double best = 1e9;
    for (const auto& f : c.storm.fixes)
      if (const double d = engine.regions()->DistanceKm(near, f.lat_deg, f.lon_deg); d < best) best = d, closest = f.time_utc;
    std::int64_t at = closest - static_cast<std::int64_t>(lead) * 3600;
    at -= ((at % 21600) + 21600) % 21600;
    if (at < c.storm.fixes.front().time_utc + 24 * 3600) return;
    const auto obs = Observed(daily, at, closest + 24 * 3600);
    if (!obs) return;
    VerifyArgs mine = a;
    mine.cliper = cliper.count(c.storm.season) ? cliper.at(c.storm.season) : nullptr;
    mine.track = c.file, mine.format = "cma", mine.storm = c.storm.id, mine.at = taifeng::FormatIsoUtc(at);
    try {
      const HazardRun run = engine.Run(mine, {}, {});
      for (const auto& r : run.hazard.regions)
        if (r.code == code) found[k] = RainPair{r.rain_total_mm.mean, obs->first, r.rain_mm.back().mean, obs->second};
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kNotFound && e.code() != ErrorCode::kInvalidArgument) throw;
    }
  });
  for (std::size_t l = 0; l < leads.size(); ++l) {
    std::vector<RainPair> pairs;
    for (std::size_t i = 0; i < storms.size(); ++i)
      if (const auto& p = found[l * storms.size() + i]) pairs.push_back(*p);
    out[std::to_string(leads[l]) + "h"] = {{"storm_total", RainStats(pairs, true)}, {"wettest_24h", RainStats(pairs, false)}};
  }
  return out;
}

struct ModeResult {
  std::vector<core::ReplayedStorm> replayed;  // for the choice
  int reproduced = 0;                         // storms whose first No. 8 the margins reproduce
  core::Contingency eight, nine, ten;  // "No. 8 or higher", "No. 9 or higher", "No. 10"
  std::vector<double> eight_lag_h, ten_lag_h;  // Taifeng's first minus HKO's, over the storms both had
  json storms = json::array();
  json winds = json::array();
};

json Times(const std::map<int, std::int64_t>& first) {
  json j = json::object();
  for (const auto& [n, t] : first) j[std::to_string(n)] = taifeng::FormatIsoUtc(t);
  return j;
}

// The criteria of Hong Kong's No. 8, 9 and 10 (the rungs verified: "No. 8 or higher") in the rule
// set's Criteria(), and their probability bars.
struct Rungs {
  std::vector<std::size_t> criterion;
  std::vector<double> bars;
  int within_h = 12;       // No. 8's lead
  double site_factor = 1;  // the reference sites' mean_factor (the first site's)
};

Rungs RungsOf(const warnings::Jurisdiction& j, const std::string& code) {
  Rungs out;
  std::size_t c = j.first_criterion();
  for (const warnings::SignalRule& s : j.signals()) {
    if (!s.enabled || s.kind == warnings::Kind::kFlood) continue;
    const std::size_t index = c++;
    if (s.kind != warnings::Kind::kTyphoon || s.rank < 3) continue;
    if (out.criterion.size() >= static_cast<std::size_t>(s.rank - 2)) continue;  // a quadrant of No. 8 already counted
    out.criterion.push_back(index), out.bars.push_back(s.probability);
    if (s.rank == 3) out.within_h = s.criterion.within_h;
  }
  const auto it = j.sites().find(code);
  if (it != j.sites().end() && !it->second.empty()) out.site_factor = it->second.front().mean_factor;
  return out;
}

// Taifeng's signal spans for Hong Kong from its messages (a signal stays until the next change or
// the cancel; the last one until `end`).
std::vector<SignalSpan> Spans(const std::vector<warnings::Message>& ms, const std::string& code, std::int64_t end) {
  std::vector<SignalSpan> out;
  for (const auto& m : ms) {
    if (m.region_code != code || m.kind != warnings::Kind::kTyphoon) continue;
    if (!out.empty() && out.back().to_utc == 0) out.back().to_utc = m.sent_utc;
    if (m.change == warnings::Change::kCancel || m.rank < 1 || m.rank > 5) continue;
    std::string label = Upper(m.signal);
    if (label.size() > 1 && label[0] == '8') label.insert(1, " ");
    if (!out.empty() && out.back().to_utc == m.sent_utc && out.back().label == label) {
      out.back().to_utc = 0;  // an extension: the same signal goes on
      continue;
    }
    out.push_back({m.sent_utc, 0, kNumbers[m.rank - 1], label});
  }
  if (!out.empty() && out.back().to_utc == 0) out.back().to_utc = std::max(end, out.back().from_utc);
  return out;
}

// One storm in one mode: replayed into a throwaway journal; every forecast's wind margins of the
// rungs kept for the choice.
StormReplay ReplayStorm(VerifyArgs& a, const HazardEngine& engine, const Candidate& c, const std::string& code, const Rungs& rungs,
                        const std::shared_ptr<const warnings::RuleSet>& rules, const std::shared_ptr<const warnings::CapSchema>& schema,
                        const fs::path& scratch) {
  fs::remove_all(scratch);
  fs::create_directories(scratch);
  fs::permissions(scratch, fs::perms::owner_all);
  warnings::Desk desk(warnings::Journal::Open(scratch / "journal.sqlite"), rules, engine.regions(), schema);
  a.track = c.file, a.format = "cma", a.storm = c.storm.id;
  a.situation = false;  // a throwaway journal: no maps are drawn from it
  StormReplay out;
  out.margins.season = c.storm.season, out.margins.name = c.storm.name;
  const auto observe = [&](const HazardRun& run) {
    if (out.method.empty()) out.method = run.consensus;
    for (const auto& r : run.hazard.regions) {
      if (r.code != code) continue;
      core::MarginStep step{run.hazard.now_utc, {}};
      for (std::size_t i : rungs.criterion) step.margins.push_back(i < r.criteria.size() ? r.criteria[i].wind_margins : std::vector<core::MemberMargin>{});
      out.margins.steps.push_back(std::move(step));
    }
  };
  const auto messages = ReplayThroughDesk(a, engine, desk, c.t0, c.t1, "verify", nullptr, nullptr, observe);
  out.first = TaifengFirst(messages, code);
  out.spans = Spans(messages, code, c.t1);
  return out;
}

void Score(ModeResult& r, const Candidate& c, const std::map<int, std::int64_t>& hko, const std::map<int, std::int64_t>& ours) {
  const bool forecast = ours.count(8) > 0, observed = hko.count(8) > 0;
  r.eight.Add(forecast, observed);
  r.nine.Add(ours.count(9) > 0, hko.count(9) > 0);
  r.ten.Add(ours.count(10) > 0, hko.count(10) > 0);
  if (forecast && observed) r.eight_lag_h.push_back(static_cast<double>(ours.at(8) - hko.at(8)) / 3600.0);
  if (ours.count(10) && hko.count(10)) r.ten_lag_h.push_back(static_cast<double>(ours.at(10) - hko.at(10)) / 3600.0);
  r.storms.push_back({{"season", c.storm.season}, {"storm", c.storm.id}, {"name", c.storm.name}, {"number", c.storm.intl_number},
                      {"closest_km", std::round(c.closest_km)}, {"hko_first_utc", Times(hko)}, {"taifeng_first_utc", Times(ours)}});
}

json TableJson(const core::Contingency& c) {
  return {{"hits", c.hits}, {"misses", c.misses}, {"false_alarms", c.false_alarms}, {"correct_negatives", c.correct_negatives}};
}

json SpreadJson(const std::vector<double>& v) {
  const core::Spread s = core::SpreadOf(v);
  if (s.n == 0) return {{"n", 0}};
  return {{"n", s.n}, {"p10_h", s.p10}, {"median_h", s.median}, {"p90_h", s.p90}};
}

json ModeJson(const std::string& mode, const ModeResult& r) {
  const auto& c = r.eight;
  const auto num = [](double v) { return std::isfinite(v) ? json(std::round(v * 1000) / 1000) : json(nullptr); };
  return {{"mode", mode},
          {"no8", {{"hits", c.hits}, {"misses", c.misses}, {"false_alarms", c.false_alarms}, {"correct_negatives", c.correct_negatives},
                   {"hit_rate", num(c.HitRate())}, {"false_alarm_rate", num(c.FalseAlarmRate())}}},
          {"no9", TableJson(r.nine)},
          {"no10", TableJson(r.ten)},
          {"no8_first_minus_hko_h", SpreadJson(r.eight_lag_h)},
          {"no10_first_minus_hko_h", SpreadJson(r.ten_lag_h)},
          {"storms", r.storms}};
}

std::string Pct(const json& v) { return v.is_null() ? "-" : FormatFloat(100 * v.get<double>(), 0) + " %"; }
std::string Hours(const json& s, const char* k) { return s["n"].get<int>() == 0 ? "-" : FormatFloat(s[k].get<double>(), 1); }

// Observed and forecast winds at the eight reference anemometers, where HKO's files exist.
void PrintWinds(const json& j) {
  std::vector<std::vector<std::string>> rows;
  const auto text = [](const json& v) { return v.is_null() ? std::string("never") : v.get<std::string>(); };
  for (const auto& m : j["modes"])
    for (const auto& w : m["winds"]) {
      std::string forecast;
      for (const auto& f : w["forecast"])
        forecast += (forecast.empty() ? "" : ", ") + std::string("-") + std::to_string(f["lead_h"].get<int>()) + " h: " +
                    (f.contains("network_median_max_kmh") ? FormatFloat(f["network_median_max_kmh"].get<double>(), 0) : std::string("-"));
      rows.push_back({m["mode"], w["name"], text(w["observed"]["strong_onset_utc"]), text(w["observed"]["gale_onset_utc"]),
                      w["observed"]["network_median_max_kmh"].is_null() ? "-" : FormatFloat(w["observed"]["network_median_max_kmh"].get<double>(), 0),
                      forecast});
    }
  if (rows.empty()) return;
  std::cout << "\nWinds at the eight reference anemometers (10-minute means, km/h; HKO's station files), observed and forecast "
               "(network median of the stations' maxima; forecasts issued 6/12/24 h before the gale onset, else the strong-wind onset, else the "
               "record's end):\n";
  PrintTable({"mode", "storm", "strong_onset_utc", "gale_onset_utc", "observed_median_max_kmh", "forecast_median_max_kmh"}, rows);
}

void PrintSummary(const json& j) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& m : j["modes"]) {
    const auto& c = m["no8"];
    const auto& lag = m["no8_first_minus_hko_h"];
    rows.push_back({m["mode"], std::to_string(c["hits"].get<int>()), std::to_string(c["misses"].get<int>()),
                    std::to_string(c["false_alarms"].get<int>()), std::to_string(c["correct_negatives"].get<int>()), Pct(c["hit_rate"]),
                    Pct(c["false_alarm_rate"]), Hours(lag, "median_h"), Hours(lag, "p10_h"), Hours(lag, "p90_h"),
                    Hours(m["no10_first_minus_hko_h"], "median_h")});
  }
  PrintTable({"mode", "hits", "misses", "false_alarms", "correct_neg", "hit_rate", "false_alarm_rate", "No8_lag_median_h", "No8_lag_p10_h",
              "No8_lag_p90_h", "No10_lag_median_h"},
             rows);
  std::vector<std::vector<std::string>> higher;
  const auto four = [](const json& t) {
    return std::to_string(t["hits"].get<int>()) + "/" + std::to_string(t["misses"].get<int>()) + "/" + std::to_string(t["false_alarms"].get<int>()) +
           "/" + std::to_string(t["correct_negatives"].get<int>());
  };
  for (const auto& m : j["modes"]) higher.push_back({m["mode"], four(m["no9"]), four(m["no10"])});
  std::cout << "\nHits/misses/false alarms/correct negatives of No. 9 or higher and of No. 10:\n";
  PrintTable({"mode", "No9_or_higher", "No10"}, higher);
  std::cout << "\nNo. 8 or higher for Hong Kong per storm, " << j["storms"].get<int>() << " storms within " << FormatFloat(j["within_km"].get<double>(), 0)
            << " km in " << j["seasons"].get<std::string>() << "; lag = Taifeng's first No. 8 minus HKO's (h, negative: earlier).\n"
            << "Record: Hong Kong Observatory, signals No. 8 or higher " << j["seasons"].get<std::string>() << ".\n"
            << "Took " << FormatFloat(j["elapsed_s"].get<double>(), 1) << " s with " << j["jobs"].get<int>() << " storms at a time (--jobs)"
            << (j["ranks"].get<int>() > 1 ? " on each of " + std::to_string(j["ranks"].get<int>()) + " MPI ranks" : std::string()) << ".\n";
  PrintWinds(j);
}

void WriteCsv(const json& j, const std::string& path) {
  std::ofstream out(path);
  out << "mode,season,storm,name,number,closest_km,hko_first_8_utc,hko_first_10_utc,taifeng_first_1_utc,taifeng_first_3_utc,"
         "taifeng_first_8_utc,taifeng_first_9_utc,taifeng_first_10_utc\n";
  const auto get = [](const json& t, const char* k) { return t.contains(k) ? t[k].get<std::string>() : std::string(); };
  for (const auto& m : j["modes"])
    for (const auto& s : m["storms"])
      out << m["mode"].get<std::string>() << ',' << s["season"] << ',' << s["storm"].get<std::string>() << ',' << s["name"].get<std::string>()
          << ',' << s["number"].get<std::string>() << ',' << s["closest_km"] << ',' << get(s["hko_first_utc"], "8") << ','
          << get(s["hko_first_utc"], "10") << ',' << get(s["taifeng_first_utc"], "1") << ',' << get(s["taifeng_first_utc"], "3") << ','
          << get(s["taifeng_first_utc"], "8") << ',' << get(s["taifeng_first_utc"], "9") << ',' << get(s["taifeng_first_utc"], "10") << '\n';
  if (!out.flush()) throw Error(ErrorCode::kIo, path + ": cannot write");
}

double Round(double v, double unit) { return std::round(v / unit) / std::round(1 / unit); }

json ScoreJson(const core::ChoiceScore& sc, const Rungs& rungs, int step_h) {
  json row = TableJson(sc.table);
  row["mean_factor"] = Round(sc.choice.k * rungs.site_factor, 0.01);
  row["no8_within_h"] = sc.choice.lead_steps < 0 ? rungs.within_h : sc.choice.lead_steps * step_h;
  row["no8_bar"] = sc.choice.bar;
  row["lag_h"] = SpreadJson(sc.lag_h);
  return row;
}

// The choice of one mode, leave-one-season-out (core::ChooseLeaveOneSeasonOut): the perfect track
// chooses the sites' wind scale and No. 8's lead (the wind model and the rule against HKO's
// decisions, the track error aside) at the configured bar; the other modes the No. 8 bar at what
// the perfect track chose.
json ChoiceJson(const std::string& mode, const ModeResult& r, const Rungs& rungs, int step_h, core::Choice& chosen) {
  core::ChoiceGrid grid;
  const bool perfect = mode == "best-track";
  if (perfect) {
    for (int i = 0; i <= 14; ++i) grid.k.push_back((0.60 + 0.05 * i) / rungs.site_factor);
    for (int h = 3; h <= rungs.within_h; h += 3) grid.lead_steps.push_back(h / step_h);
    grid.bar = {rungs.bars.front()};
  } else {
    grid.k = {chosen.k}, grid.lead_steps = {chosen.lead_steps};
    for (int i = 0; i <= 12; ++i) grid.bar.push_back(Round(0.10 + 0.05 * i, 0.01));
  }
  const std::vector<double> higher(rungs.bars.begin() + 1, rungs.bars.end());
  const core::ChoiceRule rule{0.10, 3.0};
  const core::LeaveOneSeasonOut loso = core::ChooseLeaveOneSeasonOut(r.replayed, grid, higher, rule);
  if (perfect) chosen = loso.all.choice;
  json cells = json::array();
  std::vector<const core::ReplayedStorm*> all;
  for (const auto& st : r.replayed) all.push_back(&st);
  for (double k : grid.k)
    for (int lead : grid.lead_steps)
      for (double bar : grid.bar) cells.push_back(ScoreJson(core::ScoreChoice(all, {k, lead, bar}, higher), rungs, step_h));
  json held = TableJson(loso.held_out);
  held["lag_h"] = SpreadJson(loso.held_out_lag_h);
  json seasons = json::object();
  for (const auto& [season, c] : loso.per_season) {
    json one = ScoreJson(core::ChoiceScore{c, {}, {}}, rungs, step_h);
    seasons[std::to_string(season)] = {{"mean_factor", one["mean_factor"]}, {"no8_within_h", one["no8_within_h"]}, {"no8_bar", one["no8_bar"]}};
  }
  return {{"what", perfect ? "the reference sites' mean_factor and No. 8's lead (within_h), at the configured No. 8 bar " +
                                 FormatFloat(rungs.bars.front(), 2)
                           : "the No. 8 probability bar, at the perfect track's mean_factor and lead"},
          {"rule", "false alarms at most 10 % of the storms without HKO's No. 8, then the median first No. 8 within 3 h of HKO's, then the most "
                   "skill (hit rate minus false-alarm rate), then the first No. 8 nearest HKO's"},
          {"chosen", ScoreJson(loso.all, rungs, step_h)}, {"held_out", held}, {"per_season", seasons}, {"grid", cells},
          {"reproduced_desk_first_no8", r.reproduced}, {"storms", r.replayed.size()}};
}

// What a run reads once: the rules, HKO's records and the storms.
struct VerifyInputs {
  std::shared_ptr<const warnings::RuleSet> rules;
  std::shared_ptr<const warnings::CapSchema> schema;
  std::vector<data::HkoSignal> signals;
  std::map<std::int64_t, double> daily;  // HKT day number -> HQ rainfall, mm
  std::vector<Candidate> candidates;
  std::string code;
  std::size_t near = 0;
  Rungs rungs;
  std::map<int, std::shared_ptr<const core::CliperModel>> cliper;  // per season: fitted without it
};

// CLIPER refitted without each season (leave-one-season-out, as live: the consensus of the
// forecast a forecaster had), on the archive's storms of --agency, in one pass
// (core::CliperModel::FitLeavingOut).
std::map<int, std::shared_ptr<const core::CliperModel>> CliperPerSeason(const VerifyArgs& a, const HazardEngine& engine, const std::set<int>& seasons) {
  core::MatchFilter filter;
  filter.agencies.insert(a.agencies.begin(), a.agencies.end());
  std::map<int, std::shared_ptr<const core::CliperModel>> out;
  for (auto& [season, model] : core::CliperModel::FitLeavingOut(engine.index(), filter, seasons))
    out[season] = std::make_shared<const core::CliperModel>(std::move(model));
  return out;
}

// The season's refitted model; nullptr (the archive's, if any) when not refitted.
std::shared_ptr<const core::CliperModel> ModelFor(const VerifyInputs& in, int season) {
  const auto it = in.cliper.find(season);
  return it == in.cliper.end() ? nullptr : it->second;
}

// The observed winds of one storm where HKO's station files exist: its JSON entry (observed and
// forecast) and its network wind for the chart.
void StormWinds(VerifyArgs& a, const HazardEngine& engine, const VerifyInputs& in, const Candidate& c, const std::map<int, std::int64_t>& hko,
                const std::map<int, std::int64_t>& ours, ModeResult& r, StormChart& chart) {
  const fs::path dir = fs::path(a.winds) / (Lower(c.storm.name) + "_" + std::to_string(c.storm.season));
  if (a.winds.empty() || !fs::is_directory(dir)) return;
  const auto w = data::ReadHkoWindDirectory(dir);
  if (w.empty()) return;
  if (chart.network_kmh.empty()) chart.network_kmh = core::NetworkGenerally(w, kReferenceStations);
  const auto onset = core::NetworkOnset(w, kReferenceStations, 63);
  const auto strong = core::NetworkOnset(w, kReferenceStations, 41);
  const std::int64_t target = onset ? *onset : strong ? *strong : w.back().time_utc;  // else the record's end
  json entry = {{"storm", c.storm.id}, {"name", c.storm.name}, {"season", c.storm.season}, {"observed", ObservedWinds(w)},
                {"forecast_for_utc", taifeng::FormatIsoUtc(target)}, {"forecast", json::array()}};
  a.cliper = ModelFor(in, c.storm.season);
  entry["forecast"] = ForecastWinds(a, engine, *in.rules, c, in.code, target);
  a.cliper = nullptr;
  if (onset && hko.count(8)) entry["hko_no8_before_gale_onset_h"] = static_cast<double>(*onset - hko.at(8)) / 3600.0;
  if (onset && ours.count(8)) entry["taifeng_no8_before_gale_onset_h"] = static_cast<double>(*onset - ours.at(8)) / 3600.0;
  r.winds.push_back(entry);
}

// This rank's storms (their seasons, from the first, split over the ranks: season i to rank
// i mod R), longest replay first so that no long one is left alone at the end.
std::vector<std::size_t> MyStorms(const VerifyInputs& in, const Ranks& ranks) {
  int first = 9999;
  for (const Candidate& c : in.candidates) first = std::min(first, c.storm.season);
  std::vector<std::size_t> mine;
  for (std::size_t i = 0; i < in.candidates.size(); ++i)
    if ((in.candidates[i].storm.season - first) % ranks.size() == ranks.rank()) mine.push_back(i);
  std::stable_sort(mine.begin(), mine.end(), [&](std::size_t x, std::size_t y) {
    return in.candidates[x].t1 - in.candidates[x].t0 > in.candidates[y].t1 - in.candidates[y].t0;
  });
  return mine;
}

// The replays of one mode: this rank's storms on its --jobs threads, then every rank's gathered on
// rank 0 (true there; false on the other ranks). A failure on any rank stops all with its error.
bool ReplayMode(const VerifyArgs& a, const HazardEngine& engine, const VerifyInputs& in, const Ranks& ranks, Progress& progress,
                std::size_t& done, const fs::path& scratch, std::vector<StormReplay>& replays) {
  const std::vector<std::size_t> mine = MyStorms(in, ranks);
  std::mutex mu;
  ranks.RunAgreed([&] {
    ParallelFor(mine.size(), a.jobs, [&](int worker, std::size_t k) {
      const std::size_t i = mine[k];
      VerifyArgs own = a;  // each worker's own "now"
      own.cliper = ModelFor(in, in.candidates[i].storm.season);
      replays[i] = ReplayStorm(own, engine, in.candidates[i], in.code, in.rungs, in.rules, in.schema, scratch / std::to_string(worker));
      const std::lock_guard<std::mutex> lock(mu);
      progress.Update((a.forecast.empty() ? "own" : a.forecast) + " " + std::to_string(in.candidates[i].storm.season) + " " + in.candidates[i].storm.name,
                      done++, mine.size() * a.modes.size());
    });
  });
  if (ranks.size() == 1) return true;
  const std::vector<std::string> shares = ranks.GatherToRoot(EncodeReplays(replays, mine));
  for (std::size_t r = 1; r < shares.size(); ++r) DecodeReplays(shares[r], replays);  // rank 0's own are in place
  return ranks.rank() == 0;
}

// One forecast mode over every storm; nullopt on ranks other than 0.
std::optional<json> RunMode(VerifyArgs& a, const std::string& mode, const HazardEngine& engine, const VerifyInputs& in,
                            std::vector<StormChart>& charts, core::Choice& chosen, const Ranks& ranks, Progress& progress, std::size_t& done,
                            const fs::path& scratch) {
  a.forecast = mode == "own" ? "" : mode;
  ModeResult r;
  std::vector<StormReplay> replays(in.candidates.size());
  if (!ReplayMode(a, engine, in, ranks, progress, done, scratch, replays)) return std::nullopt;
  for (std::size_t i = 0; i < in.candidates.size(); ++i) {
    const Candidate& c = in.candidates[i];
    const auto hko = HkoFirst(in.signals, c.storm.season, c.storm.name);
    StormReplay& replay = replays[i];
    Score(r, c, hko, replay.first);
    if (hko.count(8)) replay.margins.observed_first = hko.at(8);
    const auto again = core::FirstReached(replay.margins, {1.0, -1, in.rungs.bars.front()},
                                          std::vector<double>(in.rungs.bars.begin() + 1, in.rungs.bars.end()));
    r.reproduced += again == (replay.first.count(8) ? std::optional<std::int64_t>(replay.first.at(8)) : std::nullopt);
    r.replayed.push_back(std::move(replay.margins));
    charts[i].taifeng.emplace_back(mode, std::move(replay.spans));
    StormWinds(a, engine, in, c, hko, replay.first, r, charts[i]);
  }
  json mj = ModeJson(mode, r);
  for (const StormReplay& rp : replays)
    if (!rp.method.empty()) {
      mj["forecast_method"] = rp.method;  // e.g. "positions 50% CLIPER consensus"
      break;
    }
  mj["winds"] = r.winds;
  mj["choice"] = ChoiceJson(mode, r, in.rungs, a.step_h, chosen);
  if (!a.rain_seasons.empty() && a.rain_seasons != "none") mj["rain"] = RainVerification(a, engine, in.near, in.code, in.daily, in.cliper);
  return mj;
}

VerifyInputs ReadInputs(VerifyArgs& a, const HazardEngine& engine) {
  VerifyInputs in;
  const auto [y1, y2] = ParseSeasons(a.seasons);
  in.near = engine.regions()->Resolve(a.near);
  in.code = engine.regions()->region(in.near).code;
  in.rules = warnings::RuleSet::Load(a.desk.rules);
  if (in.rules->Of(in.code).id() != "hong_kong")
    throw Error(ErrorCode::kUsage, "--near " + in.code + ": the verification reads Hong Kong's signals against HKO's record");
  in.rungs = RungsOf(in.rules->Of(in.code), in.code);
  if (in.rungs.criterion.empty()) throw Error(ErrorCode::kUsage, a.desk.rules + ": Hong Kong has no signal of rank 3 (No. 8) or higher");
  in.schema = warnings::CapSchema::Load(a.desk.schema);
  in.signals = data::ReadHkoSignals(a.signals);
  if (!a.rain_seasons.empty() && a.rain_seasons != "none")
    for (const auto& d : data::ReadHkoDailyRainfall(a.rainfall))
      if (const auto t = taifeng::UtcSeconds(d.year, d.month, d.day)) in.daily[*t / 86400] = d.mm;
  in.candidates = Candidates({a.cma, a.within_km, a.every_h, a.only}, *engine.regions(), in.near, y1, y2);
  std::set<int> seasons;
  for (const Candidate& c : in.candidates) seasons.insert(c.storm.season);
  if (!a.rain_seasons.empty() && a.rain_seasons != "none") {
    const auto [r1, r2] = ParseSeasons(a.rain_seasons);
    for (int y = r1; y <= r2; ++y) seasons.insert(y);
  }
  if (a.refit_cliper) in.cliper = CliperPerSeason(a, engine, seasons);
  return in;
}

// The charts' fixed parts: the storm and HKO's signals.
std::vector<StormChart> ChartsOf(const VerifyInputs& in) {
  std::vector<StormChart> charts;
  for (const Candidate& c : in.candidates) {
    StormChart ch{c.storm.season, c.storm.id, c.storm.name, c.storm.intl_number, std::round(c.closest_km), c.t0, c.t1, {}, {}, {}};
    for (const auto& s : in.signals)
      if (s.season == c.storm.season && s.storm_name == Upper(c.storm.name))
        ch.hko.push_back({s.start_utc, s.end_utc, s.number, s.number == 8 && s.signal.size() > 1 ? "8 " + s.signal.substr(1) : s.signal});
    charts.push_back(std::move(ch));
  }
  return charts;
}

// The command's essential options, for the report.
std::string CommandLine(const VerifyArgs& a) {
  std::string modes;
  for (const auto& m : a.modes) modes += " " + m;
  std::string s = "taifeng warn verify --archive " + a.archive + " --seasons " + a.seasons + " --within-km " + FormatFloat(a.within_km, 0) +
                  " --every " + std::to_string(a.every_h) + " --modes" + modes + " --rain-seasons " + a.rain_seasons;
  for (const auto& o : a.agencies) s += " --agency " + o;
  for (const auto& o : a.only) s += " --storms " + o;
  for (const auto& o : a.set) s += " --set " + o;
  return s + " --report " + a.report;
}

// The inputs on every rank; a rank that cannot read them stops all with its error.
VerifyInputs ReadInputsOnRanks(VerifyArgs& a, const HazardEngine& engine, const Ranks& ranks) {
  VerifyInputs in;
  ranks.RunAgreed([&] { in = ReadInputs(a, engine); });
  return in;
}

void RunVerify(VerifyArgs a, const std::string& command) {
  for (const std::string& m : a.modes)
    if (m != "own" && m != "best-track" && m != "persistence") throw Error(ErrorCode::kUsage, "--modes: own, best-track or persistence");
  a.track = "-";
  const auto started = std::chrono::steady_clock::now();
  Ranks ranks;
  HazardEngine engine(a);
  const VerifyInputs in = ReadInputsOnRanks(a, engine, ranks);
  a.only_regions = {in.code};
  std::vector<StormChart> charts = ChartsOf(in);
  // The replays' throwaway journals: in memory where the system has a tmpfs (/dev/shm), so the
  // journal's fsyncs cost nothing; removed at the end.
  const fs::path base = ::access("/dev/shm", W_OK | X_OK) == 0 ? fs::path("/dev/shm") : fs::temp_directory_path();
  const fs::path scratch = base / ("taifeng-verify-" + std::to_string(::getpid()));
  fs::create_directories(scratch);
  fs::permissions(scratch, fs::perms::owner_all);
  json modes = json::array();
  Progress progress(!a.desk.json && ranks.rank() == 0);
  std::size_t done = 0;
  core::Choice chosen{1.0, -1, 0};  // the perfect track's choice (as configured until it is made)
  std::vector<std::string> order = a.modes;  // the perfect track first: the others' bar is chosen at its wind scale
  std::stable_sort(order.begin(), order.end(), [](const std::string& x, const std::string& y) { return x == "best-track" && y != x; });
  for (const std::string& mode : order)
    if (auto j = RunMode(a, mode, engine, in, charts, chosen, ranks, progress, done, scratch)) modes.push_back(std::move(*j));
  progress.Done();
  fs::remove_all(scratch);
  if (ranks.rank() != 0) return;
  const double elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const json j = {{"seasons", a.seasons}, {"near", in.code}, {"within_km", a.within_km}, {"every_h", a.every_h},
                  {"elapsed_s", std::round(elapsed_s * 10) / 10}, {"jobs", a.jobs}, {"ranks", ranks.size()},
                  {"cliper", a.refit_cliper ? "refitted without each season (" + std::to_string(in.cliper.size()) + " fits)" : "the archive's, if any"},
                  {"storms", in.candidates.size()}, {"record", "Hong Kong Observatory, tropical cyclone warning signals No. 8 or higher"},
                  {"modes", modes}};
  if (!a.csv.empty()) WriteCsv(j, a.csv);
  if (!a.report.empty()) WriteReport(a.report, j, charts, command);
  if (a.desk.json) {
    std::cout << j.dump(2) << '\n';
    return;
  }
  PrintSummary(j);
}

}  // namespace

void RegisterWarnVerifyCommand(CLI::App& app) {
  CLI::App* warn = app.get_subcommand("warn");
  auto a = std::make_shared<VerifyArgs>();
  CLI::App* cmd = warn->add_subcommand(
      "verify", "Hong Kong's signals as Taifeng would have issued them, as if live, against the Hong Kong Observatory's record: hits, misses, "
                "false alarms of No. 8 or higher and the timing of the first No. 8 and No. 10, per forecast mode");
  cmd->add_option("--archive", a->archive, "historical archive (HDF5)")->required();
  cmd->add_option("--seasons", a->seasons, "seasons Y1-Y2")->capture_default_str();
  cmd->add_option("--within-km", a->within_km, "storms whose centre came within this distance of Hong Kong, km")
      ->capture_default_str()
      ->check(CLI::Range(50.0, 3000.0));
  cmd->add_option("--modes", a->modes, "forecast modes: own, best-track (perfect track), persistence")->capture_default_str();
  cmd->add_option("--storms", a->only, "only these storms (names, CMA ids or numbers)");
  cmd->add_option("--every", a->every_h, "hours between forecasts")->capture_default_str()->check(CLI::Range(1, 24));
  cmd->add_option("--cma", a->cma, "directory of CMA best-track files CHYYYYBST.txt")->capture_default_str();
  cmd->add_option("--signals", a->signals, "HKO's signal No. 8+ records (CSV)")->capture_default_str();
  cmd->add_option("--winds", a->winds, "HKO's 10-minute station wind files, a folder NAME_SEASON per storm ('' : none)")->capture_default_str();
  cmd->add_option("--agency", a->agencies, "only analogs from these agencies");
  cmd->add_option("--set", a->set, "option=value (matching, forecast and hazard options)");
  cmd->add_option("--rules", a->desk.rules, "warning rules (TOML)")->capture_default_str();
  cmd->add_option("--csv", a->csv, "write one row per mode and storm to this CSV file");
  cmd->add_option("--rain-seasons", a->rain_seasons, "seasons of the rain verification ('none': skip it)")->capture_default_str();
  cmd->add_option("--rain-within-km", a->rain_within_km, "storms within this distance for the rain verification, km")->capture_default_str();
  cmd->add_option("--rainfall", a->rainfall, "HKO headquarters' daily rainfall (CSV)")->capture_default_str();
  cmd->add_flag("!--no-refit-cliper", a->refit_cliper,
                "use the archive's stored CLIPER (if any) instead of refitting it without each season (leave-one-season-out, the default)");
  cmd->add_option("--jobs", a->jobs, "storms replayed at once (threads; default: the cores)")->capture_default_str()->check(CLI::Range(1, 256));
  cmd->add_option("--report", a->report, "write a Markdown report with one SVG chart per storm into this directory");
  cmd->add_flag("--json", a->desk.json, "print JSON");
  cmd->callback([a] { RunVerify(*a, CommandLine(*a)); });
}

}  // namespace taifeng::cli
