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

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "taifeng/core/synthetic.h"
#include "taifeng/core/wind.h"
#include "taifeng/data/atlas.h"
#include "taifeng/data/track.h"
#include "taifeng/geo/regions.h"

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

// ---- The synthetic catalog (after STORM and CLIMADA's probabilistic tracks) ----
//
// Catalog year y (0 <= y < years) is historical season seasons[y % S] (S seasons given) with each
// of its storms perturbed once by the correlated random walk of synthetic.h, storm j of year y on
// its own random stream (seed, y, j): the catalog does not depend on how its years are split
// (threads, MPI ranks). Each synthetic storm is stepped hourly (positions, 10-minute wind and
// pressure linear between its 6-hourly points); at each step, at every point within reach_km of the
// centre: the Holland wind (wind.h; 10-minute mean, marine exposure, with the motion asymmetry) and
// the R-CLIPER rain rate (rain.h). An event at a site is the storm's maximum wind (the maximum over
// the site's points), its storm-total rain and its wettest 24 h (the mean over the site's points).
// These are MODELLED values, not observations.

struct RiskPoint {
  double lat_deg = 0, lon_deg = 0;
  // From the 10-minute mean to the 3-second gust at this point: WMO/TD-No. 1555 Table 1.1 for its
  // exposure (GustFactorAt); 1.38 (off sea) when the exposure is not known.
  double gust_factor = 1.38;
};

// Land or sea on a regular grid (cell centres tested against a land set once): an O(1) "over
// land" for the millions of synthetic fixes. Outside the grid: sea.
class LandMask {
 public:
  LandMask() = default;
  // South-west corner, north-east corner and cell size (degrees). Parallel (OpenMP).
  LandMask(const geo::RegionSet& land, double south, double west, double north, double east, double step_deg);
  bool OverLand(double lat_deg, double lon_deg) const noexcept;
  // From the catalog's 10-minute mean (marine exposure) to the 3-second gust at a point, by its
  // exposure (WMO/TD-No. 1555 Table 1.1): within about 20 km of the coast, on land or sea (the
  // other within 0.1° or 0.2° in eight directions), off sea 1.38; further out at sea 1.23;
  // further inland the mean reduced by 0.8 for the rougher surface (the hazard's
  // inland_mean_factor) times off land 1.52, so 1.216.
  double GustFactorAt(double lat_deg, double lon_deg) const noexcept;
  std::size_t cells() const noexcept { return land_.size(); }

 private:
  double south_ = 0, west_ = 0, step_ = 1;
  int nlat_ = 0, nlon_ = 0;
  std::vector<std::uint8_t> land_;
};

// Decay over land for a synthetic storm whose walk took it over land when its parent was not (or
// longer): after Kaplan & DeMaria (1995, J. Appl. Meteor. 34, 2499-2512), V(t) = Vb + (V0 - Vb)
// exp(-alpha t), t the hours since landfall, alpha = 0.095 per hour, Vb = 26.7 kt (1-minute; 12.1
// m/s as a 10-minute mean). The parent's winds already hold its own decay, so the synthetic's wind
// is decayed by its hours since landfall less the parent's: further when it has been over land
// longer; undone (up to the parent's last wind at sea, perturbation kept) when the parent is over
// land and the synthetic is not, or less long. Back at sea both follow the parent again. The
// pressure deficit below 1010 hPa follows the wind squared. Fix k of `synthetic` is the
// perturbation of fix k of `parent` (synthetic.h keeps the times).
void ApplyLandDecay(data::Storm& synthetic, const data::Storm& parent, const LandMask& land, double alpha_per_h = 0.095,
                    double floor_ms = 12.1);

// A place the atlas reports on: a region (its sample points) or one grid cell (its centre).
struct RiskSite {
  std::vector<std::uint32_t> points;  // indices into the points given with it
};

