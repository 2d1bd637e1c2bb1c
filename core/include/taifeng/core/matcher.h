// The track-matching engine: finds the historical storms whose track segments behaved most like
// the live track's last `window_h` hours.
//
// Archive tracks are resampled once to a regular 6-hourly series (MatchIndex); the live track is
// resampled the same way, ending at its last fix. Every same-length segment of every archive storm
// is a candidate (not only storms' beginnings); each storm contributes at most its best segment.
//
// Score = sum over terms of weight * term / scale (MatchOptions), lower is better; a term that
// cannot be computed (unknown wind, stationary storm) costs `missing_term_cost` scale units.
// Gathering: storms are handed to the search in rounds, from a 1-degree grid of the points (the
// spatial index). A storm's score is at least the position term of its nearest grid cell to the
// live track (every candidate point is at least that far from every live point) plus the wind,
// pressure and season terms of its lifetime ranges. Round r gathers the storms whose such bound is
// at most a budget B; once the K-th best score T is known the next budget is T, and the search stops
// when T <= B: no storm left out can enter. So the search touches the storms near the live track
// and of similar intensity and season, not the whole archive.
// Search: every 8 consecutive points of a storm lie in a spherical cap, so by the triangle
// inequality on chords a block of 8 segment ends has a lower bound on its position term; storms are
// visited in order of their best block, and a block (or storm) whose bound exceeds the K-th best
// score so far is skipped whole (the bounds are columns of the terms table, ScoreTerm). Then per
// candidate segment a rigorous lower bound on the score (chord distance of
// precomputed unit vectors, which never exceeds the geodesic distance once scaled by 0.99, plus
// the exact non-geometric terms) is compared with the K-th best exact score found so far; only
// segments that could still enter the top K are scored exactly with PROJ geodesics. The result is
// identical to scoring every segment (tested), and identical for any number of OpenMP threads
// (ties are broken by storm index, then segment end time).
// Thread safety: MatchIndex is immutable after Build and may be shared by concurrent Match calls.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "taifeng/core/similarity.h"
#include "taifeng/data/archive.h"
#include "taifeng/data/forecast.h"

namespace taifeng::core {

struct MatchOptions;
struct TermValues;
namespace match_detail {
struct BoundView;    // the live segment as the search precomputed it, and the index (match_internal.h)
struct SegmentView;  // one archive segment under the search
}  // namespace match_detail

// One term of the score: weight * value / scale (MatchOptions' fields), `missing_term_cost` scale
// units when the value cannot be computed. The table drives the exact score, Validate, the CLI's
// --set names (w_<name>, scale_<name>), the breakdown and every lower bound of the pruned search;
// a new term is one row in match_terms.cpp plus its value in TermValues and its function in
// similarity.h. Its bounds are optional columns: a term without one is bounded by 0 (the search
// stays exact, it only prunes less).
// What a term's function is given: the aligned segments, their end motions and the options.
struct TermInputs {
  Segment live, cand;
  const Motion& live_motion;
  const Motion& cand_motion;
  const MatchOptions& options;
};

struct ScoreTerm {
  std::string_view name;        // "position", "shape", …
  double MatchOptions::*weight;  // dimensionless, >= 0
  double MatchOptions::*scale;   // in `unit`, > 0
  double TermValues::*value;     // in `unit`; NaN = not computable
  std::string_view unit;         // "km", "m/s", …
  std::string_view scale_option; // the scale's option name, e.g. "scale_position_km"
  double (*compute)(const TermInputs&);  // the term's value (similarity.h)
  bool cheap;                    // computed for every candidate's breakdown even when its weight is 0
  // Lower bounds of the value, in `unit` (match_terms.cpp; null = 0). +inf: no pair of known values
  // (the term is then missing and costs `missing_term_cost`).
  // - storm: any segment of the storm (from its lifetime ranges), for the gathering rounds;
  // - block: any segment ending in the block of MatchIndex::kCapBlock ends starting at `first_end`;
  // - segment: one segment, before its exact value; a cheap term returns its exact value (NaN:
  //   missing), an expensive one a bound that is never NaN. Expensive terms are then computed
  //   exactly in table order while the segment can still enter the top K.
  double (*storm_bound)(const match_detail::BoundView&, std::size_t storm) = nullptr;
  double (*block_bound)(const match_detail::BoundView&, std::size_t storm, std::size_t first_end) = nullptr;
  double (*segment_bound)(const match_detail::BoundView&, const match_detail::SegmentView&) = nullptr;
  // The exact value (bit for bit `compute`'s), worked out progressively: +inf as soon as it is sure
  // to exceed `budget` (in `unit`). Null: `compute`.
  double (*refine)(const match_detail::BoundView&, const match_detail::SegmentView&, double budget) = nullptr;
  bool always_known = false;  // never NaN (positions and times are always known): bounds need no cap
  // Segment bounds are checked pass by pass (0 first), in table order within a pass: a cheap,
  // strong bound early, a costlier one (the shape's n chords) once the cheap ones are in.
  int bound_pass = 0;
};
std::span<const ScoreTerm> ScoreTerms();

struct MatchOptions {
  int window_h = 24;               // live segment length, hours (multiple of 6). Default to be set by verification.
  int top_k = 10;                  // analogs returned
  int next_h = 120;                // how far "what it did next" reaches, hours
  int dtw_band = 2;                // DTW band, points
  double missing_term_cost = 1.0;  // cost of an incomputable term, in scale units

