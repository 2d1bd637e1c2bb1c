// Private to the matcher: one Match call's search (matcher.h describes the method). The live
// segment's precomputed geometry, the shared top K and its threshold, the bounds of storms and
// blocks of segment ends (match_search.cpp), and the spatial index's gathering rounds
// (match_gather.cpp).
// Thread safety: one MatchSearch per Match call; its OpenMP loops share the top K under a mutex
// and the threshold as an atomic.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <exception>
#include <mutex>
#include <vector>

#include "match_internal.h"
#include "taifeng/core/matcher.h"

namespace taifeng::core::match_detail {

class MatchSearch {
 public:
  MatchSearch(const MatchIndex& index, const std::vector<TrackPoint>& live, const MatchOptions& options, const MatchFilter& filter,
              std::size_t forecast_points);

  // Searches every storm in one batch (brute force, or small archives), or in rounds gathered
  // from the spatial index. Rethrows the first failure of a parallel loop.
  void Run();
  MatchResult Result() const;

 private:
  struct Visit {
    double bound;
    std::size_t storm;
    std::size_t blocks;  // this storm's first end-block bound in block_bounds_
  };
  // Per thread of the search loop.
  struct Local {
    std::int64_t segments = 0, exact = 0;
    std::vector<double> cost;     // per term (table order): its cost's bound, or exact cost, for this segment
    TermValues known;             // the expensive terms computed exactly on the way ...
    std::uint32_t known_mask = 0; // ... one bit per table row
  };

  Motion CandMotion(std::size_t e, Segment cand) const;
  bool Eligible(std::size_t s) const;  // the filter's storm conditions
  // Lower bound of the score of the segments ending in [e0, e0 + kCapBlock) of storm s.
  double EndBlockBound(std::size_t s, std::size_t e0) const;
  // Bounds every block of segment ends of the batch's eligible storms; fills order_, nearest first.
  void BoundBatch(const std::vector<std::size_t>& batch);
  // The storm's best segment that can still enter the top K (score +inf when none).
  Candidate BestSegment(const Visit& v, Local& local) const;
  // True when the segment cannot beat `best` or the K-th best (progressive bounds from the terms
  // table); otherwise local.known holds the expensive terms it computed exactly on the way.
  bool Hopeless(const SegmentView& seg, const Candidate& best, Local& local) const;
  void Search(const std::vector<std::size_t>& batch);
  std::int64_t GatherRounds();  // match_gather.cpp; returns the storms gathered

  const MatchIndex& index_;
  const data::Archive& archive_;
  const std::vector<TrackPoint>& live_;
  const MatchOptions& o_;
  const MatchFilter& filter_;
  const std::size_t forecast_points_, n_, k_;
  std::vector<std::array<float, 3>> live_unit_;
  Segment live_seg_;
  Motion live_motion_;
  std::vector<double> live_to_end_;
  double live_doy_;
  BoundView view_;  // of the members above, for the terms' bounds

  std::atomic<double> threshold_{std::numeric_limits<double>::infinity()};
  std::atomic<std::int64_t> segments_{0}, exact_{0};
  std::int64_t gathered_ = 0;
  std::mutex failure_mutex_;  // guards failure_
  std::exception_ptr failure_;
  // One shared top K (pushes are rare: only storms that beat the current K-th best), so every
  // thread prunes against the true K-th best so far; it persists across gathering rounds.
  TopK shared_;
  std::mutex top_mutex_;
  std::vector<double> block_bounds_;
  std::vector<Visit> candidates_, order_;
};

}  // namespace taifeng::core::match_detail
