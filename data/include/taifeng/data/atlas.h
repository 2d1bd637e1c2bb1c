// The typhoon risk atlas: one HDF5 file written by `taifeng risk build` (core/risk.h), read by
// `taifeng risk show` and by h5py or xarray. Every value in it is MODELLED (a synthetic catalog
// through a parametric wind and rain model), not observed.
//
// Layout (schema "taifeng-risk-atlas", version 1; README "Risk atlas"):
//   /              attrs schema, schema_version, years (catalog years), seed, model (what made it,
//                  in words), created_utc, modelled ("MODELLED: ...")
//   /sites/        1-D, one row per site: code, name, name_en (UTF-8; a grid cell's code is
//                  "cell:ROW:COL"), lat, lon (float64 deg: a region's centroid, a cell's centre),
//                  kind (int8: 0 region, 1 grid cell, 2 point)
//   /grid          (only with a grid) attrs lat0, lon0 (the south-west cell's centre, deg), step_deg,
//                  nlat, nlon, first_site (cells are sites first_site + row * nlon + col)
//   /edges/Q       float64 [edge]: bin edges of quantity Q (wind_ms: 10-minute mean wind, m/s;
//                  rain_total_mm: storm-total rain; rain_24h_mm: a storm's wettest 24 h), attr units
//   /counts/Q      uint64 [site][block][edge]: synthetic events that reached each edge (Taifeng
//                  writes blocks = 1: the counts over all years; attr blocks)
//   /return_levels/period_years  float64 [period]
//   /return_levels/Q, Q_low, Q_high  float64 [site][period]: the return level and its bootstrap
//                  interval (2.5 %, 97.5 %); Q_bound int8 [site][period]: 0 exact, 1 below the first
//                  edge (not reached once in the period), 2 at least the last edge
// Datasets are compressed with Fletcher-32 checksums. Written atomically (a temporary file beside
// the target, fsynced, renamed over it, the directory fsynced): a failed write leaves nothing.
// Thread safety: not safe to call concurrently (Debian's HDF5 is not thread-safe).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "taifeng/base/env.h"

namespace taifeng::data {

struct AtlasQuantity {
  std::string name;                    // "wind_ms", "rain_total_mm", "rain_24h_mm"
  std::string units, long_name;        // "m s-1", "10-minute mean surface wind, storm maximum"
  std::vector<double> edges;
  int blocks = 1;
  std::vector<std::uint64_t> counts;   // [site][block][edge]
  std::vector<double> level, low, high;  // [site][period]
  std::vector<std::int8_t> bound;        // [site][period]
};

struct AtlasGrid {
  double lat0_deg = 0, lon0_deg = 0, step_deg = 0;
  int nlat = 0, nlon = 0;
  std::int64_t first_site = 0;
};

struct Atlas {
  std::int64_t years = 0;
  std::uint64_t seed = 0;
  std::string model, created_utc;
  std::vector<std::string> code, name, name_en;
  std::vector<double> lat_deg, lon_deg;
  std::vector<std::int8_t> kind;  // 0 region, 1 grid cell, 2 point (one position)
  std::optional<AtlasGrid> grid;
  std::vector<double> periods_years;
  std::vector<AtlasQuantity> quantities;

  std::size_t sites() const { return code.size(); }
  const AtlasQuantity* Find(const std::string& quantity) const;
  std::optional<std::size_t> Site(const std::string& code_or_name) const;  // by code, name or English name
};

// Throws Error(kInvalidArgument) for inconsistent sizes, Error(kIo) when the write fails (the
// target is then untouched and no temporary file is left).
void WriteAtlas(const std::filesystem::path& path, const Atlas& atlas, Env& env = Env::Default());
// Throws Error(kNotFound), Error(kArchiveFormat) (not an atlas), Error(kArchiveVersion).
Atlas ReadAtlas(const std::filesystem::path& path);

// The grid's return level of `quantity` for period `period_years` as a GeoTIFF (GDAL): Float32,
// north up, WGS 84 (EPSG:4326), the cells' edges on the grid, NaN (the nodata value) where the level
// is below the first edge; band metadata: quantity, units, period, MODELLED. Written atomically.
// Throws Error(kInvalidArgument) when the atlas has no grid, that quantity or that period;
// Error(kIo) when GDAL cannot write.
void WriteLevelGeoTiff(const Atlas& atlas, const std::string& quantity, double period_years, const std::filesystem::path& path,
                       Env& env = Env::Default());

}  // namespace taifeng::data
