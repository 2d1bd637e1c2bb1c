// Tropical-cyclone rain: the R-CLIPER rain-rate model, modelled accumulations along a track, and
// the rainfall-similarity term of the matching.
//
// R-CLIPER: Tuleya, DeMaria & Kuligowski (2007), "Evaluation of GFDL and simple statistical model
// rainfall forecasts for U.S. landfalling tropical storms", Wea. Forecasting 22, 56-70 (the
// bias-adjusted coefficients of their Table 1; Lonfat, Marks & Chen 2004 for the form). With
// U = 1 + (Vmax - 35 kt) / 33 kt (Vmax the 1-minute maximum sustained wind):
//   rate(r) = T0 + (Tm - T0) r / rm        for r < rm
//   rate(r) = Tm exp(-(r - rm) / re)       for r >= rm
//   T0 = -1.10 + 3.96 U, Tm = -1.60 + 4.80 U   (inch/day)
//   rm = 64.5 - 13.0 U, re = 150 - 16 U        (km)
// negative rates are 0. The model is symmetric and climatological: values it gives are labelled
// "modelled" everywhere in Taifeng, never "observed".
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "taifeng/core/matcher.h"
#include "taifeng/data/rain.h"
#include "taifeng/geo/geodesy.h"

namespace taifeng::core {

// R-CLIPER rain rate, mm/h, at r_km (>= 0) from the centre of a storm whose 1-minute maximum
// sustained wind is vmax_1min_ms. 0 for NaN wind.
double RCliperRateMmH(double r_km, double vmax_1min_ms) noexcept;

// The track at `step_s` intervals from its first to its last point: position, wind and pressure
// linear in time between neighbours (longitude the shorter way round), as ResampleSixHourly. Points further apart than max_gap_h are
// not bridged (the gap stays empty).
std::vector<TrackPoint> Interpolate(const std::vector<TrackPoint>& track, std::int64_t step_s, double max_gap_h = 12.0);

// The modelled grid Taifeng stores for every archive storm: South China and its seas, 15-30°N,
// 105-125°E, at 0.5° (R-CLIPER varies over ~100 km; finer cells would add size, not information).
data::RainGrid ModelledGridTemplate();

// Adds the R-CLIPER accumulation (mm) of `track` (10-minute winds) between from_utc and to_utc
// (hourly steps, each hour's rate at its midpoint) to the points (lat/lon pairs); values beyond
// cutoff_km from the centre are 0.
void AccumulateRCliper(const std::vector<TrackPoint>& track, std::int64_t from_utc, std::int64_t to_utc,
                       const std::vector<geo::LatLon>& points, std::vector<double>& mm, double cutoff_km = 600.0);

// The event-total R-CLIPER grid of archive storms (one layer each, kind "modelled"), on
// ModelledGridTemplate(); storms that put less than 1 mm anywhere on it are left out. Parallel.
data::RainGrid ModelledArchiveRain(const MatchIndex& index);

// The rain the live storm has had so far, at points (cells of an observed grid or rain-gauge
// sites), accumulated over [start_utc, end_utc).
struct LiveRain {
  std::vector<geo::LatLon> points;
  std::vector<double> mm;
  std::int64_t start_utc = 0, end_utc = 0;
};
// From observed grids of the live storm: cells with a value (not NaN) in every layer that ends by
// `now_utc`, summed; at most max_points cells (a regular subsample). Throws
// Error(kInvalidArgument) when no layer ends by now.
LiveRain LiveRainFromGrid(const data::RainGrid& grid, std::int64_t now_utc, std::size_t max_points = 4000);
// From a CSV of rain-gauge totals: header lat,lon,mm (degrees, mm) and one row per site, with the
// period given by the caller. Throws ParseError naming the line on bad rows.
LiveRain LiveRainFromCsv(const std::string& path, std::int64_t start_utc, std::int64_t end_utc);

// The rainfall similarity of an analog: its rain over the same points during the same stage
// (the same length of time ending at its matched time), observed where `observed` covers a point,
// R-CLIPER along its track elsewhere. Term = (1 - r) / 2 + |ln((A + 1) / (L + 1))|, where r is the
// Pearson correlation of the two fields over the points and A, L their mean depths (mm): 0 for
// the same pattern and volume. NaN when fewer than 3 points or both fields are flat.
double RainTerm(const LiveRain& live, const std::vector<double>& analog_mm) noexcept;
std::vector<double> AnalogStageRain(const MatchIndex& index, const Analog& analog, const LiveRain& live,
                                    const data::RainGrid* observed);

// Matching with rain: Match for rain_candidates × top_k analogs, then each score gains
// w_rain × RainTerm / scale_rain (missing_term_cost when NaN), and the top_k best are kept.
// `observed` maps archive storm index to its observed grid (may be empty).
struct RainMatchOptions {
  double w_rain = 1.0, scale_rain = 0.5;
  int rain_candidates = 3;
};
MatchResult MatchWithRain(const MatchIndex& index, const std::vector<TrackPoint>& live, const MatchOptions& options,
                          const MatchFilter& filter, const LiveRain& live_rain,
                          const std::vector<const data::RainGrid*>& observed, const RainMatchOptions& rain_options,
                          std::vector<double>* rain_terms = nullptr);

}  // namespace taifeng::core
