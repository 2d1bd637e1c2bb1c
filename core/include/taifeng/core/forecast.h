// Forecasts from a live track: the analog ensemble, persistence, and CLIPER (cliper.h).
//
// Analog ensemble: each analog (matcher.h) becomes a member track. Its 6-hourly steps after the
// matched time (geodesic distance and azimuth of each step) are replayed from the live position,
// so the member moves as the analog moved; its wind and pressure change as the analog's changed
// (added to the live values). Members are weighted by exp(-score / weight_temperature). At each
// lead the forecast position is the weighted mean of the members' positions (mean of unit vectors),
// blended at short leads with persistence; the cone radius is the weighted `cone_share` quantile of
// the members' distances from the mean, times a calibration factor per lead (ForecastOptions). The
// forecast stops at the first lead with fewer than `min_members` members.
// Landfall (when the storm is over the sea now): the share of member weight whose track crosses
// from sea to land (landfall.h), the
// time window (weighted 10th–90th percentile of the members' landfall times) and the region with
// the largest share.
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "taifeng/core/matcher.h"
#include "taifeng/geo/regions.h"

namespace taifeng::core {

struct ForecastOptions {
  int max_lead_h = 120;             // multiple of 6
  // Member weight exp(-score / T), score units. Verification (2015-2022 leave-one-season-out) chose
  // 2 over 0.25, 0.5 and 1 (48 h error 420 km against 451, 427 and 421 km).
  double weight_temperature = 2.0;
  // Weight of persistence in the position at +6 h, falling linearly to 0 at persistence_until_h.
  // Chosen by verification (README "Forecast verification"): 0.8 to 48 h cut the 24 h error of
  // the 2015-2022 leave-one-season-out hindcasts from 202 to 187 km.
  double persistence_weight_6h = 0.8;
  int persistence_until_h = 48;
  // Motion alignment: each member's steps are turned by the difference between the live storm's
  // heading over the last 12 h and its analog's at the matched time, and stretched by the ratio of
  // their speeds (clamped to [0.5, 2]), with the correction decaying as exp(-lead / align_motion_h)
  // (0 = off). Verification chose 24 h over 12 and 48 h (48 h error 436 -> 427 km).
  double align_motion_h = 24;
  // Consensus with CLIPER (ForecastFrom, when a model is given): this share of CLIPER in the
  // position at every lead (0 = the analog ensemble alone). 0.5 verified best of 0.3-0.7 (48 h
  // error 420 -> 402 km, 3.3% better than CLIPER alone).
  double cliper_weight = 0.5;
  // The mean at each lead moves on from the previous one by the members' mean step (and change of
  // intensity) instead of averaging their positions, so a member that ends does not make it jump.
  bool chain_mean = false;
  double cone_share = 0.67;  // share of members (by weight) inside the cone
  // Cone calibration: the radius at lead L is multiplied by cone_scale[L / 6 - 1] (empty = 1),
  // chosen by verification so that cone_share of the real positions fall inside.
  // Calibrated on the 2015-2022 leave-one-season-out hindcasts (the 67th percentile of error /
  // members' 67% radius was 0.94-0.97 at +24 … +120 h), so in-sample there: 0.95 at every lead.
  std::vector<double> cone_scale = std::vector<double>(20, 0.95);
  std::size_t min_members = 3;
};

struct ForecastPoint {
  int lead_h = 0;
  std::int64_t time_utc = 0;
  double lat_deg = 0, lon_deg = 0;
  double cone_km = 0;                    // NaN when not computed (persistence, CLIPER)
  double wind_ms = 0, pressure_hpa = 0;  // 10-minute wind; NaN when unknown
  std::size_t members = 0;
};

struct Member {
  std::string id, name;           // the analog's
  double weight = 0;              // normalised: members' weights sum to 1
  std::vector<TrackPoint> track;  // from the live position at lead 0, 6-hourly
};

struct LandfallForecast {
  double probability = 0;                                            // share of member weight that makes landfall
  std::optional<std::int64_t> earliest_utc, median_utc, latest_utc;  // weighted 10th, 50th, 90th percentiles
  std::string region;             // most likely landfall region (English name), empty if none
  double region_probability = 0;  // share of member weight making landfall there
  bool over_land = false;         // the storm is over land now: no landfall is forecast
};

struct Forecast {
  std::string method;                 // "analog", "persistence", "cliper"
  TrackPoint now;                     // the live position the forecast starts from (lead 0)
  std::vector<ForecastPoint> points;  // +6 h, +12 h, … while available
  std::vector<Member> members;        // analog forecast only
  LandfallForecast landfall;          // analog forecast with a land set only

