#include "taifeng/data/rain.h"

#include <cpl_conv.h>
#include <gdal.h>
#include <gtest/gtest.h>
#include <ogr_srs_api.h>

#include <cmath>
#include <fstream>

#include "taifeng/data/archive.h"
#include "taifeng/base/time_utc.h"
#include "taifeng/base/error.h"

namespace taifeng::data {
namespace {

std::string Sample(const std::string& name) { return std::string(TAIFENG_SAMPLES_DIR) + "/rainfall/" + name; }

struct Totals {
  std::size_t valid = 0;
  double sum = 0, max = 0;
};
Totals LayerTotals(const RainGrid& g, std::size_t layer) {
  Totals t;
  for (std::size_t c = 0; c < g.cells(); ++c) {
    const float v = g.At(layer, c);
    if (!std::isfinite(v)) continue;
    ++t.valid;
    t.sum += v;
    t.max = std::max<double>(t.max, v);
  }
  return t;
}

// The real CHM_PRE grids (PROVENANCE: 0.1°, 18.05-53.95°N, 72.05-135.95°E, mm/day, NaN outside
// the footprint). Expected totals computed independently with h5py from the files.
TEST(Rain, ChmPreGridsImportWithExtentUnitsAndTotals) {
  std::string code;
  const RainGrid g = ReadRainFile(Sample("pre_0411.nc"), {}, &code);
  EXPECT_EQ(code, "0411");
  EXPECT_EQ(g.nlat, 360);
  EXPECT_EQ(g.nlon, 640);
  EXPECT_NEAR(g.Lat(0), 18.05, 1e-9);
  EXPECT_NEAR(g.Lat(g.nlat - 1), 53.95, 1e-9);
  EXPECT_NEAR(g.Lon(0), 72.05, 1e-9);
  EXPECT_NEAR(g.Lon(g.nlon - 1), 135.95, 1e-9);
  EXPECT_NEAR(g.dlat_deg, 0.1, 1e-9);
  ASSERT_EQ(g.layers(), 2u);
  EXPECT_EQ(FormatIsoUtc(g.start_utc[0]), "2004-07-26T00:00:00Z");
  EXPECT_EQ(g.end_utc[0] - g.start_utc[0], 86400);  // mm/day over one day: mm
  EXPECT_EQ(FormatIsoUtc(g.start_utc[1]), "2004-07-27T00:00:00Z");
  const Totals d1 = LayerTotals(g, 0), d2 = LayerTotals(g, 1);
  EXPECT_EQ(d1.valid, 1583u);
  EXPECT_EQ(d2.valid, 3754u);
  EXPECT_NEAR(d1.sum, 2217.06, 0.05);
  EXPECT_NEAR(d2.sum, 23110.24, 0.5);
  EXPECT_NEAR(d2.max, 85.751, 1e-3);
  // Rows run south to north: the wettest cell is on the east Guangdong coast, where 0411 landed.
  std::size_t wettest = 0;
  float most = -1;
  for (std::size_t c = 0; c < g.cells(); ++c)
    if (std::isfinite(g.At(1, c)) && g.At(1, c) > most) most = g.At(1, c), wettest = c;
  const double lat = g.Lat(static_cast<int>(wettest / g.nlon)), lon = g.Lon(static_cast<int>(wettest % g.nlon));
  EXPECT_GT(lat, 21.5);
  EXPECT_LT(lat, 26.0);
  EXPECT_GT(lon, 113.0);
  EXPECT_LT(lon, 118.5);
  const RainGrid h = ReadRainFile(Sample("pre_8613.nc"), {}, &code);
  EXPECT_EQ(code, "8613");
  EXPECT_EQ(FormatIsoUtc(h.start_utc[0]), "1986-08-09T00:00:00Z");
  EXPECT_EQ(LayerTotals(h, 0).valid, 624u);
  EXPECT_NEAR(LayerTotals(h, 0).max, 113.029, 1e-3);
  EXPECT_NEAR(LayerTotals(h, 1).sum, 29147.44, 0.5);
}

TEST(Rain, GridsRoundTripThroughTheArchiveAtomically) {
  const auto path = std::filesystem::temp_directory_path() / ("taifeng-rain-" + std::to_string(::getpid()) + ".h5");
  WriteArchive(path, ToArchive({}, {}));
  RainGrid g = ReadRainFile(Sample("pre_0411.nc"), {});
  for (auto& s : g.storm) s = "CMA:2004-0014";
  RainGrid m;
  m.kind = "modelled";
  m.source = "test";
  m.nlat = 2, m.nlon = 3, m.lat0_deg = 20, m.lon0_deg = 110, m.dlat_deg = m.dlon_deg = 0.5;
  m.start_utc = {0, 10};
  m.end_utc = {5, 20};
  m.storm = {"A", "B"};
  m.mm = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  WriteRainGrids(path, {g, m});
  const auto back = ReadRainGrids(path);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].kind, "observed");
  EXPECT_EQ(back[0].storm[1], "CMA:2004-0014");
  EXPECT_EQ(back[0].nlat, 360);
  EXPECT_NEAR(back[0].Lat(0), 18.05, 1e-9);
  EXPECT_NEAR(LayerTotals(back[0], 1).sum, 23110.24, 0.5);
  EXPECT_TRUE(std::isnan(back[0].At(0, 0)));  // NaN outside the footprint is kept
  EXPECT_EQ(back[1].kind, "modelled");
  EXPECT_EQ(back[1].storm[1], "B");
  EXPECT_EQ(back[1].At(1, 5), 12.0f);
  EXPECT_EQ(ReadRainGrids(path, false).size(), 1u);
  EXPECT_EQ(LoadArchive(path).storm_count(), 0u);  // still an archive
  // Replacing: the same storm's observed rain is replaced, not duplicated.
  WriteRainGrids(path, {g});
  EXPECT_EQ(ReadRainGrids(path).size(), 2u);
  // An observed grid must name one storm.
  RainGrid bad = g;
  bad.storm[1] = "other";
  EXPECT_THROW(WriteRainGrids(path, {bad}), Error);
  std::filesystem::remove(path);
}

