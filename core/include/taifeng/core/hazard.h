// Per-region hazard from an analog-ensemble forecast: what each city can expect hour by hour.
//
// Each member's track (forecast.h) is stepped at `step_h` (linear between its 6-hourly points);
// at each step its wind field (wind.h: Holland profile, motion asymmetry from the member's own
// motion) and rain rate are sampled at the region's sample points (geo::RegionSet::SamplePoints).
// Wind: the region's value at a step is the maximum over its points of the 10-minute mean,
// converted to `sustained` averaging (data/units.h) and to the 3-second gust with the WMO/TD-1555
// factor of the region's exposure (off-sea for coastal regions, off-land inland). The profile is
// driven by the track's (marine) maximum wind; inland regions' mean winds are multiplied by
// inland_mean_factor for the rougher surface (a Taifeng choice, 0.8, in the range hurricane wind
// models use for marine-to-open-terrain; coastal regions keep the marine value). Per member: the
// maximum over the forecast, and the first step (onset) at which each Beaufort force is reached.
// Over members (weights from the forecast): the weighted mean and 90th percentile of the maximum,
// the weighted median onset (absent when fewer than half the weight reaches the force), and the
// probability of reaching each force within each window.
// Rain: the region's value at a step is the mean over its points (areal mean). A member's rain is
// its analog's observed rain where the archive has an observed grid covering the point at that
// time (the analog's own place and time: matched time + lead; daily totals spread over the hours
// in proportion to R-CLIPER along the analog's real track), otherwise R-CLIPER along the member's
// forecast track ("modelled"). For each window length, the wettest such window in the forecast;
// mean and rain_percentile over members (DSAEF_LTP's best-scoring choice, Ren et al. 2020).
// Flood risk: the level of the highest threshold reached by the chosen statistic (FloodConfig),
// raised by the antecedent rain (observed live rain already fallen over the region).
// Thread safety: pure functions; ComputeHazard runs members in parallel (OpenMP).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "taifeng/core/forecast.h"
#include "taifeng/core/rain.h"
#include "taifeng/core/wind.h"
#include "taifeng/geo/regions.h"

