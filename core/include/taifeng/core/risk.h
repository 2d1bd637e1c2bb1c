// Return periods from a synthetic catalog: exceedance tables whose memory does not grow with the
// number of years, the empirical event rate (as STORM does: Bloemendaal et al. 2020, Sci. Data 7,
// 377), and a bootstrap interval over blocks of years.
//
// A table holds, for one site and one quantity (a wind in m/s, a rain in mm), the number of events
// whose value reached each bin's lower edge, kept per block of years (year mod blocks), so a
// bootstrap can resample blocks. Counts are integers: tables summed in any order (threads, MPI
// ranks) are bit-for-bit the same.
//
// Return level for a period T years: the event rate λ(x) = events with value >= x per year; the
// annual exceedance probability under a Poisson process p(x) = 1 - exp(-λ(x)); the level is where
// p(x) = 1/T, interpolated between bin edges linearly in x and logarithmically in λ. Below the
// first edge's rate: the first edge is not reached that often, so the level is "below" it; above
// the last: "at least" the last edge.
// Thread safety: values; a table is not safe to add to from two threads (one per thread, then Add).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace taifeng::core {

struct ReturnLevel {
  double period_years = 0;
  double level = 0;            // the quantity's unit (m/s, mm)
  enum class Bound { kExact, kBelowFirstEdge, kAtLeastLastEdge } bound = Bound::kExact;
  double low = 0, high = 0;    // the bootstrap interval (2.5 %, 97.5 %); = level when not bootstrapped
};

class ExceedanceTable {
 public:
  // Edges ascending (at least 1), `blocks` >= 1 (blocks of years for the bootstrap).
  // Throws Error(kInvalidArgument) otherwise.
  ExceedanceTable(std::vector<double> edges, int blocks = 1);

  // One event of `value` in season `year` (0-based within the catalog): every edge <= value counts
  // it. NaN and values below the first edge count nowhere.
  void AddEvent(double value, std::int64_t year) noexcept;
  // Sums another table's counts (same edges and blocks; else Error(kInvalidArgument)).
  void Add(const ExceedanceTable& other);

  const std::vector<double>& edges() const noexcept { return edges_; }
  int blocks() const noexcept { return blocks_; }
  // Events that reached edge i, over all blocks, or in block b.
  std::uint64_t Count(std::size_t edge) const noexcept;
  std::uint64_t Count(std::size_t edge, int block) const noexcept { return counts_[static_cast<std::size_t>(block) * edges_.size() + edge]; }
  // The raw counts, block-major ([block][edge]), for writing and for MPI reductions.
  std::vector<std::uint64_t>& counts() noexcept { return counts_; }
  const std::vector<std::uint64_t>& counts() const noexcept { return counts_; }

 private:
  std::vector<double> edges_;
  int blocks_ = 1;
  std::vector<std::uint64_t> counts_;
};

// The level for `period_years` (> 1) from counts per edge over `years` (> 0) years of catalog.
ReturnLevel LevelFromCounts(const std::vector<double>& edges, const std::vector<std::uint64_t>& counts, double years, double period_years);

// The level with a bootstrap interval: `resamples` draws of the table's blocks with replacement
// (seeded: deterministic), each block standing for years / blocks years. resamples = 0: no interval.
ReturnLevel LevelWithInterval(const ExceedanceTable& table, double years, double period_years, int resamples = 1000, std::uint64_t seed = 1);

// The return period (years) of a level: 1 / (1 - exp(-λ)), λ the rate at that level (interpolated
// between edges as above); nullopt when no event reached it.
std::optional<double> PeriodOfLevel(const std::vector<double>& edges, const std::vector<std::uint64_t>& counts, double years, double level);

}  // namespace taifeng::core
