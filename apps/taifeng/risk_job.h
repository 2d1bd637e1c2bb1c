// `taifeng risk build` as a job: the archive's seasons, the atlas's sites (regions and grid
// cells), the memory estimate, the catalog over this process's share of the years (ranks.h), the
// reduction to rank 0 and the atlas. Thread safety: one job at a time per process (HDF5, MPI).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "land_option.h"
#include "ranks.h"
#include "taifeng/core/risk.h"
#include "taifeng/data/atlas.h"

namespace taifeng::cli {

struct RiskBuildArgs {
  std::string archive, regions, points, out, csv_dir, geotiff_dir, maps_dir, agency = "CMA", seasons;
  std::int64_t years = 0;
  std::uint64_t seed = 1;
  double grid_deg = 0;                 // 0: no grid
  std::vector<double> bbox;            // south, west, north, east (deg)
  int blocks = 100, bootstrap = 1000;
  double reach_km = 500;
  double memory_limit_mb = 0;          // 0: what the machine has
  LandArgs land;                       // for the decay over land ("none": no decay)
  bool json = false;
};

struct RiskSites {
  std::vector<core::RiskPoint> points;
  std::vector<core::RiskSite> sites;
  data::Atlas base;  // the sites' codes, names, positions and kinds; the grid
};

// The regions' sample points (0.1°) and, with a grid, one site per cell of the box. Throws
// Error(kUsage) for a bad grid or box.
RiskSites MakeRiskSites(const RiskBuildArgs& a);

// The bytes a rank will hold: the counts (once per OpenMP thread, merged, in the reduction and in
// rank 0's atlas), the sites' names and levels, and the scratch.
double EstimateBytes(const RiskSites& s, const RiskBuildArgs& a, int threads);

// The historical seasons of the archive (the agency's storms, secondary centres left out), oldest
// first; throws Error(kInvalidArgument) when none is in the domain's reach.
std::vector<std::vector<data::Storm>> LoadSeasons(const RiskBuildArgs& a, const RiskSites& sites);

struct RiskRun {
  data::Atlas atlas;         // on rank 0
  std::int64_t storms = 0;   // synthetic storms stepped (all ranks)
  double seconds = 0, peak_rss_mb = 0;
  // The phases (rank 0's clock, s): the catalog (this rank's share, waiting for the slowest
  // included), the reduction of the counts to rank 0, and the return levels (rank 0).
  double catalog_s = 0, reduce_s = 0, levels_s = 0;
  std::uint64_t reduced_bytes = 0;  // the counts each rank sends in the reduction
};

// The land mask for the decay over land (null with --land none): 0-45N, 95-160E at 0.1°.
std::shared_ptr<const core::LandMask> MakeLandMask(const RiskBuildArgs& a);

// The whole job on every rank; rank 0 returns the atlas (others an empty one). Throws the first
// failing rank's error on every rank.
RiskRun RunRiskBuild(const RiskBuildArgs& a, const Ranks& ranks);

// The atlas against the record: the same wind model on the historical tracks (each season once),
// per region and return period of 2, 5, 10 and 20 years, the record's level with its bootstrap
// interval over seasons and the catalog's level from the atlas's counts; and the yearly number of
// storms whose centre came within 300 km of Hong Kong (22.30N 114.17E), catalog vs record.
struct RiskValidationRow {
  std::string code, name, name_en;
  double period_years = 0;
  core::ReturnLevel record;       // with its interval
  core::ReturnLevel catalog;      // interval = level
  bool inside = false;            // the catalog's level within the record's interval
};
struct RiskValidation {
  std::vector<RiskValidationRow> rows;
  std::size_t regions = 0, regions_all_inside = 0, pairs_inside = 0;
  std::vector<int> record_counts, catalog_counts;  // storms within 300 km of Hong Kong per year
  int seasons = 0;
};
RiskValidation ValidateAtlas(const RiskBuildArgs& a, const data::Atlas& atlas);

}  // namespace taifeng::cli
