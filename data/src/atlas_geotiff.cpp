// The atlas's grid as GeoTIFF return-level maps (atlas.h).
#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal.h>
#include <ogr_srs_api.h>
#include <unistd.h>

#include <cmath>
#include <limits>
#include <memory>

#include "taifeng/base/error.h"
#include "taifeng/data/atlas.h"

namespace taifeng::data {

namespace {

namespace fs = std::filesystem;

struct DatasetCloser {
  void operator()(void* ds) const { GDALClose(static_cast<GDALDatasetH>(ds)); }
};
using Dataset = std::unique_ptr<void, DatasetCloser>;

// The grid as rows from the north (GeoTIFF's order), NaN below the first edge.
std::vector<float> Raster(const Atlas& a, const AtlasQuantity& q, std::size_t period) {
  const AtlasGrid& g = *a.grid;
  std::vector<float> out(static_cast<std::size_t>(g.nlat) * static_cast<std::size_t>(g.nlon), std::numeric_limits<float>::quiet_NaN());
  const std::size_t periods = a.periods_years.size();
  for (int r = 0; r < g.nlat; ++r)
    for (int c = 0; c < g.nlon; ++c) {
      const std::size_t site = static_cast<std::size_t>(g.first_site) + static_cast<std::size_t>(r) * g.nlon + static_cast<std::size_t>(c);
      const std::size_t i = site * periods + period;
      if (q.bound[i] != 1) out[static_cast<std::size_t>(g.nlat - 1 - r) * g.nlon + static_cast<std::size_t>(c)] = static_cast<float>(q.level[i]);
    }
  return out;
}

void Write(const fs::path& tmp, const Atlas& a, const AtlasQuantity& q, std::size_t period) {
  GDALAllRegister();
  GDALDriverH driver = GDALGetDriverByName("GTiff");
  if (!driver) throw Error(ErrorCode::kIo, "GDAL has no GTiff driver");
  const AtlasGrid& g = *a.grid;
  char** options = CSLSetNameValue(nullptr, "COMPRESS", "DEFLATE");
  Dataset ds(GDALCreate(driver, tmp.c_str(), g.nlon, g.nlat, 1, GDT_Float32, options));
  CSLDestroy(options);
  if (!ds) throw Error(ErrorCode::kIo, tmp.string() + ": GDAL cannot create the GeoTIFF");
  const double west = g.lon0_deg - g.step_deg / 2, north = g.lat0_deg + (g.nlat - 0.5) * g.step_deg;
  double transform[6] = {west, g.step_deg, 0, north, 0, -g.step_deg};
  GDALSetGeoTransform(ds.get(), transform);
  OGRSpatialReferenceH srs = OSRNewSpatialReference(nullptr);
  OSRImportFromEPSG(srs, 4326);
  OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
  GDALSetSpatialRef(ds.get(), srs);
  OSRDestroySpatialReference(srs);
  GDALRasterBandH band = GDALGetRasterBand(ds.get(), 1);
  GDALSetRasterNoDataValue(band, std::numeric_limits<double>::quiet_NaN());
  const std::string period_text = std::to_string(static_cast<int>(a.periods_years[period]));
  GDALSetMetadataItem(band, "quantity", q.name.c_str(), nullptr);
  GDALSetMetadataItem(band, "units", q.units.c_str(), nullptr);
  GDALSetMetadataItem(band, "long_name", q.long_name.c_str(), nullptr);
  GDALSetMetadataItem(band, "return_period_years", period_text.c_str(), nullptr);
  GDALSetMetadataItem(ds.get(), "MODELLED", "a synthetic catalog through parametric wind and rain models (Taifeng risk build); not observations",
                      nullptr);
  GDALSetDescription(band, (q.name + " " + period_text + "-year return level (" + q.units + ")").c_str());
  std::vector<float> raster = Raster(a, q, period);
  if (GDALRasterIO(band, GF_Write, 0, 0, g.nlon, g.nlat, raster.data(), g.nlon, g.nlat, GDT_Float32, 0, 0) != CE_None)
    throw Error(ErrorCode::kIo, tmp.string() + ": GDAL could not write the raster");
  CPLErrorReset();
  ds.reset();  // closing writes the file
  if (CPLGetLastErrorType() >= CE_Failure) throw Error(ErrorCode::kIo, tmp.string() + ": GDAL could not write the file: " + CPLGetLastErrorMsg());
}

}  // namespace

void WriteLevelGeoTiff(const Atlas& a, const std::string& quantity, double period_years, const fs::path& path, Env& env) {
  const AtlasQuantity* q = a.Find(quantity);
  std::size_t period = a.periods_years.size();
  for (std::size_t p = 0; p < a.periods_years.size(); ++p)
    if (a.periods_years[p] == period_years) period = p;
  if (!a.grid || !q || period == a.periods_years.size())
    throw Error(ErrorCode::kInvalidArgument, "GeoTIFF: the atlas needs a grid, the quantity " + quantity + " and the period " +
                                                 std::to_string(period_years));
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  const fs::path tmp = dir / ("." + path.filename().string() + ".tmp-" + std::to_string(::getpid()));
  std::error_code ec;
  try {
    Write(tmp, a, *q, period);
    CommitFile(tmp, path, env);
  } catch (...) {
    fs::remove(tmp, ec);
    throw;
  }
}

}  // namespace taifeng::data