// A small GeoTIFF written with GDAL: 3 x 2 cells of 0.5°, one band.
std::string MakeTiff(const std::string& name, const char* units, double value, int epsg = 4326) {
  GDALAllRegister();
  const std::string path = (std::filesystem::temp_directory_path() / name).string();
  GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GTiff"), path.c_str(), 3, 2, 1, GDT_Float32, nullptr);
  double gt[6] = {110.0, 0.5, 0, 23.0, 0, -0.5};
  if (epsg != 4326) gt[0] = 1.2e7, gt[3] = 2.6e6, gt[1] = 5e4, gt[5] = -5e4;
  GDALSetGeoTransform(ds, gt);
  OGRSpatialReferenceH srs = OSRNewSpatialReference(nullptr);
  OSRImportFromEPSG(srs, epsg);
  char* wkt = nullptr;
  OSRExportToWkt(srs, &wkt);
  GDALSetProjection(ds, wkt);
  CPLFree(wkt);
  OSRDestroySpatialReference(srs);
  GDALRasterBandH b = GDALGetRasterBand(ds, 1);
  GDALSetRasterUnitType(b, units);
  std::vector<float> v(6, static_cast<float>(value));
  v[0] = -9999.0f;
  GDALSetRasterNoDataValue(b, -9999.0);
  if (GDALRasterIO(b, GF_Write, 0, 0, 3, 2, v.data(), 3, 2, GDT_Float32, 0, 0) != CE_None) return "";
  GDALClose(ds);
  return path;
}