  // Weights (dimensionless) and scales (the term value that costs 1 weight unit).
  double w_position = 1.0, scale_position_km = 300.0;
  double w_shape = 1.0, scale_shape_km = 150.0;
  double w_tsai = 0.0, scale_tsai_km = 300.0;
  double w_dtw = 0.0, scale_dtw_km = 300.0;
  double w_wind = 0.5, scale_wind_ms = 10.0;  // 10-minute equivalent winds
  double w_pressure = 0.5, scale_pressure_hpa = 15.0;
  double w_speed = 0.3, scale_speed_kmh = 10.0;
  double w_heading = 0.3, scale_heading_deg = 45.0;
  double w_season = 0.2, scale_season_days = 30.0;
  // Further terms (rainfall, hazard issue) add a weight, a scale and a field in TermValues.

  bool prune = true;  // false: score every segment exactly (brute force, for tests and checks)
  // Archives with fewer storms are searched in one batch without the spatial index's rounds, which
  // cost more than they save there (CMA's 2,469 storms: 1.8 ms in one batch, 2.2 ms in rounds).
  std::size_t gather_min_storms = 10000;
  // Also compute the zero-weight geometric terms (TSAI, DTW…) for the returned analogs' breakdown
  // (TermValues); otherwise they are NaN there. Costs ~0.5 ms per analog. The CLI turns it on.
  bool explain_all_terms = false;
};

// Throws Error(kInvalidArgument) naming the option when a weight is negative or not finite, a
// scale is not positive, missing_term_cost is negative, top_k < 1, window_h is not a positive
// multiple of 6, dtw_band < 0 or next_h < 0. Match calls it; pruning is exact only for valid options.
void Validate(const MatchOptions& options);

// Which archive storms and times may be candidates.
struct MatchFilter {
  int first_season = 0, last_season = 0;   // 0 = unbounded
  std::set<std::string> agencies;          // empty = all
  unsigned months_mask = 0;                // bit m-1 set = month m allowed (at the candidate's "now"); 0 = all
  double min_max_wind_ms = 0.0;            // storm's lifetime max wind (10-min equivalent)
  std::set<std::string> exclude;           // storm ids
  std::set<int> exclude_seasons;           // leave-one-season-out verification
  std::optional<std::int64_t> before_utc;  // nothing after this time is visible (replays)
};

struct TermValues {
  double position_km = 0, shape_km = 0, tsai_km = 0, dtw_km = 0, wind_ms = 0, pressure_hpa = 0, speed_kmh = 0,
         heading_deg = 0, season_days = 0;  // NaN = not computable
};

struct Analog {
  std::size_t storm = 0;  // index in the archive
  std::string id, name, agency;
  int season = 0;
  double score = 0.0;
  TermValues terms;
  std::int64_t matched_utc = 0;     // the candidate's time aligned with the live "now"
  std::vector<TrackPoint> matched;  // the candidate segment (observed and forecast span)
  std::vector<TrackPoint> next;     // what the storm did next, from the matched point to +next_h
};

struct MatchResult {
  std::vector<Analog> analogs;       // best first
  std::int64_t segments = 0;         // candidate segments examined (not skipped whole with their block)
  std::int64_t scored_exactly = 0;   // of which scored with the full geodesic terms
  std::int64_t storms_gathered = 0;  // storms the spatial index handed to the search (of storm_count)
  std::vector<TrackPoint> live;      // the resampled live segment that was matched
};

// The archive resampled for matching. Immutable.
class MatchIndex {
 public:
  static std::shared_ptr<const MatchIndex> Build(std::shared_ptr<const data::Archive> archive);

