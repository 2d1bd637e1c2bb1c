#include "taifeng/data/rain.h"

#include <gdal.h>
#include <ogr_srs_api.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "taifeng/base/time_utc.h"
#include "taifeng/base/error.h"
#include "taifeng/geo/gdal_open.h"

namespace taifeng::data {
namespace {

using taifeng::ParseError;

struct DatasetCloser {
  void operator()(void* ds) const { GDALClose(static_cast<GDALDatasetH>(ds)); }
};
using Dataset = std::unique_ptr<void, DatasetCloser>;

// Rain grids: netCDF, GeoTIFF and HDF5 drivers only, no network (geo/gdal_open.h).
Dataset Open(const std::string& name) {
  return Dataset(geo::OpenWithDrivers(name, true, {"netCDF", "GTiff", "HDF5", "HDF5Image"}));
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Metadata(GDALMajorObjectH object, const std::string& key) {
  const char* v = GDALGetMetadataItem(object, key.c_str(), nullptr);
  return v ? v : "";
}

// mm per (unit × second): the factor that turns a rate over `seconds` into mm.
std::optional<double> MmFactor(std::string units, double seconds) {
  units = Lower(units);
  units.erase(std::remove(units.begin(), units.end(), ' '), units.end());
  if (units == "mm" || units == "kgm-2" || units == "kg/m2" || units == "kgm**-2") return 1.0;
  if (units == "mm/h" || units == "mmh-1" || units == "mm/hr" || units == "mm/hour") return seconds / 3600.0;
  if (units == "mm/day" || units == "mmd-1" || units == "mm/d" || units == "mmday-1") return seconds / 86400.0;
  if (units == "kgm-2s-1" || units == "mm/s" || units == "mms-1") return seconds;
  return std::nullopt;
}

// "days since 2004-07-26 00:00:00" -> (seconds per unit, origin).
std::optional<std::pair<double, std::int64_t>> TimeAxis(const std::string& units) {
  const auto since = units.find(" since ");
  if (since == std::string::npos) return std::nullopt;
  const std::string unit = Lower(units.substr(0, since));
  double seconds = 0;
  if (unit == "days" || unit == "day") seconds = 86400;
  else if (unit == "hours" || unit == "hour") seconds = 3600;
  else if (unit == "minutes" || unit == "minute") seconds = 60;
  else if (unit == "seconds" || unit == "second") seconds = 1;
  else return std::nullopt;
  std::string origin = units.substr(since + 7);
  if (origin.size() == 10) origin += " 00:00:00";
  const auto t = ParseUtc(origin.substr(0, 19));
  if (!t) return std::nullopt;
  return std::make_pair(seconds, *t);
}

}  // namespace

std::optional<std::size_t> RainGrid::Cell(double lat_deg, double lon_deg) const {
  const double i = std::round((lat_deg - lat0_deg) / dlat_deg), j = std::round((lon_deg - lon0_deg) / dlon_deg);
  if (!(i >= 0 && i < nlat && j >= 0 && j < nlon)) return std::nullopt;
  return static_cast<std::size_t>(i) * static_cast<std::size_t>(nlon) + static_cast<std::size_t>(j);
}

namespace {

// The dataset of the rain variable: the file itself, or (netCDF / HDF5 with several variables)
// the subdataset of `variable` or of a usual rain variable name, which `variable` is set to.
Dataset OpenRainVariable(Dataset ds, const std::string& file, std::string& variable, std::string* typhoon_code) {
  char** subdatasets = GDALGetMetadata(ds.get(), "SUBDATASETS");
  if (subdatasets == nullptr || GDALGetRasterCount(ds.get()) != 0) {
    if (typhoon_code) *typhoon_code = Metadata(ds.get(), "NC_GLOBAL#typhoon_code");
    return ds;
  }
  const std::vector<std::string> wanted =
      variable.empty() ? std::vector<std::string>{"prec", "precipitation", "precipitationcal", "pre", "rain", "tp"}
                       : std::vector<std::string>{Lower(variable)};
  std::string chosen;
  for (const std::string& w : wanted) {
    for (char** s = subdatasets; *s && chosen.empty(); ++s) {
      const std::string item = *s;
      const auto eq = item.find('=');
      if (item.find("_NAME=") == std::string::npos || eq == std::string::npos) continue;
      const std::string name = item.substr(eq + 1);
      const auto colon = name.rfind(':'), slash = name.rfind('/');
      const auto cut = std::max(colon == std::string::npos ? 0 : colon + 1, slash == std::string::npos ? 0 : slash + 1);
      if (Lower(name.substr(cut)) == w) chosen = name;
    }
    if (!chosen.empty()) break;
  }
  if (chosen.empty()) throw ParseError(file, 0, variable.empty() ? "variable" : variable, "a rain variable (prec, precipitation, …; --variable)");
  if (variable.empty()) variable = chosen.substr(chosen.find_last_of(":/") + 1);
  Dataset sub = Open(chosen);
  if (!sub) throw ParseError(file, 0, variable, "a readable raster variable");
  if (typhoon_code) *typhoon_code = Metadata(ds.get(), "NC_GLOBAL#typhoon_code");
  return sub;
}

// The grid's size and cell centres from the dataset's geotransform (a north-up geographic grid),
// with `mm` not yet read. Sets `north_up` (rows stored north to south in the file).
RainGrid GridGeometry(GDALDatasetH h, const std::string& file, const RainImportOptions& options, bool& north_up) {
  const int nx = GDALGetRasterXSize(h), ny = GDALGetRasterYSize(h), bands = GDALGetRasterCount(h);
  if (nx <= 0 || ny <= 0 || bands <= 0) throw ParseError(file, 0, "raster", "at least one band with cells");
  if (static_cast<std::size_t>(nx) * ny * bands > options.max_cells)
    throw ParseError(file, 0, "raster", "at most " + std::to_string(options.max_cells) + " cells");
  double gt[6];
  if (GDALGetGeoTransform(h, gt) != CE_None) throw ParseError(file, 0, "geotransform", "a georeferenced grid");
  if (gt[2] != 0 || gt[4] != 0 || !(gt[1] > 0) || !(gt[5] != 0))
    throw ParseError(file, 0, "geotransform", "a north-up latitude-longitude grid with positive spacing");
  const char* wkt = GDALGetProjectionRef(h);
  if (wkt && *wkt) {
    OGRSpatialReferenceH srs = OSRNewSpatialReference(wkt);
    const bool geographic = srs && OSRIsGeographic(srs);
    if (srs) OSRDestroySpatialReference(srs);
    if (!geographic) throw ParseError(file, 0, "CRS", "a geographic (latitude-longitude) grid");
  }
  RainGrid g;
  g.kind = "observed";
  g.source = file;
  g.nlon = nx;
  g.nlat = ny;
  g.dlon_deg = gt[1];
  g.dlat_deg = std::fabs(gt[5]);
  g.lon0_deg = gt[0] + 0.5 * gt[1];
  north_up = gt[5] < 0;
  const double top_centre = gt[3] + 0.5 * gt[5];
  g.lat0_deg = north_up ? top_centre + (ny - 1) * gt[5] : top_centre;
  const double lat_max = g.lat0_deg + (ny - 1) * g.dlat_deg;
  if (g.lat0_deg < -90.0 - 1e-6 || lat_max > 90.0 + 1e-6)
    throw ParseError(file, 0, "latitude", "cell centres within [-90, 90] (a geographic grid)");
  return g;
}

// Reads every band into g.mm (mm per band's period) with its start and end times.
void ReadBands(GDALDatasetH h, const std::string& file, const RainImportOptions& options, const std::string& variable, bool north_up,
               RainGrid& g) {
  const int nx = g.nlon, ny = g.nlat, bands = GDALGetRasterCount(h);
  // Units and time axis (netCDF metadata as GDAL exposes it: "<var>#units", "time#units").
  std::string units = GDALGetRasterUnitType(GDALGetRasterBand(h, 1));
  if (units.empty() && !variable.empty()) units = Metadata(h, variable + "#units");
  const std::string time_units = Metadata(h, "time#units");
  const auto axis = TimeAxis(time_units);
  std::vector<double> band_time(static_cast<std::size_t>(bands), NAN);
  for (int b = 0; b < bands; ++b) {
    const std::string t = Metadata(GDALGetRasterBand(h, b + 1), "NETCDF_DIM_time");
    if (!t.empty()) band_time[static_cast<std::size_t>(b)] = std::atof(t.c_str());
  }
  double step_s = 86400.0;
  if (axis && bands > 1 && std::isfinite(band_time[0]) && std::isfinite(band_time[1]))
    step_s = (band_time[1] - band_time[0]) * axis->first;
  else if (axis && Lower(time_units).rfind("hours", 0) == 0)
    step_s = 3600.0;
  g.mm.resize(static_cast<std::size_t>(nx) * ny * bands);
  std::vector<double> row(static_cast<std::size_t>(nx));
  for (int b = 0; b < bands; ++b) {
    std::int64_t start = 0, end = 0;
    if (axis && std::isfinite(band_time[static_cast<std::size_t>(b)])) {
      start = axis->second + static_cast<std::int64_t>(std::llround(band_time[static_cast<std::size_t>(b)] * axis->first));
      end = start + static_cast<std::int64_t>(std::llround(step_s));
    } else if (options.start_utc && options.end_utc && bands == 1) {
      start = *options.start_utc, end = *options.end_utc;
    } else {
      throw ParseError(file, 0, "time", "a CF time axis, or --start and --end for a single-layer file");
    }
    if (end <= start) throw ParseError(file, 0, "time", "an accumulation period that ends after it starts");
    const auto factor = MmFactor(units, static_cast<double>(end - start));
    if (!factor) throw ParseError(file, 0, "units '" + units + "'", "mm, mm/h, mm/day or kg m-2 s-1");
    GDALRasterBandH band = GDALGetRasterBand(h, b + 1);
    int has_nodata = 0;
    const double nodata = GDALGetRasterNoDataValue(band, &has_nodata);
    for (int y = 0; y < ny; ++y) {
      if (GDALRasterIO(band, GF_Read, 0, y, nx, 1, row.data(), nx, 1, GDT_Float64, 0, 0) != CE_None)
        throw ParseError(file, 0, "band " + std::to_string(b + 1), "readable data");
      const int i = north_up ? ny - 1 - y : y;  // rows stored south to north
      for (int x = 0; x < nx; ++x) {
        double v = row[static_cast<std::size_t>(x)];
        if (has_nodata && v == nodata) v = NAN;
        if (v < 0) throw ParseError(file, 0, "band " + std::to_string(b + 1), "no negative rain");
        g.mm[(static_cast<std::size_t>(b) * ny + i) * nx + x] = static_cast<float>(v * *factor);
      }
    }
    g.start_utc.push_back(start);
    g.end_utc.push_back(end);
    g.storm.push_back(options.storm);
  }
}

}  // namespace

RainGrid ReadRainFile(const std::filesystem::path& path, const RainImportOptions& options, std::string* typhoon_code) {
  geo::RequireLocalFile(path);
  const std::string file = path.filename().string();
  Dataset ds = Open(path.string());
  if (!ds) throw ParseError(file, 0, "file", "a rain grid in netCDF, GeoTIFF or HDF5");
  std::string variable = options.variable;
  ds = OpenRainVariable(std::move(ds), file, variable, typhoon_code);
  bool north_up = false;
  RainGrid g = GridGeometry(ds.get(), file, options, north_up);
  ReadBands(ds.get(), file, options, variable, north_up, g);
  return g;
}

}  // namespace taifeng::data
