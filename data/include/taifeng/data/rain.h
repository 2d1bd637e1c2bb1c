// Gridded rainfall: observed grids imported with GDAL (netCDF, GeoTIFF, netCDF-4/HDF5 such as
// CHM_PRE) and the modelled (R-CLIPER) accumulations, stored in the archive under /rain.
//
// A RainGrid is a stack of accumulation layers on one regular latitude-longitude grid (cell
// centres lat0 + i dlat, lon0 + j dlon, rows south to north), each layer the rain in mm that fell
// over [start_utc, end_utc) and belonging to one storm. Observed grids keep NaN where the source
// has no value (outside the storm's rain footprint); modelled grids have no NaN.
//
// Archive layout (README "Archive layout"):
//   /rain/observed/<storm id>/   one group per storm with observed rain
//   /rain/modelled/              one layer per storm (R-CLIPER event totals on a common grid)
// each holding mm (float32 [layer][lat][lon], chunked by layer, deflate+shuffle, Fletcher-32),
// lat, lon (float64, cell centres, degrees), start_utc, end_utc (int64 s since 1970), storm (string per
// layer), and attributes kind ("observed"/"modelled"), source, units "mm".
// Writes are atomic like every archive write; `archive add` keeps the rain (the CLI carries it over).
// Thread safety: the functions must not run concurrently (HDF5, GDAL datasets); RainGrid is a value.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace taifeng::data {

struct RainGrid {
  std::string kind = "observed";  // "observed" or "modelled"
  std::string source;             // file name, or the model ("R-CLIPER (Tuleya et al. 2007)")
  double lat0_deg = 0, lon0_deg = 0, dlat_deg = 0.1, dlon_deg = 0.1;  // centre of cell (0, 0); spacing > 0
  int nlat = 0, nlon = 0;
  std::vector<std::int64_t> start_utc, end_utc;  // per layer
  std::vector<std::string> storm;                // per layer: archive storm id ("" = unknown)
  std::vector<float> mm;                         // [layer][lat][lon]

  std::size_t layers() const { return start_utc.size(); }
  std::size_t cells() const { return static_cast<std::size_t>(nlat) * static_cast<std::size_t>(nlon); }
  // The cell holding (lat, lon), or nullopt outside the grid.
  std::optional<std::size_t> Cell(double lat_deg, double lon_deg) const;
  double Lat(int i) const { return lat0_deg + i * dlat_deg; }
  double Lon(int j) const { return lon0_deg + j * dlon_deg; }
  // The value of layer k at a cell (NaN possible).
  float At(std::size_t layer, std::size_t cell) const { return mm[layer * cells() + cell]; }
};

struct RainImportOptions {
  std::string variable;  // "" = the first of prec, precipitation, precipitationCal, pre, rain, tp, or the only band
  std::string storm;     // archive storm id for every layer ("" = from the file's typhoon_code, else unknown)
  // The accumulation period when the file has no time axis (a GeoTIFF of event totals): required then.
  std::optional<std::int64_t> start_utc, end_utc;
  std::size_t max_cells = 50'000'000;  // refuses bigger grids (bounded input)
};

// Reads a rain file with GDAL. Units (the variable's `units`): mm, mm/h (mm h-1, mm/hr), mm/day
// (mm d-1, mm/d), kg m-2 s-1; each layer is converted to mm over its period. Times from a CF time
// axis ("days|hours|seconds since …"); a daily layer covers its day. Checks: a north-up
// geographic grid (CRS geographic, or none stated: taken as WGS-84), latitudes in [-90, 90],
// positive spacing, no negative rain. Throws ParseError naming the file and the field on any of
// these, Error(kNotFound) when the file is missing.
// `typhoon_code`: the file's global attribute of that name (CHM_PRE per-storm files), or "".
RainGrid ReadRainFile(const std::filesystem::path& path, const RainImportOptions& options, std::string* typhoon_code = nullptr);

// Adds or replaces rain grids in the archive atomically: an observed grid replaces the storm's
// observed group (its layers must all belong to one storm); a modelled grid replaces /rain/modelled.
void WriteRainGrids(const std::filesystem::path& archive, const std::vector<RainGrid>& grids);
// Every observed grid, and the modelled one when present (last) and asked for.
std::vector<RainGrid> ReadRainGrids(const std::filesystem::path& archive, bool include_modelled = true);

}  // namespace taifeng::data