  const data::Archive& archive() const { return *archive_; }
  // Bytes held by the index's own arrays (not the archive's).
  std::size_t MemoryBytes() const;
  std::size_t storm_count() const { return storm_begin_.size(); }
  std::int64_t point_count() const { return static_cast<std::int64_t>(points_.size()); }

  // Resampled points of storm i: [begin, end) into points().
  std::size_t begin(std::size_t i) const { return storm_begin_[i]; }
  std::size_t end(std::size_t i) const { return i + 1 < storm_begin_.size() ? storm_begin_[i + 1] : points_.size(); }
  const std::vector<TrackPoint>& points() const { return points_; }
  // For each point: unit vector on the sphere and whether it follows its predecessor without a gap.
  const std::vector<std::array<float, 3>>& unit() const { return unit_; }
  const std::vector<std::uint8_t>& continuous() const { return continuous_; }
  double max_wind_ms(std::size_t i) const { return max_wind_ms_[i]; }
  // For each point: EndMotion over the 12 h ending there (NaN with < 2 earlier points in its piece).
  const std::vector<Motion>& motion() const { return motion_; }
  const std::vector<double>& day_of_year() const { return day_of_year_; }  // DayOfYear per point
  // Spherical caps over blocks of kCapBlock consecutive points of a storm (blocks never span two
  // storms): unit centre and chord radius. Point p of storm i is in block
  // block_begin(i) + (p - begin(i)) / kCapBlock.
  static constexpr std::size_t kCapBlock = 8;
  std::size_t block_begin(std::size_t i) const { return block_begin_[i]; }
  const std::array<float, 3>& cap_centre(std::size_t block) const { return cap_centre_[block]; }
  double cap_radius(std::size_t block) const { return cap_radius_[block]; }
  // Per block: the range of the points' 10-min wind, pressure and day of year (NaN ignored; an
  // empty range has lo > hi).
  struct BlockRange {
    float wind_lo, wind_hi, pressure_lo, pressure_hi, doy_lo, doy_hi;
  };
  const BlockRange& block_range(std::size_t block) const { return block_range_[block]; }

  // The same ranges over the whole storm.
  const BlockRange& storm_range(std::size_t i) const { return storm_range_[i]; }

