#include "taifeng/core/risk.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "taifeng/base/error.h"

namespace taifeng::core {

ExceedanceTable::ExceedanceTable(std::vector<double> edges, int blocks) : edges_(std::move(edges)), blocks_(blocks) {
  if (edges_.empty() || blocks_ < 1) throw Error(ErrorCode::kInvalidArgument, "exceedance table: at least one edge and one block");
  for (std::size_t i = 1; i < edges_.size(); ++i)
    if (!(edges_[i] > edges_[i - 1])) throw Error(ErrorCode::kInvalidArgument, "exceedance table: edges must ascend");
  counts_.assign(edges_.size() * static_cast<std::size_t>(blocks_), 0);
}

void ExceedanceTable::AddEvent(double value, std::int64_t year) noexcept {
  if (!(value >= edges_.front())) return;
  const auto block = static_cast<std::size_t>(((year % blocks_) + blocks_) % blocks_);
  const std::size_t reached = static_cast<std::size_t>(std::upper_bound(edges_.begin(), edges_.end(), value) - edges_.begin());
  std::uint64_t* row = counts_.data() + block * edges_.size();
  for (std::size_t i = 0; i < reached; ++i) ++row[i];
}

void ExceedanceTable::Add(const ExceedanceTable& other) {
  if (other.edges_ != edges_ || other.blocks_ != blocks_) throw Error(ErrorCode::kInvalidArgument, "exceedance tables of different bins");
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
}

std::uint64_t ExceedanceTable::Count(std::size_t edge) const noexcept {
  std::uint64_t n = 0;
  for (int b = 0; b < blocks_; ++b) n += Count(edge, b);
  return n;
}

namespace {

// The rate of reaching `level`, interpolated log-linearly between edges (0 beyond the last
// reached edge's next one).
double RateAt(const std::vector<double>& edges, const std::vector<std::uint64_t>& counts, double years, double level) {
  if (level <= edges.front()) return static_cast<double>(counts.front()) / years;
  for (std::size_t i = 0; i + 1 < edges.size(); ++i) {
    if (level > edges[i + 1]) continue;
    const double a = static_cast<double>(counts[i]) / years, b = static_cast<double>(counts[i + 1]) / years;
    const double f = (level - edges[i]) / (edges[i + 1] - edges[i]);
    if (a <= 0) return 0;
    if (b <= 0) return f < 1 ? a * (1 - f) : 0;  // no event at the next edge: a linear fall to it
    return std::exp(std::log(a) + f * (std::log(b) - std::log(a)));
  }
  return static_cast<double>(counts.back()) / years * (level == edges.back() ? 1 : 0);
}

}  // namespace

ReturnLevel LevelFromCounts(const std::vector<double>& edges, const std::vector<std::uint64_t>& counts, double years, double period_years) {
  if (edges.empty() || counts.size() != edges.size() || !(years > 0) || !(period_years > 1))
    throw Error(ErrorCode::kInvalidArgument, "return level: edges and counts of one size, years > 0, a period > 1 year");
  ReturnLevel r;
  r.period_years = period_years;
  const double target = -std::log(1 - 1 / period_years);  // the event rate whose AEP is 1/T
  const auto rate = [&](std::size_t i) { return static_cast<double>(counts[i]) / years; };
  if (rate(0) < target) {
    r.level = edges.front(), r.bound = ReturnLevel::Bound::kBelowFirstEdge;
  } else if (rate(edges.size() - 1) >= target) {
    r.level = edges.back(), r.bound = ReturnLevel::Bound::kAtLeastLastEdge;
  } else {
    std::size_t i = 0;
    while (rate(i + 1) >= target) ++i;  // edges[i] reached often enough, edges[i + 1] not
    const double a = rate(i), b = rate(i + 1);
    const double f = b > 0 ? (std::log(a) - std::log(target)) / (std::log(a) - std::log(b)) : (a - target) / a;
    r.level = edges[i] + f * (edges[i + 1] - edges[i]);
  }
  r.low = r.high = r.level;
  return r;
}

ReturnLevel LevelWithInterval(const ExceedanceTable& table, double years, double period_years, int resamples, std::uint64_t seed) {
  const std::size_t n = table.edges().size();
  std::vector<std::uint64_t> total(n);
  for (std::size_t i = 0; i < n; ++i) total[i] = table.Count(i);
  ReturnLevel r = LevelFromCounts(table.edges(), total, years, period_years);
  if (resamples <= 0) return r;
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> pick(0, table.blocks() - 1);
  std::vector<double> levels;
  levels.reserve(static_cast<std::size_t>(resamples));
  std::vector<std::uint64_t> draw(n);
  for (int k = 0; k < resamples; ++k) {
    std::fill(draw.begin(), draw.end(), 0);
    for (int b = 0; b < table.blocks(); ++b) {
      const int from = pick(rng);
      for (std::size_t i = 0; i < n; ++i) draw[i] += table.Count(i, from);
    }
    levels.push_back(LevelFromCounts(table.edges(), draw, years, period_years).level);
  }
  std::sort(levels.begin(), levels.end());
  const auto at = [&](double q) { return levels[static_cast<std::size_t>(std::lround(q * static_cast<double>(levels.size() - 1)))]; };
  r.low = at(0.025), r.high = at(0.975);
  return r;
}

std::optional<double> PeriodOfLevel(const std::vector<double>& edges, const std::vector<std::uint64_t>& counts, double years, double level) {
  if (edges.empty() || counts.size() != edges.size() || !(years > 0)) throw Error(ErrorCode::kInvalidArgument, "return period: bad table");
  const double rate = RateAt(edges, counts, years, level);
  if (!(rate > 0)) return std::nullopt;
  return 1 / (1 - std::exp(-rate));
}

}  // namespace taifeng::core

