// Private to the matcher (matcher.cpp, match_terms.cpp, match_search.cpp, match_gather.cpp): the
// geometry of unit vectors and chords, the score terms, and the top-K of the search.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <limits>
#include <vector>

#include "taifeng/core/matcher.h"

namespace taifeng::core::match_detail {

inline constexpr std::int64_t kStep = 6 * 3600;
inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Mean Earth radius (IUGG), and the factor that keeps chord * radius below the WGS-84 geodesic
// distance (chord <= arc; sphere vs ellipsoid differ by < 0.6 %).
inline constexpr double kEarthRadiusKm = 6371.0088;
inline constexpr double kChordSafety = 0.985;
// ScoreTerm::bound_pass runs from 0 to this (checked on the table at compile time).
inline constexpr int kLastBoundPass = 1;

inline std::array<float, 3> UnitVector(double lat_deg, double lon_deg) {
  const double lat = lat_deg * M_PI / 180.0, lon = lon_deg * M_PI / 180.0;
  return {static_cast<float>(std::cos(lat) * std::cos(lon)), static_cast<float>(std::cos(lat) * std::sin(lon)),
          static_cast<float>(std::sin(lat))};
}

inline double Chord(const std::array<float, 3>& u, const std::array<float, 3>& v) {
  const double dx = u[0] - v[0], dy = u[1] - v[1], dz = u[2] - v[2];
  return std::sqrt(dx * dx + dy * dy + dz * dz);
}

// Upper bound of the geodesic distance for a chord of the unit sphere (see kChordSafety).
inline double ChordUpperKm(double chord) {
  const double arc = chord <= 1.0 ? chord * (1.0 + chord * chord / 20.0) : 2.0 * std::asin(std::min(chord / 2.0, 1.0));
  return 1.01 * kEarthRadiusKm * arc;
}

// weight * value / scale; a term that cannot be computed (NaN) costs `missing_cost` scale units.
inline double Term(double value, double weight, double scale, double missing_cost) {
  if (weight == 0.0) return 0.0;
  return std::isnan(value) ? weight * missing_cost : weight * value / scale;
}

// The lower cost of a term whose value is at least `lb` (ScoreTerm's bounds): a term that may be
// missing costs at most `missing_term_cost`, so its bound is capped there.
inline double LowerCost(const ScoreTerm& t, double lb, const MatchOptions& o) {
  const double w = o.*t.weight;
  if (w == 0.0) return 0.0;
  const double units = lb / (o.*t.scale);
  return w * (t.always_known ? units : std::min(units, o.missing_term_cost));
}

// What a term's bounds read: the live segment as the search precomputed it, and the index.
struct BoundView {
  const MatchIndex& index;
  Segment live;
  const Motion& live_motion;
  const std::vector<std::array<float, 3>>& live_unit;  // unit vectors of the live points
  const std::vector<double>& live_to_end_km;           // geodesic distance of each live point to the last
  double live_doy;                                     // day of year of the live end
};

// The archive segment ending at point `end` of MatchIndex::points().
struct SegmentView {
  std::size_t end;
  Segment cand;
  const Motion& cand_motion;
};

// Calls f(block) for the point blocks of storm s met by live point i in the segments ending in
// [first_end, first_end + kCapBlock): points [first_end - n + 1 + i, first_end - n + kCapBlock + i],
// at most two blocks.
template <class F>
void ForMetBlocks(const MatchIndex& index, std::size_t s, std::size_t first_end, std::size_t n, std::size_t i, F&& f) {
  constexpr std::size_t kCap = MatchIndex::kCapBlock;
  const std::size_t b0 = index.begin(s), last = index.end(s) - 1;
  const std::size_t lo = first_end + i - (n - 1), hi = std::min(lo + kCap - 1, last);
  for (std::size_t blk = (lo - b0) / kCap; blk <= (hi - b0) / kCap; ++blk) f(index.block_begin(s) + blk);
}

// The score with the end motions given (from the index for archive segments of >= 3 points).
// Terms whose bit (table index) is set in `known_mask` take their value from `known` (computed
// exactly by the search already). The sum over ScoreTerms() (match_terms.cpp).
double ScoreWith(Segment live, Segment cand, const Motion& live_motion, const Motion& cand_motion, const MatchOptions& o,
                 TermValues* terms, const TermValues* known = nullptr, std::uint32_t known_mask = 0);

struct Candidate {
  double score = std::numeric_limits<double>::infinity();
  std::size_t storm = 0;
  std::size_t end = 0;  // index of the segment's last point in MatchIndex::points()
};

inline bool Better(const Candidate& a, const Candidate& b) {
  if (a.score != b.score) return a.score < b.score;
  if (a.storm != b.storm) return a.storm < b.storm;
  return a.end < b.end;
}

// Keeps the best K candidates (distinct storms: callers push at most one per storm).
class TopK {
 public:
  explicit TopK(std::size_t k) : k_(k) {}
  void Push(const Candidate& c) {
    items_.push_back(c);
    std::sort(items_.begin(), items_.end(), Better);
    if (items_.size() > k_) items_.pop_back();
  }
  // The score a candidate must beat (or tie) to enter; +inf until full.
  double Threshold() const { return items_.size() < k_ ? std::numeric_limits<double>::infinity() : items_.back().score; }
  const std::vector<Candidate>& items() const { return items_; }

 private:
  std::size_t k_;
  std::vector<Candidate> items_;
};

inline void AtomicMin(std::atomic<double>& target, double value) {
  double current = target.load(std::memory_order_relaxed);
  while (value < current && !target.compare_exchange_weak(current, value, std::memory_order_relaxed)) {
  }
}

}  // namespace taifeng::core::match_detail