  // Spatial index: a 1-degree latitude-longitude grid; each non-empty cell c has a cap that holds
  // the whole cell (unit centre, chord radius) and lists the storms with a resampled point in it
  // (a storm that comes back to a cell may be listed again), with the storm's wind and pressure
  // ranges rounded outwards to whole units so that the search need not look the storm up.
  struct CellEntry {
    std::uint32_t storm;
    std::uint8_t wind_lo, wind_hi;          // m/s; wind_hi 255 = unbounded; lo > hi = no known value
    std::uint8_t pressure_lo, pressure_hi;  // hPa - 850; 0 = unbounded below, 254 = unbounded above
    // Decoded bounds; an empty range has lo > hi.
    double WindLo() const;
    double WindHi() const;
    double PressureLo() const;
    double PressureHi() const;
  };
  std::size_t cell_count() const { return cell_centre_.size(); }
  const std::array<float, 3>& cell_centre(std::size_t c) const { return cell_centre_[c]; }
  double cell_radius(std::size_t c) const { return cell_radius_[c]; }
  std::span<const CellEntry> cell_storms(std::size_t c) const {
    return {cell_storms_.data() + cell_start_[c], cell_start_[c + 1] - cell_start_[c]};
  }

 private:
  void BuildGrid();

  std::shared_ptr<const data::Archive> archive_;
  std::vector<std::size_t> storm_begin_;
  std::vector<TrackPoint> points_;
  std::vector<std::array<float, 3>> unit_;
  std::vector<std::uint8_t> continuous_;
  std::vector<double> max_wind_ms_;
  std::vector<Motion> motion_;
  std::vector<double> day_of_year_;
  std::vector<std::size_t> block_begin_;
  std::vector<std::array<float, 3>> cap_centre_;
  std::vector<double> cap_radius_;
  std::vector<BlockRange> block_range_;
  std::vector<BlockRange> storm_range_;
  std::vector<std::array<float, 3>> cell_centre_;  // per non-empty cell
  std::vector<double> cell_radius_;
  std::vector<std::size_t> cell_start_;  // cell c's storms: cell_storms_[cell_start_[c] .. cell_start_[c+1])
  std::vector<CellEntry> cell_storms_;
};

// Resamples fixes to 00/06/12/18 UTC, interpolating position (along the shorter way round),
// 10-minute-equivalent wind and pressure linearly between fixes at most `max_gap_h` apart. Points
// after a longer gap are marked as a new piece (continuous = 0). `wind_averaging` is the fixes'.
struct Resampled {
  std::vector<TrackPoint> points;
  std::vector<std::uint8_t> continuous;  // 0 at the first point of each piece
};
Resampled ResampleSixHourly(const std::vector<data::Fix>& fixes, data::WindAveraging wind_averaging,
                            double max_gap_h = 24.0);

// The live segment: the live track resampled, cut to the last window_h hours ending at its last
// 6-hourly point. Throws Error(kInvalidArgument) naming the problem when the live track has fewer
// points than the window needs, a gap inside the window, or unsorted/duplicate times.
std::vector<TrackPoint> LiveSegment(const data::Storm& live, int window_h);

// The live segment joined to an official forecast: the forecast resampled 6-hourly after the
// segment's last (observed) point, up to `forecast_h` hours or the forecast's reach, winds as
// 10-minute equivalents. Throws Error(kInvalidArgument) when the forecast has no position after
// the live segment's last time. The forecast part is the last (result.size() - live.size()) points.
std::vector<TrackPoint> JoinForecast(const std::vector<TrackPoint>& live, const data::ForecastTrack& forecast,
                                     int forecast_h);

// Finds the top-K analogs of `live` (a segment from LiveSegment, or JoinForecast with its last
// `forecast_points` points forecast: candidates are then compared over the observed and forecast
// span together, and an analog's matched time and "next" start at the point aligned with "now").
// Parallel with OpenMP.
MatchResult Match(const MatchIndex& index, const std::vector<TrackPoint>& live, const MatchOptions& options,
                  const MatchFilter& filter = {}, std::size_t forecast_points = 0);

// The exact score and its terms for one aligned pair (the definition used by Match). Terms with
// zero weight are NaN in `terms` unless options.explain_all_terms.
double Score(Segment live, Segment cand, const MatchOptions& options, TermValues* terms = nullptr);

}  // namespace taifeng::core
