// The spatial index's gathering rounds (matcher.h): storms are handed to the search in rounds
// from the 1-degree grid of points, nearest cells first, while their bound is within a budget
// that grows to the K-th best score.
#include <algorithm>
#include <cmath>
#include <limits>
#include <span>

#include "match_search.h"

namespace taifeng::core::match_detail {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Lower bounds of a storm's score from its ranges: the terms' storm bounds, and (before the storm
// is looked up) the wind and pressure ranges the grid keeps in its cell entries.
class RangeBounds {
 public:
  RangeBounds(const std::vector<TrackPoint>& live, const MatchOptions& o) : o_(o) {
    for (const TrackPoint& p : live) {
      if (!std::isnan(p.wind_ms)) wlo_ = std::min(wlo_, p.wind_ms), whi_ = std::max(whi_, p.wind_ms);
      if (!std::isnan(p.pressure_hpa)) plo_ = std::min(plo_, p.pressure_hpa), phi_ = std::max(phi_, p.pressure_hpa);
    }
  }
  // Wind and pressure from the rounded ranges of a cell entry (no look-up).
  double Entry(const MatchIndex::CellEntry& e) const {
    return Range(wlo_, whi_, e.WindLo(), e.WindHi(), o_.w_wind, o_.scale_wind_ms) +
           Range(plo_, phi_, e.PressureLo(), e.PressureHi(), o_.w_pressure, o_.scale_pressure_hpa);
  }
  // Every term's storm bound (its column in the terms table): from the storm's exact ranges.
  double Storm(const BoundView& view, std::size_t s) const {
    double bound = 0.0;
    for (const ScoreTerm& t : ScoreTerms())
      if (t.storm_bound && o_.*t.weight != 0.0) bound += LowerCost(t, t.storm_bound(view, s), o_);
    return bound;
  }
  // The part of the wind term that grows down a cell's list (storms whose strongest wind falls
  // short of the live track's weakest); a lower bound of the wind term, non-decreasing in the list.
  double Shortfall(double storm_hi) const {
    if (o_.w_wind == 0.0 || wlo_ > whi_) return 0.0;
    return o_.w_wind * std::min(std::max(0.0, wlo_ - storm_hi) / o_.scale_wind_ms, o_.missing_term_cost);
  }

 private:
  // A mean absolute difference over the known pairs is at least the gap between the live range
  // and the storm's range; no known live value: no bound; no known storm value: the missing cost.
  double Range(double lo, double hi, double storm_lo, double storm_hi, double w, double scale) const {
    if (w == 0.0 || lo > hi) return 0.0;
    const double gap = storm_lo > storm_hi ? kInf : std::max({0.0, storm_lo - hi, lo - storm_hi});
    return w * std::min(gap / scale, o_.missing_term_cost);
  }
  const MatchOptions& o_;
  double wlo_ = kInf, whi_ = -kInf, plo_ = kInf, phi_ = -kInf;
};

struct Pending {
  double cell_bound, bound;  // bound: with the rounded ranges, or exact (with the season) once `exact`
  std::size_t storm;
  bool exact;
};

}  // namespace

// lower_bound(s, cell) is at most the score of any segment of storm s that has a point in the
// cell. A storm's bound is the same in all its cells but for the cell's position bound, so it is
// final in the first (nearest) cell the walk meets it in.
std::int64_t MatchSearch::GatherRounds() {
  const RangeBounds ranges(live_, o_);
  const double per_chord = o_.w_position * kChordSafety * kEarthRadiusKm / o_.scale_position_km;
  std::vector<std::pair<double, std::uint32_t>> cells(index_.cell_count());
  for (std::size_t c = 0; c < cells.size(); ++c) {
    double chord = kInf;
    for (const auto& u : live_unit_) chord = std::min(chord, Chord(u, index_.cell_centre(c)));
    cells[c] = {per_chord * std::max(0.0, chord - index_.cell_radius(c)), static_cast<std::uint32_t>(c)};
  }
  std::sort(cells.begin(), cells.end());
  std::vector<Pending> pending;  // storms met and not yet searched
  std::vector<std::uint8_t> seen(index_.storm_count(), 0);
  std::vector<std::size_t> batch;
  std::vector<std::size_t> cursor;  // per cell met (in `cells` order): entries taken so far
  std::size_t next_cell = 0;
  std::int64_t gathered = 0;
  double budget = 0.25;  // score units; grows to the K-th best score
  for (;;) {
    for (; next_cell < cells.size() && cells[next_cell].first <= budget; ++next_cell) cursor.push_back(0);
    // In each cell within budget, take entries (strongest first) while the wind shortfall alone
    // keeps them within budget; the rest wait for a larger budget.
    for (std::size_t ci = 0; ci < next_cell; ++ci) {
      const double cell_bound = cells[ci].first;
      const std::span<const MatchIndex::CellEntry> entries = index_.cell_storms(cells[ci].second);
      for (; cursor[ci] < entries.size(); ++cursor[ci]) {
        const MatchIndex::CellEntry& entry = entries[cursor[ci]];
        if (cell_bound + ranges.Shortfall(entry.WindHi()) > budget) break;
        if (seen[entry.storm]) continue;
        seen[entry.storm] = 1;
        pending.push_back({cell_bound, cell_bound + ranges.Entry(entry), entry.storm, false});
      }
    }
    batch.clear();
    std::size_t kept = 0;
    for (Pending& p : pending) {
      if (p.bound <= budget && !p.exact) {
        p.bound = std::max(p.bound, p.cell_bound + ranges.Storm(view_, p.storm));
        p.exact = true;
      }
      if (p.bound <= budget) batch.push_back(p.storm);
      else pending[kept++] = p;
    }
    pending.resize(kept);
    gathered += static_cast<std::int64_t>(batch.size());
    if (!batch.empty()) Search(batch);
    bool exhausted = next_cell == cells.size() && pending.empty();
    for (std::size_t ci = 0; exhausted && ci < next_cell; ++ci) exhausted = cursor[ci] == index_.cell_storms(cells[ci].second).size();
    if (failure_ || exhausted || std::isinf(budget)) break;
    // A storm not searched has a bound above `budget` (met, pending), or lies in cells whose
    // position bound is above it, or past a cursor where the wind shortfall puts it above it (not
    // met): a score above it.
    const double t = threshold_.load();
    if (t <= budget) break;
    budget = std::isfinite(t) ? std::max(t, budget * (1.0 + 1e-9)) : 2.0 * budget;
  }
  return gathered;
}

}  // namespace taifeng::core::match_detail
