#include "taifeng/geo/gdal_open.h"

#include <cpl_conv.h>
#include <gdal.h>

#include <mutex>
#include <vector>

#include "taifeng/base/error.h"

namespace taifeng::geo {
namespace {

// Process-wide, once: no network, no sidecars, no directory scans.
void Lockdown() {
  static std::once_flag once;
  std::call_once(once, [] {
    GDALAllRegister();
    CPLSetConfigOption("CPL_VSIL_CURL_ALLOWED_EXTENSIONS", ".taifeng-no-network");
    CPLSetConfigOption("GDAL_HTTP_MAX_RETRY", "0");
    CPLSetConfigOption("GDAL_PAM_ENABLED", "NO");
    CPLSetConfigOption("GDAL_DISABLE_READDIR_ON_OPEN", "EMPTY_DIR");
    CPLSetConfigOption("GDAL_ENABLE_DEPRECATED_DRIVER_DODS", "NO");
  });
}

}  // namespace

void RequireLocalFile(const std::filesystem::path& path) {
  const std::string s = path.string(), file = path.filename().string();
  const bool virtual_fs = s.rfind("/vsi", 0) == 0 || s.find("/vsi") != std::string::npos;
  const bool url = s.find("://") != std::string::npos;
  const auto colon = s.find(':');
  const bool subdataset = colon != std::string::npos && colon > 1 && s.find('/') > colon;  // "NETCDF:…", not "/a:b" nor "C:"
  if (virtual_fs || url || subdataset)
    throw ParseError(file.empty() ? s : file, 0, "file", "a local file (no /vsi… path, URL or DRIVER: name)");
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw Error(ErrorCode::kNotFound, s + ": no such file");
  if (!std::filesystem::is_regular_file(path, ec)) throw ParseError(file, 0, "file", "a regular file");
}

void* OpenWithDrivers(const std::string& name, bool raster, std::initializer_list<const char*> drivers, const char* const* open_options) {
  Lockdown();
  std::vector<const char*> allowed(drivers.begin(), drivers.end());
  allowed.push_back(nullptr);
  const unsigned flags = (raster ? GDAL_OF_RASTER : GDAL_OF_VECTOR) | GDAL_OF_READONLY;
  CPLPushErrorHandler(CPLQuietErrorHandler);
  GDALDatasetH ds = GDALOpenEx(name.c_str(), flags, allowed.data(), open_options, nullptr);
  CPLPopErrorHandler();
  return ds;
}

}  // namespace taifeng::geo