namespace taifeng::core {

std::vector<double> AtlasPeriods() { return {10, 20, 50, 100, 200, 500, 1000}; }

namespace {

data::AtlasQuantity Quantity(const std::vector<ExceedanceTable>& tables, const char* name, const char* units, const char* long_name,
                             double years, const std::vector<double>& periods, int resamples, std::uint64_t seed) {
  data::AtlasQuantity q;
  q.name = name, q.units = units, q.long_name = long_name;
  if (tables.empty()) return q;
  q.edges = tables.front().edges();
  q.blocks = 1;  // the counts over all blocks: sites may differ in blocks (grid cells keep one)
  for (std::size_t s = 0; s < tables.size(); ++s) {
    for (std::size_t i = 0; i < q.edges.size(); ++i) q.counts.push_back(tables[s].Count(i));
    for (const double t : periods) {
      const ReturnLevel r = LevelWithInterval(tables[s], years, t, tables[s].blocks() > 1 ? resamples : 0, seed + s);
      q.level.push_back(r.level), q.low.push_back(r.low), q.high.push_back(r.high);
      q.bound.push_back(static_cast<std::int8_t>(r.bound));
    }
  }
  return q;
}

}  // namespace

data::Atlas MakeAtlas(const CatalogTables& tables, data::Atlas base, const std::vector<double>& periods, int resamples, std::uint64_t seed) {
  const auto years = static_cast<double>(base.years);
  base.periods_years = periods;
  base.quantities = {
      Quantity(tables.wind, "wind_ms", "m s-1", "10-minute mean surface wind (marine exposure), the storm's maximum at the site", years, periods,
               resamples, seed),
      Quantity(tables.gust, "gust_ms", "m s-1", "3-second gust (WMO/TD-1555 factor of the point's exposure on the 10-minute mean), the storm's maximum at the site",
               years, periods, resamples, seed),
      Quantity(tables.rain_total, "rain_total_mm", "mm", "storm-total rain (R-CLIPER), the mean over the site's points", years, periods,
               resamples, seed),
      Quantity(tables.rain_24h, "rain_24h_mm", "mm", "the storm's wettest 24 h of rain (R-CLIPER), the mean over the site's points", years,
               periods, resamples, seed)};
  return base;
}

}  // namespace taifeng::core