struct CatalogOptions {
  std::int64_t years = 0;    // > 0
  std::uint64_t seed = 1;
  SyntheticOptions perturb;  // its seed and first_index are set per storm
  WindFieldOptions wind;
  double reach_km = 500;     // beyond this from the centre, wind and rain count as 0
  std::vector<double> wind_edges;  // m/s, 10-minute mean; default 10, 12, …, 90
  std::vector<double> gust_edges;  // m/s, 3-second gust; default 10, 12, …, 120
  std::vector<double> rain_edges;  // mm; default 25, 50, …, 2000
  int blocks = 100;          // blocks of years for the bootstrap (1: no interval)
  const LandMask* land = nullptr;  // decay over land (ApplyLandDecay) where given
};

// The exceedance tables of every site: 10-minute wind (m/s), 3-second gust (m/s), storm-total
// rain (mm), wettest 24 h rain (mm), and what was counted.
struct CatalogTables {
  std::vector<ExceedanceTable> wind, gust, rain_total, rain_24h;  // one per site
  std::int64_t storms = 0;         // synthetic storms stepped
  std::int64_t years_done = 0;     // catalog years added
  // The quantities' tables in the atlas's order.
  std::array<std::vector<ExceedanceTable>*, 4> all() { return {&wind, &gust, &rain_total, &rain_24h}; }
  std::array<const std::vector<ExceedanceTable>*, 4> all() const { return {&wind, &gust, &rain_total, &rain_24h}; }
};

// Empty tables for `sites` sites with the options' edges (defaults filled in) and blocks.
CatalogTables MakeCatalogTables(std::size_t sites, CatalogOptions& options);
// The same with each site's number of blocks (0: the options' blocks): a grid cell needs one, and
// a table's memory grows with its blocks.
CatalogTables MakeCatalogTables(const std::vector<int>& blocks, CatalogOptions& options);

// Adds the catalog years y with y % stride == offset (0 <= offset < stride: a rank's share) to
// `tables`, in parallel over years (OpenMP). `seasons` holds each historical season's storms.
// progress(years done, years to do) is called from one thread now and then (may be empty).
// Throws Error(kInvalidArgument) when there are no seasons, years <= 0 or a bad share.
void AddCatalogYears(const std::vector<std::vector<data::Storm>>& seasons, const std::vector<RiskPoint>& points,
                     const std::vector<RiskSite>& sites, const CatalogOptions& options, int offset, int stride, CatalogTables& tables,
                     const std::function<void(std::int64_t, std::int64_t)>& progress = {});

// The same model run on the historical tracks themselves (each season once, unperturbed): the
// record's events per site, for the empirical comparison. One table per site, blocks = seasons.
CatalogTables HistoricalTables(const std::vector<std::vector<data::Storm>>& seasons, const std::vector<RiskPoint>& points,
                               const std::vector<RiskSite>& sites, CatalogOptions options);

// The return periods the atlas reports: 10, 20, 50, 100, 200, 500 and 1000 years.
std::vector<double> AtlasPeriods();

// The atlas of the tables: return levels for `periods` with a bootstrap interval of `resamples`
// draws (seeded) where a site's tables have several blocks (else the interval is the level), and
// each site's counts summed over its blocks. `base` carries the sites (code, names, positions, kinds),
// grid, years, seed and model text; its quantities are replaced.
data::Atlas MakeAtlas(const CatalogTables& tables, data::Atlas base, const std::vector<double>& periods, int resamples, std::uint64_t seed);

// The number of storms per catalog year whose 6-hourly centre came within `radius_km` of
// (lat_deg, lon_deg), for catalog years 0 .. years-1 (the same synthetic storms as AddCatalogYears
// with these options); `seasons` unperturbed when `synthetic` is false (then one count per season).
std::vector<int> YearlyCountsWithin(const std::vector<std::vector<data::Storm>>& seasons, const CatalogOptions& options, bool synthetic,
                                    double lat_deg, double lon_deg, double radius_km);

}  // namespace taifeng::core
