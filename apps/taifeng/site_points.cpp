#include "site_points.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>
#include <sstream>

#include "taifeng/base/error.h"
#include "taifeng/base/read_file.h"

namespace taifeng::cli {

namespace {

constexpr std::size_t kMaxBytes = std::size_t{4} << 20;
constexpr std::size_t kMaxPoints = 100000;

std::vector<std::string> Split(const std::string& line) {
  std::vector<std::string> cells;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = line.find(',', start);
    cells.push_back(line.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) return cells;
    start = comma + 1;
  }
}

double Number(const std::string& file, std::int64_t line, const std::string& field, const std::string& text, double lo, double hi) {
  double v = NAN;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || !(v >= lo && v <= hi))
    throw ParseError(file, line, field, "a number in [" + std::to_string(static_cast<int>(lo)) + ", " + std::to_string(static_cast<int>(hi)) +
                                            "], not '" + text.substr(0, 40) + "'");
  return v;
}

}  // namespace

std::vector<SitePoint> LoadSitePoints(const std::string& path) {
  const std::string text = ReadWholeFile(path, kMaxBytes);
  std::istringstream in(text);
  std::string line;
  std::vector<std::string> header;
  std::vector<SitePoint> points;
  std::set<std::string> codes;
  for (std::int64_t n = 1; std::getline(in, line); ++n) {
    if (n == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    if (line.find('"') != std::string::npos) throw ParseError(path, n, "line", "no quotes (fields hold no commas)");
    std::vector<std::string> cells = Split(line);
    if (header.empty()) {
      header = std::move(cells);
      for (const char* need : {"code", "name", "name_en", "lat_deg", "lon_deg"})
        if (std::find(header.begin(), header.end(), need) == header.end()) throw ParseError(path, n, need, "a column named " + std::string(need));
      continue;
    }
    if (cells.size() != header.size())
      throw ParseError(path, n, "line", std::to_string(header.size()) + " fields as the header has, not " + std::to_string(cells.size()));
    if (points.size() == kMaxPoints) throw ParseError(path, n, "line", "at most " + std::to_string(kMaxPoints) + " points");
    SitePoint p;
    for (std::size_t c = 0; c < header.size(); ++c) {
      const std::string& h = header[c];
      if (h == "code") p.code = cells[c];
      else if (h == "name") p.name = cells[c];
      else if (h == "name_en") p.name_en = cells[c];
      else if (h == "lat_deg") p.lat_deg = Number(path, n, h, cells[c], -80, 80);
      else if (h == "lon_deg") p.lon_deg = Number(path, n, h, cells[c], -180, 360);
      else p.extra[h] = cells[c];
    }
    if (p.code.empty() || !codes.insert(p.code).second) throw ParseError(path, n, "code", "a code, unique in the file");
    points.push_back(std::move(p));
  }
  if (points.empty()) throw ParseError(path, 1, "file", "a header and at least one point");
  return points;
}

}  // namespace taifeng::cli
