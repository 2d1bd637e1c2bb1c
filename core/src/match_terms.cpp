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

using O = MatchOptions;
using V = TermValues;
const std::array<ScoreTerm, 9> kScoreTerms{{
    {"position", &O::w_position, &O::scale_position_km, &V::position_km, "km", "scale_position_km", &Position, false},
    {"shape", &O::w_shape, &O::scale_shape_km, &V::shape_km, "km", "scale_shape_km", &Shape, false},
    {"tsai", &O::w_tsai, &O::scale_tsai_km, &V::tsai_km, "km", "scale_tsai_km", &Tsai, false},
    {"dtw", &O::w_dtw, &O::scale_dtw_km, &V::dtw_km, "km", "scale_dtw_km", &Dtw, false},
    {"wind", &O::w_wind, &O::scale_wind_ms, &V::wind_ms, "m/s", "scale_wind_ms", &Wind, true},
    {"pressure", &O::w_pressure, &O::scale_pressure_hpa, &V::pressure_hpa, "hPa", "scale_pressure_hpa", &Pressure, true},
    {"speed", &O::w_speed, &O::scale_speed_kmh, &V::speed_kmh, "km/h", "scale_speed_kmh", &Speed, true},
    {"heading", &O::w_heading, &O::scale_heading_deg, &V::heading_deg, "deg", "scale_heading_deg", &Heading, true},
    {"season", &O::w_season, &O::scale_season_days, &V::season_days, "days", "scale_season_days", &Season, true},
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
  const TermInputs inputs{live, cand, live_motion, cand_motion, o};
  for (const ScoreTerm& term : kScoreTerms) {
    // Values the search's bounds already computed exactly are not computed again.
    if (term.value == &TermValues::position_km && position_km) t.position_km = *position_km;
    else if (term.value == &TermValues::shape_km && shape_km) t.shape_km = *shape_km;
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