namespace taifeng::core {

// Flood-risk thresholds of one region. Defaults: China's national rainstorm signal criteria
// (blue 50 mm in 12 h, yellow 50 mm in 6 h, orange 50 mm in 3 h, red 100 mm in 3 h).
struct FloodThresholds {
  struct Level {
    std::string name;  // "blue", …
    int window_h = 0;
    double mm = 0;
  };
  std::vector<Level> levels = {{"blue", 12, 50}, {"yellow", 6, 50}, {"orange", 3, 50}, {"red", 3, 100}};
  std::string statistic = "p90";    // "p90" (the rain_percentile) or "mean"
  int antecedent_h = 72;            // antecedent rain: what fell in this many hours before now
  double antecedent_raise_mm = 100; // at least this much raises the level by one (from none: when
                                    // the forecast reaches half the lowest threshold)
};
struct FloodConfig {
  FloodThresholds defaults;
  std::map<std::string, FloodThresholds> regions;  // by region code; missing keys take the defaults
  const FloodThresholds& For(const std::string& code) const;
  // From a TOML file ([defaults] and [region."440100"] tables, keys as in the structs; levels as
  // an array of tables {name, window_h, mm}). Throws ParseError naming the file, line and key.
  static FloodConfig Load(const std::filesystem::path& path);
};

// An exceedance criterion (asked by warning rules, warnings/rules.h): a member meets it at the
// first step when any of its conditions holds: the sustained wind (a mean over `averaging`)
// reaches Beaufort `wind_force` or `wind_kmh` km/h; the 3-second gust reaches `gust_force` or
// `gust_kmh`; the rain over the last `rain_window_h` hours reaches `rain_mm`; the storm centre is
// within `centre_km` of the region (0 for any of them: not used). Wind and gust are the region's
// maximum over its sample points, or, when `sites_share` > 0 and the region has reference sites
// (HazardOptions::sites), met when at least that share of the sites reach them ("generally", as the
// Hong Kong Observatory reads its reference anemometers). Only steps within `within_h` hours of
// now count.
struct Criterion {
  int wind_force = 0, gust_force = 0;
  double wind_kmh = 0, gust_kmh = 0;
  data::WindAveraging averaging = data::WindAveraging::kTwoMinute;
  int rain_window_h = 0;
  double rain_mm = 0;
  double centre_km = 0;
  double sites_share = 0;
  int within_h = 24;
};

// A reference site of a region (an anemometer of the agency's network), where wind is also read.
struct Site {
  std::string name, name_zh;
  double lat_deg = 0, lon_deg = 0;
  double mean_factor = 1.0;  // the site's 10-minute mean relative to the marine profile (exposure)
};

struct HazardOptions {
  int step_h = 1;
  data::WindAveraging sustained = data::WindAveraging::kTwoMinute;  // China's signals use 2-minute means
  WindFieldOptions wind;
  double inland_mean_factor = 0.8;  // mean wind over inland regions relative to the marine profile
  double spacing_deg = 0.1;
  std::size_t boundary_points = 24;
  double wind_cutoff_km = 800, rain_cutoff_km = 600;  // fields are 0 beyond
  std::vector<int> wind_forces = {6, 8, 10, 12}, gust_forces = {8, 10, 12, 14};
  std::vector<int> windows_h = {6, 12, 24, 48};
  std::vector<int> rain_windows_h = {1, 3, 6, 12, 24};
  double rain_percentile = 0.9;
  std::vector<Criterion> criteria;  // RegionHazard::criteria answers each, in order
  std::map<std::string, std::vector<Site>> sites;  // by region code: its reference sites (may be empty)
  std::vector<std::string> only_regions;  // region codes to compute (verification of one place); empty: every region
  double inflow_deg = 20;  // surface inflow angle, for wind directions (RegionHazard::CriterionResult)
};

struct Stat {
  double mean = 0, p90 = 0;  // weighted mean and `rain_percentile`/90th percentile over members
};

// One member's wind margins for a criterion (RegionHazard::CriterionResult::wind_margins).
struct MemberMargin {
  double weight = 0;
  std::vector<float> upto;  // [step]: the largest ratio of wind to threshold from now to that step
};

struct RegionHazard {
  std::size_t region = 0;  // index in the region set
  std::string code, name, name_en;
  bool coastal = false;
  double distance_km = 0;  // from the storm's position now
  Stat wind_ms, gust_ms;   // maximum over the forecast (sustained: HazardOptions::sustained)
  int wind_force = 0, gust_force = 0;  // Beaufort force of the mean
  std::vector<std::optional<std::int64_t>> wind_onset_utc, gust_onset_utc;  // per HazardOptions forces
  std::vector<std::vector<double>> wind_probability, gust_probability;       // [force][window]
  std::vector<Stat> rain_mm;   // per rain window: wettest window (areal mean, mm)
  Stat rain_total_mm;          // over the forecast
  double rain_observed_share = 0;  // share of member weight whose rain here came from observed grids
  double antecedent_mm = NAN;      // observed live rain already fallen (NaN: none given)
  int flood_level = 0;             // 0 none, 1.. the FloodThresholds level
  std::string flood_name;          // "" or the level's name
  std::string flood_reason;        // e.g. "p90 58 mm in 6 h >= 50 mm; antecedent 120 mm >= 100 mm: raised"
  std::vector<double> flood_ratio; // per FloodThresholds level: the statistic over its threshold (1: just reached)
  // The storm's closest approach to the region's middle in the forecast: the weighted medians over
  // the members of their least distance (km) and of its time (now when the storm is moving away).
  double approach_km = NAN;
  std::int64_t approach_utc = 0;
  struct CriterionResult {
    double probability = 0;                   // member weight meeting it within its within_h, [0, 1]
    std::optional<std::int64_t> onset_utc;    // weighted median first time, over the members meeting it
    double wind_ms = 0, gust_ms = 0, rain_mm = 0;  // weighted mean over those members of the value reached
    // The direction the wind comes from at the region (degrees from north) at the members' first
    // step meeting it: their weighted circular mean. The cyclonic flow of the northern hemisphere
    // turned by HazardOptions::inflow_deg towards the centre: bearing(centre -> region) + 90 - inflow.
    std::optional<double> direction_from_deg;
    // Per member, only for a criterion with wind_kmh: its weight and, at each step within within_h,
    // the largest ratio so far of the sustained wind reached (at the sites: generally, the wind at
    // the share's rank) to wind_kmh. Had every wind been k times as strong and the lead been h
    // hours, the wind condition's probability would be the weight of the members whose margin at
    // step h / step_h is >= 1/k: verification's sensitivity to the sites' mean_factor, the lead
    // and the probability bar, without recomputing the hazard (signal_verify.h).
    std::vector<MemberMargin> wind_margins;
  };
  std::vector<CriterionResult> criteria;  // per HazardOptions::criteria
  struct SiteHazard {
    std::string name, name_zh;
    Stat wind_ms, gust_ms;  // maximum over the forecast: 10-minute mean (mean_factor applied) and 3-second gust
  };
  std::vector<SiteHazard> sites;  // per HazardOptions::sites of this region
};

struct Hazard {
  std::int64_t now_utc = 0;
  int hours = 0;  // forecast reach
  std::size_t members = 0;
  std::vector<RegionHazard> regions;
};

struct HazardInputs {
  const MatchIndex* index = nullptr;              // for analogs' real tracks (observed rain timing)
  const MatchResult* match = nullptr;             // the analogs behind the members (same ids)
  std::map<std::string, const data::RainGrid*> observed;  // archive storm id -> its observed rain
  const LiveRain* antecedent = nullptr;           // the live storm's observed rain so far
  const FloodConfig* flood = nullptr;             // nullptr: the defaults
};

// Throws Error(kInvalidArgument) when the forecast has no member.
Hazard ComputeHazard(const Forecast& forecast, const geo::RegionSet& regions, const HazardOptions& options,
                     const HazardInputs& inputs = {});

}  // namespace taifeng::core
