// Opening outside files with GDAL, trusting nothing in them (rain grids, region files).
// - RequireLocalFile refuses what is not a plain local file: GDAL's virtual file systems
//   (/vsicurl/, /vsizip/…), URLs (scheme://) and "DRIVER:…" subdataset names.
// - OpenWithDrivers lets only the named GDAL drivers open the file (never VRT, which can read any
//   other file, nor WMS/WFS/HTTP and the other network drivers), read-only, with network access
//   off process-wide (/vsicurl/ allows no extension) and without .aux.xml sidecars or sibling
//   file scans.
// Part of geo/ (taifeng::geo). Thread safety: both are safe to call from any thread.
#pragma once

#include <filesystem>
#include <initializer_list>
#include <string>

namespace taifeng::geo {

// Throws ParseError(file name, 0, "file", what is expected) for a path that is not a local regular
// file, Error(kNotFound) when it does not exist.
void RequireLocalFile(const std::filesystem::path& path);

// The GDAL dataset handle (GDALDatasetH; close it with GDALClose), or nullptr when none of
// `drivers` (GDAL short names, e.g. "netCDF", "GTiff", "HDF5", "GeoJSON", "ESRI Shapefile",
// "GPKG") opens `name`. `open_options`: a null-terminated list, or nullptr.
void* OpenWithDrivers(const std::string& name, bool raster, std::initializer_list<const char*> drivers,
                      const char* const* open_options = nullptr);

}  // namespace taifeng::geo
