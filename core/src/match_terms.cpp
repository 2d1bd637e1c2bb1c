// The score terms: one table (ScoreTerms) drives the exact score, Validate, the CLI's --set names
// and the JSON breakdown.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "match_internal.h"
#include "taifeng/base/error.h"

namespace taifeng::core {

using match_detail::Term;

namespace {

// Each term's function, as the table calls it.
double Position(const TermInputs& x) { return MeanSeparationKm(x.live, x.cand); }
double Shape(const TermInputs& x) { return ShapeSeparationKm(x.live, x.cand); }
double Tsai(const TermInputs& x) { return TsaiKm(x.live, x.cand); }
double Dtw(const TermInputs& x) { return DtwSeparationKm(x.live, x.cand, x.options.dtw_band); }
double Wind(const TermInputs& x) { return WindDifferenceMs(x.live, x.cand); }
double Pressure(const TermInputs& x) { return PressureDifferenceHpa(x.live, x.cand); }
double Speed(const TermInputs& x) { return SpeedDifferenceKmh(x.live_motion, x.cand_motion); }
double Heading(const TermInputs& x) { return HeadingDifferenceDeg(x.live_motion, x.cand_motion); }
double Season(const TermInputs& x) { return SeasonDifferenceDays(x.live.back().time_utc, x.cand.back().time_utc); }

// ---- Lower bounds (ScoreTerm's bound columns; matcher.h describes the search) ----
constexpr double kInf = std::numeric_limits<double>::infinity();
using match_detail::BoundView;
using match_detail::SegmentView;

// How far x lies outside [lo, hi]: 0 for an unknown x; +inf when the range holds no known value.
double Gap(double x, double lo, double hi) {
  if (std::isnan(x)) return 0.0;
  if (lo > hi) return kInf;
  return std::max({0.0, lo - x, x - hi});
}

// A mean absolute difference over the known pairs is at least the gap between the live values'
// range and the storm's range (no known live value: no bound).
template <float MatchIndex::BlockRange::*Lo, float MatchIndex::BlockRange::*Hi, double TrackPoint::*Field>
double RangeStormBound(const BoundView& v, std::size_t s) {
  double lo = kInf, hi = -kInf;
  for (const TrackPoint& p : v.live)
    if (!std::isnan(p.*Field)) lo = std::min(lo, p.*Field), hi = std::max(hi, p.*Field);
  if (lo > hi) return 0.0;
  const MatchIndex::BlockRange& r = v.index.storm_range(s);
  if (r.*Lo > r.*Hi) return kInf;
  return std::max({0.0, r.*Lo - hi, lo - r.*Hi});
}

// ... and at least the smallest gap of one live point to the ranges of the blocks it meets.
template <float MatchIndex::BlockRange::*Lo, float MatchIndex::BlockRange::*Hi, double TrackPoint::*Field>
double RangeBlockBound(const BoundView& v, std::size_t s, std::size_t e0) {
  double bound = kInf;
  for (std::size_t i = 0; i < v.live.size(); ++i) {
    double lo = kInf, hi = -kInf;
    match_detail::ForMetBlocks(v.index, s, e0, v.live.size(), i, [&](std::size_t block) {
      const MatchIndex::BlockRange& r = v.index.block_range(block);
      lo = std::min<double>(lo, r.*Lo), hi = std::max<double>(hi, r.*Hi);
    });
    bound = std::min(bound, Gap(v.live[i].*Field, lo, hi));
  }
  return bound;
}

// Position: the chord to a point of a cap is at least chord-to-centre - radius; chord <= arc.
double PositionBlockBound(const BoundView& v, std::size_t s, std::size_t e0) {
  double chord_sum = 0.0;
  for (std::size_t i = 0; i < v.live.size(); ++i) {
    double best = kInf;
    match_detail::ForMetBlocks(v.index, s, e0, v.live.size(), i, [&](std::size_t cap) {
      best = std::min(best, std::max(0.0, match_detail::Chord(v.live_unit[i], v.index.cap_centre(cap)) - v.index.cap_radius(cap)));
    });
    chord_sum += best;
  }
  return match_detail::kChordSafety * match_detail::kEarthRadiusKm * chord_sum / static_cast<double>(v.live.size());
}
double PositionSegmentBound(const BoundView& v, const SegmentView& x) {
  const auto& unit = v.index.unit();
  const std::size_t first = x.end + 1 - v.live.size();
  double chord_sum = 0.0;
  for (std::size_t i = 0; i < v.live.size(); ++i) chord_sum += match_detail::Chord(unit[first + i], v.live_unit[i]);
  return match_detail::kChordSafety * match_detail::kEarthRadiusKm * chord_sum / static_cast<double>(v.live.size());
}

// Shape: by the triangle inequality at the live end point, |d(live_i, live_end) - d(cand_i, cand_end)| <= shape_i.
double ShapePointBound(const BoundView& v, const SegmentView& x, std::size_t i) {
  const auto& unit = v.index.unit();
  const double c = match_detail::Chord(unit[x.end + 1 - v.live.size() + i], unit[x.end]);
  const double low = match_detail::kChordSafety * match_detail::kEarthRadiusKm * c, high = match_detail::ChordUpperKm(c);
  return std::max({0.0, v.live_to_end_km[i] - high, low - v.live_to_end_km[i]});
}
double ShapeSegmentBound(const BoundView& v, const SegmentView& x) {
  const std::size_t n = v.live.size();
  double sum = 0.0;
  for (std::size_t i = 0; i + 1 < n; ++i) sum += ShapePointBound(v, x, i);
  return sum / static_cast<double>(n);
}
// Exact distances point by point (summed in ShapeSeparationKm's order), the rest still bounded.
double ShapeRefine(const BoundView& v, const SegmentView& x, double budget) {
  const std::size_t n = v.live.size();
  const double nd = static_cast<double>(n);
  double exact_sum = 0.0, rest = ShapeSegmentBound(v, x) * nd;
  for (std::size_t i = 0; i + 1 < n; ++i) {
    exact_sum += ShapeDistanceKm(v.live, x.cand, i);
    rest -= ShapePointBound(v, x, i);
    if (i + 2 < n && (exact_sum + std::max(rest, 0.0)) / nd > budget) return kInf;
  }
  return exact_sum / nd;
}

// Season: the day-of-year range of the storm, or of the block's end points.
double SeasonOutside(double doy, double lo, double hi) {
  if (doy >= lo && doy <= hi) return 0.0;
  return std::min(DayOfYearDifference(doy, lo), DayOfYearDifference(doy, hi));
}
double SeasonStormBound(const BoundView& v, std::size_t s) {
  const MatchIndex::BlockRange& r = v.index.storm_range(s);
  return SeasonOutside(v.live_doy, r.doy_lo, r.doy_hi);
}
double SeasonBlockBound(const BoundView& v, std::size_t s, std::size_t e0) {
  double lo = kInf, hi = -kInf;
  const std::size_t b0 = v.index.begin(s), last = v.index.end(s) - 1, cap = MatchIndex::kCapBlock;
  for (std::size_t blk = (e0 - b0) / cap; blk <= (std::min(e0 + cap - 1, last) - b0) / cap; ++blk) {
    const MatchIndex::BlockRange& r = v.index.block_range(v.index.block_begin(s) + blk);
    lo = std::min<double>(lo, r.doy_lo), hi = std::max<double>(hi, r.doy_hi);
  }
  return SeasonOutside(v.live_doy, lo, hi);
}

// The cheap terms' segment "bounds" are their exact values, from what the search precomputed.
double WindExact(const BoundView& v, const SegmentView& x) { return WindDifferenceMs(v.live, x.cand); }
double PressureExact(const BoundView& v, const SegmentView& x) { return PressureDifferenceHpa(v.live, x.cand); }
double SpeedExact(const BoundView& v, const SegmentView& x) { return SpeedDifferenceKmh(v.live_motion, x.cand_motion); }
double HeadingExact(const BoundView& v, const SegmentView& x) { return HeadingDifferenceDeg(v.live_motion, x.cand_motion); }
double SeasonExact(const BoundView& v, const SegmentView& x) { return DayOfYearDifference(v.live_doy, v.index.day_of_year()[x.end]); }

using O = MatchOptions;
using V = TermValues;
using R = MatchIndex::BlockRange;
// clang-format off
constexpr std::array<ScoreTerm, 9> kScoreTerms{{
    {.name = "position", .weight = &O::w_position, .scale = &O::scale_position_km, .value = &V::position_km, .unit = "km",
     .scale_option = "scale_position_km", .compute = &Position, .cheap = false,
     .block_bound = &PositionBlockBound, .segment_bound = &PositionSegmentBound, .always_known = true},
    {.name = "shape", .weight = &O::w_shape, .scale = &O::scale_shape_km, .value = &V::shape_km, .unit = "km",
     .scale_option = "scale_shape_km", .compute = &Shape, .cheap = false, .segment_bound = &ShapeSegmentBound,
     .refine = &ShapeRefine, .always_known = true, .bound_pass = 1},
    {.name = "tsai", .weight = &O::w_tsai, .scale = &O::scale_tsai_km, .value = &V::tsai_km, .unit = "km",
     .scale_option = "scale_tsai_km", .compute = &Tsai, .cheap = false},
    {.name = "dtw", .weight = &O::w_dtw, .scale = &O::scale_dtw_km, .value = &V::dtw_km, .unit = "km",
     .scale_option = "scale_dtw_km", .compute = &Dtw, .cheap = false},
    {.name = "wind", .weight = &O::w_wind, .scale = &O::scale_wind_ms, .value = &V::wind_ms, .unit = "m/s",
     .scale_option = "scale_wind_ms", .compute = &Wind, .cheap = true,
     .storm_bound = &RangeStormBound<&R::wind_lo, &R::wind_hi, &TrackPoint::wind_ms>,
     .block_bound = &RangeBlockBound<&R::wind_lo, &R::wind_hi, &TrackPoint::wind_ms>, .segment_bound = &WindExact},
    {.name = "pressure", .weight = &O::w_pressure, .scale = &O::scale_pressure_hpa, .value = &V::pressure_hpa, .unit = "hPa",
     .scale_option = "scale_pressure_hpa", .compute = &Pressure, .cheap = true,
     .storm_bound = &RangeStormBound<&R::pressure_lo, &R::pressure_hi, &TrackPoint::pressure_hpa>,
     .block_bound = &RangeBlockBound<&R::pressure_lo, &R::pressure_hi, &TrackPoint::pressure_hpa>, .segment_bound = &PressureExact},
    {.name = "speed", .weight = &O::w_speed, .scale = &O::scale_speed_kmh, .value = &V::speed_kmh, .unit = "km/h",
     .scale_option = "scale_speed_kmh", .compute = &Speed, .cheap = true, .segment_bound = &SpeedExact},
    {.name = "heading", .weight = &O::w_heading, .scale = &O::scale_heading_deg, .value = &V::heading_deg, .unit = "deg",
     .scale_option = "scale_heading_deg", .compute = &Heading, .cheap = true, .segment_bound = &HeadingExact},
    {.name = "season", .weight = &O::w_season, .scale = &O::scale_season_days, .value = &V::season_days, .unit = "days",
     .scale_option = "scale_season_days", .compute = &Season, .cheap = true,
     .storm_bound = &SeasonStormBound, .block_bound = &SeasonBlockBound, .segment_bound = &SeasonExact, .always_known = true},
}};
// clang-format on
static_assert(kScoreTerms.size() <= 32, "ScoreWith's known_mask has one bit per term");
static_assert(std::ranges::all_of(kScoreTerms, [](const ScoreTerm& t) { return t.bound_pass >= 0 && t.bound_pass <= match_detail::kLastBoundPass; }),
              "a bound_pass the search does not run");

// The exact score of computed term values: the sum over the table.
double SumTerms(const TermValues& t, const MatchOptions& o) {
  double score = 0.0;
  for (const ScoreTerm& term : kScoreTerms) score += Term(t.*term.value, o.*term.weight, o.*term.scale, o.missing_term_cost);
  return score;
}

}  // namespace

namespace match_detail {

double ScoreWith(Segment live, Segment cand, const Motion& live_motion, const Motion& cand_motion, const MatchOptions& o,
                 TermValues* terms, const TermValues* known, std::uint32_t known_mask) {
  TermValues t;
  const bool all = terms != nullptr && o.explain_all_terms;
  const TermInputs inputs{live, cand, live_motion, cand_motion, o};
  for (std::size_t i = 0; i < kScoreTerms.size(); ++i) {
    const ScoreTerm& term = kScoreTerms[i];
    // Values the search already computed exactly are not computed again.
    if (known && (known_mask & (1u << i))) t.*term.value = known->*term.value;
    else t.*term.value = (term.cheap || all || o.*term.weight != 0) ? term.compute(inputs) : kNaN;
  }
  const double score = SumTerms(t, o);
  if (terms) *terms = t;
  return score;
}
}  // namespace match_detail

double Score(Segment live, Segment cand, const MatchOptions& o, TermValues* terms) {
  return match_detail::ScoreWith(live, cand, EndMotion(live), EndMotion(cand), o, terms);
}

std::span<const ScoreTerm> ScoreTerms() { return kScoreTerms; }

void Validate(const MatchOptions& o) {
  auto number = [](double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return std::string(buf);
  };
  auto refuse = [](const std::string& option, const std::string& expected) {
    throw Error(ErrorCode::kInvalidArgument, "match option " + option + ": " + expected);
  };
  for (const ScoreTerm& t : kScoreTerms) {
    const double w = o.*t.weight, sc = o.*t.scale;
    if (!std::isfinite(w) || w < 0) refuse("w_" + std::string(t.name) + "=" + number(w), "a weight >= 0 (0 turns the term off)");
    if (!std::isfinite(sc) || sc <= 0)
      refuse(std::string(t.scale_option) + "=" + number(sc), "a scale > 0 in " + std::string(t.unit));
  }
  if (!std::isfinite(o.missing_term_cost) || o.missing_term_cost < 0) refuse("missing_term_cost", "a cost >= 0 in scale units");
  if (o.top_k < 1) refuse("top_k", "at least 1");
  if (o.window_h < 6 || o.window_h % 6 != 0) refuse("window_h", "a multiple of 6 h, at least 6");
  if (o.dtw_band < 0) refuse("dtw_band", "at least 0 points");
  if (o.next_h < 0) refuse("next_h", "at least 0 h");
}

}  // namespace taifeng::core
