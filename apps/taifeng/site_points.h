// Named points of interest for the risk atlas (`risk build --points`, `risk compare`): a CSV file
// with a header naming at least code, name, name_en, lat_deg, lon_deg (degrees, WGS 84), in any
// order; other columns are kept by name (a reference value, its source). No quoting: a field holds
// no comma. Errors: Error(kNotFound) for a missing file, ParseError naming the file, line and
// field for anything else (a missing column, a bad number, a duplicate code, more than 100,000
// points or 4 MB); nothing is returned then. Thread safety: reentrant.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace taifeng::cli {

struct SitePoint {
  std::string code, name, name_en;
  double lat_deg = 0, lon_deg = 0;
  std::map<std::string, std::string> extra;  // the other columns, by header name
};

std::vector<SitePoint> LoadSitePoints(const std::string& path);

}  // namespace taifeng::cli