  // The point at `lead_h`, or nullptr.
  const ForecastPoint* At(int lead_h) const;
};

// Persistence: the motion of the last 12 h of `observed` (geodesic distance and azimuth from
// the point 12 h before "now" to "now") continued at constant speed and azimuth; wind and pressure
// persist. Throws Error(kInvalidArgument) when `observed` has no point 12 h before its last.
Forecast PersistenceForecast(const std::vector<TrackPoint>& observed, int max_lead_h = 120);

// The analog ensemble from `match` (its analogs' `next` tracks); `now` is the live position at
// the matched time. With a land set, the landfall forecast. Throws Error(kInvalidArgument) when
// `match` has no analog.
Forecast AnalogForecast(const MatchResult& match, const TrackPoint& now, const ForecastOptions& options,
                        const geo::RegionSet* land = nullptr);

// Blends the analog forecast with persistence at short leads (ForecastOptions). Both start at now.
void BlendPersistence(Forecast& analog, const Forecast& persistence, const ForecastOptions& options);
// The weighted quantile q (0-1) of (value, weight > 0) pairs: the smallest value whose cumulative
// weight reaches q of the total. NaN for none.
double WeightedQuantile(std::vector<std::pair<double, double>> value_weight, double q);

// Moves the analog forecast's positions `weight` of the way towards `other`'s at each lead both have
// (on the sphere); the cone and intensity stay the analog ensemble's.
void BlendPositions(Forecast& analog, const Forecast& other, double weight);

// An official forecast track (or, in a hindcast, the observed future track: the perfect-track
// experiment) as the spine of the analog ensemble.
struct OfficialTrack {
  std::string source;              // named in every output, e.g. "the observed track (perfect-track experiment)"
  bool perfect = false;            // the observed future: hindcasts only, never for an Actual warning
  std::vector<TrackPoint> points;  // in time order, the first at the forecast's now; winds 10-minute (NaN unknown)
};

// The official track's error by lead (km), for the cone: linear between the given leads,
// extrapolated beyond the last two. The defaults are HKO's mean errors of 2015-2023: 74, 128 and
// 195 km at 24, 48 and 72 h.
struct OfficialCone {
  std::vector<std::pair<int, double>> km = {{0, 0.0}, {24, 74.0}, {48, 128.0}, {72, 195.0}};
  double At(int lead_h) const;
};

// The analog forecast moved onto the official track: at each lead its position becomes the
// official one (interpolated linearly in time), each member is moved by the same displacement (so
// the members' spread about it is kept), the cone is the official track's error, and the wind and
// pressure are the official track's where it gives them. Leads beyond the official track end.
// Landfall is worked out again from the moved members when `land` is given. Throws
// Error(kInvalidArgument) when the official track does not start at the forecast's now or does not
// go beyond it, or its times are out of order.
Forecast OnOfficialTrack(const Forecast& analog, const OfficialTrack& official, const OfficialCone& cone = {},
                         const geo::RegionSet* land = nullptr);

}  // namespace taifeng::core

namespace taifeng::core {

// Sets one matching or forecast option by name ("w_position=1.5", "top_k=20",
// "persistence_weight_6h=0.6"…: every numeric field of MatchOptions and ForecastOptions, named
// as in the structs). For experiments and verification runs (taifeng verify --set). Throws
// Error(kUsage) for an unknown name or a value that is not a number.
void SetOption(MatchOptions& match, ForecastOptions& forecast, const std::string& assignment);
// "NAME=NUMBER" split, the whole of NUMBER a finite number; throws Error(kUsage) naming the
// assignment otherwise (so a typo is never silently 0).
std::pair<std::string, double> ParseOptionAssignment(const std::string& assignment);

}  // namespace taifeng::core