TEST(Rain, GeoTiffNeedsAPeriodAndUnitsAndAGeographicGrid) {
  const std::string tif = MakeTiff("taifeng-rain-a.tif", "mm/h", 2.0);
  RainImportOptions o;
  EXPECT_THROW(ReadRainFile(tif, o), ParseError);  // no time axis, no period given
  o.start_utc = *UtcSeconds(2018, 9, 16, 0);
  o.end_utc = *UtcSeconds(2018, 9, 16, 6);
  const RainGrid g = ReadRainFile(tif, o);
  ASSERT_EQ(g.layers(), 1u);
  EXPECT_EQ(g.nlat, 2);
  EXPECT_NEAR(g.Lat(0), 22.25, 1e-9);  // south row first
  EXPECT_NEAR(g.Lon(2), 111.25, 1e-9);
  EXPECT_NEAR(g.At(0, *g.Cell(22.25, 110.75)), 12.0, 1e-6);  // 2 mm/h over 6 h
  EXPECT_TRUE(std::isnan(g.At(0, *g.Cell(22.75, 110.25))));  // the nodata cell (north-west)
  EXPECT_FALSE(g.Cell(30.0, 110.0).has_value());
  try {
    ReadRainFile(MakeTiff("taifeng-rain-b.tif", "furlongs", 2.0), o);
    FAIL();
  } catch (const ParseError& e) {
    EXPECT_NE(std::string(e.what()).find("furlongs"), std::string::npos) << e.what();
  }
  try {
    ReadRainFile(MakeTiff("taifeng-rain-c.tif", "mm", 2.0, 3857), o);
    FAIL();
  } catch (const ParseError& e) {
    EXPECT_NE(std::string(e.what()).find("CRS"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ReadRainFile(MakeTiff("taifeng-rain-d.tif", "mm", -1.0), o), ParseError);  // negative rain
  const auto text = std::filesystem::temp_directory_path() / "taifeng-rain-e.nc";
  std::ofstream(text) << "not a grid\n";
  EXPECT_THROW(ReadRainFile(text, o), ParseError);
  EXPECT_THROW(ReadRainFile("/nonexistent/rain.nc", o), Error);
}

// A rain file is read by the netCDF, GeoTIFF or HDF5 drivers only, from a local file: a GDAL VRT
// (even named .nc) once read /etc/passwd into /rain/observed, and /vsicurl/ or URL names reach the
// network. Each is refused naming the file.
TEST(Rain, VrtNetworkAndVirtualPathsAreRefused) {
  const auto dir = std::filesystem::temp_directory_path() / "taifeng-rain-hostile";
  std::filesystem::create_directories(dir);
  const auto vrt = dir / "pre_evil.nc";
  std::ofstream(vrt) << R"(<VRTDataset rasterXSize="10" rasterYSize="1"><VRTRasterBand dataType="Byte" band="1" subClass="VRTRawRasterBand">)"
                     << R"(<SourceFilename relativetoVRT="0">/etc/passwd</SourceFilename><ImageOffset>0</ImageOffset>)"
                     << R"(<PixelOffset>1</PixelOffset><LineOffset>10</LineOffset></VRTRasterBand></VRTDataset>)";
  // The file is a VRT GDAL itself would open (the check is not vacuous).
  GDALAllRegister();
  GDALDatasetH any = GDALOpenEx(vrt.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr, nullptr, nullptr);
  ASSERT_NE(any, nullptr);
  GDALClose(any);
  for (const std::string& name : std::vector<std::string>{vrt.string(), "/vsicurl/http://127.0.0.1:9/pre.nc", "http://127.0.0.1:9/pre.nc",
                                  "NETCDF:\"" + Sample("pre_0411.nc") + "\":pre", "/vsizip/" + Sample("pre_0411.nc")}) {
    try {
      ReadRainFile(name, {});
      ADD_FAILURE() << name << " was read";
    } catch (const ParseError& e) {
      EXPECT_EQ(e.field(), "file") << name;
    }
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace taifeng::data
