// The score terms: one table (ScoreTerms) drives the exact score, Validate, the CLI's --set names
// and the JSON breakdown.
#include <array>
#include <cmath>
#include <cstdio>
#include <string>

#include "match_internal.h"
#include "taifeng/base/error.h"

namespace taifeng::core {

using match_detail::Term;

namespace {

const std::array<ScoreTerm, 9> kScoreTerms{{
    {"position", &MatchOptions::w_position, &MatchOptions::scale_position_km, &TermValues::position_km, "km", "scale_position_km"},
    {"shape", &MatchOptions::w_shape, &MatchOptions::scale_shape_km, &TermValues::shape_km, "km", "scale_shape_km"},
    {"tsai", &MatchOptions::w_tsai, &MatchOptions::scale_tsai_km, &TermValues::tsai_km, "km", "scale_tsai_km"},
    {"dtw", &MatchOptions::w_dtw, &MatchOptions::scale_dtw_km, &TermValues::dtw_km, "km", "scale_dtw_km"},
    {"wind", &MatchOptions::w_wind, &MatchOptions::scale_wind_ms, &TermValues::wind_ms, "m/s", "scale_wind_ms"},
    {"pressure", &MatchOptions::w_pressure, &MatchOptions::scale_pressure_hpa, &TermValues::pressure_hpa, "hPa", "scale_pressure_hpa"},
    {"speed", &MatchOptions::w_speed, &MatchOptions::scale_speed_kmh, &TermValues::speed_kmh, "km/h", "scale_speed_kmh"},
    {"heading", &MatchOptions::w_heading, &MatchOptions::scale_heading_deg, &TermValues::heading_deg, "deg", "scale_heading_deg"},
    {"season", &MatchOptions::w_season, &MatchOptions::scale_season_days, &TermValues::season_days, "days", "scale_season_days"},
}};

// The exact score of computed term values: the sum over the table.
double SumTerms(const TermValues& t, const MatchOptions& o) {
  double score = 0.0;
  for (const ScoreTerm& term : kScoreTerms) score += Term(t.*term.value, o.*term.weight, o.*term.scale, o.missing_term_cost);
  return score;
}

}  // namespace

namespace match_detail {

double ScoreWith(Segment live, Segment cand, const Motion& live_motion, const Motion& cand_motion,
                 const MatchOptions& o, TermValues* terms, const double* position_km, const double* shape_km) {
  TermValues t;
  const bool all = terms != nullptr && o.explain_all_terms;
  t.position_km = position_km ? *position_km : (all || o.w_position != 0) ? MeanSeparationKm(live, cand) : kNaN;
  t.shape_km = shape_km ? *shape_km : (all || o.w_shape != 0) ? ShapeSeparationKm(live, cand) : kNaN;
  t.tsai_km = (all || o.w_tsai != 0) ? TsaiKm(live, cand) : kNaN;
  t.dtw_km = (all || o.w_dtw != 0) ? DtwSeparationKm(live, cand, o.dtw_band) : kNaN;
  t.wind_ms = WindDifferenceMs(live, cand);
  t.pressure_hpa = PressureDifferenceHpa(live, cand);
  t.speed_kmh = SpeedDifferenceKmh(live_motion, cand_motion);
  t.heading_deg = HeadingDifferenceDeg(live_motion, cand_motion);
  t.season_days = SeasonDifferenceDays(live.back().time_utc, cand.back().time_utc);
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
